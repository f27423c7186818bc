/* vmpci: the kernel VFIO backend: containers, groups and device fds.
 *
 * Linux VFIO: a container (/dev/vfio/vfio, VFIO_TYPE1v2_IOMMU) holding IOMMU
 * groups (/dev/vfio/N), each handing out device fds. Several devices share
 * one container (one IOMMU domain, one set of DMA mappings): create a
 * container and pass it to every open. The container is reference counted:
 * it lives until vmpci_vfio_container_free and every backend opened on it
 * are gone. Errors say what failed (no IOMMU, group not viable, device not
 * bound to vfio-pci, ...) with the errno, through the host's log. */
#ifndef VMPCI_VFIO_KERNEL_H
#define VMPCI_VFIO_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "vfio/backend.h"
#include "vmpci.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

struct vmpci_vfio_container;
struct vmpci_vfio_kernel;

/* Open /dev/vfio/vfio (or `dev_dir`/vfio when given; NULL for /dev/vfio)
 * and check the API version and type1v2 support. The IOMMU type is set
 * when the first group joins. `host` is for logging only, may be NULL,
 * and is copied. -ENODEV without VFIO, -EOPNOTSUPP without type1v2. */
int vmpci_vfio_container_new(const struct vmpci_host *host,
			     const char *dev_dir,
			     struct vmpci_vfio_container **out);

/* Adopt a container the VMM opened (/dev/vfio/vfio): vmpci puts the groups
 * of the functions it opens on it (kernel config `container`) next to any
 * the VMM put there itself, sets the IOMMU type unless the VMM already did,
 * and never closes `fd`: it stays the VMM's, open until the VMM closes it
 * after vmpci_vfio_container_free and every backend opened on it are gone.
 * Mappings the VMM made stay the VMM's. `host` as for _new. -EINVAL for a
 * negative fd, -ENODEV when it is no VFIO container (API version),
 * -EOPNOTSUPP without type1v2. */
int vmpci_vfio_container_adopt(const struct vmpci_host *host, int fd,
			       struct vmpci_vfio_container **out);

/* Drop the caller's reference. Accepts NULL. */
void vmpci_vfio_container_free(struct vmpci_vfio_container *c);

/* The container fd (owned by the container, or the VMM's when adopted),
 * e.g. for VFIO_IOMMU_GET_INFO or for a VMM that maps guest RAM itself. */
int vmpci_vfio_container_fd(const struct vmpci_vfio_container *c);

/* Make host memory [vaddr, vaddr + size) visible to the DMA of every
 * function in the container at `iova` (VFIO_IOMMU_MAP_DMA; `flags`
 * VFIO_DMA_MAP_FLAG_READ | _WRITE): guest RAM, at any time, including
 * memory the VMM adds while the guest runs (hotplug, balloon deflate).
 * Page-aligned, and the container needs a group in it (its IOMMU type set
 * by the first open). -EEXIST when the range overlaps a mapping, -EINVAL
 * for unaligned ranges or no group yet, the kernel's errno otherwise. */
int vmpci_vfio_container_dma_map(struct vmpci_vfio_container *c, uint64_t iova,
				 uint64_t size, void *vaddr, uint32_t flags);

/* Remove the mappings inside [iova, iova + size) (memory the VMM takes
 * away); *unmapped gets the bytes removed (may be NULL). -EINVAL when the
 * range cuts a mapping in two. */
int vmpci_vfio_container_dma_unmap(struct vmpci_vfio_container *c,
				   uint64_t iova, uint64_t size,
				   uint64_t *unmapped);

/* The device fd (owned by the backend). */
int vmpci_vfio_kernel_device_fd(const struct vmpci_vfio_kernel *k);

VMPCI_API_END

#endif
