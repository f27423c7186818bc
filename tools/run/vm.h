/* The VM that `vmpci run` builds: its fixed guest-physical layout and the
 * few calls a device model needs from it (I/O traps, the KVM VM fd, the
 * vmpci bus, the bundled KVM host, guest RAM, pause/resume).
 *
 * This is the interface between the core of the reference VMM (KVM VM,
 * memory, loaders, platform tables, UART, vCPUs) and the passthrough glue
 * (`--vfio` functions). Everything here is internal to tools/run: names
 * carry the prefix run_. */
#ifndef VMPCI_TOOLS_RUN_VM_H
#define VMPCI_TOOLS_RUN_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm/kvm_host.h"
#include "pci/bus.h"
#include "vmpci.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Guest-physical layout (x86-64), fixed: */
#define RUN_PCI_HOLE_START 0xC0000000ULL  /* RAM below 4 GiB ends here; RAM above continues at 4 GiB */
#define RUN_MMIO32_BASE    0xC0000000ULL  /* 32-bit BAR window ... */
#define RUN_MMIO32_SIZE    0x20000000ULL  /* ... up to the ECAM */
#define RUN_ECAM_BASE      0xE0000000ULL  /* bus 0 only */
#define RUN_ECAM_SIZE      0x00100000ULL
#define RUN_MMIO64_BASE    0x4000000000ULL /* 64-bit BAR window: 256 GiB..512 GiB (L1's MAXPHYADDR under TCG is 40 bits) */
#define RUN_MMIO64_SIZE    0x4000000000ULL
#define RUN_PIO_BASE       0xC000         /* I/O BAR window 0xC000-0xFFFF */
#define RUN_PIO_SIZE       0x4000

/* INTx routing, the one rule both the DSDT _PRT and the devices use:
 * slot s (1..31), pin p (0 = INTA .. 3 = INTD) -> IOAPIC GSI 16 + ((s + p) % 8). */
unsigned run_intx_gsi(unsigned slot, unsigned pin);

struct run_vm; /* one per `vmpci run` */

enum run_space { RUN_SPACE_PIO, RUN_SPACE_MMIO };

/* An I/O handler: addr is absolute; a read fills data[0..len). Runs on the
 * vCPU thread that exited; handlers must be thread-safe (several vCPUs). */
typedef void (*run_io_fn)(void *opaque, uint64_t addr, uint8_t *data,
			  uint32_t len, bool is_write);

/* Trap [base, base + len) of `space` to `fn`. Only before vCPUs start.
 * -EINVAL for an empty or wrapping range, -EEXIST when it overlaps a
 * registered range, -ENOMEM. */
int run_vm_add_io(struct run_vm *vm, enum run_space space, uint64_t base,
		  uint64_t len, run_io_fn fn, void *opaque);

/* The KVM VM fd (owned by the VM). */
int run_vm_fd(const struct run_vm *vm);

/* The vmpci bus, host bridge at 00:00.0, decoded on 0xCF8-0xCFF and ECAM. */
struct vmpci_bus *run_vm_bus(struct run_vm *vm);

/* The bundled KVM host on the VM fd, created by the core with memory slots
 * and GSIs that do not collide with the core's own RAM slots, and each
 * device's INTx on the line of its slot (run_intx_gsi of requester id
 * 00:slot.f). */
struct vmpci_kvm_host *run_vm_kvm_host(struct run_vm *vm);

/* A host with the log op alone, the KVM host's sink: vmpci's errors and
 * warnings as run_vm_log lines. For what logs before KVM is open. */
const struct vmpci_host *run_vm_log_host(struct run_vm *vm);

/* Guest RAM: the number of regions, their array in *out (owned by the VM). */
struct run_ram_region {
	uint64_t gpa;
	uint64_t size;
	void *host;
};
size_t run_vm_ram(const struct run_vm *vm, const struct run_ram_region **out);

/* One line "vmpci run: ..." on stderr. */
void run_vm_log(struct run_vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Pause every vCPU (out of KVM_RUN, parked) and resume them. Called from the
 * main thread only. */
int run_vm_pause(struct run_vm *vm);
void run_vm_resume(struct run_vm *vm);

/* Called on the main thread for each SIGUSR1, with every vCPU paused; the
 * core measures and prints the pause time around it. One callback; a second
 * call replaces the first. */
void run_vm_on_sigusr1(struct run_vm *vm, int (*fn)(void *opaque),
		       void *opaque);

#ifdef __cplusplus
}
#endif

#endif
