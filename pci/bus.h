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
#include "vmpci_export.h"

VMPCI_API_BEGIN

struct vmpci_bus;

/* Put an emulated host bridge (8086:0d57, class 0600) at 00:00.0. */
#define VMPCI_BUS_HOST_BRIDGE 0x1u

#define VMPCI_BUS_SLOTS 32
#define VMPCI_BUS_FUNCTIONS 8
/* The legacy configuration mechanism: 0xCF8 address, 0xCFC-0xCFF data. */
#define VMPCI_BUS_PIO_BASE 0xcf8
#define VMPCI_BUS_PIO_SIZE 8
/* An ECAM window for 256 buses: 1 MiB per bus, 4 KiB per function. */
#define VMPCI_BUS_ECAM_SIZE (256ull << 20)

/* Create a bus (all 256 bus numbers addressable, all empty). `flags` is 0
 * or VMPCI_BUS_HOST_BRIDGE. */
int vmpci_bus_new(uint32_t flags, struct vmpci_bus **out);

/* Free the bus (not the functions on it). Accepts NULL. */
void vmpci_bus_free(struct vmpci_bus *bus);

/* Slot (device number) management on bus `busnr`. A slot is free, reserved
 * (skipped by automatic allocation, still grantable by request) or
 * allocated.
 * - alloc: the lowest free slot goes to *slot; -ENOSPC when none is left.
 * - alloc_at: the requested slot (free or reserved); -EINVAL above 31,
 *   -EEXIST when it is allocated (slot 0 is the host bridge's).
 * - reserve: a free slot becomes reserved; -EINVAL above 31, -EEXIST when
 *   it is not free.
 * - release: back to free; -ENOENT when free, -EBUSY while functions are
 *   on it. */
int vmpci_bus_slot_alloc(struct vmpci_bus *bus, uint8_t busnr, uint8_t *slot);
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

/* Attach function `fn` (0-7) of allocated slot `slot` on `busnr`: accesses
 * to it call `ops` with `opaque` (e.g. vmpci_config_op_read/write and a
 * config). Functions 1-7 are real functions: while any exists, function 0
 * reports the multi-function bit. -EINVAL for bad numbers or ops, -ENOENT
 * when the slot is not allocated, -EEXIST when the function exists. */
int vmpci_bus_add_function(struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot, uint8_t fn,
			   const struct vmpci_config_ops *ops, void *opaque);

/* Detach a function. -ENOENT when there is none (the host bridge cannot be
 * removed: -EPERM). */
int vmpci_bus_remove_function(struct vmpci_bus *bus, uint8_t busnr,
			      uint8_t slot, uint8_t fn);

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

/* I/O port access to 0xCF8-0xCFF. A dword access at 0xCF8 is the address
 * register (bit 31 enables). Data at 0xCFC + k reaches register
 * (address & 0xfc) + k with byte, word or dword accesses. With the enable
 * bit clear, data reads are all-ones and writes are dropped. -ENXIO for a
 * byte or word access to 0xCF8-0xCFB (or a dword at 0xCF9-0xCFB): those
 * are not configuration accesses (0xCF9 is the reset control register on
 * PC chipsets) and belong to the VMM; the address register is untouched
 * and reads give all-ones. -EINVAL for a port outside the range or a
 * malformed data access (reads then give all-ones). */
int vmpci_bus_pio_read(struct vmpci_bus *bus, uint16_t port, unsigned size,
		       uint32_t *val);
int vmpci_bus_pio_write(struct vmpci_bus *bus, uint16_t port, unsigned size,
			uint32_t val);

/* ECAM access at `offset` from the window base: bus = offset[27:20],
 * device = [19:15], function = [14:12], register = [11:0]. -EINVAL past
 * VMPCI_BUS_ECAM_SIZE or for a malformed access (reads give all-ones). */
int vmpci_bus_ecam_read(struct vmpci_bus *bus, uint64_t offset,
			unsigned size, uint32_t *val);
int vmpci_bus_ecam_write(struct vmpci_bus *bus, uint64_t offset,
			 unsigned size, uint32_t val);

VMPCI_API_END

#endif
