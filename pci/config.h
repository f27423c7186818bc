/* vmpci pci: the guest's view of PCI configuration space.
 *
 * struct vmpci_config is one PCI function's configuration space as the guest
 * sees it: a 256-byte or 4 KiB image with three per-byte masks, modelled on
 * the kernel's vfio-pci permission tables and QEMU's emulated_config_bits:
 *
 *  - emulated bits are served from the image; the others ("pass-through")
 *    are fetched from the device through the read callback on every read;
 *  - writable bits accept guest writes: emulated ones go into the image,
 *    pass-through ones go to the device through the write callback;
 *    read-only bits are never written anywhere;
 *  - write-1-to-clear bits (STATUS, AER, PME status) clear on a written 1
 *    and are written as 0 whenever a read-modify-write reaches the device,
 *    so a neighbouring register write never clears them by accident.
 *
 * Read-only identity registers (vendor, device, revision, class, subsystem,
 * header type, ...) are read once from the device at creation and served
 * from the image ("cached"): a read of an emulated or cached register makes
 * no callback, allocates nothing and makes no syscall.
 *
 * On top of the masks: the capability lists (walked once at creation,
 * editable: hide, add, patch), BAR registers (sizing, 64-bit pairs, ROM,
 * reprogram detection), handlers that take over byte ranges (MSI and MSI-X
 * registers for the interrupt models), and a COMMAND hook.
 *
 * Every function returns 0 or a negative errno unless its comment says
 * otherwise. Nothing here takes a lock or starts a thread: the owner
 * serializes all calls on one object. */
#ifndef VMPCI_PCI_CONFIG_H
#define VMPCI_PCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmpci_export.h"

VMPCI_API_BEGIN

/* Largest configuration space (PCI Express). */
#define VMPCI_CONFIG_SPACE_MAX 4096
/* Capabilities tracked per function (standard and extended together); a
 * device with more keeps the rest as plain pass-through bytes. */
#define VMPCI_CONFIG_MAX_CAPS 128
/* Byte-range handlers per function. */
#define VMPCI_CONFIG_MAX_HANDLERS 8

/* Pass-through callbacks, and the shape of every config accessor in this
 * header (handlers, bus functions). `offset` is the offset in configuration
 * space, `size` is 1, 2 or 4 and the access never crosses a dword. Values
 * are in host order, the low byte at `offset`. Return 0 or a negative
 * errno; a failed read's value is treated as all-ones. */
struct vmpci_config_ops {
	int (*read)(void *opaque, uint16_t offset, unsigned size,
		    uint32_t *val);
	int (*write)(void *opaque, uint16_t offset, unsigned size,
		     uint32_t val);
};

struct vmpci_config;

/* Create the config space of a device reached through `ops` (both callbacks
 * required; `opaque` is passed to them). `size` is 256 or 4096. The whole
 * space is read through ops->read once, here, to seed the image; the
 * capability lists are walked and the default permissions set. BAR
 * registers start unimplemented (read 0) until vmpci_config_bar_declare, so
 * host addresses never reach the guest. -EINVAL for bad arguments, -ENOMEM,
 * or the error of a failed device read. */
int vmpci_config_new(const struct vmpci_config_ops *ops, void *opaque,
		     uint16_t size, struct vmpci_config **out);

/* vmpci_config_new with the space already read: `image` holds its `size`
 * bytes as the device returned them (a caller that can read the whole
 * space in one call, e.g. one pread of a VFIO config region, saves a call
 * per dword). Copied; ops->read is not called here. Same errors. */
int vmpci_config_new_seeded(const struct vmpci_config_ops *ops, void *opaque,
			    const uint8_t *image, uint16_t size,
			    struct vmpci_config **out);

/* Create the config space of a purely emulated function from `bytes` (256 or
 * 4096 of them, copied): same rules as a device, but pass-through bits live
 * in a private copy of `bytes` instead of behind callbacks. Used for the
 * host bridge and for emulated devices. */
int vmpci_config_new_emulated(const uint8_t *bytes, uint16_t size,
			      struct vmpci_config **out);

/* Free a config space. Accepts NULL. */
void vmpci_config_free(struct vmpci_config *cfg);

/* 256 or 4096. */
uint16_t vmpci_config_size(const struct vmpci_config *cfg);

/* A guest read: emulated bits from the image, pass-through bits from the
 * device, handler bytes from their handler. An access of a size other than
 * 1/2/4, crossing a dword or past the space stores all-ones and gives
 * -EINVAL. A failing device read gives all-ones for its bits and its
 * error. */
int vmpci_config_read(struct vmpci_config *cfg, uint16_t offset,
		      unsigned size, uint32_t *val);

/* A guest write: writable emulated bits go to the image, writable
 * pass-through bits to the device (read-modify-write when a register is only
 * partly writable), handler bytes to their handler; then COMMAND and BAR
 * side effects run (see the hooks). Malformed accesses are dropped with
 * -EINVAL. The COMMAND hook's error is returned and nothing is written. */
int vmpci_config_write(struct vmpci_config *cfg, uint16_t offset,
		       unsigned size, uint32_t val);

/* vmpci_config_read/write with an opaque first argument, so a config space
 * can sit on a bus or behind any vmpci_config_ops table:
 * `struct vmpci_config_ops o = { vmpci_config_op_read, vmpci_config_op_write }`
 * with the config as opaque. */
int vmpci_config_op_read(void *cfg, uint16_t offset, unsigned size,
			 uint32_t *val);
int vmpci_config_op_write(void *cfg, uint16_t offset, unsigned size,
			  uint32_t val);

/* Fill buf[0 .. len) with the guest-visible bytes from offset 0 (every read
 * path applies: hidden capabilities, BARs, handlers). len is at most the
 * space size. */
int vmpci_config_dump(struct vmpci_config *cfg, uint8_t *buf, size_t len);

/* Forget every pass-through value the model serves from its image (the
 * read-only capability registers and the guest-owned control registers it
 * does not ask the function for again, pci/cache.c): the next guest read of
 * each asks the function. Call it after touching the function's config
 * space other than through vmpci_config_write (a reset, a write of your
 * own). Accepts NULL. */
void vmpci_config_invalidate(struct vmpci_config *cfg);

/* The image, with no permission check and no side effect: peek reads it,
 * poke writes it (how a handler or the device object keeps emulated state).
 * size 1, 2 or 4, inside the space (crossing a dword is allowed). */
int vmpci_config_peek(const struct vmpci_config *cfg, uint16_t offset,
		      unsigned size, uint32_t *val);
int vmpci_config_poke(struct vmpci_config *cfg, uint16_t offset,
		      unsigned size, uint32_t val);

/* Set the masks of `size` bytes (1, 2 or 4) at `offset`: which bits are
 * emulated, writable and write-1-to-clear. The image keeps its bytes. */
int vmpci_config_set_perm(struct vmpci_config *cfg, uint16_t offset,
			  unsigned size, uint32_t emulated, uint32_t writable,
			  uint32_t w1c);
int vmpci_config_get_perm(const struct vmpci_config *cfg, uint16_t offset,
			  unsigned size, uint32_t *emulated,
			  uint32_t *writable, uint32_t *w1c);

/* Patch a field: the bits of `mask` become emulated and read-only, with the
 * value `value & mask`. Other bits keep their permissions. */
int vmpci_config_patch(struct vmpci_config *cfg, uint16_t offset,
		       unsigned size, uint32_t mask, uint32_t value);

/* Serve [offset, offset + length) with `ops` instead of the image and the
 * device (e.g. the MSI or MSI-X capability for the interrupt models). A read
 * calls ops->read with *val preset to the image bytes; a write calls
 * ops->write and nothing else sees those bytes. Offsets given to the
 * handler are config-space offsets; accesses partly inside the range are
 * split so the handler sees only its bytes. -EINVAL for an empty range or
 * one past the space, -EEXIST when it overlaps another handler, -ENOSPC
 * when VMPCI_CONFIG_MAX_HANDLERS are registered. */
int vmpci_config_add_handler(struct vmpci_config *cfg, uint16_t offset,
			     uint16_t length,
			     const struct vmpci_config_ops *ops, void *opaque);

/* Remove the handler registered at `offset`. -ENOENT when there is none. */
int vmpci_config_remove_handler(struct vmpci_config *cfg, uint16_t offset);

/* Called before a guest write that touches COMMAND goes anywhere, with the
 * guest-visible command before and after the write (memory/IO decode, bus
 * master, INTx disable). Return 0 to let the write proceed, or a negative
 * errno to drop the whole write (vmpci_config_write returns it). */
typedef int (*vmpci_config_command_fn)(void *opaque, uint16_t old_cmd,
				       uint16_t new_cmd);
/* Install (or with NULL remove) the COMMAND hook. */
void vmpci_config_set_command_hook(struct vmpci_config *cfg,
				   vmpci_config_command_fn fn, void *opaque);

/* The COMMAND register as the guest last wrote it (its writable bits), or as
 * read from the device at creation. Drives BAR decode decisions. */
uint16_t vmpci_config_command(const struct vmpci_config *cfg);

/* BAR types for vmpci_config_bar_declare: exactly one of IO, MEM32, MEM64
 * or ROM, plus PREFETCH for memory BARs. */
#define VMPCI_BAR_IO 0x1u
#define VMPCI_BAR_MEM32 0x2u
#define VMPCI_BAR_MEM64 0x4u
#define VMPCI_BAR_ROM 0x8u
#define VMPCI_BAR_PREFETCH 0x10u

/* BAR indexes 0-5 and the expansion ROM. */
#define VMPCI_BAR_ROM_INDEX 6
#define VMPCI_BAR_COUNT 7

/* One BAR: its address as last accepted (not a sizing value), size and type
 * (0 for unimplemented, and for the upper half of a 64-bit pair). */
struct vmpci_bar_info {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/* Declare BAR `index` (0-5, or VMPCI_BAR_ROM_INDEX with VMPCI_BAR_ROM) of
 * `size` bytes (a power of two: IO >= 4, memory >= 16, ROM >= 2048; 32-bit
 * kinds below 4 GiB). A MEM64 BAR also takes index + 1. Size 0 makes the BAR
 * unimplemented again. The register starts at address 0; the caller places
 * it with vmpci_config_bar_set_addr. -EINVAL for bad arguments, -EBUSY when
 * a MEM64 would take the upper half another declared BAR uses. */
int vmpci_config_bar_declare(struct vmpci_config *cfg, unsigned index,
			     uint64_t size, uint32_t type);

/* Program a declared BAR's address (aligned to its size, inside its address
 * space) into the register and as the accepted address, with no event
 * (the decode is taken as it is). ROM enable is kept. */
int vmpci_config_bar_set_addr(struct vmpci_config *cfg, unsigned index,
			      uint64_t addr);

/* Describe BAR `index` (0 to VMPCI_BAR_COUNT - 1). */
int vmpci_config_bar_get(const struct vmpci_config *cfg, unsigned index,
			 struct vmpci_bar_info *out);

/* 1 when BAR `index` decodes as last reported to the hook (memory enable
 * for memory BARs and the ROM, whose enable bit must also be set; I/O
 * enable for I/O BARs), 0 otherwise. */
int vmpci_config_bar_decoding(const struct vmpci_config *cfg, unsigned index);

/* A change in where the guest reaches BAR `index`: its address (old_addr
 * to new_addr), its decode (was_on to on), or both. The address follows
 * the register only while decode is on: a move made with decode off shows
 * when decode turns on. While decode is off, new_addr == old_addr. */
struct vmpci_bar_move {
	unsigned index;
	uint32_t type;
	uint64_t old_addr;
	uint64_t new_addr;
	uint64_t size;
	bool was_on;
	bool on;
};

/* Called after a guest write that changed where the guest reaches some
 * BARs, with all of them (`count` >= 1, at most VMPCI_BAR_COUNT): one write
 * is one batch, so turning decode on after reprogramming several BARs
 * (a swap, say) arrives as one call. Every write to a BAR register is
 * evaluated, either half of a 64-bit pair included, as hardware does. A
 * sizing probe (a value that cannot be an address: a BAR ending exactly at
 * 4 GiB, or a 64-bit BAR whose high address bits are all ones) changes
 * nothing. The register keeps what the guest wrote: hardware never refuses
 * an address, so neither does the model; an owner that cannot map a BAR
 * where the guest put it leaves it unmapped. */
typedef void (*vmpci_config_bar_fn)(void *opaque,
				    const struct vmpci_bar_move *moves,
				    unsigned count);
/* Install (or with NULL remove) the BAR hook. */
void vmpci_config_set_bar_hook(struct vmpci_config *cfg,
			       vmpci_config_bar_fn fn, void *opaque);

/* Capability flags. */
#define VMPCI_CAP_EXTENDED 0x1u	/* in the extended list (offset >= 0x100) */
#define VMPCI_CAP_HIDDEN 0x2u	/* unlinked; its bytes read 0 */
#define VMPCI_CAP_VIRTUAL 0x4u	/* added by vmpci_config_*cap_add */
#define VMPCI_CAP_HEADER 0x8u	/* the standard header (owner of 0x00-0x3f) */

/* One capability: where it is, its id, how many bytes it owns. */
struct vmpci_cap {
	uint16_t offset;
	uint16_t id;
	uint16_t length;
	uint16_t flags;
};

/* The number of capabilities known (visible, hidden and virtual). */
size_t vmpci_config_cap_count(const struct vmpci_config *cfg);

/* Capability `index` (0 .. count - 1): standard ones first, each list in
 * chain order. -ENOENT past the end. */
int vmpci_config_cap_get(const struct vmpci_config *cfg, size_t index,
			 struct vmpci_cap *out);

/* The first visible standard capability with `id`. -ENOENT if none. */
int vmpci_config_cap_find(const struct vmpci_config *cfg, uint8_t id,
			  struct vmpci_cap *out);
/* The first visible extended capability with `id`. -ENOENT if none. */
int vmpci_config_ext_cap_find(const struct vmpci_config *cfg, uint16_t id,
			      struct vmpci_cap *out);

/* Which capability owns the byte at `offset` (the header owns 0x00-0x3f;
 * hidden capabilities still own theirs). -ENOENT for a byte nobody owns,
 * -EINVAL past the space. */
int vmpci_config_cap_owner(const struct vmpci_config *cfg, uint16_t offset,
			   struct vmpci_cap *out);

/* Hide every visible standard (resp. extended) capability with `id`: it is
 * unlinked from its list, its bytes become emulated read-only zeros. Hiding
 * the extended capability at 0x100 leaves there an empty header (id 0,
 * version 0) pointing at the next visible one, or all zeros when none is
 * left, as the kernel does. -ENOENT when no visible one has that id, -EBUSY
 * when a handler serves one of its bytes. */
int vmpci_config_cap_hide(struct vmpci_config *cfg, uint8_t id);
int vmpci_config_ext_cap_hide(struct vmpci_config *cfg, uint16_t id);

/* Add a virtual standard capability `id` whose bytes after the 2-byte
 * header are body[0 .. body_len), at the lowest free dword-aligned place
 * from 0x40, linked at the end of the list. Its bytes are emulated and
 * read-only (change with vmpci_config_set_perm or a handler). The offset
 * goes to *offset. -ENOSPC when no free room fits. */
int vmpci_config_cap_add(struct vmpci_config *cfg, uint8_t id,
			 const uint8_t *body, uint16_t body_len,
			 uint16_t *offset);
/* The same for an extended capability (4-byte header with `version`) in a
 * 4 KiB space, from 0x100. -EINVAL in a 256-byte space. */
int vmpci_config_ext_cap_add(struct vmpci_config *cfg, uint16_t id,
			     uint8_t version, const uint8_t *body,
			     uint16_t body_len, uint16_t *offset);

/* The guest-visible state as plain data, for snapshot and restore. */
struct vmpci_config_state {
	uint16_t size;
	uint16_t command;
	uint8_t image[VMPCI_CONFIG_SPACE_MAX];
	uint8_t emulated[VMPCI_CONFIG_SPACE_MAX];
	uint8_t writable[VMPCI_CONFIG_SPACE_MAX];
	uint8_t w1c[VMPCI_CONFIG_SPACE_MAX];
	uint16_t cap_count;
	struct vmpci_cap caps[VMPCI_CONFIG_MAX_CAPS];
	struct vmpci_bar_info bars[VMPCI_BAR_COUNT];
};

/* Export the state (image, masks, capabilities including hidden ones, BARs,
 * command). No callback runs: pass-through bytes in `image` are the device's
 * values at creation. Bytes past `size` are zero. */
int vmpci_config_state_get(const struct vmpci_config *cfg,
			   struct vmpci_config_state *st);

/* Import a state exported from this device or an identical one. Validates
 * everything first and changes nothing on error: -EINVAL for a malformed
 * state (size, capability bounds or overlap, an image whose capability
 * lists do not link exactly the visible capabilities with their ids, a
 * hidden capability whose bytes are not emulated read-only zeros, BAR
 * size/type/alignment, BAR register type bits, a non-zero unimplemented
 * BAR register), -ENODEV when the identity (vendor, device,
 * revision, class, subsystem, size) differs from this device or a BAR this
 * device declared has another size or type. Writes nothing to the device;
 * handlers and hooks stay as they are. */
int vmpci_config_state_set(struct vmpci_config *cfg,
			   const struct vmpci_config_state *st);

/* Every check vmpci_config_state_set makes, changing nothing. With `cfg`
 * NULL, only those of the state alone (no identity or declared-BAR
 * comparison): what a snapshot checker without a device can ask. */
int vmpci_config_state_check(const struct vmpci_config *cfg,
			     const struct vmpci_config_state *st);

/* Largest text vmpci_config_format_lspci writes for a 4 KiB space,
 * including the terminating NUL. */
#define VMPCI_CONFIG_LSPCI_MAX 13700

/* Format the guest-visible config space as `lspci -xxxx` prints it (a
 * "BB:DD.F" line, then 16 bytes per line), so `lspci -F FILE` decodes it.
 * Writes a NUL-terminated string into buf[0 .. len); its length (without
 * the NUL) goes to *written when not NULL. -ENOSPC when len is too small. */
int vmpci_config_format_lspci(struct vmpci_config *cfg, uint8_t bus,
			      uint8_t dev, uint8_t fn, char *buf, size_t len,
			      size_t *written);

VMPCI_API_END

#endif
