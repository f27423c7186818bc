/* vmpci: PCI device passthrough through Linux VFIO, for any VMM.
 *
 * The front door: the path from a host function's BDF to a device the
 * guest runs, on a KVM VM, on a bus, with snapshots. A VMM needs this
 * header alone for that path, in this order:
 *   1. a KVM host on the VM fd (or a `struct vmpci_host` of its own,
 *      host/host.h), 2. the host function opened through kernel VFIO,
 *   3. address pools for the BARs, 4. the device, 5. a bus slot for it,
 *   6. snapshots of it.
 * The building blocks behind it have a header each: host/host.h (the host
 * ops seam), kvm/kvm_host.h, vfio/{backend,kernel,sparse,bar_map}.h,
 * device/{device,state}.h, pci/{config,bus}.h,
 * interrupts/{msi,msix,intx,irq_event}.h, allocator/allocator.h and
 * migration/migration.h. samples/embed.c is a whole program on it.
 *
 * Every function returns 0 or a negative errno unless its comment says
 * otherwise; details of a failure go to the host's log callback. Every
 * `_free` accepts NULL. */
#ifndef VMPCI_H
#define VMPCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* ---- 1. The KVM host: the host ops on a KVM VM fd ----------------------- */

struct vmpci_kvm_host;

struct kvm_irq_routing_entry; /* <linux/kvm.h> */

/* The VMM's part of a shared routing table: write at most `max` entries
 * (KVM's layout) into `entries` and return how many, or a negative errno
 * that fails the commit (the kernel's table is then left as it was).
 * Called with the host's mutex held, at every commit. */
typedef int (*vmpci_kvm_routes_fn)(void *opaque,
				   struct kvm_irq_routing_entry *entries,
				   uint32_t max);

/* The irqchip GSI (0-23) INTx pin `pin` (0 = INTA) of the device with
 * requester id `devid` goes to, in *gsi; a negative errno refuses the
 * route (the device's INTx then fails with it). Called at every INTx
 * route the host adds, outside the host's mutex. */
typedef int (*vmpci_kvm_intx_gsi_fn)(void *opaque, uint32_t devid,
				     uint32_t pin, uint32_t *gsi);

struct vmpci_kvm_host_params {
	int vm_fd; /* borrowed: stays open and the caller's */
	/* Memory slots the host may take: [slot_base, slot_base +
	 * slot_count); slot_count 0 means up to KVM_CAP_NR_MEMSLOTS. Keep the
	 * VMM's own slots out of the range. */
	uint32_t slot_base;
	uint32_t slot_count;
	/* Irqchip GSI of INTA..INTD, the same for every device. */
	uint32_t intx_gsi[4];
	/* Or a line per device and pin (the swizzle the guest's _PRT
	 * states): NULL uses intx_gsi. Devices may share a line. */
	vmpci_kvm_intx_gsi_fn intx_gsi_fn;
	void *intx_gsi_opaque;
	/* GSIs the host numbers MSI routes in: [gsi_base, gsi_base +
	 * gsi_count), gsi_base at least 24 (the irqchip's pins); gsi_count 0
	 * means up to KVM's limit. Keep the VMM's own GSIs out of it. */
	uint32_t gsi_base;
	uint32_t gsi_count;
	/* A VMM with routes of its own shares the table: its entries go into
	 * every update. NULL: the host's routes are the only ones. After
	 * changing its routes the VMM calls vmpci_kvm_host_commit. */
	vmpci_kvm_routes_fn vmm_routes;
	void *vmm_routes_opaque;
	/* The VMM's entries include the irqchip pins (GSI 0-23): the host
	 * leaves its defaults out (KVM refuses a pin routed twice). */
	bool vmm_irqchip_routes;
	/* Log sink for the log op; may be NULL. */
	void (*log)(void *opaque, enum vmpci_log_level level, const char *msg);
	void *log_opaque;
};

/* Fill `params` with defaults: the given VM fd, slots [0, limit), INTA..INTD
 * on GSI 16..19, MSI GSIs [24, limit), no VMM routes, no log. */
void vmpci_kvm_host_params_init(struct vmpci_kvm_host_params *params,
				int vm_fd);

/* Create a host. -EINVAL for bad params (a GSI or slot range outside
 * KVM's limits), -ENODEV when the VM has no in-kernel irqchip or no GSI
 * routing, other errors from KVM. */
int vmpci_kvm_host_new(const struct vmpci_kvm_host_params *params,
		       struct vmpci_kvm_host **out);

/* Deassign every irqfd and delete every memory slot the host made; leaves
 * the VM fd open. Accepts NULL. */
void vmpci_kvm_host_free(struct vmpci_kvm_host *h);

/* The ops table and opaque pointer to give models and devices; valid until
 * vmpci_kvm_host_free. */
const struct vmpci_host *vmpci_kvm_host_ops(struct vmpci_kvm_host *h);

/* ---- 2. The host function, through kernel VFIO -------------------------- */

struct vmpci_vfio_container; /* vfio/kernel.h */
struct vmpci_vfio_kernel;
struct vmpci_vfio_backend; /* vfio/backend.h */

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

/* Fill `params` for opening `bdf` with defaults (no fds, private
 * container, no log). */
void vmpci_vfio_kernel_params_init(struct vmpci_vfio_kernel_params *params,
				   const char *bdf);

/* Open the function. Errors: -ENODEV no such device, no IOMMU group (no
 * IOMMU) or no /dev/vfio/N; -EBUSY group not viable (another device of the
 * group is bound to a host driver) or group in another container;
 * -EACCES/-EPERM from the kernel; -EINVAL for bad params; the errno of
 * whatever else failed. Every failure is logged. */
int vmpci_vfio_kernel_open(const struct vmpci_vfio_kernel_params *params,
			   struct vmpci_vfio_kernel **out);

/* The ops table and opaque pointer; valid until vmpci_vfio_kernel_free. */
const struct vmpci_vfio_backend *
vmpci_vfio_kernel_backend(struct vmpci_vfio_kernel *k);

/* Close the device fd, leave the group and the container (dropping the
 * reference). Accepts NULL and half-built objects. */
void vmpci_vfio_kernel_free(struct vmpci_vfio_kernel *k);

/* ---- 3. Address pools the device places BARs in ------------------------- */

struct vmpci_alloc;

/* Create an allocator over [base, base + size). size 0, or a range that runs
 * past 2^64, gives -EINVAL. */
int vmpci_alloc_new(uint64_t base, uint64_t size, struct vmpci_alloc **out);

/* Free the allocator and everything it tracks. Accepts NULL. */
void vmpci_alloc_free(struct vmpci_alloc *a);

/* ---- 4. The device ------------------------------------------------------ */

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
	/* Requester id (bus << 8 | devfn) MSI routes carry and the host
	 * picks the INTx line by; changeable while the guest has MSI and
	 * MSI-X off: vmpci_device_set_requester_id (device/device.h). */
	uint32_t devid;
	uint64_t page_size; /* host page size; 0 for sysconf(_SC_PAGESIZE) */
	uint32_t no_mmap_bars; /* bit i: trap BAR i whole (bits 0-6 only) */
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

/* Fill `params` with defaults for `backend` and `host`. */
void vmpci_device_params_init(struct vmpci_device_params *params,
			      const struct vmpci_vfio_backend *backend,
			      const struct vmpci_host *host);

/* Create a device: reset the function when it can, size its BARs, build the
 * guest-visible config space (BARs emulated and unplaced, MSI / MSI-X
 * served by the models, configured capabilities hidden, INTx routed when
 * the function has a pin). -EINVAL for bad params, -ENODEV when the
 * backend is not a PCI function, errors of the backend or the host.
 *
 * Order: fixed here are the function, its pin and the host. The requester
 * id (params.devid, the slot) may change later, while the guest has MSI
 * and MSI-X off (vmpci_device_set_requester_id, -EBUSY after): the host's
 * add_intx_route is given it, here and again on every change, so a host
 * that gives each slot its own INTx line follows it. Where the device
 * sits on a bus (vmpci_bus_add_function) is the VMM's at any time. */
int vmpci_device_new(const struct vmpci_device_params *params,
		     struct vmpci_device **out);

/* Release everything the device holds: routes, eventfds, guest mappings,
 * mmaps, BAR allocations. The backend and host stay the caller's. Accepts
 * NULL and half-built devices. */
void vmpci_device_free(struct vmpci_device *dev);

/* Place every unplaced BAR from the pools (naturally aligned, at least a
 * host page for memory BARs) and, while the guest decodes it, map its
 * mappable areas into the guest. All or nothing. -ENOSPC when a pool is
 * full or missing. */
int vmpci_device_place_bars(struct vmpci_device *dev);

/* The device's config space (vmpci_device_config_read/write,
 * device/device.h) in vmpci_config_ops form, to put a device on a
 * vmpci_bus: `vmpci_bus_add_function(bus, 0, slot, 0,
 * vmpci_device_config_ops(), dev)`. */
const struct vmpci_config_ops *vmpci_device_config_ops(void);

/* Guest access to a trapped part of BAR `index` at `offset` from the BAR's
 * start (the VMM's bus resolved the address to the BAR). The MSI-X table
 * and PBA are served by the model (aligned dword and qword accesses, as
 * the spec requires; others read all-ones and write nothing); anything
 * else goes to the function. size 1, 2, 4 or 8. `data` holds the `size`
 * bytes as the guest's access carries them: PCI's little-endian byte
 * order, lowest address first (KVM's kvm_run mmio.data and io data as they
 * are). A read that fails fills `data` with all-ones, as hardware that
 * does not answer reads. Constant time in the number of BARs; no
 * allocation. */
int vmpci_device_bar_read(struct vmpci_device *dev, unsigned index,
			  uint64_t offset, unsigned size, void *data);

int vmpci_device_bar_write(struct vmpci_device *dev, unsigned index,
			   uint64_t offset, unsigned size, const void *data);

/* A warm reset, what a VMM calls on a system reset (the device stays):
 * MSI / MSI-X off and their routes gone, INTx wired and unmasked, every BAR
 * unplaced (slots unmapped, ranges back in the pools; the VMM drops its
 * traps or places them again), the config space as at creation (COMMAND 0,
 * BAR registers 0), COMMAND 0 written to the function and VFIO_DEVICE_RESET
 * where it has one. The first error of those steps is returned; the rest
 * still run. */
int vmpci_device_reset(struct vmpci_device *dev);

/* The text of the device's last refusal (every error it reported, which
 * also went to the host's log, with the device's name first), or "" when
 * there was none; SQLite's sqlite3_errmsg. Owned by the device, valid
 * until its next call; read it on the thread that got the error. */
const char *vmpci_device_errmsg(struct vmpci_device *dev);

/* ---- 5. The bus: config cycles from the guest --------------------------- */

struct vmpci_bus;
struct vmpci_config_ops; /* pci/config.h */

/* Put an emulated host bridge (8086:0d57, class 0600) at 00:00.0. */
#define VMPCI_BUS_HOST_BRIDGE 0x1u

#define VMPCI_BUS_SLOTS 32

#define VMPCI_BUS_FUNCTIONS 8

/* The legacy configuration mechanism: 0xCF8 address, 0xCFC-0xCFF data. */
#define VMPCI_BUS_PIO_BASE 0xcf8

#define VMPCI_BUS_PIO_SIZE 8

/* An ECAM window for 256 buses: 1 MiB per bus, 4 KiB per function. */
#define VMPCI_BUS_ECAM_SIZE (256ull << 20)

/* Create a bus (all 256 bus numbers addressable, all empty). `flags` is 0
 * or VMPCI_BUS_HOST_BRIDGE. */
int vmpci_bus_new(uint32_t flags, struct vmpci_bus **out);

/* Free the bus (not the functions on it). Accepts NULL. */
void vmpci_bus_free(struct vmpci_bus *bus);

/* The lowest free slot (device number) on bus `busnr` goes to *slot;
 * -ENOSPC when none is left. Reserving and releasing slots: pci/bus.h. */
int vmpci_bus_slot_alloc(struct vmpci_bus *bus, uint8_t busnr, uint8_t *slot);

/* Attach function `fn` (0-7) of allocated slot `slot` on `busnr`: accesses
 * to it call `ops` with `opaque` (e.g. vmpci_config_op_read/write and a
 * config). Functions 1-7 are real functions: while any exists, function 0
 * reports the multi-function bit. -EINVAL for bad numbers or ops, -ENOENT
 * when the slot is not allocated, -EEXIST when the function exists. */
int vmpci_bus_add_function(struct vmpci_bus *bus, uint8_t busnr,
			   uint8_t slot, uint8_t fn,
			   const struct vmpci_config_ops *ops, void *opaque);

/* Detach a function. -ENOENT when there is none (the host bridge cannot be
 * removed: -EPERM). */
int vmpci_bus_remove_function(struct vmpci_bus *bus, uint8_t busnr,
			      uint8_t slot, uint8_t fn);

/* I/O port access to 0xCF8-0xCFF. A dword access at 0xCF8 is the address
 * register (bit 31 enables). Data at 0xCFC + k reaches register
 * (address & 0xfc) + k with byte, word or dword accesses. With the enable
 * bit clear, data reads are all-ones and writes are dropped. -ENXIO for a
 * byte or word access to 0xCF8-0xCFB (or a dword at 0xCF9-0xCFB): those
 * are not configuration accesses (0xCF9 is the reset control register on
 * PC chipsets) and belong to the VMM; the address register is untouched
 * and reads give all-ones. -EINVAL for a port outside the range or a
 * malformed data access (reads then give all-ones). */
int vmpci_bus_pio_read(struct vmpci_bus *bus, uint16_t port, unsigned size,
		       uint32_t *val);

int vmpci_bus_pio_write(struct vmpci_bus *bus, uint16_t port, unsigned size,
			uint32_t val);

/* ECAM access at `offset` from the window base: bus = offset[27:20],
 * device = [19:15], function = [14:12], register = [11:0]. -EINVAL past
 * VMPCI_BUS_ECAM_SIZE or for a malformed access (reads give all-ones). */
int vmpci_bus_ecam_read(struct vmpci_bus *bus, uint64_t offset,
			unsigned size, uint32_t *val);

int vmpci_bus_ecam_write(struct vmpci_bus *bus, uint64_t offset,
			 unsigned size, uint32_t val);

/* ---- 6. Snapshots ------------------------------------------------------- */

/* The device's state (vmpci_device_state_get) as a versioned JSON document
 * (docs/SNAPSHOT.md): *json gets a NUL-terminated malloc'ed string, free it
 * with free(). Why a save failed is the device's vmpci_device_errmsg. */
int vmpci_snapshot_save(struct vmpci_device *dev, char **json);

/* Parse and validate `len` bytes of `json` (NUL not needed), then
 * vmpci_device_state_set. The device is left as it was on any error: a
 * refused document never reaches it, and a refused state is rolled back by
 * the device. Either way the reason (naming the field by its JSON path,
 * `msix.entries[3].control: ...`) is the device's vmpci_device_errmsg and
 * went to the host's log. -EINVAL a malformed or inconsistent document,
 * -EPROTO not this format or an unknown version, else as
 * vmpci_device_state_set. */
int vmpci_snapshot_restore(struct vmpci_device *dev, const char *json,
			   size_t len);

VMPCI_API_END

#endif
