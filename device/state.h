/* vmpci: a device's state as plain data, and saving and restoring it.
 *
 * The whole guest-visible state of a device as plain data; migration/
 * turns it into a versioned JSON document. Large (tens of KiB): allocate
 * it. */
#ifndef VMPCI_DEVICE_STATE_H
#define VMPCI_DEVICE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device/device.h"
#include "interrupts/intx.h"
#include "interrupts/msi.h"
#include "interrupts/msix.h"
#include "pci/config.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* VFIO migration v2 device data carried in a snapshot. */
struct vmpci_device_vfio_state {
	bool supported; /* the function has VFIO_DEVICE_FEATURE_MIGRATION */
	uint8_t *data;	/* STOP_COPY data, malloc'ed; NULL when none */
	size_t size;
};

/* Registers the guest writes that the function keeps rather than the
 * model (pass-through): a restore into a fresh device writes them back. */
struct vmpci_device_regs {
	bool saved; /* false: a snapshot from before they were kept */
	uint8_t cache_line_size;
	uint8_t latency_timer;
	bool has_pm;	     /* the function has a visible PM capability */
	uint16_t pm_control; /* its PMCSR: power state, PME enable */
	bool has_pcie;	     /* ... a visible PCI Express capability */
	uint16_t device_control; /* its Device Control */
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
	struct vmpci_device_regs regs;
	struct vmpci_device_vfio_state vfio;
};

/* Capture the device's state into *st (which the caller allocated). When
 * the function supports VFIO migration, its device data is read through
 * STOP_COPY and stored in st->vfio.data (free it with
 * vmpci_device_state_release). */
int vmpci_device_state_get(struct vmpci_device *dev, struct vmpci_device_state *st);

/* Free what vmpci_device_state_get allocated inside *st (not st itself). */
void vmpci_device_state_release(struct vmpci_device_state *st);

/* Let the function run again after vmpci_device_state_get (which leaves a
 * function with VFIO migration stopped, its state read out) or
 * vmpci_device_state_set (which leaves it RESUMING with its state loaded):
 * VFIO migration state RUNNING. A no-op for functions without VFIO
 * migration. Call it when the VMM resumes the guest. */
int vmpci_device_resume(struct vmpci_device *dev);

/* Apply a saved state to this device (created on the same or an identical
 * function with the same options and hidden capabilities, BARs not yet
 * placed or placed anywhere): validate all of it first (identity,
 * options, capability list, BAR sizes and types, table size, value
 * ranges), then
 * place BARs at the saved addresses, map them, rebuild the config image
 * (hidden capabilities stay hidden), re-arm MSI / MSI-X / INTx and write
 * back COMMAND. On any error nothing is left changed: no slot, route or
 * allocation the call made survives. -ENODEV wrong device (or other
 * options or capabilities), -EINVAL malformed state or one the function's
 * MSI / MSI-X capabilities cannot hold, -EEXIST / -ENOSPC when a BAR's
 * range is unavailable. Why it refused (naming the field as the snapshot
 * document does) is the device's vmpci_device_errmsg. */
int vmpci_device_state_set(struct vmpci_device *dev,
			 const struct vmpci_device_state *st);

/* Optional, on a restore's destination before the downtime: create the
 * eventfd of every MSI-X table entry now, so that vmpci_device_state_set
 * creates none (2048 eventfds take milliseconds). Costs one file
 * descriptor per table entry until the device is freed. 0 for a function
 * without MSI-X. */
int vmpci_device_state_prepare(struct vmpci_device *dev);

VMPCI_API_END

#endif
