/* vmpci vfio: the host PCI function behind a VFIO backend.
 *
 * Sections:
 *   1. Backend ops: everything the device object asks of the host function
 *      (region info with its capability chain, region read/write, IRQ info,
 *      SET_IRQS, reset, DMA map/unmap, the fd + offset to mmap a region,
 *      VFIO device features for migration v2).
 *   2. Kernel backend (vmpci_vfio_container_*, vmpci_vfio_kernel_*): Linux
 *      VFIO through a container (type1v2) and IOMMU groups.
 *   3. Simulated backend (vmpci_vfio_sim_*): a function built from a config
 *      space image and a sysfs `resource` file that behaves as the kernel's
 *      vfio-pci does, for tests, fuzzers and the demo.
 *   4. Sparse mmap (vmpci_vfio_sparse_*, vmpci_vfio_bar_map_*): which parts
 *      of a BAR go straight to the guest, and mapping them through the host.
 *   5. Device object (vmpci_device_*): the VfioPciDevice, composing the
 *      above with pci/ and interrupts/.
 *
 * Every function returns 0 or a negative errno unless its comment says
 * otherwise; details of failures go to the host's log callback. Nothing here
 * has threads or global state; the owner serializes calls on one object. */
#ifndef VMPCI_VFIO_H
#define VMPCI_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allocator/allocator.h"
#include "interrupts/interrupts.h"
#include "pci/pci.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* ======================================================================
 * Backend section: sections 1-4.
 * ====================================================================== */

/* ---- 1. Backend ops -------------------------------------------------------
 *
 * Region and IRQ indexes are VFIO's (<linux/vfio.h>): VFIO_PCI_BAR0..5_
 * REGION_INDEX = 0..5, ROM = 6, CONFIG = 7, VGA = 8; VFIO_PCI_INTX_IRQ_INDEX
 * = 0, MSI = 1, MSIX = 2, ERR = 3, REQ = 4. Flags are VFIO's too. */

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

/* ---- 2. Kernel backend ----------------------------------------------------
 *
 * Linux VFIO: a container (/dev/vfio/vfio, VFIO_TYPE1v2_IOMMU) holding IOMMU
 * groups (/dev/vfio/N), each handing out device fds. Several devices share
 * one container (one IOMMU domain, one set of DMA mappings): create a
 * container and pass it to every open. The container is reference counted:
 * it lives until vmpci_vfio_container_free and every backend opened on it
 * are gone. Errors say what failed (no IOMMU, group not viable, device not
 * bound to vfio-pci, ...) with the errno, through the host's log. */

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

struct vmpci_vfio_kernel_params {
	/* Exactly one of bdf, group_fd or device_fd picks the function:
	 *  - bdf alone ("0000:01:00.0"): sysfs -> IOMMU group -> /dev/vfio/N;
	 *  - group_fd >= 0 with bdf: an already-open group of that function;
	 *  - device_fd >= 0: an already-open device fd (bdf optional, for
	 *    messages). DMA then needs `container` with the device's group
	 *    already in it (the VMM's own: vmpci_vfio_container_adopt), else
	 *    dma_map gives -EOPNOTSUPP.
	 * Passed fds are duplicated: the caller keeps and closes its own. */
	const char *bdf;
	int group_fd;
	int device_fd;
	/* Shared container; NULL makes a private one. The backend takes its
	 * own reference. */
	struct vmpci_vfio_container *container;
	const struct vmpci_host *host; /* log; may be NULL; copied */
	/* Roots for tests and chroots; NULL for /sys and /dev/vfio. */
	const char *sysfs_dir;
	const char *dev_dir;
};

/* Fill `config` for opening `bdf` with defaults (no fds, private
 * container, no log). */
void vmpci_vfio_kernel_params_init(struct vmpci_vfio_kernel_params *config,
				   const char *bdf);

/* Open the function. Errors: -ENODEV no such device, no IOMMU group (no
 * IOMMU) or no /dev/vfio/N; -EBUSY group not viable (another device of the
 * group is bound to a host driver) or group in another container;
 * -EACCES/-EPERM from the kernel; -EINVAL for a bad config; the errno of
 * whatever else failed. Every failure is logged. */
int vmpci_vfio_kernel_open(const struct vmpci_vfio_kernel_params *config,
			   struct vmpci_vfio_kernel **out);

/* Close the device fd, leave the group and the container (dropping the
 * reference). Accepts NULL and half-built objects. */
void vmpci_vfio_kernel_free(struct vmpci_vfio_kernel *k);

/* The ops table and opaque pointer; valid until vmpci_vfio_kernel_free. */
const struct vmpci_vfio_backend *
vmpci_vfio_kernel_backend(struct vmpci_vfio_kernel *k);

/* The device fd (owned by the backend). */
int vmpci_vfio_kernel_device_fd(const struct vmpci_vfio_kernel *k);

/* ---- 3. Simulated backend -------------------------------------------------
 *
 * A function built from a config-space image (256 or 4096 bytes) and the
 * sysfs `resource` text of the same function (tests/data/pci-config/),
 * behaving as the kernel's vfio-pci does:
 *  - regions: BARs at index << 40 as the kernel lays them out, memory BARs
 *    backed by a memfd (mmap works; reads, writes and mmaps see the same
 *    bytes), I/O BARs read/write only, ROM read-only, config 256 or 4096
 *    bytes as the image; VGA is -EINVAL;
 *  - the BAR of the MSI-X table reports MSIX_MAPPABLE (configurable), and
 *    any BAR may report SPARSE_MMAP areas; reads of the MSI-X table
 *    through the region give all-ones and writes are dropped;
 *  - config: BAR and ROM registers virtualized (write ~0, read the size
 *    mask; 64-bit pairs too); Command (the bits QEMU functions implement),
 *    cache line size, latency timer, interrupt line, PMCSR power state
 *    and PME enable, PCIe Device Control (Initiate FLR starts an FLR,
 *    counted, and reads 0), MSI control (queue size, enable only
 *    while MSI is on), address, data and mask writable; after
 *    SET_IRQS(MSI) the MSI enable bit stays 0, after SET_IRQS(MSIX) the
 *    MSI-X enable bit reads 1 (and clears on disable); other bytes
 *    read-only;
 *  - IRQs: INTx count 1 (0 without a pin) EVENTFD|MASKABLE|AUTOMASKED, MSI
 *    and MSI-X counts from their capabilities with NORESIZE, ERR only on
 *    PCIe, REQ count 1; SET_IRQS checks as the kernel does (one of MSI /
 *    MSI-X / INTx at a time, -EINVAL to grow an enabled index unless set up
 *    as a dynamic-MSI-X kernel, a short count when set up short of vectors:
 *    vmpci_vfio_sim_set_irq_host);
 *  - reset when the function has FLR or a PM reset (NoSoftReset clear);
 *  - DMA map/unmap bookkeeping (4 KiB granule, -EEXIST on overlap);
 *  - device features: -ENOTTY (no migration).
 * It records the BAR register writes made through the config region and
 * each index's SET_IRQS state, and can fire a vector as the device would. */

struct vmpci_vfio_sim;

struct vmpci_vfio_sim_params {
	const void *config; /* image, copied */
	size_t config_size; /* 256 or 4096 */
	const char *resource; /* sysfs resource text, NUL-terminated */
	/* The MSI-X BAR reports CAP_MSIX_MAPPABLE (true in a fresh config,
	 * as kernels since 4.16 do). */
	bool msix_mappable;
	/* SPARSE_MMAP areas per BAR; nr 0 reports no such capability. */
	struct {
		uint32_t nr;
		struct vmpci_vfio_area areas[VMPCI_VFIO_MAX_SPARSE_AREAS];
	} sparse[6];
	const struct vmpci_host *host; /* log; may be NULL; copied */
};

/* Defaults for an image and resource text (both borrowed until _new). */
void vmpci_vfio_sim_params_init(struct vmpci_vfio_sim_params *config,
				const void *image, size_t image_size,
				const char *resource);

/* Create a simulated function. -EINVAL for an image that is not 256 or
 * 4096 bytes, resource text that does not parse, or BAR sizes that are not
 * powers of two; -ENOMEM / memfd errors otherwise. */
int vmpci_vfio_sim_new(const struct vmpci_vfio_sim_params *config,
		       struct vmpci_vfio_sim **out);

/* Read `<base>.bin` and `<base>.resource` (a fixture pair) and create a
 * simulated function with default config. */
int vmpci_vfio_sim_new_from_files(const char *base,
				  const struct vmpci_host *host,
				  struct vmpci_vfio_sim **out);

/* Close the memfds and the eventfds' references (the sim does not own the
 * eventfds given to SET_IRQS). Accepts NULL. */
void vmpci_vfio_sim_free(struct vmpci_vfio_sim *s);

const struct vmpci_vfio_backend *vmpci_vfio_sim_backend(struct vmpci_vfio_sim *s);

/* Fire vector `vector` of IRQ `index` as the device would: signal the
 * eventfd SET_IRQS registered. INTx auto-masks and, while masked, stays
 * pending until ACTION_UNMASK (then fires again). -ENOENT when nothing is
 * registered there (or the index is disabled), -EINVAL past the count. */
int vmpci_vfio_sim_fire(struct vmpci_vfio_sim *s, uint32_t index,
			uint32_t vector);

/* The SET_IRQS state of one index. */
struct vmpci_vfio_sim_irq_state {
	bool enabled;	     /* eventfds attached (MSI/MSI-X: index on) */
	uint32_t count;	     /* vectors enabled */
	bool masked;	     /* INTx: masked (by ACTION_MASK or auto-mask) */
	bool pending;	     /* INTx: fired while masked */
	int32_t unmask_fd;   /* INTx: the ACTION_UNMASK eventfd, or -1 */
	uint64_t set_calls;  /* successful SET_IRQS on this index */
};

int vmpci_vfio_sim_irq_state_get(struct vmpci_vfio_sim *s, uint32_t index,
			     struct vmpci_vfio_sim_irq_state *out);

/* The eventfd registered for `vector` of `index`, -1 for none. -EINVAL for
 * a bad index or a vector past the count. */
int vmpci_vfio_sim_irq_eventfd(const struct vmpci_vfio_sim *s, uint32_t index,
			       uint32_t vector, int32_t *fd);

/* BAR registers written through the config region: `reg` 0-5 for BAR0-5,
 * 6 for the ROM. *writes counts the accesses that touched the register,
 * *last is its raw 32-bit value after the last one (before the sizing
 * mask applies). -EINVAL past 6. */
int vmpci_vfio_sim_bar_writes(const struct vmpci_vfio_sim *s, uint32_t reg,
			      uint64_t *writes, uint32_t *last);

/* The DMA mappings live (count and bytes), for leak checks. */
void vmpci_vfio_sim_dma_stats(const struct vmpci_vfio_sim *s, uint32_t *count,
			      uint64_t *bytes);

/* How the simulated host allocates MSI / MSI-X vectors. A fresh sim has
 * no limit and NORESIZE on both, as Debian's 6.1 kernel. */
struct vmpci_vfio_sim_irq_host {
	/* 0: any number. Otherwise an MSI / MSI-X enable asking for more
	 * vectors returns this count and enables none (vfio-pci's short
	 * count), and a dynamic MSI-X grow past it is -ENOSPC. */
	uint32_t vectors_available;
	/* MSI-X reports no NORESIZE and an enabled MSI-X index grows by
	 * SET_IRQS past its count, the others untouched (dynamic MSI-X,
	 * kernels 6.2+). */
	bool msix_dynamic;
};

void vmpci_vfio_sim_set_irq_host(struct vmpci_vfio_sim *s,
				 const struct vmpci_vfio_sim_irq_host *h);

/* Number of VFIO_DEVICE_RESET calls that succeeded. */
uint64_t vmpci_vfio_sim_resets(const struct vmpci_vfio_sim *s);

/* Number of function-level resets started by writing Initiate FLR in
 * Device Control through the config region (counted when the function
 * advertises FLR, as vfio-pci performs only those). */
uint64_t vmpci_vfio_sim_flrs(const struct vmpci_vfio_sim *s);

/* ---- 4. Sparse mmap -------------------------------------------------------
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

/* ======================================================================
 * Device section: section 5.
 * ====================================================================== */

/* ---- 5. Device object -----------------------------------------------------
 *
 * struct vmpci_device is the VfioPciDevice a VMM embeds: one host PCI
 * function behind a backend (kernel VFIO or simulated), presented to the
 * guest with a virtualized configuration space (pci/), MSI / MSI-X / INTx
 * (interrupts/), BARs placed from the VMM's address pools (allocator/) and
 * mapped straight into the guest wherever the MSI-X table is not.
 *
 * Threads: every vmpci_device_* call takes the device's own mutex, so vCPU
 * threads may issue config and BAR accesses for one device concurrently;
 * accesses to different devices never contend. The host ops are called with
 * that mutex held; they must not call back into the same device.
 *
 * Guest accesses never fail the VMM: a malformed access reads all-ones and
 * is dropped on write (the call returns -EINVAL so the VMM can count it). */

struct vmpci_device;

/* Pools the device places its BARs in; any may be NULL when the VMM has no
 * such space (then such BARs cannot be placed: -ENOSPC). Borrowed.
 *
 * All three NULL: the VMM owns the guest's address space and places the
 * BARs itself. vmpci then follows wherever the VMM
 * (vmpci_device_place_bar_at) or the guest (a BAR register write) puts a
 * BAR, with the same decode, mapping and bar_moved reports as with pools;
 * it keeps no mirror of the VMM's windows, so the VMM answers for
 * overlaps (its host's map_memory refuses them), and a BAR smaller than a
 * host page stays trapped (its whole page could cover the VMM's own).
 * vmpci_device_place_bars is then -ENOSPC. */
struct vmpci_device_pools {
	struct vmpci_alloc *io;
	struct vmpci_alloc *mmio32;
	struct vmpci_alloc *mmio64;
};

/* Where the guest does not reach a BAR, in bar_moved. */
#define VMPCI_DEVICE_BAR_UNMAPPED UINT64_MAX

/* Told after the guest's reach of a BAR changed (placement, guest move,
 * decode turned on or off through COMMAND or the ROM enable bit, restore),
 * so the VMM moves the BAR's trapped range on its own MMIO / PIO dispatch
 * from [old_addr, old_addr + size) to [new_addr, new_addr + size). Either
 * is VMPCI_DEVICE_BAR_UNMAPPED when the guest does not reach the BAR: not
 * placed yet, decode off (its mappings are removed too), or moved by the
 * guest outside the VMM's pools (left unmapped, the register kept, until
 * the guest moves it back). */
typedef void (*vmpci_device_bar_fn)(void *opaque, unsigned index,
				    uint64_t old_addr, uint64_t new_addr,
				    uint64_t size);

#define VMPCI_DEVICE_MAX_HIDDEN 16

struct vmpci_device_params {
	const char *name; /* log prefix, e.g. "0000:01:00.0"; copied */
	const struct vmpci_vfio_backend *backend; /* borrowed */
	const struct vmpci_host *host;		  /* borrowed */
	struct vmpci_device_pools pools;
	/* Requester id for MSI routes (bus << 8 | devfn); changeable until
	 * the guest enables MSI or MSI-X: vmpci_device_set_requester_id. */
	uint32_t devid;
	uint64_t page_size; /* host page size; 0 for sysconf(_SC_PAGESIZE) */
	uint32_t no_mmap_bars; /* bit i: trap BAR i whole */
	bool no_reset;	       /* do not reset the function at creation */
	/* Capabilities the guest must not see: standard ids, then extended
	 * ids. vmpci_device_params_init fills the extended list with ARI,
	 * Resizable BAR and SR-IOV. */
	uint32_t nr_hidden_caps;
	uint8_t hidden_caps[VMPCI_DEVICE_MAX_HIDDEN];
	uint32_t nr_hidden_ext_caps;
	uint16_t hidden_ext_caps[VMPCI_DEVICE_MAX_HIDDEN];
	vmpci_device_bar_fn bar_moved; /* may be NULL */
	void *opaque;		       /* passed to bar_moved */
};

/* Fill `config` with defaults for `backend` and `host`. */
void vmpci_device_params_init(struct vmpci_device_params *config,
			      const struct vmpci_vfio_backend *backend,
			      const struct vmpci_host *host);

/* Create a device: reset the function when it can, size its BARs, build the
 * guest-visible config space (BARs emulated and unplaced, MSI / MSI-X
 * served by the models, configured capabilities hidden, INTx routed when
 * the function has a pin). -EINVAL for a bad config, -ENODEV when the
 * backend is not a PCI function, errors of the backend or the host.
 *
 * Order: the INTx line is chosen here, by the host's add_intx_route for
 * the function's pin, so a host that gives each device (slot) its own line
 * must know it before this call. The requester id (the slot) may still be
 * set afterwards, until the guest enables MSI or MSI-X. Where the device
 * sits on a bus (vmpci_bus_add_function) is the VMM's at any time. */
int vmpci_device_new(const struct vmpci_device_params *config,
		     struct vmpci_device **out);

/* A warm reset, what a VMM calls on a system reset (the device stays):
 * MSI / MSI-X off and their routes gone, INTx wired and unmasked, every BAR
 * unplaced (slots unmapped, ranges back in the pools; the VMM drops its
 * traps or places them again), the config space as at creation (COMMAND 0,
 * BAR registers 0), COMMAND 0 written to the function and VFIO_DEVICE_RESET
 * where it has one. The first error of those steps is returned; the rest
 * still run. */
int vmpci_device_reset(struct vmpci_device *dev);

/* Release everything the device holds: routes, eventfds, guest mappings,
 * mmaps, BAR allocations. The backend and host stay the caller's. Accepts
 * NULL and half-built devices. */
void vmpci_device_free(struct vmpci_device *dev);

/* Place every unplaced BAR from the pools (naturally aligned, at least a
 * host page for memory BARs) and, while the guest decodes it, map its
 * mappable areas into the guest. All or nothing. -ENOSPC when a pool is
 * full or missing. */
int vmpci_device_place_bars(struct vmpci_device *dev);

/* Place BAR `index` at `addr` (a fixed address, or restoring a layout),
 * taking the range from whichever pool holds it, and map it while the
 * guest decodes it. -EEXIST when the range is taken, -ENOSPC when no pool
 * holds it, -EBUSY when the BAR is placed already (the guest moves it
 * from there). Without pools (the VMM owns the space) any address aligned
 * to the BAR's size is taken as it is (-EINVAL otherwise). */
int vmpci_device_place_bar_at(struct vmpci_device *dev, unsigned index,
			      uint64_t addr);

/* Set the requester id MSI / MSI-X routes carry (config.devid), e.g. once
 * the VMM has chosen the device's slot. -EBUSY, changing nothing and
 * logging why, while the guest has MSI or MSI-X enabled (live routes carry
 * the old id): set it before the guest runs. */
int vmpci_device_set_requester_id(struct vmpci_device *dev, uint32_t devid);

/* Guest config access (offset 0..4095, size 1/2/4, inside a dword). */
int vmpci_device_config_read(struct vmpci_device *dev, uint16_t offset,
			     unsigned size, uint32_t *val);
int vmpci_device_config_write(struct vmpci_device *dev, uint16_t offset,
			      unsigned size, uint32_t val);

/* The two calls above in vmpci_config_ops form, to put a device on a
 * vmpci_bus: `vmpci_bus_add_function(bus, 0, slot, 0,
 * vmpci_device_config_ops(), dev)`. */
const struct vmpci_config_ops *vmpci_device_config_ops(void);

/* Guest access to a trapped part of BAR `index` at `offset` from the BAR's
 * start (the VMM's bus resolved the address to the BAR). The MSI-X table
 * and PBA are served by the model; anything else goes to the function.
 * size 1, 2, 4 or 8. Constant time in the number of BARs; no allocation. */
int vmpci_device_bar_read(struct vmpci_device *dev, unsigned index,
			  uint64_t offset, unsigned size, void *data);
int vmpci_device_bar_write(struct vmpci_device *dev, unsigned index,
			   uint64_t offset, unsigned size, const void *data);

/* What the guest sees of one BAR, and how it reaches it. */
struct vmpci_device_bar {
	uint32_t type; /* VMPCI_BAR_*; 0 for unimplemented */
	uint64_t size;
	uint64_t addr; /* guest address; valid when placed */
	bool placed;
	/* Placed by the guest where the VMM's pools do not hold it. */
	bool outside;
	/* The guest reaches it at addr (placed, not outside, decode on): the
	 * areas below are mapped and the VMM was told. */
	bool reached;
	/* Areas mapped into the guest while it is reached (offsets from the
	 * BAR's start); everything else traps. */
	uint32_t nr_mapped;
	struct vmpci_vfio_area mapped[VMPCI_VFIO_MAX_AREAS];
};

/* Describe BAR `index` (0-5, VMPCI_BAR_ROM_INDEX). */
int vmpci_device_bar_get(struct vmpci_device *dev, unsigned index,
			 struct vmpci_device_bar *out);

/* The guest-visible configuration space bytes (every read path applied) in
 * buf[0 .. len), len at most the space size. */
int vmpci_device_config_dump(struct vmpci_device *dev, uint8_t *buf,
			     size_t len);

/* vmpci_config_format_lspci for the device's config space. */
int vmpci_device_format_lspci(struct vmpci_device *dev, uint8_t bus,
			      uint8_t slot, uint8_t fn, char *buf, size_t len,
			      size_t *written);

/* Capability `index` as vmpci_config_cap_get reports it (hidden ones have
 * VMPCI_CAP_HIDDEN). -ENOENT past the end. */
int vmpci_device_cap_get(struct vmpci_device *dev, size_t index,
			 struct vmpci_cap *out);

/* The IRQ indexes the function has (VFIO_PCI_*_IRQ_INDEX), as the backend
 * reports them; -EINVAL for an index it lacks. */
int vmpci_device_irq_info(struct vmpci_device *dev, uint32_t index,
			  struct vmpci_vfio_irq_info *out);

/* The eventfd vmpci attached to vector `vector` of IRQ `index`
 * (VFIO_PCI_MSI_IRQ_INDEX, _MSIX_ or _INTX_) through SET_IRQS; the device
 * keeps it. For VMMs and tools without an irqfd-capable host that wait on
 * interrupts themselves. -ENOENT when the vector has none (index off). */
int vmpci_device_irq_eventfd(struct vmpci_device *dev, uint32_t index,
			     uint32_t vector);

/* Identity of the host function, read once at creation. */
struct vmpci_device_identity {
	uint16_t vendor;
	uint16_t device;
	uint16_t subsystem_vendor;
	uint16_t subsystem;
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
	uint16_t config_size;
};

void vmpci_device_identity_get(struct vmpci_device *dev,
			   struct vmpci_device_identity *out);

/* ---- Snapshot state ----
 * The whole guest-visible state of a device as plain data; migration/
 * turns it into a versioned JSON document. Large (tens of KiB): allocate
 * it. */

/* VFIO migration v2 device data carried in a snapshot. */
struct vmpci_device_vfio_state {
	bool supported; /* the function has VFIO_DEVICE_FEATURE_MIGRATION */
	uint8_t *data;	/* STOP_COPY data, malloc'ed; NULL when none */
	size_t size;
};

/* Registers the guest writes that the function keeps rather than the
 * model (pass-through): a restore into a fresh device writes them back. */
struct vmpci_device_regs {
	bool saved; /* false: a snapshot from before they were kept */
	uint8_t cache_line_size;
	uint8_t latency_timer;
	bool has_pm;	     /* the function has a visible PM capability */
	uint16_t pm_control; /* its PMCSR: power state, PME enable */
	bool has_pcie;	     /* ... a visible PCI Express capability */
	uint16_t device_control; /* its Device Control */
};

struct vmpci_device_state {
	char name[64];
	struct vmpci_device_identity identity;
	/* Creation options that shape what the guest sees. */
	uint64_t page_size;
	uint32_t no_mmap_bars;
	uint32_t devid;
	struct vmpci_config_state config; /* image, masks, caps, BARs */
	bool has_msi;
	struct vmpci_msi_state msi;
	bool has_msix;
	struct vmpci_msix_state msix;
	bool has_intx;
	struct vmpci_intx_state intx;
	bool placed[VMPCI_BAR_COUNT];
	struct vmpci_device_regs regs;
	struct vmpci_device_vfio_state vfio;
};

/* Capture the device's state into *st (which the caller allocated). When
 * the function supports VFIO migration, its device data is read through
 * STOP_COPY and stored in st->vfio.data (free it with
 * vmpci_device_state_release). */
int vmpci_device_state_get(struct vmpci_device *dev, struct vmpci_device_state *st);

/* Free what vmpci_device_state_get allocated inside *st (not st itself). */
void vmpci_device_state_release(struct vmpci_device_state *st);

/* Let the function run again after vmpci_device_state_get (which leaves a
 * function with VFIO migration stopped, its state read out) or
 * vmpci_device_state_set (which leaves it RESUMING with its state loaded):
 * VFIO migration state RUNNING. A no-op for functions without VFIO
 * migration. Call it when the VMM resumes the guest. */
int vmpci_device_resume(struct vmpci_device *dev);

/* Apply a saved state to this device (created on the same or an identical
 * function with the same options and hidden capabilities, BARs not yet
 * placed or placed anywhere): validate all of it first (identity,
 * options, capability list, BAR sizes and types, table size, value
 * ranges), then
 * place BARs at the saved addresses, map them, rebuild the config image
 * (hidden capabilities stay hidden), re-arm MSI / MSI-X / INTx and write
 * back COMMAND. On any error nothing is left changed: no slot, route or
 * allocation the call made survives. -ENODEV wrong device (or other
 * options or capabilities), -EINVAL malformed state, -EEXIST / -ENOSPC when a BAR's range is unavailable. */
int vmpci_device_state_set(struct vmpci_device *dev,
			 const struct vmpci_device_state *st);

/* Optional, on a restore's destination before the downtime: create the
 * eventfd of every MSI-X table entry now, so that vmpci_device_state_set
 * creates none (2048 eventfds take milliseconds). Costs one file
 * descriptor per table entry until the device is freed. 0 for a function
 * without MSI-X. */
int vmpci_device_state_prepare(struct vmpci_device *dev);

VMPCI_API_END

#endif
