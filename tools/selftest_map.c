/* Step 3: every BAR's mappable areas are mapped into the guest (and
 * nothing of the MSI-X table or PBA is), the rest traps; a register reads
 * the same through the trap, through the mapping and from the backend. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "tools/selftest.h"

#define EDU_IDENT 0x00
#define EDU_LIVENESS 0x04
#define EDU_IDENT_VALUE 0x010000edu

void st_msix_get(struct selftest *st, struct st_msix *out)
{
	uint32_t flags, table, pba;

	memset(out, 0, sizeof(*out));
	if (!st->msix_cap)
		return;
	flags = st_cfg_read(st, st->msix_cap + PCI_MSIX_FLAGS, 2);
	table = st_cfg_read(st, st->msix_cap + PCI_MSIX_TABLE, 4);
	pba = st_cfg_read(st, st->msix_cap + PCI_MSIX_PBA, 4);
	out->present = true;
	out->nr = (flags & PCI_MSIX_FLAGS_QSIZE) + 1;
	out->table_bar = table & PCI_MSIX_TABLE_BIR;
	out->table_off = table & PCI_MSIX_TABLE_OFFSET;
	out->table_size = (uint64_t)out->nr * PCI_MSIX_ENTRY_SIZE;
	out->pba_bar = pba & PCI_MSIX_PBA_BIR;
	out->pba_off = pba & PCI_MSIX_PBA_OFFSET;
	out->pba_size = (out->nr + 63) / 64 * 8;
}

/* The MSI-X structure ranges inside BAR i, widened to whole pages. */
static unsigned holes(struct selftest *st, const struct st_msix *x,
		      unsigned i, struct vmpci_vfio_area h[2])
{
	uint64_t pg = st->page_size, start, end;
	unsigned n = 0;

	if (x->present && x->table_bar == i) {
		start = x->table_off & ~(pg - 1);
		end = (x->table_off + x->table_size + pg - 1) & ~(pg - 1);
		h[n++] = (struct vmpci_vfio_area){ start, end - start };
	}
	if (x->present && x->pba_bar == i) {
		start = x->pba_off & ~(pg - 1);
		end = (x->pba_off + x->pba_size + pg - 1) & ~(pg - 1);
		if (n && start < h[0].offset + h[0].size &&
		    h[0].offset < end) { /* one page range holds both */
			start = start < h[0].offset ? start : h[0].offset;
			end = end > h[0].offset + h[0].size
				      ? end : h[0].offset + h[0].size;
			n = 0;
		}
		h[n++] = (struct vmpci_vfio_area){ start, end - start };
	}
	return n;
}

static bool overlaps(const struct vmpci_vfio_area *a,
		     const struct vmpci_vfio_area *b)
{
	return a->offset < b->offset + b->size && b->offset < a->offset + a->size;
}

/* What the guest must find mapped of BAR i, from the backend's region and
 * the MSI-X layout the guest reads: the areas' invariants, and their
 * total where the kernel's rules fix it. */
static enum st_result check_areas(struct selftest *st, const struct st_msix *x,
				  unsigned i, const struct vmpci_device_bar *db,
				  uint64_t *mapped)
{
	const struct vmpci_vfio_region *r = &st->regions[i];
	struct vmpci_vfio_area h[2];
	unsigned nh = holes(st, x, i, h), a, k;
	/* A BAR smaller than a page is mapped as its whole page when it holds
	 * that page alone (placed from the pools, it does). */
	uint64_t pg = st->page_size, extent = db->size < pg ? pg : db->size;
	uint64_t want = extent, end = 0;
	const struct vmpci_vfio_area *m;
	const struct st_mapping *hm;

	*mapped = 0;
	for (a = 0; a < db->nr_mapped; a++) {
		m = &db->mapped[a];
		if ((m->offset | m->size) & (pg - 1) || !m->size ||
		    m->offset < end || m->offset + m->size > extent)
			return st_fail(st, "BAR%u area [%#llx,+%#llx) not page aligned, sorted and inside",
				       i, (unsigned long long)m->offset,
				       (unsigned long long)m->size);
		for (k = 0; k < nh; k++)
			if (overlaps(m, &h[k]))
				return st_fail(st, "BAR%u area [%#llx,+%#llx) maps MSI-X page(s) [%#llx,+%#llx)",
					       i, (unsigned long long)m->offset,
					       (unsigned long long)m->size,
					       (unsigned long long)h[k].offset,
					       (unsigned long long)h[k].size);
		hm = st_host_find(&st->host, db->addr + m->offset, m->size);
		if (!hm || hm->gpa != db->addr + m->offset || hm->size != m->size)
			return st_fail(st, "BAR%u area [%#llx,+%#llx) has no host mapping at %#llx",
				       i, (unsigned long long)m->offset,
				       (unsigned long long)m->size,
				       (unsigned long long)(db->addr + m->offset));
		end = m->offset + m->size;
		*mapped += m->size;
	}
	if ((st->bars[i].type & VMPCI_BAR_IO) ||
	    !(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		want = 0;
	else if (r->caps & VMPCI_VFIO_CAP_SPARSE_MMAP)
		return ST_PASS; /* the function chose; invariants checked */
	else if (nh && !(r->caps & VMPCI_VFIO_CAP_MSIX_MAPPABLE))
		want = 0;
	for (k = 0; k < nh && want; k++)
		want -= h[k].size;
	if (*mapped != want)
		return st_fail(st, "BAR%u: %#llx bytes mapped, want %#llx",
			       i, (unsigned long long)*mapped,
			       (unsigned long long)want);
	return ST_PASS;
}

static bool in_msix(const struct st_msix *x, unsigned i, uint64_t off)
{
	return x->present &&
	       ((x->table_bar == i && off >= x->table_off &&
		 off < x->table_off + x->table_size) ||
		(x->pba_bar == i && off >= x->pba_off &&
		 off < x->pba_off + x->pba_size));
}

/* A dword of BAR i at `off` through the guest (`path`) and straight from
 * the backend: they must agree. */
static enum st_result compare(struct selftest *st, unsigned i, uint64_t off,
			      enum st_path path)
{
	uint64_t guest = 0;
	uint32_t direct = 0;
	int err;

	if (st->bars[i].type & VMPCI_BAR_IO)
		err = st_pio_read(st, st->bars[i].guest_addr + off, 4, &guest);
	else
		err = st_mmio_read(st, st->bars[i].guest_addr + off, 4, path,
				   &guest);
	if (err)
		return st_fail(st, "BAR%u+%#llx: guest read: %s", i,
			       (unsigned long long)off, strerror(-err));
	err = st->be->ops->region_read(st->be->opaque, i, off, &direct, 4);
	if (err)
		return st_fail(st, "BAR%u+%#llx: backend read: %s", i,
			       (unsigned long long)off, strerror(-err));
	if (guest != direct)
		return st_fail(st, "BAR%u+%#llx reads %#llx %s, %#x from the backend",
			       i, (unsigned long long)off,
			       (unsigned long long)guest,
			       path == ST_TRAPPED ? "trapped" : "mapped", direct);
	return ST_PASS;
}

/* The table is the model's: entry 0 starts masked whatever the function
 * holds (the kernel's region gives all-ones there). */
static enum st_result check_table(struct selftest *st, const struct st_msix *x)
{
	uint64_t ctrl = 0;
	uint64_t gpa = st->bars[x->table_bar].guest_addr + x->table_off +
		       PCI_MSIX_ENTRY_VECTOR_CTRL;
	int err = st_mmio_read(st, gpa, 4, ST_ANY, &ctrl);

	if (err || ctrl != PCI_MSIX_ENTRY_CTRL_MASKBIT)
		return st_fail(st, "MSI-X entry 0 vector control reads %#llx (%s), want masked",
			       (unsigned long long)ctrl,
			       err ? strerror(-err) : "ok");
	return ST_PASS;
}

static enum st_result check_edu(struct selftest *st)
{
	uint64_t trapped = 0, mapped = 0;
	uint64_t base = st->bars[0].guest_addr;

	st_mmio_read(st, base + EDU_IDENT, 4, ST_TRAPPED, &trapped);
	st_mmio_read(st, base + EDU_IDENT, 4, ST_ANY, &mapped);
	if (trapped != EDU_IDENT_VALUE || mapped != EDU_IDENT_VALUE)
		return st_fail(st, "edu ident reads %#llx trapped, %#llx mapped",
			       (unsigned long long)trapped,
			       (unsigned long long)mapped);
	st_mmio_write(st, base + EDU_LIVENESS, 4, ST_TRAPPED, 0x12345678);
	st_mmio_read(st, base + EDU_LIVENESS, 4, ST_TRAPPED, &trapped);
	st_mmio_write(st, base + EDU_LIVENESS, 4, ST_ANY, 0xa5a50f0f);
	st_mmio_read(st, base + EDU_LIVENESS, 4, ST_ANY, &mapped);
	if (trapped != (uint32_t)~0x12345678u || mapped != (uint32_t)~0xa5a50f0fu)
		return st_fail(st, "edu liveness reads %#llx trapped (want %#x), %#llx mapped (want %#x)",
			       (unsigned long long)trapped, ~0x12345678u,
			       (unsigned long long)mapped, ~0xa5a50f0fu);
	return ST_PASS;
}

enum st_result st_step_map(struct selftest *st)
{
	struct vmpci_device_bar db;
	struct st_msix x;
	char sum[320] = "";
	size_t n = 0;
	uint64_t mapped, total = 0;
	unsigned i, a, areas = 0;
	enum st_result r = ST_PASS;

	if (!st->dev || !st->enumerated)
		return st_fail(st, "not enumerated");
	st_msix_get(st, &x);
	for (i = 0; i < 6 && r == ST_PASS; i++) {
		if (!st->bars[i].type)
			continue;
		vmpci_device_bar_get(st->dev, i, &db);
		r = check_areas(st, &x, i, &db, &mapped);
		if (r == ST_PASS && !in_msix(&x, i, 0))
			r = compare(st, i, 0, ST_TRAPPED);
		for (a = 0; a < db.nr_mapped && r == ST_PASS; a++)
			r = compare(st, i, db.mapped[a].offset, ST_ANY);
		areas += db.nr_mapped;
		total += mapped;
		if (n < sizeof(sum))
			n += (size_t)snprintf(sum + n, sizeof(sum) - n,
					      " BAR%u %#llx/%#llx", i,
					      (unsigned long long)mapped,
					      (unsigned long long)db.size);
	}
	if (r == ST_PASS && st->host.overflow)
		r = st_fail(st, "more than %d live host mappings: the record is incomplete",
			    ST_HOST_MAX_MAPS);
	if (r == ST_PASS && st_host_live(&st->host) != areas)
		r = st_fail(st, "%u live host mappings for %u mapped areas",
			    st_host_live(&st->host), areas);
	if (r == ST_PASS && x.present)
		r = check_table(st, &x);
	if (r == ST_PASS && st->recipe == ST_EDU)
		r = check_edu(st);
	if (r != ST_PASS)
		return r;
	return st_pass(st, "mapped/size:%s; %u areas, %#llx bytes mapped, rest trapped%s%s",
		       sum, areas, (unsigned long long)total,
		       x.present ? "; MSI-X table+PBA pages trapped, entry 0 masked" : "",
		       st->recipe == ST_EDU
			       ? "; edu ident 0x010000ed and liveness ~x trapped and mapped"
			       : "; offset 0 of each BAR and area matches the backend");
}
