/* The bus: bus/device/function addressing, slot numbering, and config
 * accesses by address. Functions are {read, write} pairs, so a passed-through
 * device, an emulated one or the host bridge sit on it the same way. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>

#include "pci/bus_internal.h"
#include "pci/config_internal.h"

/* The host bridge cloud-hypervisor and Firecracker guests know. */
#define HOST_BRIDGE_VENDOR 0x8086
#define HOST_BRIDGE_DEVICE 0x0d57
/* Base class 06 (bridge), subclass 00 (host bridge); no uapi constant. */
#define CLASS_BRIDGE_HOST 0x0600

static struct bus_segment *segment(struct vmpci_bus *bus, uint8_t busnr,
				   bool create)
{
	if (!bus->segs[busnr] && create)
		bus->segs[busnr] = calloc(1, sizeof(struct bus_segment));
	return bus->segs[busnr];
}

static const struct bus_fn *lookup(const struct vmpci_bus *bus,
				   uint8_t busnr, uint8_t slot, uint8_t fn)
{
	const struct bus_segment *seg = bus->segs[busnr];

	if (!seg || slot >= VMPCI_BUS_SLOTS || fn >= VMPCI_BUS_FUNCTIONS ||
	    !seg->fns[slot][fn].present)
		return NULL;
	return &seg->fns[slot][fn];
}

static int add_host_bridge(struct vmpci_bus *bus)
{
	static const struct vmpci_config_ops ops = {
		.read = vmpci_config_op_read,
		.write = vmpci_config_op_write,
	};
	uint8_t bytes[PCI_CFG_SPACE_SIZE] = { 0 };
	int rc;

	le_store(bytes + PCI_VENDOR_ID, 2, HOST_BRIDGE_VENDOR);
	le_store(bytes + PCI_DEVICE_ID, 2, HOST_BRIDGE_DEVICE);
	le_store(bytes + PCI_CLASS_DEVICE, 2, CLASS_BRIDGE_HOST);
	rc = vmpci_config_new_emulated(bytes, sizeof(bytes), &bus->host_bridge);
	if (!rc)
		rc = vmpci_bus_slot_alloc_at(bus, 0, 0);
	if (!rc)
		rc = vmpci_bus_add_function(bus, 0, 0, 0, &ops,
					    bus->host_bridge);
	return rc;
}

int vmpci_bus_new(uint32_t flags, struct vmpci_bus **out)
{
	struct vmpci_bus *bus;
	int rc = 0;

	if (!out || (flags & ~VMPCI_BUS_HOST_BRIDGE))
		return -EINVAL;
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	if (flags & VMPCI_BUS_HOST_BRIDGE)
		rc = add_host_bridge(bus);
	if (rc) {
		vmpci_bus_free(bus);
		return rc;
	}
	*out = bus;
	return 0;
}

void vmpci_bus_free(struct vmpci_bus *bus)
{
	if (!bus)
		return;
	for (unsigned i = 0; i < 256; i++)
		free(bus->segs[i]);
	vmpci_config_free(bus->host_bridge);
	free(bus);
}

int vmpci_bus_slot_alloc(struct vmpci_bus *bus, uint8_t busnr, uint8_t *slot)
{
	struct bus_segment *seg;

	if (!bus || !slot)
		return -EINVAL;
	seg = segment(bus, busnr, true);
	if (!seg)
		return -ENOMEM;
	for (uint8_t s = 0; s < VMPCI_BUS_SLOTS; s++) {
		if (seg->slot_state[s] == SLOT_FREE) {
			seg->slot_state[s] = SLOT_ALLOCATED;
			*slot = s;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Move a slot to state `to`, refusing with -EEXIST when it is allocated
 * or, unless `from_reserved`, reserved. */
static int take_slot(struct vmpci_bus *bus, uint8_t busnr, uint8_t slot,
		     bool from_reserved, int to)
{
	struct bus_segment *seg;

	if (!bus || slot >= VMPCI_BUS_SLOTS)
		return -EINVAL;
	seg = segment(bus, busnr, true);
	if (!seg)
		return -ENOMEM;
	if (seg->slot_state[slot] == SLOT_ALLOCATED ||
	    (seg->slot_state[slot] == SLOT_RESERVED && !from_reserved))
		return -EEXIST;
	seg->slot_state[slot] = (uint8_t)to;
	return 0;
}

int vmpci_bus_slot_alloc_at(struct vmpci_bus *bus, uint8_t busnr,
			    uint8_t slot)
{
	return take_slot(bus, busnr, slot, true, SLOT_ALLOCATED);
}

int vmpci_bus_slot_reserve(struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot)
{
	return take_slot(bus, busnr, slot, false, SLOT_RESERVED);
}

int vmpci_bus_slot_release(struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot)
{
	struct bus_segment *seg;

	if (!bus || slot >= VMPCI_BUS_SLOTS)
		return -EINVAL;
	seg = bus->segs[busnr];
	if (!seg || seg->slot_state[slot] == SLOT_FREE)
		return -ENOENT;
	if (seg->fn_count[slot])
		return -EBUSY;
	seg->slot_state[slot] = SLOT_FREE;
	return 0;
}

int vmpci_bus_slot_is_allocated(const struct vmpci_bus *bus, uint8_t busnr,
				uint8_t slot)
{
	const struct bus_segment *seg;

	if (!bus || slot >= VMPCI_BUS_SLOTS)
		return 0;
	seg = bus->segs[busnr];
	return seg && seg->slot_state[slot] == SLOT_ALLOCATED;
}

int vmpci_bus_add_function(struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot, uint8_t fn,
			   const struct vmpci_config_ops *ops, void *opaque)
{
	struct bus_segment *seg;
	struct bus_fn *f;

	if (!bus || slot >= VMPCI_BUS_SLOTS || fn >= VMPCI_BUS_FUNCTIONS ||
	    !ops || !ops->read)
		return -EINVAL;
	seg = bus->segs[busnr];
	if (!seg || seg->slot_state[slot] != SLOT_ALLOCATED)
		return -ENOENT;
	f = &seg->fns[slot][fn];
	if (f->present)
		return -EEXIST;
	*f = (struct bus_fn){ .present = true, .ops = *ops, .opaque = opaque };
	seg->fn_count[slot]++;
	return 0;
}

int vmpci_bus_remove_function(struct vmpci_bus *bus, uint8_t busnr,
			      uint8_t slot, uint8_t fn)
{
	struct bus_segment *seg;

	if (!bus || slot >= VMPCI_BUS_SLOTS || fn >= VMPCI_BUS_FUNCTIONS)
		return -EINVAL;
	if (bus->host_bridge && busnr == 0 && slot == 0 && fn == 0)
		return -EPERM;
	seg = bus->segs[busnr];
	if (!seg || !seg->fns[slot][fn].present)
		return -ENOENT;
	seg->fns[slot][fn] = (struct bus_fn){ .present = false };
	seg->fn_count[slot]--;
	return 0;
}

int vmpci_bus_has_function(const struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot, uint8_t fn)
{
	return bus && lookup(bus, busnr, slot, fn) != NULL;
}

static bool bus_access_ok(uint8_t slot, uint8_t fn, uint16_t reg,
			  unsigned size)
{
	if (slot >= VMPCI_BUS_SLOTS || fn >= VMPCI_BUS_FUNCTIONS)
		return false;
	if (size != 1 && size != 2 && size != 4)
		return false;
	return (reg & 3u) + size <= 4 &&
	       (uint32_t)reg + size <= VMPCI_CONFIG_SPACE_MAX;
}

int vmpci_bus_read(struct vmpci_bus *bus, uint8_t busnr, uint8_t slot,
		   uint8_t fn, uint16_t reg, unsigned size, uint32_t *val)
{
	const struct bus_fn *f;
	int rc;

	if (!val)
		return -EINVAL;
	*val = size_ones(size);
	if (!bus || !bus_access_ok(slot, fn, reg, size))
		return -EINVAL;
	f = lookup(bus, busnr, slot, fn);
	if (!f)
		return 0;
	rc = f->ops.read(f->opaque, reg, size, val);
	if (rc) {
		*val = size_ones(size);
		return rc;
	}
	*val &= size_ones(size);
	/* Functions 1-7 are only scanned when function 0 says the device is
	 * multi-function (PCI 3.0, 6.2.1). */
	if (fn == 0 && reg <= PCI_HEADER_TYPE && reg + size > PCI_HEADER_TYPE &&
	    bus->segs[busnr]->fn_count[slot] > 1)
		*val |= 0x80u << (8 * (PCI_HEADER_TYPE - reg));
	return 0;
}

int vmpci_bus_write(struct vmpci_bus *bus, uint8_t busnr, uint8_t slot,
		    uint8_t fn, uint16_t reg, unsigned size, uint32_t val)
{
	const struct bus_fn *f;

	if (!bus || !bus_access_ok(slot, fn, reg, size))
		return -EINVAL;
	f = lookup(bus, busnr, slot, fn);
	if (!f || !f->ops.write)
		return 0;
	return f->ops.write(f->opaque, reg, size, val & size_ones(size));
}
