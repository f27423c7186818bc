/* Figure 6: how much of each fixture's memory BARs goes straight to the
 * guest (vmpci_vfio_sparse_areas, vmpci_vfio_mapped_fraction) at 4 KiB and
 * 64 KiB host pages, against the physical maximum (every byte except the
 * host pages holding the MSI-X table and PBA) and against
 * cloud-hypervisor's generate_sparse_areas replayed (4 KiB granularity
 * whatever the host page: the area before the table ends at the table's
 * first byte, the next starts at the table's end rounded up to 4 KiB;
 * every BAR with the MMAP flag is mapped whole otherwise). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "bench/bench.h"

#define ROOT "tests/data/pci-config"

struct layout {
	uint32_t table_bar, pba_bar;
	uint64_t table_off, table_size, pba_off, pba_size;
	bool msix;
};

static void msix_layout(const uint8_t *img, struct layout *l)
{
	unsigned pos = img[PCI_CAPABILITY_LIST], ttl = 48;

	memset(l, 0, sizeof(*l));
	while (pos >= PCI_STD_HEADER_SIZEOF && pos < 256 && ttl--) {
		if (img[pos] == PCI_CAP_ID_MSIX) {
			uint32_t n = ((img[pos + 2] | img[pos + 3] << 8) &
				      PCI_MSIX_FLAGS_QSIZE) + 1;
			uint32_t t, p;

			memcpy(&t, img + pos + PCI_MSIX_TABLE, 4);
			memcpy(&p, img + pos + PCI_MSIX_PBA, 4);
			l->msix = true;
			l->table_bar = t & PCI_MSIX_TABLE_BIR;
			l->table_off = t & PCI_MSIX_TABLE_OFFSET;
			l->table_size = n * 16ull;
			l->pba_bar = p & PCI_MSIX_PBA_BIR;
			l->pba_off = p & PCI_MSIX_PBA_OFFSET;
			l->pba_size = (n + 63) / 64 * 8ull;
			return;
		}
		pos = img[pos + 1];
	}
}

/* Bytes of the host pages holding the table and the PBA (either may be
 * absent: size 0), clipped to the BAR: what can never be mapped. */
static uint64_t msix_pages(const struct vmpci_vfio_sparse_params *p,
			   uint64_t bar)
{
	uint64_t lo[2], hi[2], total = 0, m = p->page_size - 1;
	const uint64_t off[2] = { p->table_offset, p->pba_offset };
	const uint64_t size[2] = { p->table_size, p->pba_size };

	for (int k = 0; k < 2; k++) {
		lo[k] = off[k] & ~m;
		hi[k] = size[k] ? (off[k] + size[k] + m) & ~m : lo[k];
		hi[k] = hi[k] < bar ? hi[k] : bar;
		total += hi[k] - lo[k];
	}
	if (size[0] && size[1] && lo[0] < hi[1] && lo[1] < hi[0])
		total -= (hi[0] < hi[1] ? hi[0] : hi[1]) -
			 (lo[0] > lo[1] ? lo[0] : lo[1]);
	return total;
}

/* cloud-hypervisor's areas for one BAR: bytes mapped, and whether every
 * area starts and ends on a host page (else its mmap fails). */
static uint64_t anchor_bytes(const struct vmpci_vfio_region *r,
			     const struct layout *l, uint32_t i, uint64_t page,
			     bool *aligned)
{
	uint64_t cur = 0, total = 0, ranges[2][2];
	int n = 0;

	*aligned = true;
	if (!(r->caps & VMPCI_VFIO_CAP_MSIX_MAPPABLE)) {
		*aligned = !(r->size & (page - 1));
		return r->size;
	}
	if (l->msix && l->table_bar == i)
		ranges[n][0] = l->table_off, ranges[n++][1] = l->table_size;
	if (l->msix && l->pba_bar == i)
		ranges[n][0] = l->pba_off, ranges[n++][1] = l->pba_size;
	if (n == 2 && ranges[1][0] < ranges[0][0]) {
		uint64_t t0 = ranges[0][0], t1 = ranges[0][1];

		ranges[0][0] = ranges[1][0], ranges[0][1] = ranges[1][1];
		ranges[1][0] = t0, ranges[1][1] = t1;
	}
	for (int k = 0; k < n; k++) {
		if (ranges[k][0] > cur) {
			total += ranges[k][0] - cur;
			*aligned &= !(cur & (page - 1)) && !(ranges[k][0] & (page - 1));
		}
		cur = (ranges[k][0] + ranges[k][1] + 0xfff) & ~0xfffull;
	}
	if (r->size > cur) {
		total += r->size - cur;
		*aligned &= !(cur & (page - 1)) && !(r->size & (page - 1));
	}
	return total;
}

struct totals {
	uint64_t bar, vm[2], max[2], anchor;
	unsigned anchor_refused;
	char why[2048]; /* fixtures below the maximum */
	size_t why_len;
};

static void one(const char *base, const char *name, struct totals *t)
{
	static const uint64_t pages[2] = { 4096, 65536 };
	struct bench_fixture f;
	struct vmpci_vfio_sim *sim;
	const struct vmpci_vfio_backend *be;
	struct layout l;
	uint64_t bar = 0, vm[2] = { 0 }, max[2] = { 0 }, anchor = 0;
	double frac[2] = { 0, 0 };
	unsigned refused = 0;

	bench_check(bench_fixture_load(base, &f), base);
	bench_check(bench_sim_new(&f, &sim), base);
	be = vmpci_vfio_sim_backend(sim);
	msix_layout(f.image, &l);
	for (int p = 0; p < 2; p++) {
		struct vmpci_vfio_sparse sp[6];

		memset(sp, 0, sizeof(sp));
		for (uint32_t i = 0; i < 6; i++) {
			struct vmpci_vfio_sparse_params prm = { .page_size = pages[p] };
			struct vmpci_vfio_region r;
			bool aligned;

			if (be->ops->region_info(be->opaque, i, &r) || !r.size ||
			    !(r.flags & VFIO_REGION_INFO_FLAG_MMAP))
				continue;
			if (l.msix && l.table_bar == i)
				prm.table_offset = l.table_off,
				prm.table_size = l.table_size;
			if (l.msix && l.pba_bar == i)
				prm.pba_offset = l.pba_off, prm.pba_size = l.pba_size;
			bench_check(vmpci_vfio_sparse_areas(&r, &prm, &sp[i]),
				    "sparse areas");
			max[p] += r.size - msix_pages(&prm, r.size);
			if (p == 0) {
				bar += r.size;
				anchor += anchor_bytes(&r, &l, i, 4096, &aligned);
			} else {
				anchor_bytes(&r, &l, i, 65536, &aligned);
				refused += !aligned;
			}
		}
		for (int i = 0; i < 6; i++)
			vm[p] += vmpci_vfio_sparse_mapped_bytes(&sp[i]);
		frac[p] = vmpci_vfio_mapped_fraction(sp, 6);
	}
	printf("| %s | %llu | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %u |\n",
	       name, (unsigned long long)bar,
	       100.0 * frac[0], bar ? 100.0 * max[0] / bar : 0,
	       100.0 * frac[1], bar ? 100.0 * max[1] / bar : 0,
	       bar ? 100.0 * anchor / bar : 0, refused);
	t->bar += bar;
	for (int p = 0; p < 2; p++)
		if (vm[p] != max[p])
			t->why_len += (size_t)snprintf(t->why + t->why_len,
				sizeof(t->why) - t->why_len,
				"%s%s at %s: %llu bytes", t->why_len ? "; " : "",
				name, p ? "64 KiB" : "4 KiB",
				(unsigned long long)(max[p] - vm[p]));
	t->vm[0] += vm[0], t->vm[1] += vm[1];
	t->max[0] += max[0], t->max[1] += max[1];
	t->anchor += anchor;
	t->anchor_refused += refused;
	vmpci_vfio_sim_free(sim);
}

static void directory(const char *dir, struct totals *t)
{
	struct dirent **names;
	char path[256], base[600];
	int n = scandir(dir, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);

		if (len > 4 && !strcmp(names[i]->d_name + len - 4, ".bin")) {
			snprintf(path, sizeof(path), "%.*s", (int)(len - 4) & 0xff,
				 names[i]->d_name);
			snprintf(base, sizeof(base), "%s/%s", dir, path);
			one(base, path, t);
		}
		free(names[i]);
	}
	if (n > 0)
		free(names);
}

int main(void)
{
	static struct totals t;
	bool met4, met64;

	printf("| fixture | memory BAR bytes | vmpci 4 KiB | max 4 KiB | vmpci 64 KiB | max 64 KiB | anchor (4 KiB areas) | anchor areas refused at 64 KiB |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
	directory(ROOT "/qemu-emulated", &t);
	directory(ROOT "/firecracker-virtio", &t);
	met4 = t.vm[0] == t.max[0];
	met64 = t.vm[1] == t.max[1];
	printf("| all | %llu | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %u |\n\n",
	       (unsigned long long)t.bar, 100.0 * t.vm[0] / t.bar,
	       100.0 * t.max[0] / t.bar, 100.0 * t.vm[1] / t.bar,
	       100.0 * t.max[1] / t.bar, 100.0 * t.anchor / t.bar,
	       t.anchor_refused);
	printf("- Goal: map the physical maximum at 4 KiB pages: %.2f%% of %.2f%% — %s.\n",
	       100.0 * t.vm[0] / t.bar, 100.0 * t.max[0] / t.bar, bench_verdict(met4));
	printf("- Goal: map the physical maximum at 64 KiB pages: %.2f%% of %.2f%% — %s.\n",
	       100.0 * t.vm[1] / t.bar, 100.0 * t.max[1] / t.bar, bench_verdict(met64));
	if (t.why_len)
		printf("- Below the maximum (bytes the physical maximum maps and vmpci traps): %s.\n",
		       t.why);
	return 0;
}
