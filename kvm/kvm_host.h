/* vmpci: the bundled KVM host, every host op on a KVM VM fd.
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
#ifndef VMPCI_KVM_HOST_H
#define VMPCI_KVM_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

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
