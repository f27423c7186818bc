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
 *    (0-23) configured for the pin (intx_gsi) or given for the device and
 *    pin (intx_gsi_fn); the route handle is an index.
 *  - Memory: KVM_SET_USER_MEMORY_REGION in slots numbered from a
 *    vmpci_idalloc over the configured slot range.
 * Unlike the models, the host has a mutex: devices with their own locks may
 * share one host (they must, since a VM has one routing table). */
#ifndef VMPCI_KVM_HOST_H
#define VMPCI_KVM_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "vmpci.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* Push the routing table now, the VMM's entries (vmm_routes) included:
 * for a VMM whose own routes changed. One KVM_SET_GSI_ROUTING; its error
 * is returned. */
int vmpci_kvm_host_commit(struct vmpci_kvm_host *h);

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
