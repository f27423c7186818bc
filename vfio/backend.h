/* vmpci: the VFIO backend ops, what the device asks of the host function.
 *
 * Region and IRQ indexes are VFIO's (<linux/vfio.h>): VFIO_PCI_BAR0..5_
 * REGION_INDEX = 0..5, ROM = 6, CONFIG = 7, VGA = 8; VFIO_PCI_INTX_IRQ_INDEX
 * = 0, MSI = 1, MSIX = 2, ERR = 3, REQ = 4. Flags are VFIO's too. */
#ifndef VMPCI_VFIO_BACKEND_H
#define VMPCI_VFIO_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* Most SPARSE_MMAP areas a region may report; more gives -E2BIG. */
#define VMPCI_VFIO_MAX_SPARSE_AREAS 16

/* One range of a region: `size` bytes at `offset` from the region's start. */
struct vmpci_vfio_area {
	uint64_t offset;
	uint64_t size;
};

/* VFIO_DEVICE_GET_INFO. */
struct vmpci_vfio_device_info {
	uint32_t flags; /* VFIO_DEVICE_FLAGS_PCI, _RESET, ... */
	uint32_t num_regions;
	uint32_t num_irqs;
};

/* Capabilities found in a region's chain (bits of vmpci_vfio_region.caps). */
#define VMPCI_VFIO_CAP_SPARSE_MMAP (1u << 0)
#define VMPCI_VFIO_CAP_MSIX_MAPPABLE (1u << 1)
#define VMPCI_VFIO_CAP_TYPE (1u << 2)

/* VFIO_DEVICE_GET_REGION_INFO with its capability chain parsed. */
struct vmpci_vfio_region {
	uint32_t index;
	uint32_t flags;	 /* VFIO_REGION_INFO_FLAG_READ, _WRITE, _MMAP, _CAPS */
	uint64_t size;	 /* 0: the region does not exist (unimplemented BAR) */
	uint64_t offset; /* where the region starts in the device fd */
	uint32_t caps;	 /* VMPCI_VFIO_CAP_* */
	uint32_t type;	 /* VFIO_REGION_INFO_CAP_TYPE, when caps has it */
	uint32_t subtype;
	uint32_t nr_sparse; /* SPARSE_MMAP areas, when caps has it */
	struct vmpci_vfio_area sparse[VMPCI_VFIO_MAX_SPARSE_AREAS];
};

/* VFIO_DEVICE_GET_IRQ_INFO. */
struct vmpci_vfio_irq_info {
	uint32_t index;
	uint32_t flags; /* VFIO_IRQ_INFO_EVENTFD, _MASKABLE, _AUTOMASKED,
			   _NORESIZE */
	uint32_t count;
};

/* Parse a kernel-format `struct vfio_region_info` of `len` bytes (as
 * VFIO_DEVICE_GET_REGION_INFO or vfio-user return it, chain included) into
 * *out. Unknown capabilities are skipped. -EINVAL for a chain that points
 * outside `len`, loops, or is malformed; -E2BIG for more than
 * VMPCI_VFIO_MAX_SPARSE_AREAS sparse areas. For backends of your own. */
int vmpci_vfio_region_parse(const void *info, size_t len,
			    struct vmpci_vfio_region *out);

struct vmpci_vfio_backend_ops {
	/* VFIO_DEVICE_GET_INFO. */
	int (*device_info)(void *opaque, struct vmpci_vfio_device_info *out);
	/* VFIO_DEVICE_GET_REGION_INFO of region `index`, chain parsed.
	 * -EINVAL for an index the device does not have (VGA on a non-VGA
	 * function, like the kernel). */
	int (*region_info)(void *opaque, uint32_t index,
			   struct vmpci_vfio_region *out);
	/* Read / write `size` bytes at `offset` into region `index`, any
	 * offset and size inside the region. All or nothing from the
	 * caller's view: a short transfer is -EIO. */
	int (*region_read)(void *opaque, uint32_t index, uint64_t offset,
			   void *data, uint64_t size);
	int (*region_write)(void *opaque, uint32_t index, uint64_t offset,
			    const void *data, uint64_t size);
	/* The fd and file offset to mmap region `index` (the region's own
	 * offset, or whatever the backend uses). The fd stays the backend's.
	 * -EOPNOTSUPP when the backend cannot be mmapped at all. */
	int (*region_mmap_fd)(void *opaque, uint32_t index, int *fd,
			      uint64_t *offset);
	/* VFIO_DEVICE_GET_IRQ_INFO. -EINVAL for an index the device lacks
	 * (ERR on conventional PCI, like the kernel). */
	int (*irq_info)(void *opaque, uint32_t index,
			struct vmpci_vfio_irq_info *out);
	/* VFIO_DEVICE_SET_IRQS, kernel semantics: `flags` is one
	 * VFIO_IRQ_SET_DATA_{NONE,BOOL,EVENTFD} | one
	 * VFIO_IRQ_SET_ACTION_{MASK,UNMASK,TRIGGER}; `data` holds `count`
	 * int32 eventfds (-1 detaches), `count` uint8 bools, or nothing.
	 * DATA_NONE|TRIGGER with count 0 disables the index. A positive
	 * return is the kernel's short count: enabling MSI / MSI-X, the host
	 * could give only that many vectors and enabled none. */
	int (*set_irqs)(void *opaque, uint32_t index, uint32_t flags,
			uint32_t start, uint32_t count, const void *data);
	/* VFIO_DEVICE_RESET. -EINVAL when device_info lacks
	 * VFIO_DEVICE_FLAGS_RESET (as the kernel). */
	int (*reset)(void *opaque);
	/* Make host memory [vaddr, vaddr + size) visible to the function's DMA
	 * at `iova`. `flags` is VFIO_DMA_MAP_FLAG_READ | _WRITE. Devices that
	 * share a container share mappings: map guest RAM once per container.
	 * -EEXIST when the range overlaps a mapping. */
	int (*dma_map)(void *opaque, uint64_t iova, uint64_t size, void *vaddr,
		       uint32_t flags);
	/* Remove the mappings inside [iova, iova + size); *unmapped gets the
	 * bytes removed (may be NULL). -EINVAL when the range cuts a
	 * mapping in two. */
	int (*dma_unmap)(void *opaque, uint64_t iova, uint64_t size,
			 uint64_t *unmapped);
	/* VFIO_DEVICE_FEATURE (migration v2 and friends): `flags` is
	 * VFIO_DEVICE_FEATURE_{GET,SET,PROBE} | the feature index
	 * (VFIO_DEVICE_FEATURE_MIGRATION, _MIG_DEVICE_STATE, ...); `data`
	 * is the feature's payload, `size` bytes, read and written in place
	 * (MIG_DEVICE_STATE SET returns the data fd in it). -ENOTTY when the
	 * device lacks the feature, like the kernel. */
	int (*device_feature)(void *opaque, uint32_t flags, void *data,
			      size_t size);
};

struct vmpci_vfio_backend {
	const struct vmpci_vfio_backend_ops *ops;
	void *opaque;
};

/* Convenience wrappers over backend->ops->set_irqs. */

/* Attach `count` eventfds (-1 detaches one) to vectors [start, start +
 * count) of IRQ `index` with ACTION_TRIGGER. On MSI / MSI-X this enables
 * the index; with NORESIZE, growing an enabled index is -EINVAL (disable,
 * then enable with the new count); without it (dynamic MSI-X, kernels
 * 6.2+) vectors past the count are added while the others stay live. A
 * positive return is the backend's short count (see set_irqs): nothing
 * was enabled, the host has only that many vectors to give. */
int vmpci_vfio_irq_set_eventfds(const struct vmpci_vfio_backend *be,
				uint32_t index, uint32_t start,
				uint32_t count, const int32_t *fds);
/* Disable IRQ `index` (DATA_NONE | ACTION_TRIGGER, count 0). */
int vmpci_vfio_irq_disable(const struct vmpci_vfio_backend *be,
			   uint32_t index);
/* Mask / unmask vector `vector` of `index` (DATA_NONE). INTx is maskable;
 * MSI and MSI-X are not on vfio-pci (-ENOTTY). */
int vmpci_vfio_irq_mask(const struct vmpci_vfio_backend *be, uint32_t index,
			uint32_t vector, bool masked);
/* Unmask `index` vector 0 whenever `fd` is signalled (DATA_EVENTFD |
 * ACTION_UNMASK): the INTx resample path. -1 removes it. */
int vmpci_vfio_irq_unmask_eventfd(const struct vmpci_vfio_backend *be,
				  uint32_t index, int32_t fd);
/* Signal vector `vector` of `index` from software (DATA_NONE |
 * ACTION_TRIGGER, count 1): the eventfd fires as if the device raised it. */
int vmpci_vfio_irq_trigger(const struct vmpci_vfio_backend *be,
			   uint32_t index, uint32_t vector);

VMPCI_API_END

#endif
