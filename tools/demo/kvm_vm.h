/* A minimal KVM virtual machine for the vmpci demo: what a VMM writes
 * around vmpci. One vCPU in flat 32-bit protected mode runs the built-in
 * guest program (guest/guest.c); every port or MMIO access KVM cannot handle
 * in the kernel comes back to the VMM through two callbacks, the way a VMM
 * hands them to its PCI bus and devices.
 *
 * The VM has KVM's in-kernel irqchip (LAPIC software-enabled), 1 MiB of RAM
 * at GPA 0 in memory slot 0, and the guest's mailbox at DEMO_MAILBOX_GPA
 * (guest/mailbox.h). Memory slot 0 is the VM's own: anything else adding
 * slots to this VM (vmpci's KVM host) must number its slots from 1. The
 * guest runs with interrupts disabled, so an MSI delivered to it stays
 * pending in the LAPIC's IRR, where demo_vm_irr_pending sees it.
 *
 * Functions return 0 or a negative errno unless they say otherwise. Not
 * thread-safe: one thread owns the VM. */
#ifndef DEMO_KVM_VM_H
#define DEMO_KVM_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/demo/guest/mailbox.h"

#ifdef __cplusplus
extern "C" {
#endif

struct demo_vm;

struct demo_vm_ops {
	/* A port access of `size` (1, 2 or 4) bytes. On a read, store the
	 * value in the low `size` bytes of *data. Nonzero stops the run and
	 * demo_vm_run returns it. */
	int (*pio)(void *opaque, uint16_t port, uint8_t size, bool is_write,
		   uint32_t *data);
	/* An access of `size` (1, 2, 4 or 8) bytes to a guest physical
	 * address backed by no memory slot and no in-kernel device. Same
	 * conventions as pio. */
	int (*mmio)(void *opaque, uint64_t gpa, uint8_t size, bool is_write,
		    uint64_t *data);
	/* Why something failed, one line without a newline. May be NULL. */
	void (*log)(void *opaque, const char *msg);
};

/* Create the VM and its vCPU with the guest program loaded, registers set
 * for its entry and the mailbox zeroed. `ops` must outlive the VM. -ENOENT
 * when /dev/kvm is missing; other errors come from the KVM ioctls. */
int demo_vm_new(const struct demo_vm_ops *ops, void *opaque,
		struct demo_vm **out);

/* Close the vCPU and VM and unmap guest RAM. Accepts NULL. */
void demo_vm_free(struct demo_vm *vm);

/* Run the vCPU, dispatching its exits to the ops, until the guest writes
 * DEMO_DONE_PORT; its status (DEMO_STATUS_*) goes to *status. At most
 * `max_exits` exits are handled: -ETIMEDOUT beyond that. -EIO for an exit
 * the VM does not handle (shutdown, internal error, ...), logged with the
 * guest's EIP. */
int demo_vm_run(struct demo_vm *vm, uint32_t max_exits, uint32_t *status);

/* The VM file descriptor, owned by the VM (do not close). Hand it to
 * whatever adds memory slots or MSI routes to this VM. */
int demo_vm_fd(const struct demo_vm *vm);

/* The mailbox in guest RAM. Fill the host -> guest fields before
 * demo_vm_run, read the guest -> host fields after it. */
struct demo_mailbox *demo_vm_mailbox(struct demo_vm *vm);

/* 1 if `vector` is pending in the vCPU's LAPIC IRR, 0 if not, or a negative
 * errno from KVM_GET_LAPIC. */
int demo_vm_irr_pending(const struct demo_vm *vm, uint8_t vector);

/* Take `vector` out of the LAPIC's IRR, as the guest would by accepting it,
 * so that its next delivery can be seen. */
int demo_vm_irr_clear(struct demo_vm *vm, uint8_t vector);

#ifdef __cplusplus
}
#endif

#endif
