/* Kernel backend internals: the container and its groups, shared by the
 * opener and the device ops. An iommufd backend (/dev/iommu + the
 * /dev/vfio/devices/vfioN cdev, kernels 6.6+) would replace the container
 * behind the same dma hooks; the device ops do not know which one they
 * have. */
#ifndef VMPCI_VFIO_KERNEL_INTERNAL_H
#define VMPCI_VFIO_KERNEL_INTERNAL_H

#include "host/host.h"
#include "vfio/backend.h"
#include "vfio/kernel.h"

/* Take / drop a reference on the container. */
void vmpci_vfio_container_ref(struct vmpci_vfio_container *c);

/* Put the group into the container (once per group, however many devices
 * of it are opened): open `path` or dup `passed_fd` (>= 0), check the group
 * is viable, attach it and set the IOMMU type on the first group. `id` names
 * the group for sharing (-1: unknown, never shared). Stores the group fd
 * (owned by the container) in *group_fd. */
int vmpci_vfio_container_add_group(struct vmpci_vfio_container *c, int id,
				   const char *path, int passed_fd,
				   const char *name, int *group_fd);

/* Release one user of the group with fd `group_fd`; the last one takes the
 * group out of the container and closes it. */
void vmpci_vfio_container_put_group(struct vmpci_vfio_container *c,
				    int group_fd);

/* One cached region of an open device. */
struct vmpci_vfio_kregion {
	uint64_t offset;
	uint64_t size;
	uint32_t flags;
};

struct vmpci_vfio_kernel {
	struct vmpci_vfio_backend backend;
	struct vmpci_host host;
	char name[64];
	int device_fd;
	int group_fd; /* owned by the container; -1 for a passed device fd */
	struct vmpci_vfio_container *container;
	uint32_t nr_regions;
	struct vmpci_vfio_kregion *regions;
};

extern const struct vmpci_vfio_backend_ops vmpci_vfio_kernel_ops;

/* Fill k->regions from the device fd. */
int vmpci_vfio_kernel_cache_regions(struct vmpci_vfio_kernel *k);

#endif
