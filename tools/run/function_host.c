/* The host ops a passed-through function's device gets: the VM's bundled
 * KVM host for memory and MSI routes, with two changes:
 *  - INTx goes to the IOAPIC GSI the guest was told for this slot and pin
 *    (run_intx_gsi, the rule the DSDT's _PRT states). The KVM host has one
 *    GSI per pin for every device, but the _PRT swizzles pins by slot so
 *    that functions spread over the eight lines 16-23; so this host makes
 *    the resampling irqfd itself, on the VM fd.
 *  - Log lines go to the VMM's stderr ("vmpci run: ..."), errors and
 *    warnings only: they explain a failure the VMM then reports. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "tools/run/passthrough_internal.h"

static const struct vmpci_host *kvm(void *opaque)
{
	return ((struct run_function *)opaque)->pt->kvm;
}

static void fn_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	struct run_function *fn = opaque;

	if (level <= VMPCI_LOG_WARN)
		run_vm_log(fn->pt->vm, "%s", msg);
}

static int fn_map_memory(void *opaque, uint64_t gpa, uint64_t size,
			 void *host_addr, bool readonly, uint32_t *slot)
{
	const struct vmpci_host *h = kvm(opaque);

	return h->ops->map_memory(h->opaque, gpa, size, host_addr, readonly,
				  slot);
}

static int fn_unmap_memory(void *opaque, uint32_t slot)
{
	const struct vmpci_host *h = kvm(opaque);

	return h->ops->unmap_memory(h->opaque, slot);
}

static int fn_add_msi_route(void *opaque, int eventfd,
			    const struct vmpci_msi_msg *msg, uint32_t *route)
{
	const struct vmpci_host *h = kvm(opaque);

	return h->ops->add_msi_route(h->opaque, eventfd, msg, route);
}

static int fn_update_msi_route(void *opaque, uint32_t route,
			       const struct vmpci_msi_msg *msg)
{
	const struct vmpci_host *h = kvm(opaque);

	return h->ops->update_msi_route(h->opaque, route, msg);
}

static int fn_mask_msi_route(void *opaque, uint32_t route, bool masked)
{
	const struct vmpci_host *h = kvm(opaque);

	return h->ops->mask_msi_route(h->opaque, route, masked);
}

static int fn_remove_msi_route(void *opaque, uint32_t route)
{
	const struct vmpci_host *h = kvm(opaque);

	return h->ops->remove_msi_route(h->opaque, route);
}

static int fn_commit_routes(void *opaque)
{
	const struct vmpci_host *h = kvm(opaque);

	return h->ops->commit_routes(h->opaque);
}

static int irqfd(struct run_function *fn, int fd, unsigned gsi,
		 int resample_fd, bool assign)
{
	struct kvm_irqfd req;

	memset(&req, 0, sizeof(req));
	req.fd = (uint32_t)fd;
	req.gsi = gsi;
	if (assign) {
		/* KVM lowers the level line on the guest's EOI and signals
		 * resample_fd, which VFIO takes as its unmask trigger. */
		req.flags = KVM_IRQFD_FLAG_RESAMPLE;
		req.resamplefd = (uint32_t)resample_fd;
	} else {
		req.flags = KVM_IRQFD_FLAG_DEASSIGN;
	}
	if (ioctl(run_vm_fd(fn->pt->vm), KVM_IRQFD, &req) < 0)
		return -errno;
	return 0;
}

/* The route handle is the pin: a function has one INTx pin. */
static int fn_add_intx_route(void *opaque, uint32_t pin, int trigger_fd,
			     int resample_fd, uint32_t *route)
{
	struct run_function *fn = opaque;
	unsigned gsi;
	int err;

	if (pin > 3 || trigger_fd < 0 || resample_fd < 0 || !route)
		return -EINVAL;
	if (fn->intx_fd[pin] >= 0)
		return -EBUSY;
	gsi = run_intx_gsi(fn->slot, pin);
	err = irqfd(fn, trigger_fd, gsi, resample_fd, true);
	if (err)
		return err;
	fn->intx_fd[pin] = trigger_fd;
	fn->intx_gsi[pin] = gsi;
	*route = pin;
	return 0;
}

static int fn_remove_intx_route(void *opaque, uint32_t route)
{
	struct run_function *fn = opaque;
	int err;

	if (route > 3 || fn->intx_fd[route] < 0)
		return -ENOENT;
	err = irqfd(fn, fn->intx_fd[route], fn->intx_gsi[route], -1, false);
	fn->intx_fd[route] = -1;
	return err;
}

static const struct vmpci_host_ops fn_ops = {
	.log = fn_log,
	.map_memory = fn_map_memory,
	.unmap_memory = fn_unmap_memory,
	.add_msi_route = fn_add_msi_route,
	.update_msi_route = fn_update_msi_route,
	.mask_msi_route = fn_mask_msi_route,
	.remove_msi_route = fn_remove_msi_route,
	.commit_routes = fn_commit_routes,
	.add_intx_route = fn_add_intx_route,
	.remove_intx_route = fn_remove_intx_route,
};

void run_function_host_init(struct run_function *fn)
{
	for (unsigned i = 0; i < 4; i++)
		fn->intx_fd[i] = -1;
	fn->host.ops = &fn_ops;
	fn->host.opaque = fn;
}
