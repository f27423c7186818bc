/* Parsing a kernel-format region info and its capability chain.
 *
 * The chain is a list of vfio_info_cap_header linked by byte offsets from
 * the start of the info; it comes from the kernel or, for vfio-user, from
 * another process, so every offset is checked against the buffer and a
 * visit budget stops loops. */
#include <errno.h>
#include <linux/vfio.h>
#include <string.h>

#include "vfio/backend.h"

/* A chain longer than this loops: each cap is at least 4 bytes, and no real
 * region carries more than a handful. */
#define MAX_CAPS 64

static int parse_sparse(const unsigned char *base, size_t len, uint32_t off,
			struct vmpci_vfio_region *out)
{
	struct vfio_region_info_cap_sparse_mmap s;
	size_t need;
	uint32_t i;

	if (len - off < sizeof(s))
		return -EINVAL;
	memcpy(&s, base + off, sizeof(s));
	if (s.nr_areas > VMPCI_VFIO_MAX_SPARSE_AREAS)
		return -E2BIG;
	need = sizeof(s) + (size_t)s.nr_areas *
				   sizeof(struct vfio_region_sparse_mmap_area);
	if (len - off < need)
		return -EINVAL;
	for (i = 0; i < s.nr_areas; i++) {
		struct vfio_region_sparse_mmap_area a;

		memcpy(&a, base + off + sizeof(s) + i * sizeof(a), sizeof(a));
		out->sparse[i].offset = a.offset;
		out->sparse[i].size = a.size;
	}
	out->nr_sparse = s.nr_areas;
	out->caps |= VMPCI_VFIO_CAP_SPARSE_MMAP;
	return 0;
}

int vmpci_vfio_region_parse(const void *info, size_t len,
			    struct vmpci_vfio_region *out)
{
	const unsigned char *base = info;
	struct vfio_region_info ri;
	uint32_t off;
	int n, err;

	if (!info || !out || len < sizeof(ri))
		return -EINVAL;
	memcpy(&ri, info, sizeof(ri));
	memset(out, 0, sizeof(*out));
	out->index = ri.index;
	out->flags = ri.flags;
	out->size = ri.size;
	out->offset = ri.offset;
	off = (ri.flags & VFIO_REGION_INFO_FLAG_CAPS) ? ri.cap_offset : 0;
	for (n = 0; off; n++) {
		struct vfio_info_cap_header h;

		if (n == MAX_CAPS || off < sizeof(ri) || off > len ||
		    len - off < sizeof(h) || off % 4)
			return -EINVAL;
		memcpy(&h, base + off, sizeof(h));
		switch (h.id) {
		case VFIO_REGION_INFO_CAP_SPARSE_MMAP:
			err = parse_sparse(base, len, off, out);
			if (err)
				return err;
			break;
		case VFIO_REGION_INFO_CAP_MSIX_MAPPABLE:
			out->caps |= VMPCI_VFIO_CAP_MSIX_MAPPABLE;
			break;
		case VFIO_REGION_INFO_CAP_TYPE: {
			struct vfio_region_info_cap_type t;

			if (len - off < sizeof(t))
				return -EINVAL;
			memcpy(&t, base + off, sizeof(t));
			out->type = t.type;
			out->subtype = t.subtype;
			out->caps |= VMPCI_VFIO_CAP_TYPE;
			break;
		}
		default:
			break;
		}
		off = h.next;
	}
	return 0;
}
