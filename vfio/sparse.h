/* vmpci: which parts of a BAR are mapped straight into the guest.
 *
 * Which parts of a BAR are mapped straight into the guest; the rest is
 * trapped. For a BAR of region info `region`:
 *  - nothing when the VMM excludes it, it has no MMAP flag, or it is
 *    smaller than a host page;
 *  - with a SPARSE_MMAP capability: its areas, shrunk to whole host pages;
 *  - else whole, when it holds no MSI-X table or PBA;
 *  - else, with MSIX_MAPPABLE: all but the holes around the table and the
 *    PBA, each hole from its start rounded down to its *end* rounded up to
 *    the host page size, so no byte of either is ever mapped; without
 *    MSIX_MAPPABLE: nothing (the kernel would refuse the mmap).
 * The MSI-X holes are cut out of SPARSE_MMAP areas too. Page sizes are
 * powers of two >= 4 KiB (4 KiB and 64 KiB hosts). */
#ifndef VMPCI_VFIO_SPARSE_H
#define VMPCI_VFIO_SPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfio/backend.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

#define VMPCI_VFIO_MAX_AREAS (VMPCI_VFIO_MAX_SPARSE_AREAS + 2)

struct vmpci_vfio_sparse_params {
	uint64_t page_size;	/* host page size */
	/* The MSI-X table and PBA ranges inside this BAR (size 0: not here),
	 * e.g. from vmpci_msix_layout_get. */
	uint64_t table_offset;
	uint64_t table_size;
	uint64_t pba_offset;
	uint64_t pba_size;
	bool exclude; /* the VMM traps this BAR whole */
};

/* The areas to map, sorted, page aligned, disjoint, inside the region;
 * except that a BAR smaller than a host page that holds no MSI-X structure
 * is one area: its whole page (vfio-pci reserves the rest of the page and
 * maps it whole). Such a BAR must sit page aligned in the guest to be
 * mapped; the device object traps it otherwise. */
struct vmpci_vfio_sparse {
	uint64_t region_size;
	uint32_t nr;
	struct vmpci_vfio_area areas[VMPCI_VFIO_MAX_AREAS];
};

/* Compute the areas. -EINVAL for a page size that is not a power of two
 * >= 4096 or NULL arguments. */
int vmpci_vfio_sparse_areas(const struct vmpci_vfio_region *region,
			    const struct vmpci_vfio_sparse_params *params,
			    struct vmpci_vfio_sparse *out);

/* Bytes of the areas inside the region (a sub-page BAR's page counts its
 * own bytes). */
uint64_t vmpci_vfio_sparse_mapped_bytes(const struct vmpci_vfio_sparse *s);

/* The fraction of BAR bytes mapped over `n` BARs: sum of mapped bytes over
 * sum of region sizes, in [0, 1]; 0 when the regions total 0 bytes. */
double vmpci_vfio_mapped_fraction(const struct vmpci_vfio_sparse *bars,
				  uint32_t n);

VMPCI_API_END

#endif
