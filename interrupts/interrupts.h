/* vmpci interrupts: the host ops seam, the MSI, MSI-X and INTx models that
 * route through it, and the bundled KVM host that implements it.
 *
 * Sections:
 *   1. Host ops: what the VMM owns and vmpci asks of it.
 *   2. Events the models report to their user (the device object).
 *   3. MSI model      (vmpci_msi_*)
 *   4. MSI-X model    (vmpci_msix_*)
 *   5. INTx model     (vmpci_intx_*)
 *   6. KVM host       (vmpci_kvm_host_*)
 *
 * The models own one eventfd per vector (non-blocking, close-on-exec) and
 * expose it so the device can hand it to VFIO_DEVICE_SET_IRQS; they call the
 * host ops themselves and commit once per guest access. They have no thread,
 * no lock and no global state: the device serializes every call on one
 * model. Every function returns 0 or a negative errno unless its comment
 * says otherwise. */
#ifndef VMPCI_INTERRUPTS_H
#define VMPCI_INTERRUPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmpci_export.h"

VMPCI_API_BEGIN

/* ---- 1. Host ops ----------------------------------------------------------
 *
 * A VMM hands vmpci one `struct vmpci_host` (an ops table plus its opaque
 * pointer). vmpci never touches guest memory slots, interrupt routing or the
 * VMM's log except through it. The bundled KVM host (vmpci_kvm_host_new
 * below) implements every op on a KVM VM fd; a VMM with its own memory and
 * interrupt managers implements the table itself.
 *
 * Every op returns 0 or a negative errno. Ops are called with the device's
 * lock held, from whichever thread made the guest access. */

enum vmpci_log_level {
	VMPCI_LOG_ERROR = 0,
	VMPCI_LOG_WARN = 1,
	VMPCI_LOG_INFO = 2,
	VMPCI_LOG_DEBUG = 3,
};

/* One MSI message as the guest programmed it. `devid` is the requester id
 * (bus << 8 | devfn) for hosts that route by device id (KVM_CAP_MSI_DEVID,
 * e.g. GICv3 ITS); hosts that do not need it ignore it. */
struct vmpci_msi_msg {
	uint64_t address;
	uint32_t data;
	uint32_t devid;
};

struct vmpci_host_ops {
	/* A line of text for the VMM's log; `msg` has no trailing newline and
	 * already carries the device name prefix. May be NULL: then vmpci is
	 * silent. */
	void (*log)(void *opaque, enum vmpci_log_level level, const char *msg);

	/* Map `size` bytes of host memory at `host_addr` into the guest at
	 * `gpa`. Stores a handle for unmap_memory in *slot. */
	int (*map_memory)(void *opaque, uint64_t gpa, uint64_t size,
			  void *host_addr, bool readonly, uint32_t *slot);
	/* Remove a mapping made by map_memory. */
	int (*unmap_memory)(void *opaque, uint32_t slot);

	/* Create an MSI route delivering `msg` whenever `eventfd` is signalled.
	 * The route starts unmasked; it takes effect for the guest no later
	 * than the next commit_routes. Stores a handle in *route. vmpci makes
	 * a masked route by add then mask before the commit, with the
	 * eventfd empty. -ENOSPC when the VM has no route left: the vector
	 * then stays without one (said once in the log). */
	int (*add_msi_route)(void *opaque, int eventfd,
			     const struct vmpci_msi_msg *msg, uint32_t *route);
	/* Change the message of an existing route (pending until commit). */
	int (*update_msi_route)(void *opaque, uint32_t route,
				const struct vmpci_msi_msg *msg);
	/* Stop (masked) or resume delivery of a route's eventfd, at once: no
	 * commit follows a mask or unmask alone. While masked, signals
	 * accumulate in the eventfd and are not delivered. */
	int (*mask_msi_route)(void *opaque, uint32_t route, bool masked);
	/* Remove a route and release what it held (GSI, irqfd). */
	int (*remove_msi_route)(void *opaque, uint32_t route);
	/* Push every pending route change to the guest in one update. */
	int (*commit_routes)(void *opaque);

	/* Wire legacy INTx pin `pin` (0 = INTA) of the device to the guest:
	 * `trigger_fd` asserts the line; the host signals `resample_fd` when
	 * the guest EOIs it, so the device can be unmasked then. */
	int (*add_intx_route)(void *opaque, uint32_t pin, int trigger_fd,
			      int resample_fd, uint32_t *route);
	int (*remove_intx_route)(void *opaque, uint32_t route);
};

struct vmpci_host {
	const struct vmpci_host_ops *ops;
	void *opaque;
};

/* ---- 2. Events reported by the models ------------------------------------
 *
 * The device learns of interrupt-mode changes through one callback so it can
 * call VFIO_DEVICE_SET_IRQS before the guest's enable write completes (the
 * kernel needs the eventfds wired before the function is enabled). */

enum vmpci_irq_event_type {
	/* The guest enabled MSI / MSI-X. Vectors [0, nr_vectors) have
	 * eventfds: wire them with SET_IRQS(ACTION_TRIGGER). */
	VMPCI_IRQ_ENABLE = 0,
	/* The guest disabled MSI / MSI-X; routes are already gone. */
	VMPCI_IRQ_DISABLE = 1,
	/* While enabled, the number of vectors in use changed (MSI: the guest
	 * rewrote Multiple Message Enable; MSI-X: it unmasked a vector at or
	 * above the previous count). Vectors [0, nr_vectors) have eventfds;
	 * the device wires the new ones (VFIO with NORESIZE: disable and
	 * re-enable; dynamic MSI-X: add them alone). */
	VMPCI_IRQ_RESIZE = 2,
	/* One vector's route changed: it is now `masked` or delivers `msg`. */
	VMPCI_IRQ_VECTOR = 3,
};

struct vmpci_irq_event {
	enum vmpci_irq_event_type type;
	uint32_t nr_vectors;	  /* ENABLE, RESIZE; 0 for DISABLE */
	uint32_t vector;	  /* VECTOR */
	bool masked;		  /* VECTOR */
	struct vmpci_msi_msg msg; /* VECTOR, when not masked */
};

/* Called from inside the model's read/write/state calls. A non-zero return
 * from ENABLE vetoes the enable: the model stays disabled (the guest reads
 * the enable bit clear) and the write returns that value. The return of
 * other events is logged and otherwise ignored. */
typedef int (*vmpci_irq_notify_fn)(void *opaque,
				   const struct vmpci_irq_event *event);

/* ---- 3. MSI model ---------------------------------------------------------
 *
 * Serves the MSI capability registers after its 2-byte header (Message
 * Control, address, data, mask and pending bits), for the 32- and 64-bit
 * layouts, with or without per-vector masking, for up to the 32 vectors the
 * capability advertises. A vector signalled while masked sets its pending
 * bit (seen when the guest reads Pending Bits or unmasks it) and is
 * delivered on unmask. Only enabled, unmasked vectors hold host routes. */

#define VMPCI_MSI_MAX_VECTORS 32

struct vmpci_msi;

struct vmpci_msi_params {
	/* Message Control as the function reports it: 64-bit address, per-
	 * vector masking and Multiple Message Capable are taken from it; the
	 * enable bit and Multiple Message Enable are not (a model starts
	 * disabled with one vector). */
	uint16_t control;
	/* Requester id put in every route's message (see vmpci_msi_msg). */
	uint32_t devid;
	/* Log prefix, e.g. "0000:01:00.0"; may be NULL. Copied. */
	const char *name;
	vmpci_irq_notify_fn notify; /* may be NULL */
	void *opaque;		    /* passed to notify */
};

/* Create a model. `host` is copied; its ops must stay valid until free.
 * -EINVAL for a NULL argument or a host without the MSI route ops. */
int vmpci_msi_new(const struct vmpci_host *host,
		  const struct vmpci_msi_params *config, struct vmpci_msi **out);

/* Remove the model's routes, close its eventfds, free it. Sends no event.
 * Accepts NULL. */
void vmpci_msi_free(struct vmpci_msi *m);

/* Bytes the capability spans from its ID byte: 10, 14, 20 or 24. */
uint32_t vmpci_msi_cap_size(const struct vmpci_msi *m);

/* Guest config access at `offset` bytes into the capability, `size` 1, 2 or
 * 4 (-EINVAL otherwise). Bytes outside [2, cap size), i.e. the ID and next
 * pointer the caller owns, read 0 and ignore writes. Reading Pending Bits
 * first collects signals of masked vectors. A write may add, change, mask
 * or remove routes (one commit) and send events. */
int vmpci_msi_read(struct vmpci_msi *m, uint32_t offset, uint32_t size,
		   uint32_t *value);
int vmpci_msi_write(struct vmpci_msi *m, uint32_t offset, uint32_t size,
		    uint32_t value);

bool vmpci_msi_enabled(const struct vmpci_msi *m);

/* Change the requester id routes carry, e.g. when the VMM picks the
 * function's slot after creating the model. -EBUSY while enabled (its
 * routes carry the old id). */
int vmpci_msi_set_devid(struct vmpci_msi *m, uint32_t devid);

/* Vectors that have eventfds: the count of the last ENABLE / RESIZE event
 * (kept after a disable, so the same eventfds serve the next enable). */
uint32_t vmpci_msi_nr_vectors(const struct vmpci_msi *m);

/* The eventfd of `vector` (owned by the model), -ENOENT when the vector has
 * none yet, -EINVAL past 32. */
int vmpci_msi_vector_eventfd(const struct vmpci_msi *m, uint32_t vector);

/* Back to the power-on state (disabled, zero address and data, unmasked,
 * nothing pending), sending DISABLE if it was enabled. */
int vmpci_msi_reset(struct vmpci_msi *m);

/* Guest-visible state for snapshot / restore. `control` is the whole
 * Message Control word; `mask` and `pending` have one bit per vector. */
struct vmpci_msi_state {
	uint16_t control;
	uint64_t address;
	uint16_t data;
	uint32_t mask;
	uint32_t pending;
};

/* Export. Collects signals of masked vectors into `pending` first. */
int vmpci_msi_state_get(struct vmpci_msi *m, struct vmpci_msi_state *out);

/* Import. -EINVAL, changing nothing, when the read-only bits of `control`
 * differ from the model's capability, Multiple Message Enable exceeds it,
 * the address has bits the layout cannot hold, or mask / pending name
 * vectors the capability lacks. Otherwise replaces the state (DISABLE if it
 * was enabled, ENABLE if the new state is) and re-arms routes; pending,
 * unmasked vectors are delivered. */
int vmpci_msi_state_set(struct vmpci_msi *m, const struct vmpci_msi_state *in);

/* What vmpci_msi_state_set checks, without a model: does `in` fit an MSI
 * capability whose Message Control register reads `cap_control` (its
 * read-only bits: 64-bit, per-vector masking, Multiple Message Capable)?
 * 0 or -EINVAL. */
int vmpci_msi_state_check(uint16_t cap_control,
			  const struct vmpci_msi_state *in);

/* ---- 4. MSI-X model -------------------------------------------------------
 *
 * Serves the MSI-X capability registers after its header (Message Control
 * with function mask and enable, Table and PBA Offset/BIR) and the trapped
 * table and PBA ranges of their BARs. Table accesses of 4 and 8 bytes,
 * naturally aligned, reach any field of any entry; other sizes, misaligned
 * accesses and entries past the table read all-ones and ignore writes. The
 * PBA is emulated: a vector signalled while masked has its eventfd detached
 * from its route; the signal is collected when the guest reads the PBA or
 * unmasks the vector, and delivered on unmask. Only unmasked vectors of an
 * enabled, unmasked function deliver and are wired to VFIO (host IRQs are
 * scarce). Host routes are not: when a change commits the whole table
 * anyway (enable, function mask or unmask, restore), programmed but masked
 * entries get masked routes too, so that a later entry unmask (Linux's
 * request_irq) costs no routing commit. A host out of routes (-ENOSPC from
 * add_msi_route) is logged once; the function stays enabled and delivers
 * on the vectors that have routes. */

#define VMPCI_MSIX_MAX_VECTORS 2048

struct vmpci_msix;

struct vmpci_msix_params {
	uint16_t control; /* Message Control: the table size (N - 1) */
	uint32_t table;	  /* Table Offset / Table BIR register */
	uint32_t pba;	  /* PBA Offset / PBA BIR register */
	uint32_t devid;
	const char *name; /* log prefix; may be NULL. Copied. */
	vmpci_irq_notify_fn notify;
	void *opaque;
};

/* Where the table and PBA live, for the device's BAR dispatch. Offsets are
 * bytes into BAR `*_bar`; sizes are the ranges the model serves. */
struct vmpci_msix_layout {
	uint32_t nr_entries;
	uint32_t table_bar;
	uint64_t table_offset;
	uint64_t table_size;
	uint32_t pba_bar;
	uint64_t pba_offset;
	uint64_t pba_size;
};

/* Create a model. -EINVAL for a NULL argument, a BIR above 5 or a host
 * without the MSI route ops. */
int vmpci_msix_new(const struct vmpci_host *host,
		   const struct vmpci_msix_params *config,
		   struct vmpci_msix **out);

/* Remove routes, close eventfds, free. Sends no event. Accepts NULL. */
void vmpci_msix_free(struct vmpci_msix *m);

void vmpci_msix_layout_get(const struct vmpci_msix *m,
		       struct vmpci_msix_layout *out);

/* Guest config access `offset` bytes into the capability (size 1, 2 or 4,
 * else -EINVAL). Bytes [2, 12) are served: Message Control (function mask
 * and enable writable) and the read-only Table / PBA registers; other bytes
 * read 0 and ignore writes. */
int vmpci_msix_cap_read(struct vmpci_msix *m, uint32_t offset, uint32_t size,
			uint32_t *value);
int vmpci_msix_cap_write(struct vmpci_msix *m, uint32_t offset, uint32_t size,
			 uint32_t value);

/* Guest access to the table at `offset` bytes from the table's start;
 * `data` holds `size` bytes in guest (little-endian) order. Returns 0 for
 * every access it absorbed, including ignored ones; -EINVAL for NULL. */
int vmpci_msix_table_read(struct vmpci_msix *m, uint64_t offset,
			  uint32_t size, void *data);
int vmpci_msix_table_write(struct vmpci_msix *m, uint64_t offset,
			   uint32_t size, const void *data);

/* Guest read of the PBA at `offset` bytes from its start. The PBA is read-
 * only: the device drops guest writes to it. */
int vmpci_msix_pba_read(struct vmpci_msix *m, uint64_t offset, uint32_t size,
			void *data);

bool vmpci_msix_enabled(const struct vmpci_msix *m);
bool vmpci_msix_function_masked(const struct vmpci_msix *m);

/* As vmpci_msi_set_devid: -EBUSY while enabled. */
int vmpci_msix_set_devid(struct vmpci_msix *m, uint32_t devid);

/* Vectors to wire: the count of the last ENABLE / RESIZE event: one past
 * the highest entry the guest has unmasked (at least 1). It never shrinks
 * (a re-enable reuses the eventfds) and never covers the whole table ahead
 * of use. */
uint32_t vmpci_msix_nr_vectors(const struct vmpci_msix *m);

/* The eventfd of `vector` (owned by the model); -ENOENT when it has none
 * yet, -EINVAL past the table. Vectors past nr_vectors may have one (for a
 * masked route). */
int vmpci_msix_vector_eventfd(const struct vmpci_msix *m, uint32_t vector);

/* Create the eventfds of vectors [0, n) ahead of use (on a restore's
 * destination, before the downtime), so that the enable of
 * vmpci_msix_state_set creates none of them: an eventfd costs about a
 * microsecond, and 2048 of them were most of a restore. Wires and routes
 * nothing; the eventfds stay the model's until it is freed. -EINVAL past
 * the table; a failed eventfd's errno (those made before it stay). */
int vmpci_msix_prepare(struct vmpci_msix *m, uint32_t n);

/* Back to the power-on state: disabled, function unmasked, every entry
 * zero and masked, nothing pending. Sends DISABLE if it was enabled. */
int vmpci_msix_reset(struct vmpci_msix *m);

/* One table entry as the guest sees it. */
struct vmpci_msix_entry {
	uint64_t address;
	uint32_t data;
	uint32_t control; /* Vector Control: PCI_MSIX_ENTRY_CTRL_MASKBIT */
};

/* Guest-visible state for snapshot / restore: 33 KiB, allocate it. */
struct vmpci_msix_state {
	uint16_t control;
	uint32_t nr_entries;
	struct vmpci_msix_entry entries[VMPCI_MSIX_MAX_VECTORS];
	uint64_t pba[VMPCI_MSIX_MAX_VECTORS / 64];
};

/* Export (entries and PBA bits past nr_entries are zero). Collects signals
 * of masked vectors into the PBA first. */
int vmpci_msix_state_get(struct vmpci_msix *m, struct vmpci_msix_state *out);

/* Import. -EINVAL, changing nothing, when nr_entries or the table size in
 * `control` differ from the model, or an entry has reserved bits set (address
 * bits 1:0, Vector Control bits 31:1), or the PBA names vectors past the
 * table. Otherwise replaces the state, sends DISABLE / ENABLE as the enable
 * bit requires, re-arms routes and delivers pending, unmasked vectors. */
int vmpci_msix_state_set(struct vmpci_msix *m,
			 const struct vmpci_msix_state *in);

/* What vmpci_msix_state_set checks, without a model: does `in` fit an
 * MSI-X capability whose Message Control register reads `cap_control`
 * (its table size)? 0 or -EINVAL. */
int vmpci_msix_state_check(uint16_t cap_control,
			   const struct vmpci_msix_state *in);

/* ---- 5. INTx model --------------------------------------------------------
 *
 * The legacy interrupt of one function: a trigger eventfd (the device hands
 * it to SET_IRQS(INTX, ACTION_TRIGGER)) and a resample eventfd the host
 * signals when the guest EOIs the line (the device hands it to
 * SET_IRQS(INTX, ACTION_UNMASK) as an eventfd, so VFIO unmasks the line on
 * EOI with no thread and no exit). While masked (the guest set
 * PCI_COMMAND_INTX_DISABLE) the trigger is detached from the host route; a
 * signal then becomes pending and is delivered on unmask. */

struct vmpci_intx;

struct vmpci_intx_params {
	uint32_t pin;	  /* 0 = INTA .. 3 = INTD */
	const char *name; /* log prefix; may be NULL. Copied. */
};

/* Create a model (disabled, unmasked) and its two eventfds. -EINVAL for a
 * pin above 3, -EOPNOTSUPP when the host has no INTx route ops. */
int vmpci_intx_new(const struct vmpci_host *host,
		   const struct vmpci_intx_params *config,
		   struct vmpci_intx **out);

/* Remove the route, close the eventfds, free. Accepts NULL. */
void vmpci_intx_free(struct vmpci_intx *x);

int vmpci_intx_trigger_eventfd(const struct vmpci_intx *x);
int vmpci_intx_resample_eventfd(const struct vmpci_intx *x);

/* Start / stop routing the line to the guest (the device enables INTx when
 * MSI and MSI-X are off). Both are idempotent. Disabling drops a pending
 * signal and signals the resample eventfd once, so a line VFIO masked
 * waiting for an EOI that will not come is unmasked. */
int vmpci_intx_enable(struct vmpci_intx *x);
int vmpci_intx_disable(struct vmpci_intx *x);

/* The guest's PCI_COMMAND_INTX_DISABLE. Masking detaches the trigger (and
 * signals resample as disable does); unmasking re-attaches it and delivers
 * a pending signal. */
int vmpci_intx_set_masked(struct vmpci_intx *x, bool masked);

bool vmpci_intx_enabled(const struct vmpci_intx *x);
bool vmpci_intx_masked(const struct vmpci_intx *x);

/* Whether a signal waits for an unmask (PCI_STATUS_INTERRUPT): collects the
 * trigger eventfd while the line is detached. 1, 0 or a negative errno. */
int vmpci_intx_pending(struct vmpci_intx *x);

struct vmpci_intx_state {
	bool enabled;
	bool masked;
	bool pending;
};

int vmpci_intx_state_get(struct vmpci_intx *x, struct vmpci_intx_state *out);

/* Import: enables / disables and masks as told; a pending signal is kept
 * for a masked line, delivered to an enabled, unmasked one and dropped for
 * a disabled one (as vmpci_intx_disable drops it). */
int vmpci_intx_state_set(struct vmpci_intx *x,
			 const struct vmpci_intx_state *in);

/* ---- 6. KVM host ----------------------------------------------------------
 *
 * Implements every host op on an x86 KVM VM fd with an in-kernel irqchip
 * (create the host after KVM_CREATE_IRQCHIP):
 *  - MSI routes: one GSI each, from the configured GSI range (by
 *    default 24 up to the limit of KVM_CAP_IRQ_ROUTING); the route handle
 *    is the GSI. A route is an
 *    irqfd (KVM_IRQFD) on its GSI; masking deassigns the irqfd, so signals
 *    stay in the eventfd. Adding a route for an eventfd that already has one
 *    updates that route and returns the same GSI.
 *  - commit_routes issues one KVM_SET_GSI_ROUTING, and only when something
 *    changed. KVM_SET_GSI_ROUTING replaces the VM's whole table, so every
 *    update carries the default irqchip routes (GSI 0-15 on the PIC and
 *    IOAPIC, 16-23 on the IOAPIC), the VMM's own routes when it shares the
 *    table (vmm_routes below) and all MSI routes. MSI device ids are passed
 *    when KVM_CAP_MSI_DEVID says so.
 *  - INTx: a resampling irqfd (KVM_IRQFD_FLAG_RESAMPLE) on the irqchip GSI
 *    configured for the pin; the route handle is an index.
 *  - Memory: KVM_SET_USER_MEMORY_REGION in slots numbered from a
 *    vmpci_idalloc over the configured slot range.
 * Unlike the models, the host has a mutex: devices with their own locks may
 * share one host (they must, since a VM has one routing table). */

struct vmpci_kvm_host;
struct kvm_irq_routing_entry; /* <linux/kvm.h> */

/* The VMM's part of a shared routing table: write at most `max` entries
 * (KVM's layout) into `entries` and return how many, or a negative errno
 * that fails the commit (the kernel's table is then left as it was).
 * Called with the host's mutex held, at every commit. */
typedef int (*vmpci_kvm_routes_fn)(void *opaque,
				   struct kvm_irq_routing_entry *entries,
				   uint32_t max);

struct vmpci_kvm_host_params {
	int vm_fd; /* borrowed: stays open and the caller's */
	/* Memory slots the host may take: [slot_base, slot_base +
	 * slot_count); slot_count 0 means up to KVM_CAP_NR_MEMSLOTS. Keep the
	 * VMM's own slots out of the range. */
	uint32_t slot_base;
	uint32_t slot_count;
	/* Irqchip GSI of INTA..INTD. */
	uint32_t intx_gsi[4];
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

/* Fill `config` with defaults: the given VM fd, slots [0, limit), INTA..INTD
 * on GSI 16..19, MSI GSIs [24, limit), no VMM routes, no log. */
void vmpci_kvm_host_params_init(struct vmpci_kvm_host_params *config,
				int vm_fd);

/* Create a host. -EINVAL for a bad config (a GSI or slot range outside
 * KVM's limits), -ENODEV when the VM has no in-kernel irqchip or no GSI
 * routing, other errors from KVM. */
int vmpci_kvm_host_new(const struct vmpci_kvm_host_params *config,
		       struct vmpci_kvm_host **out);

/* Deassign every irqfd and delete every memory slot the host made; leaves
 * the VM fd open. Accepts NULL. */
void vmpci_kvm_host_free(struct vmpci_kvm_host *h);

/* Push the routing table now, the VMM's entries (vmm_routes) included:
 * for a VMM whose own routes changed. One KVM_SET_GSI_ROUTING; its error
 * is returned. */
int vmpci_kvm_host_commit(struct vmpci_kvm_host *h);

/* The ops table and opaque pointer to give models and devices; valid until
 * vmpci_kvm_host_free. */
const struct vmpci_host *vmpci_kvm_host_ops(struct vmpci_kvm_host *h);

/* Counters for benchmarks and tests. */
struct vmpci_kvm_host_stats {
	uint64_t routing_updates; /* KVM_SET_GSI_ROUTING calls */
	uint64_t irqfd_assigns;
	uint64_t irqfd_deassigns;
	uint32_t msi_routes;	/* live */
	uint32_t intx_routes;	/* live */
	uint32_t memory_slots;	/* live */
	bool msi_devid;		/* KVM_CAP_MSI_DEVID: devids are routed */
};

void vmpci_kvm_host_stats_get(struct vmpci_kvm_host *h,
			  struct vmpci_kvm_host_stats *out);

VMPCI_API_END

#endif
