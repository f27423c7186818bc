/* The demo VM without KVM: the same guest driver (guest/driver.c) runs on
 * the calling thread, compiled into the VMM, in place of a vCPU.
 *
 * Each port access and each MMIO access outside guest memory goes to the
 * same demo_vm_ops callbacks a KVM exit would reach; an access inside a
 * memory slot reads or writes the mapped host memory directly, as a vCPU
 * does without exiting. The VM also plays KVM's part for vmpci through the
 * host ops table hosted_vm_host() returns: it keeps the memory slots the
 * guest driver sees, and MSI routes which, once committed and unmasked,
 * move signals from their eventfds into a software LAPIC IRR.
 *
 * Functions return 0 or a negative errno unless they say otherwise. Not
 * thread-safe: one thread owns the VM. */
#ifndef DEMO_HOSTED_VM_H
#define DEMO_HOSTED_VM_H

#include <stdint.h>

#include "host/host.h"
#include "tools/demo/guest/mailbox.h"
#include "tools/demo/kvm_vm.h"
#include "vmpci.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hosted_vm;

/* vmpci's log lines, from the host ops table. May be NULL. */
typedef void (*hosted_vm_log_fn)(void *opaque, enum vmpci_log_level level,
				 const char *msg);

/* Create the VM with its mailbox zeroed. `ops` (pio and mmio required; its
 * log is unused) and `opaque` are as for demo_vm_new; `log` gets vmpci's
 * messages with the same opaque. */
int hosted_vm_new(const struct demo_vm_ops *ops, hosted_vm_log_fn log,
		  void *opaque, struct hosted_vm **out);

/* Accepts NULL. Routes and slots still held are dropped with the VM. */
void hosted_vm_free(struct hosted_vm *vm);

/* What vmpci calls for guest memory and interrupt routes on this VM. */
const struct vmpci_host *hosted_vm_host(struct hosted_vm *vm);

/* Run the guest driver to its end; its status (DEMO_STATUS_*, as the 32-bit
 * image would report it) goes to *status. Returns the first nonzero return
 * of an op: the driver still runs to its end, as code without a vCPU cannot
 * be stopped midway. */
int hosted_vm_run(struct hosted_vm *vm, uint32_t *status);

struct demo_mailbox *hosted_vm_mailbox(struct hosted_vm *vm);

/* Deliver what the committed, unmasked MSI routes' eventfds hold, then
 * return 1 if `vector` is pending in the software IRR, else 0. */
int hosted_vm_irr_pending(struct hosted_vm *vm, uint8_t vector);

/* Take `vector` out of the IRR, as the guest would by accepting it. */
void hosted_vm_irr_clear(struct hosted_vm *vm, uint8_t vector);

/* Live memory slots and MSI routes, for checking what vmpci holds. */
unsigned hosted_vm_slots(const struct hosted_vm *vm);
unsigned hosted_vm_msi_routes(const struct hosted_vm *vm);

#ifdef __cplusplus
}
#endif

#endif
