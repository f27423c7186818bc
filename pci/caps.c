/* Capability lists: the walk (robust against whatever a device or a buggy
 * firmware puts in the chain), the owner map, hiding, adding, and the
 * relink that rewrites every next pointer from the table. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <string.h>

#include "pci/config_internal.h"

/* Most standard capabilities that fit after the header: (256 - 64) / 4. */
#define STD_TTL 48
/* Most extended capabilities that fit: (4096 - 256) / 4. */
#define EXT_TTL 960

static bool seen_before(uint64_t *seen, uint16_t pos)
{
	unsigned dw = pos / 4u;
	uint64_t bit = 1ull << (dw % 64u);
	bool was = seen[dw / 64u] & bit;

	seen[dw / 64u] |= bit;
	return was;
}

static bool is_ext(const struct vmpci_cap *cap)
{
	return cap->flags & VMPCI_CAP_EXTENDED;
}

/* Standard list from 0x34. Pointers have their reserved low bits ignored
 * (PCI 3.0, 6.7); a pointer into the header, a repeat (loop) or id 0xff
 * (an all-ones device) ends the list, as in Linux. */
static void walk_std(struct vmpci_config *cfg)
{
	uint64_t seen[PCI_CFG_SPACE_SIZE / 4 / 64] = { 0 };
	uint16_t pos;

	if (!(le_load(cfg->image + PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return;
	pos = cfg->image[PCI_CAPABILITY_LIST] & ~3u;
	for (int ttl = STD_TTL; ttl > 0 && pos >= PCI_STD_HEADER_SIZEOF;
	     ttl--) {
		uint8_t id = cfg->image[pos];

		if (seen_before(seen, pos) || id == 0xff ||
		    cfg->ncaps == VMPCI_CONFIG_MAX_CAPS)
			break;
		cfg->caps[cfg->ncaps++] = (struct vmpci_cap){
			.offset = pos,
			.id = id,
		};
		pos = cfg->image[pos + PCI_CAP_LIST_NEXT] & ~3u;
	}
}

/* Extended list from 0x100: a zero or all-ones header, a pointer below
 * 0x100 or a repeat ends it. */
static void walk_ext(struct vmpci_config *cfg)
{
	uint64_t seen[PCI_CFG_SPACE_EXP_SIZE / 4 / 64] = { 0 };
	uint16_t pos = PCI_CFG_SPACE_SIZE;

	if (cfg->size < PCI_CFG_SPACE_EXP_SIZE)
		return;
	for (int ttl = EXT_TTL; ttl > 0 && pos >= PCI_CFG_SPACE_SIZE; ttl--) {
		uint32_t header = le_load(cfg->image + pos, 4);

		if (seen_before(seen, pos) || header == 0 ||
		    header == 0xffffffffu || cfg->ncaps == VMPCI_CONFIG_MAX_CAPS)
			break;
		cfg->caps[cfg->ncaps++] = (struct vmpci_cap){
			.offset = pos,
			.id = (uint16_t)PCI_EXT_CAP_ID(header),
			.flags = VMPCI_CAP_EXTENDED,
		};
		pos = (uint16_t)PCI_EXT_CAP_NEXT(header);
	}
}

/* A capability's length: its own, but never into the next capability (by
 * offset) or past its space, and at least its header. */
static uint16_t clamp_length(const struct vmpci_config *cfg,
			     const struct vmpci_cap *cap)
{
	bool ext = is_ext(cap);
	uint16_t limit = ext ? cfg->size : PCI_CFG_SPACE_SIZE;
	uint16_t len = vmpci__cfg_cap_length(cfg, cap->offset, cap->id, ext);
	uint16_t header = ext ? 4 : 2;

	for (uint16_t i = 0; i < cfg->ncaps; i++) {
		const struct vmpci_cap *o = &cfg->caps[i];

		if (is_ext(o) == ext && o->offset > cap->offset &&
		    o->offset < limit)
			limit = o->offset;
	}
	if (len == 0 || len > limit - cap->offset)
		len = (uint16_t)(limit - cap->offset);
	return len < header ? header : len;
}

void vmpci__cfg_caps_build_owner(struct vmpci_config *cfg,
			  const struct vmpci_cap *caps, uint16_t ncaps,
			  uint16_t *owner)
{
	memset(owner, 0, sizeof(cfg->owner));
	for (uint16_t i = 0; i < ncaps; i++)
		for (uint32_t b = caps[i].offset;
		     b < (uint32_t)caps[i].offset + caps[i].length &&
		     b < VMPCI_CONFIG_SPACE_MAX;
		     b++)
			if (!owner[b])
				owner[b] = (uint16_t)(i + 1);
}

static void set_ext_next(struct vmpci_config *cfg, uint16_t pos,
			 uint16_t next)
{
	uint32_t h = le_load(cfg->image + pos, 4);

	le_store(cfg->image + pos, 4,
		 (h & 0x000fffffu) | ((uint32_t)next << 20));
}

void vmpci__cfg_caps_relink(struct vmpci_config *cfg)
{
	uint16_t link = PCI_CAPABILITY_LIST;
	uint32_t status;
	int prev = -1;

	for (uint16_t i = 0; i < cfg->ncaps; i++) {
		const struct vmpci_cap *c = &cfg->caps[i];

		if (is_ext(c) || (c->flags & VMPCI_CAP_HIDDEN))
			continue;
		cfg->image[link] = (uint8_t)c->offset;
		link = c->offset + PCI_CAP_LIST_NEXT;
	}
	cfg->image[link] = 0;
	status = le_load(cfg->image + PCI_STATUS, 2) & ~PCI_STATUS_CAP_LIST;
	if (link != PCI_CAPABILITY_LIST)
		status |= PCI_STATUS_CAP_LIST;
	le_store(cfg->image + PCI_STATUS, 2, status);

	/* The extended list must start at 0x100: a hidden capability there
	 * stays as an empty header (id 0, version 0) that only links on. */
	for (uint16_t i = 0; i < cfg->ncaps; i++) {
		const struct vmpci_cap *c = &cfg->caps[i];

		if (!is_ext(c))
			continue;
		if (c->flags & VMPCI_CAP_HIDDEN) {
			if (c->offset != PCI_CFG_SPACE_SIZE)
				continue;
			le_store(cfg->image + c->offset, 4, 0);
		}
		if (prev >= 0)
			set_ext_next(cfg, (uint16_t)prev, c->offset);
		prev = c->offset;
	}
	if (prev >= 0)
		set_ext_next(cfg, (uint16_t)prev, 0);
}

void vmpci__cfg_caps_init(struct vmpci_config *cfg)
{
	bool any_ext = false;

	cfg->ncaps = 0;
	walk_std(cfg);
	walk_ext(cfg);
	for (uint16_t i = 0; i < cfg->ncaps; i++)
		cfg->caps[i].length = clamp_length(cfg, &cfg->caps[i]);
	vmpci__cfg_caps_build_owner(cfg, cfg->caps, cfg->ncaps, cfg->owner);
	for (uint16_t i = 0; i < cfg->ncaps; i++) {
		vmpci__cfg_perm_cap(cfg, &cfg->caps[i]);
		any_ext |= is_ext(&cfg->caps[i]);
	}
	/* No extended capability: an empty header, as the kernel presents. */
	if (cfg->size == PCI_CFG_SPACE_EXP_SIZE && !any_ext) {
		le_store(cfg->image + PCI_CFG_SPACE_SIZE, 4, 0);
		perm_set(cfg, PCI_CFG_SPACE_SIZE, 4, 0xffffffffu, 0, 0);
	}
	vmpci__cfg_caps_relink(cfg);
}

static int hide(struct vmpci_config *cfg, uint16_t id, bool ext)
{
	int found = 0;

	for (uint16_t i = 0; i < cfg->ncaps; i++) {
		const struct vmpci_cap *c = &cfg->caps[i];

		if (is_ext(c) != ext || c->id != id ||
		    (c->flags & VMPCI_CAP_HIDDEN))
			continue;
		for (uint16_t b = 0; b < c->length; b++)
			if (cfg->hmap[c->offset + b])
				return -EBUSY;
		found = 1;
	}
	if (!found)
		return -ENOENT;
	for (uint16_t i = 0; i < cfg->ncaps; i++) {
		struct vmpci_cap *c = &cfg->caps[i];

		if (is_ext(c) != ext || c->id != id ||
		    (c->flags & VMPCI_CAP_HIDDEN))
			continue;
		c->flags |= VMPCI_CAP_HIDDEN;
		memset(cfg->image + c->offset, 0, c->length);
		memset(cfg->emul + c->offset, 0xff, c->length);
		memset(cfg->wmask + c->offset, 0, c->length);
		memset(cfg->w1c + c->offset, 0, c->length);
	}
	vmpci__cfg_caps_relink(cfg);
	return 0;
}

int vmpci_config_cap_hide(struct vmpci_config *cfg, uint8_t id)
{
	return cfg ? hide(cfg, id, false) : -EINVAL;
}

int vmpci_config_ext_cap_hide(struct vmpci_config *cfg, uint16_t id)
{
	return cfg ? hide(cfg, id, true) : -EINVAL;
}

/* The lowest dword-aligned place in [from, to) where `len` bytes belong to
 * no capability and no handler. */
static int find_room(const struct vmpci_config *cfg, uint16_t from,
		     uint16_t to, uint16_t len, uint16_t *at)
{
	for (uint32_t pos = from; pos + len <= to; pos += 4) {
		uint32_t b = pos;

		while (b < pos + len && !cfg->owner[b] && !cfg->hmap[b])
			b++;
		if (b == pos + len) {
			*at = (uint16_t)pos;
			return 0;
		}
	}
	return -ENOSPC;
}

static int add(struct vmpci_config *cfg, uint16_t id, bool ext,
	       uint32_t header, const uint8_t *body, uint16_t body_len,
	       uint16_t *offset)
{
	uint16_t hdr = ext ? 4 : 2;
	uint16_t len = (uint16_t)((hdr + body_len + 3u) & ~3u);
	uint16_t pos, insert = cfg->ncaps;
	bool ext_empty = true;
	int rc;

	if ((body_len && !body) || cfg->ncaps == VMPCI_CONFIG_MAX_CAPS)
		return body_len && !body ? -EINVAL : -ENOSPC;
	for (uint16_t i = 0; i < cfg->ncaps; i++) {
		if (is_ext(&cfg->caps[i]))
			ext_empty = false;
		else
			insert = (uint16_t)(i + 1);
	}
	if (ext) {
		insert = cfg->ncaps;
		rc = find_room(cfg, PCI_CFG_SPACE_SIZE, cfg->size, len, &pos);
		/* The extended list starts at 0x100 or nowhere. */
		if (!rc && ext_empty && pos != PCI_CFG_SPACE_SIZE)
			rc = -ENOSPC;
	} else {
		rc = find_room(cfg, PCI_STD_HEADER_SIZEOF, PCI_CFG_SPACE_SIZE,
			       len, &pos);
	}
	if (rc)
		return rc;

	memmove(&cfg->caps[insert + 1], &cfg->caps[insert],
		(cfg->ncaps - insert) * sizeof(cfg->caps[0]));
	cfg->caps[insert] = (struct vmpci_cap){
		.offset = pos,
		.id = id,
		.length = len,
		.flags = (uint16_t)(VMPCI_CAP_VIRTUAL |
				    (ext ? VMPCI_CAP_EXTENDED : 0)),
	};
	cfg->ncaps++;
	memset(cfg->image + pos, 0, len);
	le_store(cfg->image + pos, hdr, header);
	if (body_len)
		memcpy(cfg->image + pos + hdr, body, body_len);
	memset(cfg->emul + pos, 0xff, len);
	memset(cfg->wmask + pos, 0, len);
	memset(cfg->w1c + pos, 0, len);
	vmpci__cfg_caps_build_owner(cfg, cfg->caps, cfg->ncaps, cfg->owner);
	vmpci__cfg_caps_relink(cfg);
	if (offset)
		*offset = pos;
	return 0;
}

int vmpci_config_cap_add(struct vmpci_config *cfg, uint8_t id,
			 const uint8_t *body, uint16_t body_len,
			 uint16_t *offset)
{
	if (!cfg || body_len > PCI_CFG_SPACE_SIZE)
		return -EINVAL;
	return add(cfg, id, false, id, body, body_len, offset);
}

int vmpci_config_ext_cap_add(struct vmpci_config *cfg, uint16_t id,
			     uint8_t version, const uint8_t *body,
			     uint16_t body_len, uint16_t *offset)
{
	if (!cfg || cfg->size < PCI_CFG_SPACE_EXP_SIZE || version > 0xf ||
	    body_len > PCI_CFG_SPACE_EXP_SIZE)
		return -EINVAL;
	return add(cfg, id, true, (uint32_t)id | (uint32_t)version << 16,
		   body, body_len, offset);
}

size_t vmpci_config_cap_count(const struct vmpci_config *cfg)
{
	return cfg ? cfg->ncaps : 0;
}

int vmpci_config_cap_get(const struct vmpci_config *cfg, size_t index,
			 struct vmpci_cap *out)
{
	if (!cfg || !out)
		return -EINVAL;
	if (index >= cfg->ncaps)
		return -ENOENT;
	*out = cfg->caps[index];
	return 0;
}

static int find(const struct vmpci_config *cfg, uint16_t id, bool ext,
		struct vmpci_cap *out)
{
	if (!cfg || !out)
		return -EINVAL;
	for (uint16_t i = 0; i < cfg->ncaps; i++) {
		const struct vmpci_cap *c = &cfg->caps[i];

		if (is_ext(c) == ext && c->id == id &&
		    !(c->flags & VMPCI_CAP_HIDDEN)) {
			*out = *c;
			return 0;
		}
	}
	return -ENOENT;
}

int vmpci_config_cap_find(const struct vmpci_config *cfg, uint8_t id,
			  struct vmpci_cap *out)
{
	return find(cfg, id, false, out);
}

int vmpci_config_ext_cap_find(const struct vmpci_config *cfg, uint16_t id,
			      struct vmpci_cap *out)
{
	return find(cfg, id, true, out);
}

int vmpci_config_cap_owner(const struct vmpci_config *cfg, uint16_t offset,
			   struct vmpci_cap *out)
{
	if (!cfg || !out || offset >= cfg->size)
		return -EINVAL;
	if (offset < PCI_STD_HEADER_SIZEOF) {
		*out = (struct vmpci_cap){
			.length = PCI_STD_HEADER_SIZEOF,
			.flags = VMPCI_CAP_HEADER,
		};
		return 0;
	}
	if (!cfg->owner[offset])
		return -ENOENT;
	*out = cfg->caps[cfg->owner[offset] - 1];
	return 0;
}
