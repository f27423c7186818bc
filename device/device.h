/* vmpci: the device object, a host PCI function presented to the guest.
 *
 * struct vmpci_device is the VfioPciDevice a VMM embeds: one host PCI
 * function behind a backend (kernel VFIO or simulated), presented to the
 * guest with a virtualized configuration space (pci/), MSI / MSI-X / INTx
 * (interrupts/), BARs placed from the VMM's address pools (allocator/) and
 * mapped straight into the guest wherever the MSI-X table is not.
 *
 * Threads: every vmpci_device_* call takes the device's own mutex, so vCPU
 * threads may issue config and BAR accesses for one device concurrently;
 * accesses to different devices never contend. The host ops are called with
 * that mutex held; they must not call back into the same device.
 *
 * Guest accesses never fail the VMM: a malformed access reads all-ones and
 * is dropped on write (the call returns -EINVAL so the VMM can count it). */
#ifndef VMPCI_DEVICE_H
#define VMPCI_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator/allocator.h"
#include "host/host.h"
#include "pci/config.h"
#include "vfio/backend.h"
#include "vfio/sparse.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

struct vmpci_device;

/* Pools the device places its BARs in; any may be NULL when the VMM has no
 * such space (then such BARs cannot be placed: -ENOSPC). Borrowed.
 *
 * All three NULL: the VMM owns the guest's address space and places the
 * BARs itself. vmpci then follows wherever the VMM
 * (vmpci_device_place_bar_at) or the guest (a BAR register write) puts a
 * BAR, with the same decode, mapping and bar_moved reports as with pools;
 * it keeps no mirror of the VMM's windows, so the VMM answers for
 * overlaps (its host's map_memory refuses them), and a BAR smaller than a
 * host page stays trapped (its whole page could cover the VMM's own).
 * vmpci_device_place_bars is then -ENOSPC. */
struct vmpci_device_pools {
	struct vmpci_alloc *io;
	struct vmpci_alloc *mmio32;
	struct vmpci_alloc *mmio64;
};

/* Where the guest does not reach a BAR, in bar_moved. */
#define VMPCI_DEVICE_BAR_UNMAPPED UINT64_MAX

/* Told after the guest's reach of a BAR changed (placement, guest move,
 * decode turned on or off through COMMAND or the ROM enable bit, restore),
 * so the VMM moves the BAR's trapped range on its own MMIO / PIO dispatch
 * from [old_addr, old_addr + size) to [new_addr, new_addr + size). Either
 * is VMPCI_DEVICE_BAR_UNMAPPED when the guest does not reach the BAR: not
 * placed yet, decode off (its mappings are removed too), or moved by the
 * guest outside the VMM's pools (left unmapped, the register kept, until
 * the guest moves it back). */
typedef void (*vmpci_device_bar_fn)(void *opaque, unsigned index,
				    uint64_t old_addr, uint64_t new_addr,
				    uint64_t size);

#define VMPCI_DEVICE_MAX_HIDDEN 16

struct vmpci_device_params {
	const char *name; /* log prefix, e.g. "0000:01:00.0"; copied */
	const struct vmpci_vfio_backend *backend; /* borrowed */
	const struct vmpci_host *host;		  /* borrowed */
	struct vmpci_device_pools pools;
	/* Requester id for MSI routes (bus << 8 | devfn); changeable until
	 * the guest enables MSI or MSI-X: vmpci_device_set_requester_id. */
	uint32_t devid;
	uint64_t page_size; /* host page size; 0 for sysconf(_SC_PAGESIZE) */
	uint32_t no_mmap_bars; /* bit i: trap BAR i whole */
	bool no_reset;	       /* do not reset the function at creation */
	/* Capabilities the guest must not see: standard ids, then extended
	 * ids. vmpci_device_params_init fills the extended list with ARI,
	 * Resizable BAR and SR-IOV. */
	uint32_t nr_hidden_caps;
	uint8_t hidden_caps[VMPCI_DEVICE_MAX_HIDDEN];
	uint32_t nr_hidden_ext_caps;
	uint16_t hidden_ext_caps[VMPCI_DEVICE_MAX_HIDDEN];
	vmpci_device_bar_fn bar_moved; /* may be NULL */
	void *opaque;		       /* passed to bar_moved */
};

/* Fill `config` with defaults for `backend` and `host`. */
void vmpci_device_params_init(struct vmpci_device_params *config,
			      const struct vmpci_vfio_backend *backend,
			      const struct vmpci_host *host);

/* Create a device: reset the function when it can, size its BARs, build the
 * guest-visible config space (BARs emulated and unplaced, MSI / MSI-X
 * served by the models, configured capabilities hidden, INTx routed when
 * the function has a pin). -EINVAL for a bad config, -ENODEV when the
 * backend is not a PCI function, errors of the backend or the host.
 *
 * Order: the INTx line is chosen here, by the host's add_intx_route for
 * the function's pin, so a host that gives each device (slot) its own line
 * must know it before this call. The requester id (the slot) may still be
 * set afterwards, until the guest enables MSI or MSI-X. Where the device
 * sits on a bus (vmpci_bus_add_function) is the VMM's at any time. */
int vmpci_device_new(const struct vmpci_device_params *config,
		     struct vmpci_device **out);

/* A warm reset, what a VMM calls on a system reset (the device stays):
 * MSI / MSI-X off and their routes gone, INTx wired and unmasked, every BAR
 * unplaced (slots unmapped, ranges back in the pools; the VMM drops its
 * traps or places them again), the config space as at creation (COMMAND 0,
 * BAR registers 0), COMMAND 0 written to the function and VFIO_DEVICE_RESET
 * where it has one. The first error of those steps is returned; the rest
 * still run. */
int vmpci_device_reset(struct vmpci_device *dev);

/* Release everything the device holds: routes, eventfds, guest mappings,
 * mmaps, BAR allocations. The backend and host stay the caller's. Accepts
 * NULL and half-built devices. */
void vmpci_device_free(struct vmpci_device *dev);

/* Place every unplaced BAR from the pools (naturally aligned, at least a
 * host page for memory BARs) and, while the guest decodes it, map its
 * mappable areas into the guest. All or nothing. -ENOSPC when a pool is
 * full or missing. */
int vmpci_device_place_bars(struct vmpci_device *dev);

/* Place BAR `index` at `addr` (a fixed address, or restoring a layout),
 * taking the range from whichever pool holds it, and map it while the
 * guest decodes it. -EEXIST when the range is taken, -ENOSPC when no pool
 * holds it, -EBUSY when the BAR is placed already (the guest moves it
 * from there). Without pools (the VMM owns the space) any address aligned
 * to the BAR's size is taken as it is (-EINVAL otherwise). */
int vmpci_device_place_bar_at(struct vmpci_device *dev, unsigned index,
			      uint64_t addr);

/* Set the requester id MSI / MSI-X routes carry (config.devid), e.g. once
 * the VMM has chosen the device's slot. -EBUSY, changing nothing and
 * logging why, while the guest has MSI or MSI-X enabled (live routes carry
 * the old id): set it before the guest runs. */
int vmpci_device_set_requester_id(struct vmpci_device *dev, uint32_t devid);

/* Guest config access (offset 0..4095, size 1/2/4, inside a dword). */
int vmpci_device_config_read(struct vmpci_device *dev, uint16_t offset,
			     unsigned size, uint32_t *val);
int vmpci_device_config_write(struct vmpci_device *dev, uint16_t offset,
			      unsigned size, uint32_t val);

/* The two calls above in vmpci_config_ops form, to put a device on a
 * vmpci_bus: `vmpci_bus_add_function(bus, 0, slot, 0,
 * vmpci_device_config_ops(), dev)`. */
const struct vmpci_config_ops *vmpci_device_config_ops(void);

/* Guest access to a trapped part of BAR `index` at `offset` from the BAR's
 * start (the VMM's bus resolved the address to the BAR). The MSI-X table
 * and PBA are served by the model; anything else goes to the function.
 * size 1, 2, 4 or 8. Constant time in the number of BARs; no allocation. */
int vmpci_device_bar_read(struct vmpci_device *dev, unsigned index,
			  uint64_t offset, unsigned size, void *data);
int vmpci_device_bar_write(struct vmpci_device *dev, unsigned index,
			   uint64_t offset, unsigned size, const void *data);

/* What the guest sees of one BAR, and how it reaches it. */
struct vmpci_device_bar {
	uint32_t type; /* VMPCI_BAR_*; 0 for unimplemented */
	uint64_t size;
	uint64_t addr; /* guest address; valid when placed */
	bool placed;
	/* Placed by the guest where the VMM's pools do not hold it. */
	bool outside;
	/* The guest reaches it at addr (placed, not outside, decode on): the
	 * areas below are mapped and the VMM was told. */
	bool reached;
	/* Areas mapped into the guest while it is reached (offsets from the
	 * BAR's start); everything else traps. */
	uint32_t nr_mapped;
	struct vmpci_vfio_area mapped[VMPCI_VFIO_MAX_AREAS];
};

/* Describe BAR `index` (0-5, VMPCI_BAR_ROM_INDEX). */
int vmpci_device_bar_get(struct vmpci_device *dev, unsigned index,
			 struct vmpci_device_bar *out);

/* The guest-visible configuration space bytes (every read path applied) in
 * buf[0 .. len), len at most the space size. */
int vmpci_device_config_dump(struct vmpci_device *dev, uint8_t *buf,
			     size_t len);

/* vmpci_config_format_lspci for the device's config space. */
int vmpci_device_format_lspci(struct vmpci_device *dev, uint8_t bus,
			      uint8_t slot, uint8_t fn, char *buf, size_t len,
			      size_t *written);

/* Capability `index` as vmpci_config_cap_get reports it (hidden ones have
 * VMPCI_CAP_HIDDEN). -ENOENT past the end. */
int vmpci_device_cap_get(struct vmpci_device *dev, size_t index,
			 struct vmpci_cap *out);

/* The IRQ indexes the function has (VFIO_PCI_*_IRQ_INDEX), as the backend
 * reports them; -EINVAL for an index it lacks. */
int vmpci_device_irq_info(struct vmpci_device *dev, uint32_t index,
			  struct vmpci_vfio_irq_info *out);

/* The eventfd vmpci attached to vector `vector` of IRQ `index`
 * (VFIO_PCI_MSI_IRQ_INDEX, _MSIX_ or _INTX_) through SET_IRQS; the device
 * keeps it. For VMMs and tools without an irqfd-capable host that wait on
 * interrupts themselves. -ENOENT when the vector has none (index off). */
int vmpci_device_irq_eventfd(struct vmpci_device *dev, uint32_t index,
			     uint32_t vector);

/* Identity of the host function, read once at creation. */
struct vmpci_device_identity {
	uint16_t vendor;
	uint16_t device;
	uint16_t subsystem_vendor;
	uint16_t subsystem;
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
	uint16_t config_size;
};

void vmpci_device_identity_get(struct vmpci_device *dev,
			   struct vmpci_device_identity *out);

VMPCI_API_END

#endif
