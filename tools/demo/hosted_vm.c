/* The demo VM without KVM. See hosted_vm.h. */
#include "tools/demo/hosted_vm.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/demo/guest/driver.h"
#include "tools/demo/guest/io.h"

/* Enough for the demo's one function; add_* fails with -ENOSPC beyond. */
#define MAX_SLOTS	32
#define MAX_ROUTES	256
#define MAX_INTX	4	/* INTA-INTD */

/* MSI messages a LAPIC accepts: address 0xFEExxxxx, vector in data[7:0]. */
#define MSI_ADDR_MASK	0xfff00000u
#define MSI_ADDR_LAPIC	0xfee00000u

struct slot {
	bool used, readonly;
	uint64_t gpa, size;
	uint8_t *hva;
};

/* KVM's view of a route: a message takes effect at commit, masking at once
 * (an irqfd deassigned leaves signals in its eventfd). */
struct route {
	bool used, live, masked;
	int fd;
	struct vmpci_msi_msg msg, next;
};

struct hosted_vm {
	const struct demo_vm_ops *ops;
	hosted_vm_log_fn log;
	void *opaque;
	struct vmpci_host host;
	struct demo_mailbox mailbox;
	struct slot slots[MAX_SLOTS];
	struct route routes[MAX_ROUTES];
	bool intx[MAX_INTX];
	uint32_t irr[256 / 32];
	int err;
};

/* The VM whose driver runs on this thread: the driver's accesses carry no
 * context, just as a CPU's do; the running thread is the vCPU. */
static _Thread_local struct hosted_vm *running;

static void access_result(struct hosted_vm *vm, int err)
{
	if (err && !vm->err)
		vm->err = err;
}

uint32_t demo_hosted_in(uint16_t port, uint8_t size)
{
	struct hosted_vm *vm = running;
	uint32_t v = 0;

	if (!vm)
		return UINT32_MAX;
	access_result(vm, vm->ops->pio(vm->opaque, port, size, false, &v));
	return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}

void demo_hosted_out(uint16_t port, uint8_t size, uint32_t v)
{
	struct hosted_vm *vm = running;

	if (vm)
		access_result(vm, vm->ops->pio(vm->opaque, port, size, true, &v));
}

static struct slot *slot_at(struct hosted_vm *vm, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < MAX_SLOTS; i++) {
		struct slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa <= s->size - len)
			return s;
	}
	return NULL;
}

uint32_t demo_hosted_read32(uint32_t gpa)
{
	struct hosted_vm *vm = running;
	struct slot *s;
	uint64_t v = 0;

	if (!vm)
		return UINT32_MAX;
	s = slot_at(vm, gpa, 4);
	if (s) {
		uint32_t m;

		memcpy(&m, s->hva + (gpa - s->gpa), sizeof(m));
		return m;
	}
	access_result(vm, vm->ops->mmio(vm->opaque, gpa, 4, false, &v));
	return (uint32_t)v;
}

void demo_hosted_write32(uint32_t gpa, uint32_t v)
{
	struct hosted_vm *vm = running;
	struct slot *s;
	uint64_t d = v;

	if (!vm)
		return;
	s = slot_at(vm, gpa, 4);
	/* A write to a read-only slot exits to the VMM, as on KVM. */
	if (s && !s->readonly) {
		memcpy(s->hva + (gpa - s->gpa), &v, sizeof(v));
		return;
	}
	access_result(vm, vm->ops->mmio(vm->opaque, gpa, 4, true, &d));
}

static void hv_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	struct hosted_vm *vm = opaque;

	if (vm->log)
		vm->log(vm->opaque, level, msg);
}

static int hv_map(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		  bool readonly, uint32_t *slot)
{
	struct hosted_vm *vm = opaque;

	if (!size || gpa + size < gpa)
		return -EINVAL;
	for (uint32_t i = 0; i < MAX_SLOTS; i++) {
		if (vm->slots[i].used)
			continue;
		vm->slots[i] = (struct slot){ true, readonly, gpa, size,
					      host_addr };
		*slot = i;
		return 0;
	}
	return -ENOSPC;
}

static int hv_unmap(void *opaque, uint32_t slot)
{
	struct hosted_vm *vm = opaque;

	if (slot >= MAX_SLOTS || !vm->slots[slot].used)
		return -ENOENT;
	vm->slots[slot].used = false;
	return 0;
}

static struct route *route_get(struct hosted_vm *vm, uint32_t route)
{
	if (route >= MAX_ROUTES || !vm->routes[route].used)
		return NULL;
	return &vm->routes[route];
}

static int hv_add_msi(void *opaque, int eventfd,
		      const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct hosted_vm *vm = opaque;

	for (uint32_t i = 0; i < MAX_ROUTES; i++) {
		if (vm->routes[i].used)
			continue;
		vm->routes[i] = (struct route){ .used = true, .fd = eventfd,
						.next = *msg };
		*route = i;
		return 0;
	}
	return -ENOSPC;
}

static int hv_update_msi(void *opaque, uint32_t route,
			 const struct vmpci_msi_msg *msg)
{
	struct route *r = route_get(opaque, route);

	if (!r)
		return -ENOENT;
	r->next = *msg;
	return 0;
}

static int hv_mask_msi(void *opaque, uint32_t route, bool masked)
{
	struct route *r = route_get(opaque, route);

	if (!r)
		return -ENOENT;
	r->masked = masked;
	return 0;
}

static int hv_remove_msi(void *opaque, uint32_t route)
{
	struct route *r = route_get(opaque, route);

	if (!r)
		return -ENOENT;
	r->used = false;
	return 0;
}

static int hv_commit(void *opaque)
{
	struct hosted_vm *vm = opaque;

	for (unsigned i = 0; i < MAX_ROUTES; i++) {
		vm->routes[i].msg = vm->routes[i].next;
		vm->routes[i].live = vm->routes[i].used;
	}
	return 0;
}

/* The lines are held for the device but never asserted here: the demo's
 * guest uses MSI-X and has no interrupt controller pin to raise. */
static int hv_add_intx(void *opaque, uint32_t devid, uint32_t pin,
		       int trigger_fd, int resample_fd, uint32_t *route)
{
	struct hosted_vm *vm = opaque;

	(void)devid, (void)trigger_fd, (void)resample_fd;
	if (pin >= MAX_INTX || vm->intx[pin])
		return -EBUSY;
	vm->intx[pin] = true;
	*route = pin;
	return 0;
}

static int hv_remove_intx(void *opaque, uint32_t route)
{
	struct hosted_vm *vm = opaque;

	if (route >= MAX_INTX || !vm->intx[route])
		return -ENOENT;
	vm->intx[route] = false;
	return 0;
}

static const struct vmpci_host_ops hosted_ops = {
	.log = hv_log,
	.map_memory = hv_map,
	.unmap_memory = hv_unmap,
	.add_msi_route = hv_add_msi,
	.update_msi_route = hv_update_msi,
	.mask_msi_route = hv_mask_msi,
	.remove_msi_route = hv_remove_msi,
	.commit_routes = hv_commit,
	.add_intx_route = hv_add_intx,
	.remove_intx_route = hv_remove_intx,
};

int hosted_vm_new(const struct demo_vm_ops *ops, hosted_vm_log_fn log,
		  void *opaque, struct hosted_vm **out)
{
	struct hosted_vm *vm;

	*out = NULL;
	if (!ops || !ops->pio || !ops->mmio)
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->ops = ops;
	vm->log = log;
	vm->opaque = opaque;
	vm->host = (struct vmpci_host){ &hosted_ops, vm };
	*out = vm;
	return 0;
}

void hosted_vm_free(struct hosted_vm *vm)
{
	free(vm);
}

const struct vmpci_host *hosted_vm_host(struct hosted_vm *vm)
{
	return &vm->host;
}

int hosted_vm_run(struct hosted_vm *vm, uint32_t *status)
{
	struct demo_mailbox *mb = &vm->mailbox;

	vm->err = 0;
	running = vm;
	mb->status = mb->magic == DEMO_MAILBOX_MAGIC ? demo_guest_drive(mb)
						     : DEMO_STATUS_BAD_MAILBOX;
	running = NULL;
	*status = mb->status;
	return vm->err;
}

struct demo_mailbox *hosted_vm_mailbox(struct hosted_vm *vm)
{
	return &vm->mailbox;
}

/* What KVM's irqfd does on a signal: consume the count, raise the vector. */
static void deliver(struct hosted_vm *vm, const struct route *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	uint64_t count;

	if (poll(&p, 1, 0) != 1 || read(r->fd, &count, sizeof(count)) !=
					   (ssize_t)sizeof(count))
		return;
	if ((r->msg.address & MSI_ADDR_MASK) != MSI_ADDR_LAPIC)
		return;
	vm->irr[(r->msg.data & 0xff) / 32] |= 1u << (r->msg.data % 32);
}

int hosted_vm_irr_pending(struct hosted_vm *vm, uint8_t vector)
{
	for (unsigned i = 0; i < MAX_ROUTES; i++) {
		const struct route *r = &vm->routes[i];

		if (r->used && r->live && !r->masked)
			deliver(vm, r);
	}
	return (vm->irr[vector / 32] >> (vector % 32)) & 1;
}

void hosted_vm_irr_clear(struct hosted_vm *vm, uint8_t vector)
{
	vm->irr[vector / 32] &= ~(1u << (vector % 32));
}

unsigned hosted_vm_slots(const struct hosted_vm *vm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_SLOTS; i++)
		n += vm->slots[i].used;
	return n;
}

unsigned hosted_vm_msi_routes(const struct hosted_vm *vm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_ROUTES; i++)
		n += vm->routes[i].used;
	return n;
}
