/* Internals of struct vmpci_config, shared by the files of pci/. */
#ifndef VMPCI_PCI_CONFIG_INTERNAL_H
#define VMPCI_PCI_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pci/config.h"
#include "pci/state_check.h"
#include "vmpci_why.h"

struct cfg_handler {
	uint16_t offset;
	uint16_t length;
	struct vmpci_config_ops ops;
	void *opaque;
};

struct cfg_bar {
	uint64_t addr;	/* accepted address */
	uint64_t size;	/* 0: unimplemented */
	uint32_t type;	/* VMPCI_BAR_* */
	bool on;	/* decode, as last reported */
};

struct vmpci_config {
	uint16_t size;
	/* Pass-through target: the device's callbacks, or `backing` for an
	 * emulated function (dev.read == NULL). */
	struct vmpci_config_ops dev;
	void *dev_opaque;
	uint16_t command;

	uint8_t image[VMPCI_CONFIG_SPACE_MAX];
	uint8_t emul[VMPCI_CONFIG_SPACE_MAX];
	uint8_t wmask[VMPCI_CONFIG_SPACE_MAX];
	uint8_t w1c[VMPCI_CONFIG_SPACE_MAX];
	/* Pass-through bits the model may answer without the function
	 * (cache.c), their last known values, which of them are fresh (cval
	 * holds the function's current value), and per byte CACHE_RESETS (a
	 * write here may reset the function). */
	uint8_t cache[VMPCI_CONFIG_SPACE_MAX];
	uint8_t cval[VMPCI_CONFIG_SPACE_MAX];
	uint8_t fresh[VMPCI_CONFIG_SPACE_MAX];
	uint8_t cstate[VMPCI_CONFIG_SPACE_MAX];
	/* Capability index + 1 owning each byte; 0 for none. */
	uint16_t owner[VMPCI_CONFIG_SPACE_MAX];
	/* Handler index + 1 serving each byte; 0 for none. */
	uint8_t hmap[VMPCI_CONFIG_SPACE_MAX];

	/* Standard caps first, then extended, each in chain order. */
	struct vmpci_cap caps[VMPCI_CONFIG_MAX_CAPS];
	uint16_t ncaps;

	struct cfg_handler handlers[VMPCI_CONFIG_MAX_HANDLERS];
	struct cfg_bar bars[VMPCI_BAR_COUNT];

	vmpci_config_command_fn command_fn;
	void *command_opaque;
	vmpci_config_bar_fn bar_fn;
	void *bar_opaque;

	uint8_t backing[VMPCI_CONFIG_SPACE_MAX];
};

/* Little-endian loads and stores of 1..4 bytes. */
static inline uint32_t le_load(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static inline void le_store(uint8_t *p, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* All-ones of `size` bytes (1, 2 or 4); all 32 bits for anything else. */
static inline uint32_t size_ones(unsigned size)
{
	return (size == 1 || size == 2) ? (1u << (8 * size)) - 1 : 0xffffffffu;
}

/* A guest access: 1, 2 or 4 bytes, inside one dword, inside the space. */
static inline bool access_ok(const struct vmpci_config *cfg, uint16_t offset,
			     unsigned size)
{
	if (size != 1 && size != 2 && size != 4)
		return false;
	if ((offset & 3u) + size > 4)
		return false;
	return (uint32_t)offset + size <= cfg->size;
}

/* Set masks (and optionally the image) of `size` bytes at `offset`. */
static inline void perm_set(struct vmpci_config *cfg, uint16_t offset,
			    unsigned size, uint32_t emul, uint32_t write,
			    uint32_t w1c)
{
	le_store(cfg->emul + offset, size, emul);
	le_store(cfg->wmask + offset, size, write);
	le_store(cfg->w1c + offset, size, w1c);
}

/* perm.c: default permissions of the header and of one capability. */
void vmpci__cfg_perm_header(struct vmpci_config *cfg);
void vmpci__cfg_perm_cap(struct vmpci_config *cfg, const struct vmpci_cap *cap);

/* cache.c: the cached pass-through bits. Init after the capability walk
 * (every cached bit fresh: the image was just read); the fresh cached bits
 * of an access and their values; store what the function returned; the
 * guest's `bits` written to the function at `offset` (stale until read
 * again, or everything stale when the write may reset the function). */
#define CACHE_RESETS 0x1u
void vmpci__cfg_cache_init(struct vmpci_config *cfg);
uint32_t vmpci__cfg_cache_served(const struct vmpci_config *cfg, uint16_t offset,
			  unsigned size);
uint32_t vmpci__cfg_cache_value(const struct vmpci_config *cfg, uint16_t offset,
			 unsigned size);
void vmpci__cfg_cache_store(struct vmpci_config *cfg, uint16_t offset, unsigned size,
		     uint32_t phys);
void vmpci__cfg_cache_written(struct vmpci_config *cfg, uint16_t offset,
		       unsigned size, uint32_t bits);

/* caps.c: walk the lists in the image, build the owner map, fix the chains;
 * rewrite every next pointer from the table; rebuild the owner map. */
void vmpci__cfg_caps_init(struct vmpci_config *cfg);
void vmpci__cfg_caps_relink(struct vmpci_config *cfg);
void vmpci__cfg_caps_build_owner(struct vmpci_config *cfg,
			  const struct vmpci_cap *caps, uint16_t ncaps,
			  uint16_t *owner);

/* caplen.c: bytes a capability at `pos` claims before clamping to its
 * neighbours, read from the image; 0 when unknown (up to the next one). */
uint16_t vmpci__cfg_cap_length(const struct vmpci_config *cfg, uint16_t pos,
			uint16_t id, bool extended);

/* bar.c: BAR side effects of a guest write (after COMMAND took it). */
void vmpci__cfg_bar_after_write(struct vmpci_config *cfg, uint16_t offset,
			 unsigned size);
/* Take the BAR's decode from COMMAND and the ROM enable bit with no event
 * (the BAR was set from outside the guest). */
void vmpci__cfg_bar_sync_decode(struct vmpci_config *cfg, unsigned index);
/* Register image and masks of a BAR set from cfg->bars (perms_only: the
 * masks alone, the register keeps what the guest wrote). */
void vmpci__cfg_bar_apply(struct vmpci_config *cfg, unsigned index, bool perms_only);
/* 0 when a BAR of `size` and `type` may sit at `index`, else -EINVAL with
 * "bars[<index>].<field>: <reason>" in why (may be NULL). */
int vmpci__cfg_bar_check(unsigned index, uint64_t size, uint32_t type,
			 char *why, size_t len);
/* The read-only type bits of a BAR register. */
uint32_t vmpci__cfg_bar_type_bits(uint32_t type);
/* Index of the BAR whose register holds `offset`, or -1. */
int vmpci__cfg_bar_register_index(uint16_t offset);

#endif
