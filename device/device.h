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
#include "vmpci.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* Place BAR `index` at `addr` (a fixed address, or restoring a layout),
 * taking the range from whichever pool holds it, and map it while the
 * guest decodes it. -EEXIST when the range is taken, -ENOSPC when no pool
 * holds it, -EBUSY when the BAR is placed already (the guest moves it
 * from there). Without pools (the VMM owns the space) any address aligned
 * to the BAR's size is taken as it is (-EINVAL otherwise). */
int vmpci_device_place_bar_at(struct vmpci_device *dev, unsigned index,
			      uint64_t addr);

/* Set the requester id (params.devid) the device's interrupts are routed
 * by, e.g. once the VMM has chosen the device's slot: MSI / MSI-X messages
 * carry it, and the INTx route is moved to the line the host gives the
 * new id (remove, then add_intx_route with it; the line is re-raised
 * there if still asserted). Allowed while the guest has neither MSI nor
 * MSI-X enabled, else -EBUSY (live routes carry the old id). When the host
 * refuses the new INTx route, its error is returned and the old route put
 * back. Every refusal changes nothing and is logged (vmpci_device_errmsg).
 * The line the guest was told (ACPI _PRT) is the VMM's to keep in step:
 * set the id before the guest runs. */
int vmpci_device_set_requester_id(struct vmpci_device *dev, uint32_t devid);

/* Guest config access (offset 0..4095, size 1/2/4, inside a dword). */
int vmpci_device_config_read(struct vmpci_device *dev, uint16_t offset,
			     unsigned size, uint32_t *val);
int vmpci_device_config_write(struct vmpci_device *dev, uint16_t offset,
			      unsigned size, uint32_t val);

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
