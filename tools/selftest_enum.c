/* The guest's PCI enumeration (find the function, size and program its
 * BARs, turn decode and bus mastering on) and a later BAR move, all through
 * the CF8/CFC ports, checked against what the backend reports directly. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "tools/selftest.h"

static uint16_t bar_reg(unsigned i)
{
	return i == VMPCI_BAR_ROM_INDEX ? PCI_ROM_ADDRESS
					: (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * i);
}

static const char *kind(uint32_t type)
{
	if (type & VMPCI_BAR_IO)
		return "io";
	if (type & VMPCI_BAR_ROM)
		return "rom";
	return type & VMPCI_BAR_MEM64 ? "mem64" : "mem32";
}

static unsigned pool_of(uint32_t type)
{
	if (type & VMPCI_BAR_IO)
		return ST_POOL_IO;
	return type & VMPCI_BAR_MEM64 ? ST_POOL_MMIO64 : ST_POOL_MMIO32;
}

/* The guest's allocation: natural alignment, memory BARs on their own
 * pages (as Linux asks of passed-through BARs). */
static uint64_t guest_alloc(struct selftest *st, const struct st_bar *b)
{
	unsigned p = pool_of(b->type);
	uint64_t align = b->size, addr;

	if (!(b->type & VMPCI_BAR_IO) && align < st->page_size)
		align = st->page_size;
	addr = (st->cursor[p] + align - 1) & ~(align - 1);
	st->cursor[p] = addr + b->size;
	return addr;
}

/* The BAR type bits the function reports, read from the backend's config
 * region (the kernel's own virtualized registers). */
static int backend_type(struct selftest *st, unsigned i, uint32_t *type)
{
	uint32_t reg = 0;
	int err = st->be->ops->region_read(st->be->opaque,
					   VFIO_PCI_CONFIG_REGION_INDEX,
					   bar_reg(i), &reg, 4);

	if (err)
		return err;
	if (reg & PCI_BASE_ADDRESS_SPACE_IO)
		*type = VMPCI_BAR_IO;
	else
		*type = ((reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
				 PCI_BASE_ADDRESS_MEM_TYPE_64
			 ? VMPCI_BAR_MEM64 : VMPCI_BAR_MEM32) |
			(reg & PCI_BASE_ADDRESS_MEM_PREFETCH ? VMPCI_BAR_PREFETCH
							     : 0);
	return 0;
}

static uint32_t type_bits(uint32_t type)
{
	if (type & VMPCI_BAR_IO)
		return PCI_BASE_ADDRESS_SPACE_IO;
	return (type & VMPCI_BAR_MEM64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
	       (type & VMPCI_BAR_PREFETCH ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
}

/* Write all-ones, read the mask back, restore: the guest's sizing probe. */
static uint32_t probe(struct selftest *st, uint16_t reg, uint32_t ones)
{
	uint32_t old = st_cfg_read(st, reg, 4), mask;

	st_cfg_write(st, reg, 4, ones);
	mask = st_cfg_read(st, reg, 4);
	st_cfg_write(st, reg, 4, old);
	return mask;
}

/* Size BAR i (and its upper half), compare with the backend's region. */
static enum st_result size_bar(struct selftest *st, unsigned *i)
{
	struct st_bar *b = &st->bars[*i];
	struct vmpci_vfio_region *r = &st->regions[*i];
	uint32_t type = 0, lo, hi = 0, want_lo, want_hi = 0;
	int err;

	err = st->be->ops->region_info(st->be->opaque, *i, r);
	if (err)
		return st_fail(st, "region info of BAR%u: %s", *i,
			       strerror(-err));
	lo = probe(st, bar_reg(*i), ~0u);
	if (r->size == 0) {
		if (lo != 0)
			return st_fail(st, "BAR%u: unimplemented, sizing reads %#x",
				       *i, lo);
		return ST_PASS;
	}
	err = backend_type(st, *i, &type);
	if (err)
		return st_fail(st, "BAR%u type: %s", *i, strerror(-err));
	want_lo = (uint32_t)~(r->size - 1) &
		  (type & VMPCI_BAR_IO ? (uint32_t)PCI_BASE_ADDRESS_IO_MASK
				       : (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);
	want_lo |= type_bits(type);
	if (type & VMPCI_BAR_MEM64) {
		hi = probe(st, bar_reg(*i + 1), ~0u);
		want_hi = (uint32_t)(~(r->size - 1) >> 32);
	}
	if (lo != want_lo || hi != want_hi)
		return st_fail(st,
			       "BAR%u sizing probe reads %#x:%#x, the function's %llu-byte %s region wants %#x:%#x",
			       *i, hi, lo, (unsigned long long)r->size,
			       kind(type), want_hi, want_lo);
	b->type = type;
	b->size = r->size;
	if (type & VMPCI_BAR_MEM64)
		(*i)++;
	return ST_PASS;
}

static enum st_result size_rom(struct selftest *st)
{
	struct vmpci_vfio_region *r = &st->regions[VMPCI_BAR_ROM_INDEX];
	uint32_t mask, want;
	int err;

	err = st->be->ops->region_info(st->be->opaque,
				       VFIO_PCI_ROM_REGION_INDEX, r);
	if (err)
		return st_fail(st, "ROM region info: %s", strerror(-err));
	mask = probe(st, PCI_ROM_ADDRESS, (uint32_t)PCI_ROM_ADDRESS_MASK);
	want = r->size ? (uint32_t)~(r->size - 1) & PCI_ROM_ADDRESS_MASK : 0;
	if (mask != want)
		return st_fail(st, "ROM sizing probe reads %#x, want %#x", mask,
			       want);
	return ST_PASS;
}

static enum st_result find_function(struct selftest *st)
{
	const struct vmpci_device_identity *id = &st->sysfs_id;
	uint32_t v, cls;
	unsigned s, found = 0;

	for (s = 0; s < VMPCI_BUS_SLOTS; s++) {
		v = st_cfg_read_slot(st, (uint8_t)s, PCI_VENDOR_ID, 4);
		if ((v & 0xffff) == 0xffff)
			continue;
		found++;
		if (s != st->slot)
			continue;
		cls = st_cfg_read_slot(st, (uint8_t)s, PCI_CLASS_REVISION, 4) >> 8;
		if ((v & 0xffff) != id->vendor || v >> 16 != id->device ||
		    cls != id->class_code)
			return st_fail(st,
				       "slot %u reads %04x:%04x class %06x, sysfs says %04x:%04x class %06x",
				       s, v & 0xffff, v >> 16, cls, id->vendor,
				       id->device, id->class_code);
	}
	if (found != 2)
		return st_fail(st, "%u functions on the bus, want the host bridge and ours",
			       found);
	if (st_cfg_read(st, PCI_HEADER_TYPE, 1) != PCI_HEADER_TYPE_NORMAL)
		return st_fail(st, "header type %#x, want a single-function type 0",
			       st_cfg_read(st, PCI_HEADER_TYPE, 1));
	return ST_PASS;
}

/* Walk the capability list the guest sees, for MSI and MSI-X. */
static enum st_result find_caps(struct selftest *st)
{
	unsigned hops = 0;
	uint8_t pos, id;

	if (!(st_cfg_read(st, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return ST_PASS;
	pos = (uint8_t)st_cfg_read(st, PCI_CAPABILITY_LIST, 1) & 0xfc;
	while (pos) {
		if (pos < 0x40 || ++hops > 48)
			return st_fail(st, "capability list broken at %#x", pos);
		id = (uint8_t)st_cfg_read(st, pos, 1);
		if (id == PCI_CAP_ID_MSI)
			st->msi_cap = pos;
		else if (id == PCI_CAP_ID_MSIX)
			st->msix_cap = pos;
		pos = (uint8_t)st_cfg_read(st, pos + 1, 1) & 0xfc;
	}
	return ST_PASS;
}

/* Did the device follow the guest's placement of BAR i? */
static enum st_result check_placed(struct selftest *st, unsigned i)
{
	const struct st_bar *b = &st->bars[i];
	struct vmpci_device_bar db;
	int err = vmpci_device_bar_get(st->dev, i, &db);

	if (err)
		return st_fail(st, "bar_get(%u): %s", i, strerror(-err));
	if (!db.placed || db.addr != b->guest_addr || db.size != b->size)
		return st_fail(st, "BAR%u: device has it %s at %#llx (%llu bytes), guest programmed %#llx",
			       i, db.placed ? "placed" : "unplaced",
			       (unsigned long long)db.addr,
			       (unsigned long long)db.size,
			       (unsigned long long)b->guest_addr);
	if (!b->vmm_valid || b->vmm_addr != b->guest_addr)
		return st_fail(st, "BAR%u: no bar_moved notification for %#llx",
			       i, (unsigned long long)b->guest_addr);
	return ST_PASS;
}

static void program_bar(struct selftest *st, unsigned i, uint64_t addr)
{
	st_cfg_write(st, bar_reg(i), 4, (uint32_t)addr);
	if (st->bars[i].type & VMPCI_BAR_MEM64)
		st_cfg_write(st, bar_reg(i + 1), 4, (uint32_t)(addr >> 32));
}

static uint64_t read_bar(struct selftest *st, unsigned i)
{
	uint64_t v = st_cfg_read(st, bar_reg(i), 4);

	if (st->bars[i].type & VMPCI_BAR_MEM64)
		v |= (uint64_t)st_cfg_read(st, bar_reg(i + 1), 4) << 32;
	return v;
}

enum st_result st_step_enumerate(struct selftest *st)
{
	char layout[256] = "";
	size_t n = 0;
	uint16_t cmd, want = PCI_COMMAND_MASTER;
	uint64_t got;
	unsigned i;
	enum st_result r;

	if (!st->dev)
		return st_fail(st, "no device");
	r = find_function(st);
	/* A guest turns decode off while it sizes and places BARs. */
	cmd = (uint16_t)st_cfg_read(st, PCI_COMMAND, 2);
	st_cfg_write(st, PCI_COMMAND, 2,
		     cmd & ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO));
	for (i = 0; i < 6 && r == ST_PASS; i++)
		r = size_bar(st, &i);
	if (r == ST_PASS)
		r = size_rom(st);
	for (i = 0; i < 6 && r == ST_PASS; i++) {
		struct st_bar *b = &st->bars[i];

		if (!b->type)
			continue;
		b->guest_addr = guest_alloc(st, b);
		program_bar(st, i, b->guest_addr);
		got = read_bar(st, i);
		if (got != (b->guest_addr | type_bits(b->type)))
			r = st_fail(st, "BAR%u reads %#llx after programming %#llx",
				    i, (unsigned long long)got,
				    (unsigned long long)b->guest_addr);
		want |= b->type & VMPCI_BAR_IO ? PCI_COMMAND_IO
					       : PCI_COMMAND_MEMORY;
		if (n < sizeof(layout))
			n += (size_t)snprintf(layout + n, sizeof(layout) - n,
					      " BAR%u %s %#llx@%#llx", i,
					      kind(b->type),
					      (unsigned long long)b->size,
					      (unsigned long long)b->guest_addr);
	}
	if (r != ST_PASS)
		return r;
	st_cfg_write(st, PCI_COMMAND, 2, cmd | want);
	cmd = (uint16_t)st_cfg_read(st, PCI_COMMAND, 2);
	if ((cmd & want) != want)
		return st_fail(st, "COMMAND reads %#x after enabling %#x", cmd,
			       want);
	for (i = 0; i < 6 && r == ST_PASS; i++)
		if (st->bars[i].type)
			r = check_placed(st, i);
	if (r != ST_PASS)
		return r;
	r = find_caps(st);
	if (r != ST_PASS)
		return r;
	st->enumerated = true;
	return st_pass(st, "slot %u %04x:%04x class %06x;%s; COMMAND %#06x",
		       st->slot, st->sysfs_id.vendor, st->sysfs_id.device,
		       st->sysfs_id.class_code, layout, cmd);
}

/* The BAR to move: a memory BAR with mapped areas shows the mappings
 * following; else any memory BAR; else an I/O BAR. */
static int pick_bar(struct selftest *st)
{
	struct vmpci_device_bar db;
	int i, mem = -1, io = -1;

	for (i = 0; i < 6; i++) {
		if (!st->bars[i].type)
			continue;
		if (st->bars[i].type & VMPCI_BAR_IO) {
			if (io < 0)
				io = i;
			continue;
		}
		if (!vmpci_device_bar_get(st->dev, (unsigned)i, &db) &&
		    db.nr_mapped)
			return i;
		if (mem < 0)
			mem = i;
	}
	return mem >= 0 ? mem : io;
}

static enum st_result check_mappings_at(struct selftest *st,
					const struct vmpci_device_bar *db,
					uint64_t base, bool want)
{
	unsigned a;

	for (a = 0; a < db->nr_mapped; a++) {
		bool live = st_host_find(&st->host, base + db->mapped[a].offset,
					 db->mapped[a].size) != NULL;

		if (live != want)
			return st_fail(st, "area [%#llx,+%#llx) %s mapped at %#llx",
				       (unsigned long long)db->mapped[a].offset,
				       (unsigned long long)db->mapped[a].size,
				       want ? "not" : "still",
				       (unsigned long long)(base +
							    db->mapped[a].offset));
	}
	return ST_PASS;
}

/* Read offset 0 at the BAR's new place through the trap; the function's
 * own value (edu: its ident) must come back, and nothing at the old one. */
static enum st_result check_access(struct selftest *st, unsigned i,
				   uint64_t old, char *what, size_t len)
{
	uint64_t via_trap = 0, via_old = 0;
	uint32_t direct = 0;
	bool io = st->bars[i].type & VMPCI_BAR_IO;
	int err;

	err = io ? st_pio_read(st, st->bars[i].guest_addr, 4, &via_trap)
		 : st_mmio_read(st, st->bars[i].guest_addr, 4, ST_TRAPPED,
				&via_trap);
	if (err)
		return st_fail(st, "trapped read at the new place: %s",
			       strerror(-err));
	err = st->be->ops->region_read(st->be->opaque, i, 0, &direct, 4);
	if (err)
		return st_fail(st, "backend read of BAR%u: %s", i,
			       strerror(-err));
	if (st->recipe == ST_EDU && via_trap != 0x010000ed)
		return st_fail(st, "edu ident at the new place reads %#llx",
			       (unsigned long long)via_trap);
	if (via_trap != direct)
		return st_fail(st, "offset 0 reads %#llx at the new place, the backend %#x",
			       (unsigned long long)via_trap, direct);
	err = io ? st_pio_read(st, old, 4, &via_old)
		 : st_mmio_read(st, old, 4, ST_ANY, &via_old);
	if (err != -ENXIO)
		return st_fail(st, "the old place still answers (%#llx)",
			       (unsigned long long)via_old);
	snprintf(what, len, "%s %#010x",
		 st->recipe == ST_EDU ? "ident" : "offset 0", direct);
	return ST_PASS;
}

enum st_result st_step_move(struct selftest *st)
{
	struct vmpci_device_bar before, after;
	struct st_bar *b;
	uint64_t old, addr;
	unsigned moves;
	char what[64];
	enum st_result r;
	int i;

	if (!st->dev || !st->enumerated)
		return st_fail(st, "not enumerated");
	i = pick_bar(st);
	if (i < 0)
		return st_skip(st, "the function has no BAR to move");
	b = &st->bars[i];
	old = b->guest_addr;
	moves = b->moves;
	vmpci_device_bar_get(st->dev, (unsigned)i, &before);
	addr = guest_alloc(st, b);
	program_bar(st, (unsigned)i, addr);
	b->guest_addr = addr;
	if (read_bar(st, (unsigned)i) != (addr | type_bits(b->type)))
		return st_fail(st, "BAR%d reads %#llx after moving to %#llx", i,
			       (unsigned long long)read_bar(st, (unsigned)i),
			       (unsigned long long)addr);
	r = check_placed(st, (unsigned)i);
	if (r != ST_PASS)
		return r;
	if (b->moves != moves + 1)
		return st_fail(st, "%u bar_moved notifications for one move",
			       b->moves - moves);
	vmpci_device_bar_get(st->dev, (unsigned)i, &after);
	if (after.nr_mapped != before.nr_mapped)
		return st_fail(st, "%u areas mapped after the move, %u before",
			       after.nr_mapped, before.nr_mapped);
	r = check_mappings_at(st, &after, addr, true);
	if (r == ST_PASS)
		r = check_mappings_at(st, &before, old, false);
	if (r == ST_PASS)
		r = check_access(st, (unsigned)i, old, what, sizeof(what));
	if (r != ST_PASS)
		return r;
	/* The device gave the old range back to its pool. */
	if (vmpci_alloc_take_at(st->pools[pool_of(b->type)], old, b->size, 1))
		return st_fail(st, "the old range %#llx is still taken",
			       (unsigned long long)old);
	vmpci_alloc_release(st->pools[pool_of(b->type)], old, b->size);
	return st_pass(st, "BAR%d %#llx -> %#llx with decode on, %u areas remapped, trapped %s",
		       i, (unsigned long long)old, (unsigned long long)addr,
		       after.nr_mapped, what);
}
