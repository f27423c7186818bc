/* The demo VM: KVM setup and the vCPU's exit-dispatch loop. See kvm_vm.h. */
#include "tools/demo/kvm_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <asm/processor-flags.h>
#include <linux/kvm.h>

#include "tools/demo/guest_image.h"

/* LAPIC registers inside kvm_lapic_state.regs, which mirrors the 4 KiB APIC
 * page (Intel SDM vol. 3, table "Local APIC Register Address Map"); the
 * uapi headers do not name them. */
#define APIC_SVR		0xf0
#define APIC_SVR_SW_ENABLE	0x100u
#define APIC_IRR		0x200	/* 8 dwords, one per 16 bytes */

#define RAM_SLOT		0

_Static_assert(DEMO_MAILBOX_GPA + sizeof(struct demo_mailbox) <=
		       DEMO_GUEST_LOAD_GPA, "mailbox overlaps the program");
_Static_assert(DEMO_GUEST_LOAD_GPA + DEMO_GUEST_IMAGE_MAX <
		       DEMO_GUEST_STACK_TOP, "program overlaps the stack");
_Static_assert(DEMO_GUEST_STACK_TOP <= DEMO_GUEST_RAM_SIZE, "stack past RAM");

struct demo_vm {
	const struct demo_vm_ops *ops;
	void *opaque;
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *ram;
};

__attribute__((format(printf, 2, 3)))
static void vm_log(const struct demo_vm *vm, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!vm->ops->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm->ops->log(vm->opaque, msg);
}

/* ioctl() that logs which request failed and returns -errno. */
static int vm_ioctl(const struct demo_vm *vm, int fd, unsigned long req,
		    void *arg, const char *name)
{
	int ret = ioctl(fd, req, arg);

	if (ret < 0) {
		ret = -errno;
		vm_log(vm, "%s: %s", name, strerror(-ret));
	}
	return ret;
}

#define KVM_IOCTL(vm, fd, req, arg) vm_ioctl(vm, fd, req, arg, #req)

static int setup_memory(struct demo_vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = RAM_SLOT,
		.guest_phys_addr = 0,
		.memory_size = DEMO_GUEST_RAM_SIZE,
	};

	if (demo_guest_image_size > DEMO_GUEST_IMAGE_MAX) {
		vm_log(vm, "guest image of %u bytes exceeds %u",
		       demo_guest_image_size, DEMO_GUEST_IMAGE_MAX);
		return -E2BIG;
	}
	vm->ram = mmap(NULL, DEMO_GUEST_RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		return -errno;
	}
	memcpy(vm->ram + DEMO_GUEST_LOAD_GPA, demo_guest_image,
	       demo_guest_image_size);
	region.userspace_addr = (uintptr_t)vm->ram;
	return KVM_IOCTL(vm, vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region);
}

/* A flat 4 GiB segment. The selectors match a GDT with code at entry 1 and
 * data at entry 2, but no GDT is needed: the guest never reloads a segment
 * register and, with interrupts off, takes no interrupt that would. */
static void flat_segment(struct kvm_segment *s, uint16_t selector,
			 uint8_t type)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.db = 1,	/* 32-bit */
		.s = 1,		/* code or data, not system */
		.g = 1,		/* limit in pages */
	};
}

/* Flat 32-bit protected mode, paging off, IF clear, at the entry point. */
static int setup_registers(struct demo_vm *vm)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = DEMO_GUEST_LOAD_GPA,
		.rsp = DEMO_GUEST_STACK_TOP,
		.rflags = X86_EFLAGS_FIXED,
	};
	int err;

	err = KVM_IOCTL(vm, vm->vcpu_fd, KVM_GET_SREGS, &sregs);
	if (err)
		return err;
	flat_segment(&sregs.cs, 0x08, 0xb);	/* execute/read, accessed */
	flat_segment(&sregs.ds, 0x10, 0x3);	/* read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs.cr4 = 0;
	sregs.efer = 0;
	err = KVM_IOCTL(vm, vm->vcpu_fd, KVM_SET_SREGS, &sregs);
	if (err)
		return err;
	return KVM_IOCTL(vm, vm->vcpu_fd, KVM_SET_REGS, &regs);
}

/* kvm_lapic_state.regs is a byte array: registers are read unaligned. */
static uint32_t lapic_reg(const struct kvm_lapic_state *lapic, size_t off)
{
	uint32_t v;

	memcpy(&v, &lapic->regs[off], sizeof(v));
	return v;
}

/* A LAPIC comes out of reset software-disabled and then ignores fixed
 * interrupts; setting SVR's enable bit is what a guest OS does first. */
static int enable_lapic(struct demo_vm *vm)
{
	struct kvm_lapic_state lapic;
	uint32_t svr;
	int err;

	err = KVM_IOCTL(vm, vm->vcpu_fd, KVM_GET_LAPIC, &lapic);
	if (err)
		return err;
	svr = lapic_reg(&lapic, APIC_SVR) | APIC_SVR_SW_ENABLE;
	memcpy(&lapic.regs[APIC_SVR], &svr, sizeof(svr));
	return KVM_IOCTL(vm, vm->vcpu_fd, KVM_SET_LAPIC, &lapic);
}

static int setup_vcpu(struct demo_vm *vm)
{
	int size, err;

	err = KVM_IOCTL(vm, vm->vm_fd, KVM_CREATE_VCPU, NULL);
	if (err < 0)
		return err;
	vm->vcpu_fd = err;
	size = KVM_IOCTL(vm, vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (size < 0)
		return size;
	vm->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return -errno;
	}
	vm->run_size = (size_t)size;
	err = setup_registers(vm);
	if (err)
		return err;
	return enable_lapic(vm);
}

int demo_vm_new(const struct demo_vm_ops *ops, void *opaque,
		struct demo_vm **out)
{
	struct demo_vm *vm;
	int err;

	*out = NULL;
	if (!ops || !ops->pio || !ops->mmio)
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->ops = ops;
	vm->opaque = opaque;
	vm->vm_fd = vm->vcpu_fd = -1;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		err = -errno;
		vm_log(vm, "/dev/kvm: %s", strerror(errno));
		goto fail;
	}
	err = KVM_IOCTL(vm, vm->kvm_fd, KVM_CREATE_VM, NULL);
	if (err < 0)
		goto fail;
	vm->vm_fd = err;
	/* Before the vCPU: KVM gives a vCPU an in-kernel LAPIC only if the
	 * irqchip exists when the vCPU is created. */
	err = KVM_IOCTL(vm, vm->vm_fd, KVM_CREATE_IRQCHIP, NULL);
	if (err)
		goto fail;
	err = setup_memory(vm);
	if (err)
		goto fail;
	err = setup_vcpu(vm);
	if (err)
		goto fail;
	*out = vm;
	return 0;
fail:
	demo_vm_free(vm);
	return err;
}

void demo_vm_free(struct demo_vm *vm)
{
	if (!vm)
		return;
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->ram)
		munmap(vm->ram, DEMO_GUEST_RAM_SIZE);
	free(vm);
}

/* One KVM_EXIT_IO may carry `count` accesses (string instructions). */
static int handle_io(struct demo_vm *vm)
{
	struct kvm_run *run = vm->run;
	uint8_t *p = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < run->io.count; i++, p += run->io.size) {
		uint32_t v = 0;
		int err;

		if (is_write)
			memcpy(&v, p, run->io.size);
		err = vm->ops->pio(vm->opaque, run->io.port, run->io.size,
				   is_write, &v);
		if (err)
			return err;
		if (!is_write)
			memcpy(p, &v, run->io.size);
	}
	return 0;
}

static int handle_mmio(struct demo_vm *vm)
{
	struct kvm_run *run = vm->run;
	uint64_t v = 0;
	int err;

	if (run->mmio.is_write)
		memcpy(&v, run->mmio.data, run->mmio.len);
	err = vm->ops->mmio(vm->opaque, run->mmio.phys_addr,
			    (uint8_t)run->mmio.len, run->mmio.is_write, &v);
	if (!err && !run->mmio.is_write)
		memcpy(run->mmio.data, &v, run->mmio.len);
	return err;
}

static const char *exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_HLT:
		return "HLT";
	case KVM_EXIT_SHUTDOWN:
		return "SHUTDOWN (triple fault)";
	case KVM_EXIT_FAIL_ENTRY:
		return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR:
		return "INTERNAL_ERROR";
	default:
		return "unhandled";
	}
}

static int unexpected_exit(struct demo_vm *vm)
{
	const struct kvm_run *run = vm->run;
	struct kvm_regs regs = { 0 };
	unsigned long long detail = 0;

	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		detail = run->internal.suberror;
	else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		detail = run->fail_entry.hardware_entry_failure_reason;
	KVM_IOCTL(vm, vm->vcpu_fd, KVM_GET_REGS, &regs);
	vm_log(vm,
	       "unexpected exit %s (reason %u, detail 0x%llx) at EIP 0x%llx",
	       exit_name(run->exit_reason), run->exit_reason, detail,
	       (unsigned long long)regs.rip);
	return -EIO;
}

static bool is_done(const struct kvm_run *run, uint32_t *status)
{
	uint32_t v = 0;

	if (run->io.port != DEMO_DONE_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT)
		return false;
	memcpy(&v, (const uint8_t *)run + run->io.data_offset, run->io.size);
	*status = v;
	return true;
}

int demo_vm_run(struct demo_vm *vm, uint32_t max_exits, uint32_t *status)
{
	for (uint32_t n = 0; n < max_exits; n++) {
		int err;

		if (ioctl(vm->vcpu_fd, KVM_RUN, NULL) < 0) {
			/* A signal for this thread: re-enter the guest. */
			if (errno == EINTR)
				continue;
			err = -errno;
			vm_log(vm, "KVM_RUN: %s", strerror(errno));
			return err;
		}
		switch (vm->run->exit_reason) {
		case KVM_EXIT_IO:
			if (is_done(vm->run, status))
				return 0;
			err = handle_io(vm);
			break;
		case KVM_EXIT_MMIO:
			err = handle_mmio(vm);
			break;
		default:
			return unexpected_exit(vm);
		}
		if (err)
			return err;
	}
	vm_log(vm, "guest did not finish within %u exits", max_exits);
	return -ETIMEDOUT;
}

int demo_vm_fd(const struct demo_vm *vm)
{
	return vm->vm_fd;
}

struct demo_mailbox *demo_vm_mailbox(struct demo_vm *vm)
{
	return (struct demo_mailbox *)(vm->ram + DEMO_MAILBOX_GPA);
}

int demo_vm_irr_pending(const struct demo_vm *vm, uint8_t vector)
{
	struct kvm_lapic_state lapic;
	int err;

	err = KVM_IOCTL(vm, vm->vcpu_fd, KVM_GET_LAPIC, &lapic);
	if (err)
		return err;
	return (lapic_reg(&lapic, APIC_IRR + vector / 32 * 16) >>
		(vector % 32)) & 1;
}

int demo_vm_irr_clear(struct demo_vm *vm, uint8_t vector)
{
	struct kvm_lapic_state lapic;
	size_t off = APIC_IRR + vector / 32 * 16;
	uint32_t irr;
	int err;

	err = KVM_IOCTL(vm, vm->vcpu_fd, KVM_GET_LAPIC, &lapic);
	if (err)
		return err;
	irr = lapic_reg(&lapic, off) & ~(1u << (vector % 32));
	memcpy(&lapic.regs[off], &irr, sizeof(irr));
	return KVM_IOCTL(vm, vm->vcpu_fd, KVM_SET_LAPIC, &lapic);
}
