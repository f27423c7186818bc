/* vmpci device object API (staged here; merged into vfio/vfio.h as its
 * section 5 once the backend sections settle). */
#ifndef VMPCI_VFIO_DEVICE_API_H
#define VMPCI_VFIO_DEVICE_API_H

#include "allocator/allocator.h"
#include "pci/pci.h"
#include "vfio/vfio.h"

/* ---- 5. Device object -----------------------------------------------------
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

struct vmpci_device;

/* Pools the device places its BARs in; any may be NULL when the VMM has no
 * such space (then such BARs cannot be placed: -ENOSPC). Borrowed. */
struct vmpci_device_pools {
	struct vmpci_alloc *io;
	struct vmpci_alloc *mmio32;
	struct vmpci_alloc *mmio64;
};

/* Told after a BAR changed guest address (placement, guest move, restore),
 * so the VMM re-registers the BAR's trapped ranges on its own MMIO / PIO
 * dispatch. old_addr is 0 for a first placement. */
typedef void (*vmpci_device_bar_fn)(void *opaque, unsigned index,
				    uint64_t old_addr, uint64_t new_addr,
				    uint64_t size);

#define VMPCI_DEVICE_MAX_HIDDEN 16

struct vmpci_device_config {
	const char *name; /* log prefix, e.g. "0000:01:00.0"; copied */
	const struct vmpci_vfio_backend *backend; /* borrowed */
	const struct vmpci_host *host;		  /* borrowed */
	struct vmpci_device_pools pools;
	uint32_t devid;	    /* requester id for MSI routes */
	uint64_t page_size; /* host page size; 0 for sysconf(_SC_PAGESIZE) */
	uint32_t no_mmap_bars; /* bit i: trap BAR i whole */
	bool no_reset;	       /* do not reset the function at creation */
	/* Capabilities the guest must not see: standard ids, then extended
	 * ids. vmpci_device_config_init fills the extended list with ARI,
	 * Resizable BAR and SR-IOV. */
	uint32_t nr_hidden_caps;
	uint8_t hidden_caps[VMPCI_DEVICE_MAX_HIDDEN];
	uint32_t nr_hidden_ext_caps;
	uint16_t hidden_ext_caps[VMPCI_DEVICE_MAX_HIDDEN];
	vmpci_device_bar_fn bar_moved; /* may be NULL */
	void *opaque;		       /* passed to bar_moved */
};

/* Fill `config` with defaults for `backend` and `host`. */
void vmpci_device_config_init(struct vmpci_device_config *config,
			      const struct vmpci_vfio_backend *backend,
			      const struct vmpci_host *host);

/* Create a device: reset the function when it can, size its BARs, build the
 * guest-visible config space (BARs emulated and unplaced, MSI / MSI-X
 * served by the models, configured capabilities hidden, INTx routed when
 * the function has a pin). -EINVAL for a bad config, -ENODEV when the
 * backend is not a PCI function, errors of the backend or the host. */
int vmpci_device_new(const struct vmpci_device_config *config,
		     struct vmpci_device **out);

/* Release everything the device holds: routes, eventfds, guest mappings,
 * mmaps, BAR allocations. The backend and host stay the caller's. Accepts
 * NULL and half-built devices. */
void vmpci_device_free(struct vmpci_device *dev);

/* Place every unplaced BAR from the pools (naturally aligned, at least a
 * host page for memory BARs) and map its mappable areas into the guest.
 * All or nothing. -ENOSPC when a pool is full or missing. */
int vmpci_device_place_bars(struct vmpci_device *dev);

/* Place BAR `index` at `addr` (a fixed address, or restoring a layout),
 * taking the range from whichever pool holds it, and map it. -EEXIST when
 * the range is taken, -ENOSPC when no pool holds it. */
int vmpci_device_place_bar_at(struct vmpci_device *dev, unsigned index,
			      uint64_t addr);

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
	/* Areas mapped into the guest (offsets from the BAR's start);
	 * everything else traps. */
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

void vmpci_device_identity(struct vmpci_device *dev,
			   struct vmpci_device_identity *out);

/* ---- Snapshot state ----
 * The whole guest-visible state of a device as plain data; migration/
 * turns it into a versioned JSON document. Large (tens of KiB): allocate
 * it. */

/* VFIO migration v2 device data carried in a snapshot. */
struct vmpci_device_vfio_state {
	bool supported; /* the function has VFIO_DEVICE_FEATURE_MIGRATION */
	uint8_t *data;	/* STOP_COPY data, malloc'ed; NULL when none */
	size_t size;
};

struct vmpci_device_state {
	char name[64];
	struct vmpci_device_identity identity;
	/* Creation options that shape what the guest sees. */
	uint64_t page_size;
	uint32_t no_mmap_bars;
	uint32_t devid;
	struct vmpci_config_state config; /* image, masks, caps, BARs */
	bool has_msi;
	struct vmpci_msi_state msi;
	bool has_msix;
	struct vmpci_msix_state msix;
	bool has_intx;
	struct vmpci_intx_state intx;
	bool placed[VMPCI_BAR_COUNT];
	struct vmpci_device_vfio_state vfio;
};

/* Capture the device's state into *st (which the caller allocated). When
 * the function supports VFIO migration, its device data is read through
 * STOP_COPY and stored in st->vfio.data (free it with
 * vmpci_device_state_release). */
int vmpci_device_save(struct vmpci_device *dev, struct vmpci_device_state *st);

/* Free what vmpci_device_save allocated inside *st (not st itself). */
void vmpci_device_state_release(struct vmpci_device_state *st);

/* Apply a saved state to this device (created on the same or an identical
 * function, BARs not yet placed or placed anywhere): validate all of it
 * first (identity, BAR sizes and types, table size, value ranges), then
 * place BARs at the saved addresses, map them, rebuild the config image
 * (hidden capabilities stay hidden), re-arm MSI / MSI-X / INTx and write
 * back COMMAND. On any error nothing is left changed: no slot, route or
 * allocation the call made survives. -ENODEV wrong device, -EINVAL
 * malformed state, -EEXIST / -ENOSPC when a BAR's range is unavailable. */
int vmpci_device_restore(struct vmpci_device *dev,
			 const struct vmpci_device_state *st);

#endif
