/* Which parts of a BAR go straight to the guest.
 *
 * The MSI-X table and PBA are always trapped: the device emulates them, and
 * a guest write that reached the real table would program an interrupt the
 * VMM never set up. Holes are computed on page-aligned starts *and ends*
 * (cloud-hypervisor aligns the size instead, which maps the tail of a table
 * that starts mid-page). */
#include <errno.h>
#include <linux/vfio.h>
#include <string.h>

#include "vfio/backend.h"
#include "vfio/sparse.h"

static uint64_t round_down(uint64_t v, uint64_t page)
{
	return v & ~(page - 1);
}

/* Rounds up, saturating at the last page start instead of wrapping. */
static uint64_t round_up(uint64_t v, uint64_t page)
{
	if (v > UINT64_MAX - (page - 1))
		return round_down(UINT64_MAX, page);
	return round_down(v + page - 1, page);
}

static uint64_t end_of(uint64_t offset, uint64_t size)
{
	return size > UINT64_MAX - offset ? UINT64_MAX : offset + size;
}

struct range {
	uint64_t start;
	uint64_t end;
};

static void sort_ranges(struct range *r, uint32_t n)
{
	uint32_t i, j;

	for (i = 1; i < n; i++) {
		struct range x = r[i];

		for (j = i; j > 0 && r[j - 1].start > x.start; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
}

/* Sort and merge overlapping or touching ranges; returns the new count. */
static uint32_t merge_ranges(struct range *r, uint32_t n)
{
	uint32_t i, out = 0;

	sort_ranges(r, n);
	for (i = 0; i < n; i++) {
		if (out && r[i].start <= r[out - 1].end) {
			if (r[i].end > r[out - 1].end)
				r[out - 1].end = r[i].end;
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

/* The mappable candidates before the MSI-X holes are cut out. */
static uint32_t base_areas(const struct vmpci_vfio_region *region,
			   uint64_t page, bool has_holes, struct range *r)
{
	uint32_t i, n = 0;

	if (region->caps & VMPCI_VFIO_CAP_SPARSE_MMAP) {
		for (i = 0; i < region->nr_sparse; i++) {
			const struct vmpci_vfio_area *a = &region->sparse[i];
			uint64_t end = end_of(a->offset, a->size);

			if (end > region->size)
				end = region->size;
			r[n].start = round_up(a->offset, page);
			r[n].end = round_down(end, page);
			if (r[n].start < r[n].end)
				n++;
		}
		return merge_ranges(r, n);
	}
	if (has_holes && !(region->caps & VMPCI_VFIO_CAP_MSIX_MAPPABLE))
		return 0;
	r[0].start = 0;
	r[0].end = round_down(region->size, page);
	return r[0].end ? 1 : 0;
}

/* Cut [hole) out of the sorted, disjoint ranges. Capacity: a hole splits at
 * most one range of a disjoint set in two. */
static uint32_t cut_hole(struct range *r, uint32_t n, struct range hole)
{
	struct range tmp[VMPCI_VFIO_MAX_AREAS];
	uint32_t i, out = 0;

	for (i = 0; i < n; i++) {
		if (hole.end <= r[i].start || hole.start >= r[i].end) {
			tmp[out++] = r[i];
			continue;
		}
		if (r[i].start < hole.start)
			tmp[out++] = (struct range){ r[i].start, hole.start };
		if (hole.end < r[i].end)
			tmp[out++] = (struct range){ hole.end, r[i].end };
	}
	memcpy(r, tmp, out * sizeof(*r));
	return out;
}

/* A BAR smaller than a host page: vfio-pci reports it mmappable only after
 * reserving the rest of its page (no other BAR shares it, so the tail
 * reads as nothing), and maps the whole page. Map that page when it holds
 * no MSI-X structure; a SPARSE_MMAP list names what may be mapped and a
 * sub-page area of it cannot be. The guest sees the BAR's bytes, then the
 * rest of the page, only when the BAR sits page aligned (the device object
 * traps it otherwise). */
static int sub_page(const struct vmpci_vfio_region *region, uint64_t page,
		    uint32_t nr_holes, struct vmpci_vfio_sparse *out)
{
	if (nr_holes || (region->caps & VMPCI_VFIO_CAP_SPARSE_MMAP))
		return 0;
	out->areas[0].offset = 0;
	out->areas[0].size = page;
	out->nr = 1;
	return 0;
}

int vmpci_vfio_sparse_areas(const struct vmpci_vfio_region *region,
			    const struct vmpci_vfio_sparse_params *params,
			    struct vmpci_vfio_sparse *out)
{
	struct range r[VMPCI_VFIO_MAX_AREAS], holes[2];
	uint64_t page;
	uint32_t i, n, nh = 0;

	if (!region || !params || !out)
		return -EINVAL;
	page = params->page_size;
	if (page < 4096 || (page & (page - 1)))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->region_size = region->size;
	if (params->exclude || !(region->flags & VFIO_REGION_INFO_FLAG_MMAP) ||
	    !region->size)
		return 0;
	if (params->table_size && params->table_offset < region->size)
		holes[nh++] = (struct range){
			round_down(params->table_offset, page),
			round_up(end_of(params->table_offset,
					params->table_size), page)
		};
	if (params->pba_size && params->pba_offset < region->size)
		holes[nh++] = (struct range){
			round_down(params->pba_offset, page),
			round_up(end_of(params->pba_offset, params->pba_size),
				 page)
		};
	if (region->size < page)
		return sub_page(region, page, nh, out);
	n = base_areas(region, page, nh > 0, r);
	for (i = 0; i < nh; i++)
		n = cut_hole(r, n, holes[i]);
	for (i = 0; i < n; i++) {
		out->areas[i].offset = r[i].start;
		out->areas[i].size = r[i].end - r[i].start;
	}
	out->nr = n;
	return 0;
}

uint64_t vmpci_vfio_sparse_mapped_bytes(const struct vmpci_vfio_sparse *s)
{
	uint64_t sum = 0;
	uint32_t i;

	/* A sub-page BAR's area is its whole page: count the BAR's bytes. */
	for (i = 0; s && i < s->nr && i < VMPCI_VFIO_MAX_AREAS; i++) {
		const struct vmpci_vfio_area *a = &s->areas[i];

		if (a->offset < s->region_size)
			sum += a->size < s->region_size - a->offset ?
				       a->size :
				       s->region_size - a->offset;
	}
	return sum;
}

double vmpci_vfio_mapped_fraction(const struct vmpci_vfio_sparse *bars,
				  uint32_t n)
{
	double mapped = 0, total = 0;
	uint32_t i;

	for (i = 0; bars && i < n; i++) {
		mapped += (double)vmpci_vfio_sparse_mapped_bytes(&bars[i]);
		total += (double)bars[i].region_size;
	}
	return total > 0 ? mapped / total : 0;
}
