/* `--vfio` functions of `vmpci run`: each host function on its own slot of
 * the VM's vmpci bus, through the public vmpci API and the VM's bundled KVM
 * host. What a VMM does around vmpci to pass functions to a Linux guest:
 *  - BARs placed from pools over the VM's BAR windows (RUN_MMIO32_*,
 *    RUN_MMIO64_*, RUN_PIO_*), as firmware would; the guest may move them
 *    anywhere inside those windows and the device follows;
 *  - mappable parts of BARs are KVM memory (the device maps them through
 *    the KVM host); trapped parts reach the device from the vCPU threads
 *    through one handler per BAR window;
 *  - MSI / MSI-X through the KVM host's irqfd routes; INTx on the IOAPIC
 *    pin the guest was told (run_intx_gsi) with a resample irqfd for EOI;
 *  - guest RAM mapped for DMA in each function's VFIO container before the
 *    guest runs;
 *  - on SIGUSR1, a live device restore (restore.c).
 * Functions return 0 or a negative errno; failures are explained in one
 * "vmpci run: ..." line through run_vm_log. */
#ifndef VMPCI_TOOLS_RUN_PASSTHROUGH_H
#define VMPCI_TOOLS_RUN_PASSTHROUGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/run/vm.h"

struct run_passthrough;

/* The passthrough of `vm`, which needs no KVM yet: functions added now are
 * only opened (so bad ones are refused first). Snapshot documents go to
 * `snapshot_dir` (copied; NULL for $TMPDIR, else /tmp). */
int run_passthrough_new(struct run_vm *vm, const char *snapshot_dir,
			struct run_passthrough **out);

/* Open `bdf` (e.g. "0000:01:00.0", bound to vfio-pci) in a VFIO container
 * of its own; attach it (run_passthrough_attach) now if started, else at
 * run_passthrough_start. -ENODEV with one line saying why when it is
 * missing or not bound to vfio-pci. */
int run_passthrough_add_vfio(struct run_passthrough *pt, const char *bdf);

/* Once the VM has KVM (run_vm_open_kvm) and before any vCPU runs: claim the
 * VM's BAR windows (MMIO32, MMIO64, PIO) for BAR traps and SIGUSR1 for live
 * restore, and attach every function opened so far. */
int run_passthrough_start(struct run_passthrough *pt);

/* Attach a function behind any VFIO backend (borrowed; it must outlive
 * `pt`) on the lowest free slot of a started passthrough: device created, BARs placed and mapped,
 * guest RAM mapped for DMA through the backend, function on the bus. `name`
 * prefixes log lines. The slot goes to *slot (may be NULL). All or
 * nothing. */
int run_passthrough_attach(struct run_passthrough *pt,
			   const struct vmpci_vfio_backend *backend,
			   const char *name, uint8_t *slot);

/* The functions attached, in order, and the device object of function `i`
 * (NULL past the end). The device object changes at each live restore. */
size_t run_passthrough_count(const struct run_passthrough *pt);
struct vmpci_device *run_passthrough_device(struct run_passthrough *pt,
					    size_t i);

/* The live restore of every function (what SIGUSR1 runs; every vCPU must
 * be paused): save each device to its snapshot file, destroy the device
 * objects with their VFIO functions left open (nothing resets the
 * hardware), create new ones and restore them from the files. */
int run_passthrough_restore(struct run_passthrough *pt);

/* Detach and free every function (device, guest mappings, DMA mappings,
 * VFIO function) and remove the snapshot files. Accepts NULL. Call after
 * the vCPUs have stopped. */
void run_passthrough_free(struct run_passthrough *pt);

#endif
