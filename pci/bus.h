/* vmpci pci: the bus. struct vmpci_bus holds functions at
 * bus/device/function addresses, each a {read, write} callback pair, and
 * decodes the two ways a guest reaches them: I/O ports 0xCF8/0xCFC and
 * ECAM.
 *
 * Every function returns 0 or a negative errno unless its comment says
 * otherwise. Nothing here takes a lock or starts a thread: the owner
 * serializes all calls on one object. */
#ifndef VMPCI_PCI_BUS_H
#define VMPCI_PCI_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci/config.h"
#include "vmpci.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* Slot (device number) management on bus `busnr`. A slot is free, reserved
 * (skipped by automatic allocation, still grantable by request) or
 * allocated.
 * - alloc (vmpci.h): the lowest free slot.
 * - alloc_at: the requested slot (free or reserved); -EINVAL above 31,
 *   -EEXIST when it is allocated (slot 0 is the host bridge's).
 * - reserve: a free slot becomes reserved; -EINVAL above 31, -EEXIST when
 *   it is not free.
 * - release: back to free; -ENOENT when free, -EBUSY while functions are
 *   on it. */
int vmpci_bus_slot_alloc_at(struct vmpci_bus *bus, uint8_t busnr,
			    uint8_t slot);
int vmpci_bus_slot_reserve(struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot);
int vmpci_bus_slot_release(struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot);

/* 1 when the slot is allocated, 0 otherwise (free, reserved, or out of
 * range). */
int vmpci_bus_slot_is_allocated(const struct vmpci_bus *bus, uint8_t busnr,
				uint8_t slot);

/* 1 when a function is attached there, 0 otherwise. */
int vmpci_bus_has_function(const struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot, uint8_t fn);

/* Config access by address. An absent function reads all-ones and ignores
 * writes (0 is returned: that is what hardware does). A size other than
 * 1/2/4, an access crossing a dword or reg past 4 KiB reads all-ones, is
 * dropped on write, and gives -EINVAL. */
int vmpci_bus_read(struct vmpci_bus *bus, uint8_t busnr, uint8_t slot,
		   uint8_t fn, uint16_t reg, unsigned size, uint32_t *val);
int vmpci_bus_write(struct vmpci_bus *bus, uint8_t busnr, uint8_t slot,
		    uint8_t fn, uint16_t reg, unsigned size, uint32_t val);

VMPCI_API_END

#endif
