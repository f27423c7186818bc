/* Everything a snapshot state must satisfy on its own, before any device
 * sees it: the rules of pci/ and interrupts/ state import that need no
 * hardware, named by the document's JSON paths. The writer runs it so a
 * bad state never becomes a document; the parser runs it after decoding. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <string.h>

#include "migration/snapshot_internal.h"

#define FAIL(...) vmpci__snap_fail(err, errlen, -EINVAL, __VA_ARGS__)

/* Every byte zero: the first, then each equal to the one before it. */
static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	return !n || (!b[0] && !memcmp(b, b + 1, n - 1));
}

static uint32_t le(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

/* The identity registers the config image carries (read at creation, like
 * the identity itself). */
static int check_identity(const struct vmpci_device_state *st, char *err,
			  size_t errlen)
{
	const struct vmpci_device_identity *id = &st->identity;
	const uint8_t *img = st->config.image;
	const struct {
		const char *field;
		uint32_t value;
		uint16_t offset;
		unsigned size;
	} regs[] = {
		{ "vendor", id->vendor, PCI_VENDOR_ID, 2 },
		{ "device", id->device, PCI_DEVICE_ID, 2 },
		{ "revision", id->revision, PCI_REVISION_ID, 1 },
		{ "class", id->class_code, PCI_CLASS_PROG, 3 },
		{ "subsystem_vendor", id->subsystem_vendor,
		  PCI_SUBSYSTEM_VENDOR_ID, 2 },
		{ "subsystem", id->subsystem, PCI_SUBSYSTEM_ID, 2 },
	};

	if (!memchr(st->name, '\0', sizeof(st->name)))
		return FAIL("identity.name: not NUL-terminated");
	if (id->config_size != PCI_CFG_SPACE_SIZE &&
	    id->config_size != PCI_CFG_SPACE_EXP_SIZE)
		return FAIL("identity.config_size: %u, expected 256 or 4096",
			    id->config_size);
	if (st->config.size != id->config_size)
		return FAIL("config.size: %u, but identity.config_size is %u",
			    st->config.size, id->config_size);
	if (id->class_code > 0xffffff)
		return FAIL("identity.class: 0x%x is wider than 24 bits",
			    id->class_code);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (le(img + regs[i].offset, regs[i].size) != regs[i].value)
			return FAIL("identity.%s: 0x%x, but config.image has 0x%x at 0x%02x",
				    regs[i].field, regs[i].value,
				    le(img + regs[i].offset, regs[i].size),
				    regs[i].offset);
	return 0;
}

static int check_options(const struct vmpci_device_state *st, char *err,
			 size_t errlen)
{
	if (st->page_size < 4096 || (st->page_size & (st->page_size - 1)))
		return FAIL("options.page_size: 0x%llx is not a power of two >= 0x1000",
			    (unsigned long long)st->page_size);
	if (st->no_mmap_bars & ~((1u << VMPCI_BAR_COUNT) - 1))
		return FAIL("options.no_mmap_bars: 0x%x names BARs past %u",
			    st->no_mmap_bars, VMPCI_BAR_COUNT - 1);
	return 0;
}

/* As pci/ requires: in bounds, dword aligned, standard ones first, none
 * overlapping (caps are sorted per list, so checking each against all
 * earlier ones is enough and still cheap at 128). */
static int check_caps(const struct vmpci_config_state *cs, char *err,
		      size_t errlen)
{
	const uint16_t known = VMPCI_CAP_EXTENDED | VMPCI_CAP_HIDDEN |
			       VMPCI_CAP_VIRTUAL;
	bool seen_ext = false;

	if (cs->cap_count > VMPCI_CONFIG_MAX_CAPS)
		return FAIL("config.caps: %u entries, at most %u",
			    cs->cap_count, VMPCI_CONFIG_MAX_CAPS);
	for (unsigned i = 0; i < cs->cap_count; i++) {
		const struct vmpci_cap *c = &cs->caps[i];
		bool ext = c->flags & VMPCI_CAP_EXTENDED;
		uint32_t lo = ext ? PCI_CFG_SPACE_SIZE : PCI_STD_HEADER_SIZEOF;
		uint32_t hi = ext ? cs->size : PCI_CFG_SPACE_SIZE;

		if (c->flags & ~known)
			return FAIL("config.caps[%u].flags: unknown flags 0x%x",
				    i, c->flags & ~known);
		if (c->offset & 3)
			return FAIL("config.caps[%u].offset: 0x%x is not dword aligned",
				    i, c->offset);
		if (c->offset < lo || c->offset + (uint32_t)c->length > hi)
			return FAIL("config.caps[%u]: [0x%x, 0x%x) is outside the %s capability area [0x%x, 0x%x)",
				    i, c->offset, c->offset + c->length,
				    ext ? "extended" : "standard", lo, hi);
		if (c->length < (ext ? 4 : 2))
			return FAIL("config.caps[%u].length: %u is shorter than its header",
				    i, c->length);
		if (!ext && c->id > 0xff)
			return FAIL("config.caps[%u].id: 0x%x is too wide for a standard capability",
				    i, c->id);
		if (seen_ext && !ext)
			return FAIL("config.caps[%u]: standard capability after an extended one",
				    i);
		seen_ext |= ext;
		for (unsigned j = 0; j < i; j++) {
			const struct vmpci_cap *o = &cs->caps[j];

			if (c->offset < o->offset + o->length &&
			    o->offset < c->offset + c->length)
				return FAIL("config.caps[%u]: overlaps config.caps[%u]",
					    i, j);
		}
	}
	return 0;
}

static uint16_t bar_reg(unsigned index)
{
	return index == VMPCI_BAR_ROM_INDEX ?
		       PCI_ROM_ADDRESS :
		       (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * index);
}

/* The size limits pci/ puts on a declared BAR. */
static int check_bar_size(const char *path, uint32_t kind, uint64_t size,
			  char *err, size_t errlen)
{
	uint64_t min = 16, max = 1ull << 31;

	if (kind == VMPCI_BAR_IO)
		min = 4;
	else if (kind == VMPCI_BAR_ROM)
		min = 2048;
	else if (kind == VMPCI_BAR_MEM64)
		max = 1ull << 63;
	if (size & (size - 1))
		return FAIL("%s.size: 0x%llx is not a power of two", path,
			    (unsigned long long)size);
	if (size < min || size > max)
		return FAIL("%s.size: 0x%llx is outside [0x%llx, 0x%llx] for a %s BAR",
			    path, (unsigned long long)size,
			    (unsigned long long)min, (unsigned long long)max,
			    vmpci__snap_bar_kind_name(kind));
	return 0;
}

static int check_bar(const struct vmpci_device_state *st, unsigned i,
		     const char *path, char *err, size_t errlen)
{
	const struct vmpci_bar_info *b = &st->config.bars[i];
	uint32_t kind = b->type & ~VMPCI_BAR_PREFETCH;
	uint32_t reg = le(st->config.image + bar_reg(i), 4);
	uint32_t tmask = kind == VMPCI_BAR_IO ? 0x3u : 0xfu;
	int rc;

	if (!vmpci__snap_bar_kind_name(b->type))
		return FAIL("%s.type: unknown type 0x%x", path, b->type);
	if ((b->type & VMPCI_BAR_PREFETCH) &&
	    kind != VMPCI_BAR_MEM32 && kind != VMPCI_BAR_MEM64)
		return FAIL("%s.prefetch: only memory BARs are prefetchable",
			    path);
	if ((kind == VMPCI_BAR_ROM) != (i == VMPCI_BAR_ROM_INDEX))
		return FAIL("%s.type: %s at index %u", path,
			    vmpci__snap_bar_kind_name(kind), i);
	if (kind == VMPCI_BAR_MEM64 && i > 4)
		return FAIL("%s.index: a 64-bit BAR at %u has no upper half",
			    path, i);
	if (kind == VMPCI_BAR_MEM64 &&
	    (st->config.bars[i + 1].size || st->config.bars[i + 1].type ||
	     st->config.bars[i + 1].addr || st->placed[i + 1]))
		return FAIL("%s: BAR %u is the upper half of this 64-bit BAR and must not be listed",
			    path, i + 1);
	rc = check_bar_size(path, kind, b->size, err, errlen);
	if (rc)
		return rc;
	if (b->addr & (b->size - 1))
		return FAIL("%s.address: 0x%llx is not aligned to the size 0x%llx",
			    path, (unsigned long long)b->addr,
			    (unsigned long long)b->size);
	if (kind != VMPCI_BAR_MEM64 && b->addr + b->size > (1ull << 32))
		return FAIL("%s.address: 0x%llx + 0x%llx is past 4 GiB for a 32-bit BAR",
			    path, (unsigned long long)b->addr,
			    (unsigned long long)b->size);
	if (kind != VMPCI_BAR_ROM &&
	    (reg & tmask) != vmpci__snap_bar_reg_bits(b->type))
		return FAIL("%s.type: config.image BAR register at 0x%02x has type bits 0x%x, expected 0x%x",
			    path, bar_reg(i), reg & tmask,
			    vmpci__snap_bar_reg_bits(b->type));
	return 0;
}

static int check_bars(const struct vmpci_device_state *st, char *err,
		      size_t errlen)
{
	unsigned pos = 0;
	char path[16];
	int rc;

	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
		const struct vmpci_bar_info *b = &st->config.bars[i];

		if (!b->size) {
			if (b->type || b->addr || st->placed[i])
				return FAIL("bars: BAR %u has no size but a type, address or placement",
					    i);
			continue;
		}
		/* The document lists implemented BARs in index order. */
		snprintf(path, sizeof(path), "bars[%u]", pos++);
		rc = check_bar(st, i, path, err, errlen);
		if (rc)
			return rc;
		if (b->type & VMPCI_BAR_MEM64)
			i++;
	}
	return 0;
}

static int check_config(const struct vmpci_device_state *st, char *err,
			size_t errlen)
{
	const struct vmpci_config_state *cs = &st->config;
	size_t rest = VMPCI_CONFIG_SPACE_MAX - cs->size;

	if (!all_zero(cs->image + cs->size, rest) ||
	    !all_zero(cs->emulated + cs->size, rest) ||
	    !all_zero(cs->writable + cs->size, rest) ||
	    !all_zero(cs->w1c + cs->size, rest))
		return FAIL("config: bytes past the %u-byte config space are not zero",
			    cs->size);
	return check_caps(cs, err, errlen);
}

static int check_msi(const struct vmpci_device_state *st, char *err,
		     size_t errlen)
{
	const struct vmpci_msi_state *m = &st->msi;
	unsigned mmc = (m->control & PCI_MSI_FLAGS_QMASK) >> 1;
	unsigned mme = (m->control & PCI_MSI_FLAGS_QSIZE) >> 4;
	uint32_t vectors;

	if (!st->has_msi) {
		if (!all_zero(m, sizeof(*m)))
			return FAIL("msi: null, but the state has MSI values");
		return 0;
	}
	if (mmc > 5)
		return FAIL("msi.control: Multiple Message Capable %u is reserved",
			    mmc);
	if (mme > mmc)
		return FAIL("msi.control: Multiple Message Enable %u exceeds Multiple Message Capable %u",
			    mme, mmc);
	if (m->address & 3)
		return FAIL("msi.address: 0x%llx is not dword aligned",
			    (unsigned long long)m->address);
	if (!(m->control & PCI_MSI_FLAGS_64BIT) && m->address >> 32)
		return FAIL("msi.address: 0x%llx needs 64 bits, the capability has 32",
			    (unsigned long long)m->address);
	/* Without per-vector masking no vector has mask or pending bits. */
	if (!(m->control & PCI_MSI_FLAGS_MASKBIT))
		vectors = 0;
	else if (mmc == 5)
		vectors = 0xffffffffu;
	else
		vectors = (1u << (1u << mmc)) - 1;
	if (m->mask & ~vectors)
		return FAIL("msi.mask: 0x%x names vectors the capability lacks (valid 0x%x)",
			    m->mask, vectors);
	if (m->pending & ~vectors)
		return FAIL("msi.pending: 0x%x names vectors the capability lacks (valid 0x%x)",
			    m->pending, vectors);
	return 0;
}

static int check_msix(const struct vmpci_device_state *st, char *err,
		      size_t errlen)
{
	const struct vmpci_msix_state *x = &st->msix;
	uint32_t n = x->nr_entries;

	if (!st->has_msix) {
		if (!all_zero(x, sizeof(*x)))
			return FAIL("msix: null, but the state has MSI-X values");
		return 0;
	}
	if (n < 1 || n > VMPCI_MSIX_MAX_VECTORS)
		return FAIL("msix.nr_entries: %u is outside [1, %u]", n,
			    VMPCI_MSIX_MAX_VECTORS);
	if ((x->control & PCI_MSIX_FLAGS_QSIZE) + 1u != n)
		return FAIL("msix.nr_entries: %u, but msix.control says %u",
			    n, (x->control & PCI_MSIX_FLAGS_QSIZE) + 1u);
	for (uint32_t i = 0; i < n; i++) {
		const struct vmpci_msix_entry *e = &x->entries[i];

		if (e->address & 3)
			return FAIL("msix.entries[%u].address: 0x%llx has reserved bits 1:0 set",
				    i, (unsigned long long)e->address);
		if (e->control & ~PCI_MSIX_ENTRY_CTRL_MASKBIT)
			return FAIL("msix.entries[%u].control: 0x%x has reserved bits 31:1 set",
				    i, e->control);
	}
	if (!all_zero(x->entries + n, (VMPCI_MSIX_MAX_VECTORS - n) *
					      sizeof(x->entries[0])))
		return FAIL("msix.entries: entries past nr_entries %u are not zero",
			    n);
	for (uint32_t w = n / 64; w < VMPCI_MSIX_MAX_VECTORS / 64; w++) {
		uint64_t valid = w == n / 64 ? (1ull << (n % 64)) - 1 : 0;

		if (x->pba[w] & ~valid)
			return FAIL("msix.pba[%u]: 0x%llx names vectors past nr_entries %u",
				    w, (unsigned long long)x->pba[w], n);
	}
	return 0;
}

static int check_other(const struct vmpci_device_state *st, char *err,
		       size_t errlen)
{
	if (!st->has_intx && (st->intx.enabled || st->intx.masked ||
			      st->intx.pending))
		return FAIL("intx: null, but the state has INTx values");
	if (!st->vfio.supported && (st->vfio.data || st->vfio.size))
		return FAIL("vfio_migration.data: present, but supported is false");
	if (st->vfio.size && !st->vfio.data)
		return FAIL("vfio_migration.data: size %zu without data",
			    st->vfio.size);
	if (!st->vfio.size && st->vfio.data)
		return FAIL("vfio_migration.data: a buffer of size 0");
	return 0;
}

/* The visible standard capability `id` in the state's list. */
static bool visible_cap(const struct vmpci_config_state *cs, uint16_t id,
			uint16_t *offset)
{
	for (unsigned i = 0; i < cs->cap_count; i++)
		if (cs->caps[i].id == id &&
		    !(cs->caps[i].flags &
		      (VMPCI_CAP_EXTENDED | VMPCI_CAP_HIDDEN))) {
			*offset = cs->caps[i].offset;
			return true;
		}
	return false;
}

/* What the models refuse on import, asked of the models themselves: pci/
 * for the capability lists the image links, hidden capabilities and BAR
 * registers; interrupts/ for MSI and MSI-X against the Message Control
 * registers of the capabilities in the image. A state restore would
 * refuse is never a document. */
static int check_models(const struct vmpci_device_state *st, char *err,
			size_t errlen)
{
	const struct vmpci_config_state *cs = &st->config;
	uint16_t at;
	uint32_t ctl;

	if (vmpci_config_state_check(NULL, cs))
		return FAIL("config.image: its capability lists do not link exactly the visible config.caps, or a hidden capability is not emulated zeros");
	if (st->has_msi) {
		if (!visible_cap(cs, PCI_CAP_ID_MSI, &at))
			return FAIL("msi: config.caps has no visible MSI capability");
		ctl = le(cs->image + at + PCI_MSI_FLAGS, 2);
		if (vmpci_msi_state_check((uint16_t)ctl, &st->msi))
			return FAIL("msi.control: 0x%04x does not fit the MSI capability (Message Control 0x%04x in config.image)",
				    st->msi.control, ctl);
	}
	if (st->has_msix) {
		if (!visible_cap(cs, PCI_CAP_ID_MSIX, &at))
			return FAIL("msix: config.caps has no visible MSI-X capability");
		ctl = le(cs->image + at + PCI_MSIX_FLAGS, 2);
		if (vmpci_msix_state_check((uint16_t)ctl, &st->msix))
			return FAIL("msix.control: 0x%04x does not fit the MSI-X capability (Message Control 0x%04x in config.image)",
				    st->msix.control, ctl);
	}
	return 0;
}

/* A register of a capability the state does not have is zero; one of a
 * capability it has needs that capability visible in the list. */
static int check_regs(const struct vmpci_device_state *st, char *err,
		      size_t errlen)
{
	const struct vmpci_device_regs *g = &st->regs;
	uint16_t at;

	if (!g->saved) {
		if (!all_zero(g, sizeof(*g)))
			return FAIL("registers: null, but the state has register values");
		return 0;
	}
	if (g->device_control & PCI_EXP_DEVCTL_BCR_FLR)
		return FAIL("registers.device_control: 0x%04x has Initiate FLR set, which always reads 0",
			    g->device_control);
	if (g->pm_control & PCI_PM_CTRL_PME_STATUS)
		return FAIL("registers.pm_control: 0x%04x has PME Status set: a restore clears no status",
			    g->pm_control);
	if (!g->has_pm && g->pm_control)
		return FAIL("registers.pm_control: a value without a PM capability");
	if (!g->has_pcie && g->device_control)
		return FAIL("registers.device_control: a value without a PCI Express capability");
	if (g->has_pm && !visible_cap(&st->config, PCI_CAP_ID_PM, &at))
		return FAIL("registers.pm_control: config.caps has no visible PM capability");
	if (g->has_pcie && !visible_cap(&st->config, PCI_CAP_ID_EXP, &at))
		return FAIL("registers.device_control: config.caps has no visible PCI Express capability");
	return 0;
}

int vmpci__snapshot_check(const struct vmpci_device_state *st, char *err,
			  size_t errlen)
{
	int rc;

	if (!st)
		return vmpci__snap_fail(err, errlen, -EINVAL, "no state");
	rc = check_identity(st, err, errlen);
	if (!rc)
		rc = check_options(st, err, errlen);
	if (!rc)
		rc = check_config(st, err, errlen);
	if (!rc)
		rc = check_bars(st, err, errlen);
	if (!rc)
		rc = check_msi(st, err, errlen);
	if (!rc)
		rc = check_msix(st, err, errlen);
	if (!rc)
		rc = check_other(st, err, errlen);
	if (!rc)
		rc = check_models(st, err, errlen);
	if (!rc)
		rc = check_regs(st, err, errlen);
	return rc;
}
