/* vmpci: the simulated VFIO backend, for tests, fuzzers, benches and the demo.
 *
 * A function built from a config-space image (256 or 4096 bytes) and the
 * sysfs `resource` text of the same function (tests/data/pci-config/),
 * behaving as the kernel's vfio-pci does:
 *  - regions: BARs at index << 40 as the kernel lays them out, memory BARs
 *    backed by a memfd (mmap works; reads, writes and mmaps see the same
 *    bytes), I/O BARs read/write only, ROM read-only, config 256 or 4096
 *    bytes as the image; VGA is -EINVAL;
 *  - the BAR of the MSI-X table reports MSIX_MAPPABLE (configurable), and
 *    any BAR may report SPARSE_MMAP areas; reads of the MSI-X table
 *    through the region give all-ones and writes are dropped;
 *  - config: BAR and ROM registers virtualized (write ~0, read the size
 *    mask; 64-bit pairs too); Command (the bits QEMU functions implement),
 *    cache line size, latency timer, interrupt line, PMCSR power state
 *    and PME enable, PCIe Device Control (Initiate FLR starts an FLR,
 *    counted, and reads 0), MSI control (queue size, enable only
 *    while MSI is on), address, data and mask writable; after
 *    SET_IRQS(MSI) the MSI enable bit stays 0, after SET_IRQS(MSIX) the
 *    MSI-X enable bit reads 1 (and clears on disable); other bytes
 *    read-only;
 *  - IRQs: INTx count 1 (0 without a pin) EVENTFD|MASKABLE|AUTOMASKED, MSI
 *    and MSI-X counts from their capabilities with NORESIZE, ERR only on
 *    PCIe, REQ count 1; SET_IRQS checks as the kernel does (one of MSI /
 *    MSI-X / INTx at a time, -EINVAL to grow an enabled index unless set up
 *    as a dynamic-MSI-X kernel, a short count when set up short of vectors:
 *    vmpci_vfio_sim_set_irq_host);
 *  - reset when the function has FLR or a PM reset (NoSoftReset clear);
 *  - DMA map/unmap bookkeeping (4 KiB granule, -EEXIST on overlap);
 *  - device features: -ENOTTY (no migration).
 * It records the BAR register writes made through the config region and
 * each index's SET_IRQS state, and can fire a vector as the device would. */
#ifndef VMPCI_SIM_H
#define VMPCI_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "vfio/backend.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

struct vmpci_vfio_sim;

struct vmpci_vfio_sim_params {
	const void *config; /* image, copied */
	size_t config_size; /* 256 or 4096 */
	const char *resource; /* sysfs resource text, NUL-terminated */
	/* The MSI-X BAR reports CAP_MSIX_MAPPABLE (true in a fresh config,
	 * as kernels since 4.16 do). */
	bool msix_mappable;
	/* SPARSE_MMAP areas per BAR; nr 0 reports no such capability. */
	struct {
		uint32_t nr;
		struct vmpci_vfio_area areas[VMPCI_VFIO_MAX_SPARSE_AREAS];
	} sparse[6];
	const struct vmpci_host *host; /* log; may be NULL; copied */
};

/* Defaults for an image and resource text (both borrowed until _new). */
void vmpci_vfio_sim_params_init(struct vmpci_vfio_sim_params *params,
				const void *image, size_t image_size,
				const char *resource);

/* Create a simulated function. -EINVAL for an image that is not 256 or
 * 4096 bytes, resource text that does not parse, or BAR sizes that are not
 * powers of two; -ENOMEM / memfd errors otherwise. */
int vmpci_vfio_sim_new(const struct vmpci_vfio_sim_params *params,
		       struct vmpci_vfio_sim **out);

/* Read `<base>.bin` and `<base>.resource` (a fixture pair) and create a
 * simulated function with default params. */
int vmpci_vfio_sim_new_from_files(const char *base,
				  const struct vmpci_host *host,
				  struct vmpci_vfio_sim **out);

/* Close the memfds and the eventfds' references (the sim does not own the
 * eventfds given to SET_IRQS). Accepts NULL. */
void vmpci_vfio_sim_free(struct vmpci_vfio_sim *s);

const struct vmpci_vfio_backend *vmpci_vfio_sim_backend(struct vmpci_vfio_sim *s);

/* Fire vector `vector` of IRQ `index` as the device would: signal the
 * eventfd SET_IRQS registered. INTx auto-masks and, while masked, stays
 * pending until ACTION_UNMASK (then fires again). -ENOENT when nothing is
 * registered there (or the index is disabled), -EINVAL past the count. */
int vmpci_vfio_sim_fire(struct vmpci_vfio_sim *s, uint32_t index,
			uint32_t vector);

/* The SET_IRQS state of one index. */
struct vmpci_vfio_sim_irq_state {
	bool enabled;	     /* eventfds attached (MSI/MSI-X: index on) */
	uint32_t count;	     /* vectors enabled */
	bool masked;	     /* INTx: masked (by ACTION_MASK or auto-mask) */
	bool pending;	     /* INTx: fired while masked */
	int32_t unmask_fd;   /* INTx: the ACTION_UNMASK eventfd, or -1 */
	uint64_t set_calls;  /* successful SET_IRQS on this index */
};

int vmpci_vfio_sim_irq_state_get(struct vmpci_vfio_sim *s, uint32_t index,
			     struct vmpci_vfio_sim_irq_state *out);

/* The eventfd registered for `vector` of `index`, -1 for none. -EINVAL for
 * a bad index or a vector past the count. */
int vmpci_vfio_sim_irq_eventfd(const struct vmpci_vfio_sim *s, uint32_t index,
			       uint32_t vector, int32_t *fd);

/* BAR registers written through the config region: `reg` 0-5 for BAR0-5,
 * 6 for the ROM. *writes counts the accesses that touched the register,
 * *last is its raw 32-bit value after the last one (before the sizing
 * mask applies). -EINVAL past 6. */
int vmpci_vfio_sim_bar_writes(const struct vmpci_vfio_sim *s, uint32_t reg,
			      uint64_t *writes, uint32_t *last);

/* The DMA mappings live (count and bytes), for leak checks. */
void vmpci_vfio_sim_dma_stats(const struct vmpci_vfio_sim *s, uint32_t *count,
			      uint64_t *bytes);

/* How the simulated host allocates MSI / MSI-X vectors. A fresh sim has
 * no limit and NORESIZE on both, as Debian's 6.1 kernel. */
struct vmpci_vfio_sim_irq_host {
	/* 0: any number. Otherwise an MSI / MSI-X enable asking for more
	 * vectors returns this count and enables none (vfio-pci's short
	 * count), and a dynamic MSI-X grow past it is -ENOSPC. */
	uint32_t vectors_available;
	/* MSI-X reports no NORESIZE and an enabled MSI-X index grows by
	 * SET_IRQS past its count, the others untouched (dynamic MSI-X,
	 * kernels 6.2+). */
	bool msix_dynamic;
};

void vmpci_vfio_sim_set_irq_host(struct vmpci_vfio_sim *s,
				 const struct vmpci_vfio_sim_irq_host *h);

/* Number of VFIO_DEVICE_RESET calls that succeeded. */
uint64_t vmpci_vfio_sim_resets(const struct vmpci_vfio_sim *s);

/* Number of function-level resets started by writing Initiate FLR in
 * Device Control through the config region (counted when the function
 * advertises FLR, as vfio-pci performs only those). */
uint64_t vmpci_vfio_sim_flrs(const struct vmpci_vfio_sim *s);

VMPCI_API_END

#endif
