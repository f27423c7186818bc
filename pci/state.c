/* Export and import of the guest-visible state as plain data. Import checks
 * everything before it changes anything. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>

#include "pci/config_internal.h"

#define CAP_FLAGS (VMPCI_CAP_EXTENDED | VMPCI_CAP_HIDDEN | VMPCI_CAP_VIRTUAL)

int vmpci_config_state_get(const struct vmpci_config *cfg,
			   struct vmpci_config_state *st)
{
	if (!cfg || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->size = cfg->size;
	st->command = cfg->command;
	memcpy(st->image, cfg->image, cfg->size);
	memcpy(st->emulated, cfg->emul, cfg->size);
	memcpy(st->writable, cfg->wmask, cfg->size);
	memcpy(st->w1c, cfg->w1c, cfg->size);
	st->cap_count = cfg->ncaps;
	memcpy(st->caps, cfg->caps, cfg->ncaps * sizeof(cfg->caps[0]));
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++)
		st->bars[i] = (struct vmpci_bar_info){
			.addr = cfg->bars[i].addr,
			.size = cfg->bars[i].size,
			.type = cfg->bars[i].type,
		};
	return 0;
}

/* The registers that say which device this is. */
static bool same_identity(const struct vmpci_config *cfg,
			  const struct vmpci_config_state *st)
{
	static const struct {
		uint16_t offset, size;
	} ids[] = {
		{ PCI_VENDOR_ID, 4 },	      /* vendor, device */
		{ PCI_CLASS_REVISION, 4 },    /* revision, class */
		{ PCI_SUBSYSTEM_VENDOR_ID, 4 }, /* subsystem */
	};

	if (st->size != cfg->size)
		return false;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (memcmp(st->image + ids[i].offset,
			   cfg->image + ids[i].offset, ids[i].size))
			return false;
	return true;
}

/* In bounds, aligned, standard ones first, no two claiming one byte. */
static int check_caps(const struct vmpci_config_state *st, uint16_t *owner)
{
	bool seen_ext = false;

	if (st->cap_count > VMPCI_CONFIG_MAX_CAPS)
		return -EINVAL;
	for (uint16_t i = 0; i < st->cap_count; i++) {
		const struct vmpci_cap *c = &st->caps[i];
		bool ext = c->flags & VMPCI_CAP_EXTENDED;
		uint32_t lo = ext ? PCI_CFG_SPACE_SIZE : PCI_STD_HEADER_SIZEOF;
		uint32_t hi = ext ? st->size : PCI_CFG_SPACE_SIZE;

		if ((c->flags & ~CAP_FLAGS) || (c->offset & 3u) ||
		    c->offset < lo || c->length < (ext ? 4 : 2) ||
		    (uint32_t)c->offset + c->length > hi ||
		    (seen_ext && !ext) || (!ext && c->id > 0xff))
			return -EINVAL;
		seen_ext |= ext;
	}
	/* A hidden capability's bytes are emulated read-only zeros (the
	 * empty header left at 0x100 may link on); a state that passed them
	 * through would show the guest what it must not see. */
	for (uint16_t i = 0; i < st->cap_count; i++) {
		const struct vmpci_cap *c = &st->caps[i];

		if (!(c->flags & VMPCI_CAP_HIDDEN))
			continue;
		for (uint16_t b = 0; b < c->length; b++) {
			uint16_t at = (uint16_t)(c->offset + b);

			if (st->emulated[at] != 0xff || st->writable[at] ||
			    st->w1c[at] ||
			    (st->image[at] &&
			     !(at < PCI_CFG_SPACE_SIZE + 4 &&
			       c->offset == PCI_CFG_SPACE_SIZE)))
				return -EINVAL;
		}
	}
	memset(owner, 0, VMPCI_CONFIG_SPACE_MAX * sizeof(*owner));
	for (uint16_t i = 0; i < st->cap_count; i++)
		for (uint16_t b = 0; b < st->caps[i].length; b++) {
			if (owner[st->caps[i].offset + b])
				return -EINVAL;
			owner[st->caps[i].offset + b] = (uint16_t)(i + 1);
		}
	return 0;
}

/* The lists the image links are the visible capabilities of the state,
 * in order, each with its id at its offset: what the guest walks is what
 * the state says it has (no hidden one linked back, no id rewritten). */
static int check_chains(const struct vmpci_config_state *st)
{
	uint32_t p = st->image[PCI_CAPABILITY_LIST], hdr;
	bool at_0x100 = false;
	uint16_t i;

	for (i = 0; i < st->cap_count; i++) {
		const struct vmpci_cap *c = &st->caps[i];

		if (c->flags & VMPCI_CAP_EXTENDED) {
			at_0x100 |= c->offset == PCI_CFG_SPACE_SIZE;
			continue;
		}
		if (c->flags & VMPCI_CAP_HIDDEN)
			continue;
		if (p != c->offset || st->image[p] != c->id)
			return -EINVAL;
		p = st->image[p + PCI_CAP_LIST_NEXT];
	}
	if (p && (st->image[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return -EINVAL;
	if (st->size <= PCI_CFG_SPACE_SIZE)
		return 0;
	p = PCI_CFG_SPACE_SIZE;
	if (!at_0x100) {
		/* Nothing recorded at 0x100: the extended list is empty. */
		hdr = le_load(st->image + p, 4);
		if (hdr && hdr != 0xffffffffu)
			return -EINVAL;
		p = 0;
	}
	for (i = 0; i < st->cap_count; i++) {
		const struct vmpci_cap *c = &st->caps[i];

		if (!(c->flags & VMPCI_CAP_EXTENDED))
			continue;
		if (c->flags & VMPCI_CAP_HIDDEN) {
			/* The empty header left in its place links on. */
			if (c->offset == PCI_CFG_SPACE_SIZE && p == c->offset) {
				hdr = le_load(st->image + p, 4);
				if (PCI_EXT_CAP_ID(hdr) || PCI_EXT_CAP_VER(hdr))
					return -EINVAL;
				p = PCI_EXT_CAP_NEXT(hdr);
			}
			continue;
		}
		hdr = le_load(st->image + c->offset, 4);
		if (p != c->offset || PCI_EXT_CAP_ID(hdr) != c->id)
			return -EINVAL;
		p = PCI_EXT_CAP_NEXT(hdr);
	}
	return p ? -EINVAL : 0;
}

static uint16_t bar_reg(unsigned index)
{
	return index == VMPCI_BAR_ROM_INDEX ?
		       PCI_ROM_ADDRESS :
		       (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * index);
}

static int check_bars(const struct vmpci_config *cfg,
		      const struct vmpci_config_state *st)
{
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
		const struct vmpci_bar_info *b = &st->bars[i];
		uint32_t reg = le_load(st->image + bar_reg(i), 4);
		uint32_t tmask = (b->type & VMPCI_BAR_IO) ? 0x3u : 0xfu;

		if (cfg && cfg->bars[i].size &&
		    (cfg->bars[i].size != b->size ||
		     cfg->bars[i].type != b->type))
			return -ENODEV;
		if (!b->size) {
			/* Unimplemented registers read 0; the upper half of
			 * a 64-bit BAR holds its address. */
			bool upper = i > 0 && i < VMPCI_BAR_ROM_INDEX &&
				     (st->bars[i - 1].type & VMPCI_BAR_MEM64);

			if (b->type || b->addr || (reg && !upper))
				return -EINVAL;
			continue;
		}
		if (vmpci__cfg_bar_check(i, b->size, b->type) ||
		    (b->addr & (b->size - 1)))
			return -EINVAL;
		if (!(b->type & VMPCI_BAR_MEM64) &&
		    b->addr + b->size > (1ull << 32))
			return -EINVAL;
		if ((b->type & VMPCI_BAR_MEM64) && st->bars[i + 1].size)
			return -EINVAL;
		if (!(b->type & VMPCI_BAR_ROM) &&
		    (reg & tmask) != vmpci__cfg_bar_type_bits(b->type))
			return -EINVAL;
	}
	return 0;
}

/* Every check of an import; `cfg` NULL checks the state alone. `owner`
 * gets which capability claims each byte. */
static int check(const struct vmpci_config *cfg,
		 const struct vmpci_config_state *st, uint16_t *owner)
{
	int rc;

	if (st->size != PCI_CFG_SPACE_SIZE &&
	    st->size != PCI_CFG_SPACE_EXP_SIZE)
		return -EINVAL;
	if (cfg && !same_identity(cfg, st))
		return -ENODEV;
	rc = check_bars(cfg, st);
	if (!rc)
		rc = check_caps(st, owner);
	if (!rc)
		rc = check_chains(st);
	return rc;
}

int vmpci_config_state_check(const struct vmpci_config *cfg,
			     const struct vmpci_config_state *st)
{
	uint16_t *owner;
	int rc;

	if (!st)
		return -EINVAL;
	owner = malloc(VMPCI_CONFIG_SPACE_MAX * sizeof(*owner));
	if (!owner)
		return -ENOMEM;
	rc = check(cfg, st, owner);
	free(owner);
	return rc;
}

int vmpci_config_state_set(struct vmpci_config *cfg,
			   const struct vmpci_config_state *st)
{
	uint16_t *owner;
	int rc;

	if (!cfg || !st)
		return -EINVAL;
	owner = malloc(VMPCI_CONFIG_SPACE_MAX * sizeof(*owner));
	if (!owner)
		return -ENOMEM;
	rc = check(cfg, st, owner);
	if (rc) {
		free(owner);
		return rc;
	}

	cfg->command = st->command;
	memcpy(cfg->image, st->image, cfg->size);
	memcpy(cfg->emul, st->emulated, cfg->size);
	memcpy(cfg->wmask, st->writable, cfg->size);
	memcpy(cfg->w1c, st->w1c, cfg->size);
	cfg->ncaps = st->cap_count;
	memcpy(cfg->caps, st->caps, st->cap_count * sizeof(cfg->caps[0]));
	memcpy(cfg->owner, owner, sizeof(cfg->owner));
	free(owner);
	/* A restore writes the function behind the model. */
	vmpci_config_invalidate(cfg);
	/* BAR masks follow from the BARs; registers keep what the guest
	 * wrote, including a move it has not enabled yet. */
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
		cfg->bars[i] = (struct cfg_bar){
			.addr = st->bars[i].addr,
			.size = st->bars[i].size,
			.type = st->bars[i].type,
		};
	}
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
		if (!(i > 0 && i < VMPCI_BAR_ROM_INDEX &&
		      (cfg->bars[i - 1].type & VMPCI_BAR_MEM64)))
			vmpci__cfg_bar_apply(cfg, i, true);
		vmpci__cfg_bar_sync_decode(cfg, i);
	}
	return 0;
}
