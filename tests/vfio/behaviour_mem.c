/* Behavioural checks of memory: sparse areas mapped through the backend's
 * mmap fd and a recording host, a RAM BAR seen the same through mmap and
 * the region, and DMA map/unmap rules. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/support/host_recorder.h"
#include "tests/vfio/behaviour.h"
#include "vfio/bar_map.h"
#include "vfio/sparse.h"
#include "tests/vfio/behaviour_util.h"

/* Sparse parameters for BAR `bar` from the function's MSI-X capability. */
static void msix_params(const struct vmpci_vfio_backend *be, uint32_t bar,
			uint64_t page, struct vmpci_vfio_sparse_params *p)
{
	uint32_t cap = vb_find_cap(be, PCI_CAP_ID_MSIX), t, b, n;

	memset(p, 0, sizeof(*p));
	p->page_size = page;
	if (!cap)
		return;
	n = (vb_cfg_read(be, cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) +
	    1;
	t = vb_cfg_read(be, cap + PCI_MSIX_TABLE, 4);
	b = vb_cfg_read(be, cap + PCI_MSIX_PBA, 4);
	if ((t & PCI_MSIX_TABLE_BIR) == bar) {
		p->table_offset = t & PCI_MSIX_TABLE_OFFSET;
		p->table_size = n * PCI_MSIX_ENTRY_SIZE;
	}
	if ((b & PCI_MSIX_PBA_BIR) == bar) {
		p->pba_offset = b & PCI_MSIX_PBA_OFFSET;
		p->pba_size = (n + 63) / 64 * 8;
	}
}

static bool same_areas(const struct vmpci_vfio_sparse *s,
		       const struct vb_expect *e, uint32_t bar)
{
	uint32_t i;

	if (s->nr != e->nr_areas[bar])
		return false;
	for (i = 0; i < s->nr; i++)
		if (s->areas[i].offset != e->areas[bar][i].offset ||
		    s->areas[i].size != e->areas[bar][i].size)
			return false;
	return true;
}

static void map_bar(struct vb_report *r, const struct vmpci_vfio_backend *be,
		    uint32_t bar, const struct vmpci_vfio_sparse *s)
{
	const uint64_t gpa = 0x100000000ull + ((uint64_t)bar << 24);
	struct vmpci_test_host rec;
	struct vmpci_vfio_bar_map *m = NULL;
	const struct vmpci_test_call *c = rec.journal;
	uint32_t i, ok = 0;
	int err, err2 = -1;

	vmpci_test_host_init(&rec, NULL);
	err = vmpci_vfio_bar_map_new(be, &rec.host, bar, s, &m);
	if (!err)
		err2 = vmpci_vfio_bar_map_attach(m, gpa);
	for (i = 0; i < s->nr && i < rec.nr_journal; i++)
		ok += c[i].op == VMPCI_TEST_MAP &&
		      c[i].gpa == gpa + s->areas[i].offset &&
		      c[i].size == s->areas[i].size;
	vmpci_vfio_bar_map_free(m);
	vb_result(r, !err && !err2 && rec.done[VMPCI_TEST_MAP] == s->nr &&
			     ok == s->nr && rec.done[VMPCI_TEST_UNMAP] == s->nr,
		  "BAR%u: mmap %d, attach %d: %llu map_memory calls at base + "
		  "offset (%u right), %llu unmaps on free", bar, err, err2,
		  (unsigned long long)rec.done[VMPCI_TEST_MAP], ok,
		  (unsigned long long)rec.done[VMPCI_TEST_UNMAP]);
}

void vb_check_sparse_map(struct vb_report *r, const struct vb_expect *e,
			 const struct vmpci_vfio_backend *be)
{
	struct vmpci_vfio_sparse_params p;
	struct vmpci_vfio_sparse s[6];
	struct vmpci_vfio_region ri;
	uint32_t bar;
	int err;

	for (bar = 0; bar < 6; bar++) {
		memset(&s[bar], 0, sizeof(s[bar]));
		err = be->ops->region_info(be->opaque, bar, &ri);
		msix_params(be, bar, 4096, &p);
		if (!err)
			err = vmpci_vfio_sparse_areas(&ri, &p, &s[bar]);
		vb_result(r, !err && same_areas(&s[bar], e, bar),
			  "BAR%u sparse areas (4 KiB pages): %d, %u areas, "
			  "first 0x%llx+0x%llx (want %u)", bar, err, s[bar].nr,
			  (unsigned long long)s[bar].areas[0].offset,
			  (unsigned long long)s[bar].areas[0].size,
			  e->nr_areas[bar]);
		if (!err && s[bar].nr)
			map_bar(r, be, bar, &s[bar]);
	}
	vb_result(r, vmpci_vfio_mapped_fraction(s, 6) <= 1.0,
		  "mapped fraction %.4f", vmpci_vfio_mapped_fraction(s, 6));
}

void vb_check_scratch(struct vb_report *r, const struct vb_expect *e,
		      const struct vmpci_vfio_backend *be)
{
	struct vmpci_test_host rec;
	struct vmpci_vfio_sparse s = { .region_size = 4096, .nr = 1 };
	struct vmpci_vfio_bar_map *m = NULL;
	volatile uint32_t *p;
	uint32_t via_region = 0, via_map, v = 0x12345678;
	int err, err2 = -1, err3 = -1;

	if (e->scratch_bar < 0)
		return;
	s.areas[0].size = 4096;
	vmpci_test_host_init(&rec, NULL);
	err = vmpci_vfio_bar_map_new(be, &rec.host, (uint32_t)e->scratch_bar,
				     &s, &m);
	if (err) {
		vb_result(r, false, "scratch BAR%d mmap: %d", e->scratch_bar,
			  err);
		return;
	}
	p = vmpci_vfio_bar_map_area(m, 0, NULL);
	p[0] = 0xcafef00d;
	err2 = be->ops->region_read(be->opaque, (uint32_t)e->scratch_bar, 0,
				    &via_region, 4);
	err3 = be->ops->region_write(be->opaque, (uint32_t)e->scratch_bar, 4,
				     &v, 4);
	via_map = p[1];
	vmpci_vfio_bar_map_free(m);
	vb_result(r, !err2 && !err3 && via_region == 0xcafef00d &&
			     via_map == 0x12345678,
		  "scratch BAR%d: mmap write read through the region 0x%08x, "
		  "region write read through mmap 0x%08x", e->scratch_bar,
		  via_region, via_map);
}

void vb_check_dma(struct vb_report *r, const struct vb_expect *e,
		  const struct vmpci_vfio_backend *be)
{
	const uint64_t iova = 0x100000;
	const uint32_t rw = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	uint64_t gone = 1, gone2 = 1;
	int err, over, split, un, again;
	void *buf;

	(void)e;
	buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		vb_result(r, false, "DMA: no buffer");
		return;
	}
	err = be->ops->dma_map(be->opaque, iova, 8192, buf, rw);
	over = be->ops->dma_map(be->opaque, iova + 4096, 4096, buf, rw);
	split = be->ops->dma_unmap(be->opaque, iova, 4096, NULL);
	un = be->ops->dma_unmap(be->opaque, iova, 8192, &gone);
	again = be->ops->dma_unmap(be->opaque, iova, 8192, &gone2);
	munmap(buf, 8192);
	vb_result(r, !err && over == -EEXIST && split == -EINVAL && !un &&
			     gone == 8192 && !again && gone2 == 0,
		  "DMA map %d, overlapping map %d (want -EEXIST), splitting "
		  "unmap %d (want -EINVAL), unmap %d of 0x%llx bytes, again %d "
		  "of 0x%llx", err, over, split, un, (unsigned long long)gone,
		  again, (unsigned long long)gone2);
}
