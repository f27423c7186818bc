/* vmpci: a BAR's mmapped areas (vfio/sparse.h) and their guest mappings, made
 * and moved through the host ops. */
#ifndef VMPCI_VFIO_BAR_MAP_H
#define VMPCI_VFIO_BAR_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "vfio/backend.h"
#include "vfio/sparse.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* The mmapped areas of one BAR and their guest mappings. */
struct vmpci_vfio_bar_map;

/* mmap every area of `sparse` from region `index` of `be` (through
 * region_mmap_fd), read/write, shared. Nothing is mapped into the guest yet.
 * `be` and `host` are copied and must stay valid until free. An empty
 * `sparse` gives an empty map. Unmaps what it mapped on failure. */
int vmpci_vfio_bar_map_new(const struct vmpci_vfio_backend *be,
			   const struct vmpci_host *host, uint32_t index,
			   const struct vmpci_vfio_sparse *sparse,
			   struct vmpci_vfio_bar_map **out);

/* Map every area into the guest through host->ops->map_memory at
 * `gpa` + area offset. All or nothing: on a failure, the slots made so far
 * are removed and the error returned. -EBUSY when already attached. */
int vmpci_vfio_bar_map_attach(struct vmpci_vfio_bar_map *m, uint64_t gpa);

/* Remove the guest mappings (unmap_memory on every slot). Returns the first
 * error but removes all it can. No-op when not attached. */
int vmpci_vfio_bar_map_detach(struct vmpci_vfio_bar_map *m);

/* Move an attached map to `gpa` (the guest reprogrammed the BAR): detach
 * (a slot the host fails to remove is logged and stays the host's), then
 * attach at `gpa`; if that fails, attach at the old address again so the
 * BAR is never left half-mapped, and return the error. */
int vmpci_vfio_bar_map_move(struct vmpci_vfio_bar_map *m, uint64_t gpa);

bool vmpci_vfio_bar_map_attached(const struct vmpci_vfio_bar_map *m);
uint64_t vmpci_vfio_bar_map_gpa(const struct vmpci_vfio_bar_map *m);
uint32_t vmpci_vfio_bar_map_count(const struct vmpci_vfio_bar_map *m);

/* Host address of area `i` (its region range in *area, may be NULL), NULL
 * past the count. For the VMM's own accesses. */
void *vmpci_vfio_bar_map_area(const struct vmpci_vfio_bar_map *m, uint32_t i,
			      struct vmpci_vfio_area *area);

/* Detach, munmap, free. Accepts NULL. */
void vmpci_vfio_bar_map_free(struct vmpci_vfio_bar_map *m);

VMPCI_API_END

#endif
