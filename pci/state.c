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
static int same_identity(const struct vmpci_config *cfg,
			 const struct vmpci_config_state *st, char *why,
			 size_t len)
{
	static const struct {
		uint16_t offset, size;
	} ids[] = {
		{ PCI_VENDOR_ID, 4 },	      /* vendor, device */
		{ PCI_CLASS_REVISION, 4 },    /* revision, class */
		{ PCI_SUBSYSTEM_VENDOR_ID, 4 }, /* subsystem */
	};

	if (st->size != cfg->size)
		return vmpci__why(why, len, -ENODEV,
				  "size: %u bytes, the function has %u", st->size,
				  cfg->size);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (memcmp(st->image + ids[i].offset,
			   cfg->image + ids[i].offset, ids[i].size))
			return vmpci__why(why, len, -ENODEV,
					  "image: the identity register at 0x%02x is 0x%08x, the function's 0x%08x",
					  ids[i].offset,
					  le_load(st->image + ids[i].offset, 4),
					  le_load(cfg->image + ids[i].offset, 4));
	return 0;
}

/* One capability on its own: known flags, dword aligned, inside its
 * area, long enough for its header, an id its list can hold. */
static int check_cap(const struct vmpci_config_state *st, uint16_t i,
		     char *why, size_t len)
{
	const struct vmpci_cap *c = &st->caps[i];
	bool ext = c->flags & VMPCI_CAP_EXTENDED;
	uint32_t lo = ext ? PCI_CFG_SPACE_SIZE : PCI_STD_HEADER_SIZEOF;
	uint32_t hi = ext ? st->size : PCI_CFG_SPACE_SIZE;

	if (c->flags & ~CAP_FLAGS)
		return vmpci__why(why, len, -EINVAL,
				  "caps[%u].flags: unknown flags 0x%x", i,
				  c->flags & ~CAP_FLAGS);
	if (c->offset & 3u)
		return vmpci__why(why, len, -EINVAL,
				  "caps[%u].offset: 0x%x is not dword aligned", i,
				  c->offset);
	if (c->offset < lo || (uint32_t)c->offset + c->length > hi)
		return vmpci__why(why, len, -EINVAL,
				  "caps[%u]: [0x%x, 0x%x) is outside the %s capability area [0x%x, 0x%x)",
				  i, c->offset, c->offset + c->length,
				  ext ? "extended" : "standard", lo, hi);
	if (c->length < (ext ? 4 : 2))
		return vmpci__why(why, len, -EINVAL,
				  "caps[%u].length: %u is shorter than its header",
				  i, c->length);
	if (!ext && c->id > 0xff)
		return vmpci__why(why, len, -EINVAL,
				  "caps[%u].id: 0x%x is too wide for a standard capability",
				  i, c->id);
	return 0;
}

/* A hidden capability's bytes are emulated read-only zeros (the empty
 * header left at 0x100 may link on); a state that passed them through
 * would show the guest what it must not see. */
static int check_hidden(const struct vmpci_config_state *st, uint16_t i,
			char *why, size_t len)
{
	const struct vmpci_cap *c = &st->caps[i];

	for (uint16_t b = 0; b < c->length; b++) {
		uint16_t at = (uint16_t)(c->offset + b);

		if (st->emulated[at] != 0xff || st->writable[at] ||
		    st->w1c[at] ||
		    (st->image[at] && !(at < PCI_CFG_SPACE_SIZE + 4 &&
					c->offset == PCI_CFG_SPACE_SIZE)))
			return vmpci__why(why, len, -EINVAL,
					  "caps[%u]: hidden, but byte 0x%x is not an emulated read-only zero",
					  i, at);
	}
	return 0;
}

/* Each capability valid, standard ones first, hidden ones zeros, no two
 * claiming one byte. `owner` gets which capability claims each byte. */
static int check_caps(const struct vmpci_config_state *st, uint16_t *owner,
		      char *why, size_t len)
{
	bool seen_ext = false;
	int rc;

	if (st->cap_count > VMPCI_CONFIG_MAX_CAPS)
		return vmpci__why(why, len, -EINVAL, "caps: %u entries, at most %u",
				  st->cap_count, VMPCI_CONFIG_MAX_CAPS);
	for (uint16_t i = 0; i < st->cap_count; i++) {
		bool ext = st->caps[i].flags & VMPCI_CAP_EXTENDED;

		rc = check_cap(st, i, why, len);
		if (rc)
			return rc;
		if (seen_ext && !ext)
			return vmpci__why(why, len, -EINVAL,
					  "caps[%u]: standard capability after an extended one",
					  i);
		seen_ext |= ext;
	}
	for (uint16_t i = 0; i < st->cap_count; i++) {
		rc = st->caps[i].flags & VMPCI_CAP_HIDDEN ?
			     check_hidden(st, i, why, len) : 0;
		if (rc)
			return rc;
	}
	memset(owner, 0, VMPCI_CONFIG_SPACE_MAX * sizeof(*owner));
	for (uint16_t i = 0; i < st->cap_count; i++)
		for (uint16_t b = 0; b < st->caps[i].length; b++) {
			uint16_t at = (uint16_t)(st->caps[i].offset + b);

			if (owner[at])
				return vmpci__why(why, len, -EINVAL,
						  "caps[%u]: overlaps caps[%u] at 0x%x",
						  i, owner[at] - 1, at);
			owner[at] = (uint16_t)(i + 1);
		}
	return 0;
}

/* Where a list in the image breaks from the visible capabilities. */
static int chain_broken(const struct vmpci_config_state *st, const char *list,
			uint32_t at, uint16_t i, char *why, size_t len)
{
	if (i == st->cap_count)
		return vmpci__why(why, len, -EINVAL,
				  "image: the %s capability list goes on at 0x%x past the last visible capability",
				  list, at);
	return vmpci__why(why, len, -EINVAL,
			  "image: the %s capability list has 0x%x where caps[%u] (id 0x%x at 0x%x) belongs",
			  list, at, i, st->caps[i].id, st->caps[i].offset);
}

/* The standard list the image links is the visible standard capabilities
 * of the state, in order, each with its id at its offset: what the guest
 * walks is what the state says it has (no hidden one linked back, no id
 * rewritten). */
static int check_std_chain(const struct vmpci_config_state *st, char *why,
			   size_t len)
{
	uint32_t p = st->image[PCI_CAPABILITY_LIST];
	uint16_t i;

	for (i = 0; i < st->cap_count; i++) {
		const struct vmpci_cap *c = &st->caps[i];

		if (c->flags & (VMPCI_CAP_EXTENDED | VMPCI_CAP_HIDDEN))
			continue;
		if (p != c->offset || st->image[p] != c->id)
			return chain_broken(st, "standard", p, i, why, len);
		p = st->image[p + PCI_CAP_LIST_NEXT];
	}
	if (p && (st->image[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return chain_broken(st, "standard", p, st->cap_count, why, len);
	return 0;
}

/* The same for the extended list, which starts at 0x100 whatever it holds. */
static int check_ext_chain(const struct vmpci_config_state *st, char *why,
			   size_t len)
{
	uint32_t p = PCI_CFG_SPACE_SIZE, hdr;
	bool at_0x100 = false;
	uint16_t i;

	if (st->size <= PCI_CFG_SPACE_SIZE)
		return 0;
	for (i = 0; i < st->cap_count; i++)
		at_0x100 |= (st->caps[i].flags & VMPCI_CAP_EXTENDED) &&
			    st->caps[i].offset == PCI_CFG_SPACE_SIZE;
	if (!at_0x100) {
		/* Nothing recorded at 0x100: the extended list is empty. */
		hdr = le_load(st->image + p, 4);
		if (hdr && hdr != 0xffffffffu)
			return vmpci__why(why, len, -EINVAL,
					  "image: 0x100 holds 0x%08x, but caps has no extended capability there",
					  hdr);
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
					return vmpci__why(why, len, -EINVAL,
							  "image: the header 0x%08x left at 0x100 for hidden caps[%u] has an id or version",
							  hdr, i);
				p = PCI_EXT_CAP_NEXT(hdr);
			}
			continue;
		}
		hdr = le_load(st->image + c->offset, 4);
		if (p != c->offset || PCI_EXT_CAP_ID(hdr) != c->id)
			return chain_broken(st, "extended", p, i, why, len);
		p = PCI_EXT_CAP_NEXT(hdr);
	}
	return p ? chain_broken(st, "extended", p, st->cap_count, why, len) : 0;
}

static uint16_t bar_reg(unsigned index)
{
	return index == VMPCI_BAR_ROM_INDEX ?
		       PCI_ROM_ADDRESS :
		       (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * index);
}

/* An unimplemented BAR: no type or address, its register reads 0 (the
 * upper half of a 64-bit BAR holds its address). */
static int check_no_bar(const struct vmpci_config_state *st, unsigned i,
			char *why, size_t len)
{
	const struct vmpci_bar_info *b = &st->bars[i];
	uint32_t reg = le_load(st->image + bar_reg(i), 4);
	bool upper = i > 0 && i < VMPCI_BAR_ROM_INDEX &&
		     (st->bars[i - 1].type & VMPCI_BAR_MEM64);

	if (b->type || b->addr)
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u]: no size, but type 0x%x, address 0x%llx",
				  i, b->type, (unsigned long long)b->addr);
	if (reg && !upper)
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u]: no size, but its register at 0x%02x in image reads 0x%x",
				  i, bar_reg(i), reg);
	return 0;
}

static int check_bar(const struct vmpci_config_state *st, unsigned i,
		     char *why, size_t len)
{
	const struct vmpci_bar_info *b = &st->bars[i];
	uint32_t reg = le_load(st->image + bar_reg(i), 4);
	uint32_t tmask = (b->type & VMPCI_BAR_IO) ? 0x3u : 0xfu;
	int rc = vmpci__cfg_bar_check(i, b->size, b->type, why, len);

	if (rc)
		return rc;
	if (b->addr & (b->size - 1))
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].address: 0x%llx is not aligned to the size 0x%llx",
				  i, (unsigned long long)b->addr,
				  (unsigned long long)b->size);
	if (!(b->type & VMPCI_BAR_MEM64) && b->addr + b->size > (1ull << 32))
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].address: 0x%llx + 0x%llx is past 4 GiB for a 32-bit BAR",
				  i, (unsigned long long)b->addr,
				  (unsigned long long)b->size);
	if ((b->type & VMPCI_BAR_MEM64) && st->bars[i + 1].size)
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u]: BAR %u is the upper half of this 64-bit BAR, not a BAR of its own",
				  i, i + 1);
	if (!(b->type & VMPCI_BAR_ROM) &&
	    (reg & tmask) != vmpci__cfg_bar_type_bits(b->type))
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].type: its register at 0x%02x in image has type bits 0x%x, expected 0x%x",
				  i, bar_reg(i), reg & tmask,
				  vmpci__cfg_bar_type_bits(b->type));
	return 0;
}

static int check_bars(const struct vmpci_config *cfg,
		      const struct vmpci_config_state *st, char *why,
		      size_t len)
{
	int rc;

	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
		const struct vmpci_bar_info *b = &st->bars[i];

		/* A config without BARs declared takes the state's. */
		if (cfg && cfg->bars[i].size &&
		    (cfg->bars[i].size != b->size ||
		     cfg->bars[i].type != b->type))
			return vmpci__why(why, len, -ENODEV,
					  "bars[%u]: 0x%llx bytes of type 0x%x, the function's BAR has 0x%llx of type 0x%x",
					  i, (unsigned long long)b->size,
					  b->type,
					  (unsigned long long)cfg->bars[i].size,
					  cfg->bars[i].type);
		rc = b->size ? check_bar(st, i, why, len) :
			       check_no_bar(st, i, why, len);
		if (rc)
			return rc;
	}
	return 0;
}

/* Every check of an import; `cfg` NULL checks the state alone. `owner`
 * gets which capability claims each byte. */
static int check(const struct vmpci_config *cfg,
		 const struct vmpci_config_state *st, uint16_t *owner,
		 char *why, size_t len)
{
	int rc;

	if (!vmpci__config_size_valid(st->size))
		return vmpci__why(why, len, -EINVAL,
				  "size: %u is not a configuration space size (256 or 4096)",
				  st->size);
	rc = cfg ? same_identity(cfg, st, why, len) : 0;
	if (!rc)
		rc = check_bars(cfg, st, why, len);
	if (!rc)
		rc = check_caps(st, owner, why, len);
	if (!rc)
		rc = check_std_chain(st, why, len);
	if (!rc)
		rc = check_ext_chain(st, why, len);
	return rc;
}

int vmpci__config_state_explain(const struct vmpci_config *cfg,
				const struct vmpci_config_state *st, char *why,
				size_t len)
{
	uint16_t *owner;
	int rc;

	if (!st)
		return vmpci__why(why, len, -EINVAL, "no state");
	owner = malloc(VMPCI_CONFIG_SPACE_MAX * sizeof(*owner));
	if (!owner)
		return vmpci__why(why, len, -ENOMEM, "out of memory");
	rc = check(cfg, st, owner, why, len);
	free(owner);
	return rc;
}

int vmpci_config_state_check(const struct vmpci_config *cfg,
			     const struct vmpci_config_state *st)
{
	return vmpci__config_state_explain(cfg, st, NULL, 0);
}

bool vmpci__config_state_cap_find(const struct vmpci_config_state *st,
				  uint16_t id, uint16_t *offset)
{
	for (unsigned i = 0; i < st->cap_count; i++)
		if (st->caps[i].id == id &&
		    !(st->caps[i].flags &
		      (VMPCI_CAP_EXTENDED | VMPCI_CAP_HIDDEN))) {
			*offset = st->caps[i].offset;
			return true;
		}
	return false;
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
	rc = check(cfg, st, owner, NULL, 0);
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
