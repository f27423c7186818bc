/* Internal: the KVM host's state, shared by its files (kvm_host.c: life
 * cycle and ops table; kvm_routes.c: MSI routes; kvm_fdmap.c: eventfd to
 * GSI lookup; kvm_intx.c: INTx; kvm_memory.c: memory slots). Every op takes
 * the host's mutex first. */
#ifndef VMPCI_KVM_INTERNAL_H
#define VMPCI_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>

#include "allocator/allocator.h"
#include "host/host.h"
#include "kvm/kvm_host.h"

/* GSIs below this are the irqchip's pins (x86: 24 IOAPIC pins, the first
 * 16 also on the PIC pair); MSI routes are numbered from here or above. */
#define KVM_FIRST_MSI_GSI 24u

struct kvm_route {
	int fd;		   /* -1: this GSI is free */
	struct vmpci_msi_msg msg;
	uint64_t written;  /* commit generation msg was last written in */
	bool masked;
	bool attached;	   /* its irqfd is assigned */
};

/* Eventfd -> GSI, open addressing with linear probing; sized once so
 * adding a route never allocates. */
struct kvm_fdmap {
	uint32_t mask;	   /* capacity - 1, capacity a power of two */
	int *fds;	   /* -1: empty */
	uint32_t *gsis;
};

struct kvm_intx_route {
	int trigger;	   /* -1: free */
	uint32_t gsi;
};

struct vmpci_kvm_host {
	struct vmpci_host host;
	struct vmpci_kvm_host_params cfg;
	pthread_mutex_t lock;
	bool lock_ready;
	bool irqchip;	   /* full in-kernel PIC + IOAPIC */
	bool readonly_mem; /* KVM_CAP_READONLY_MEM */

	uint32_t nr_routes; /* MSI GSIs [cfg.gsi_base, + nr_routes) */
	uint32_t table_cap; /* entries the table holds: KVM's limit */
	struct kvm_route *routes;
	struct vmpci_idalloc *gsis;
	struct kvm_fdmap fdmap;
	uint64_t generation; /* successful commits */
	bool dirty;	     /* the kernel's table is behind ours */
	struct kvm_irq_routing *table;

	struct kvm_intx_route *intx;
	uint32_t intx_cap;

	struct vmpci_idalloc *slots;

	struct vmpci_kvm_host_stats stats;
};

int vmpci__kvm_fdmap_init(struct kvm_fdmap *map, uint32_t entries);
void vmpci__kvm_fdmap_destroy(struct kvm_fdmap *map);
bool vmpci__kvm_fdmap_get(const struct kvm_fdmap *map, int fd, uint32_t *gsi);
void vmpci__kvm_fdmap_put(struct kvm_fdmap *map, int fd, uint32_t gsi);
void vmpci__kvm_fdmap_del(struct kvm_fdmap *map, int fd);

/* KVM_IRQFD assign / deassign, counted in the stats. */
int vmpci__kvm_irqfd(struct vmpci_kvm_host *h, int fd, uint32_t gsi, int resample,
	      bool assign);

/* Set-up and tear-down of each part; *_setup runs with the config copied
 * and the capabilities probed, *_teardown accepts a half-set-up host. */
int vmpci__kvm_routes_setup(struct vmpci_kvm_host *h, int max_routes);
void vmpci__kvm_routes_teardown(struct vmpci_kvm_host *h);
void vmpci__kvm_intx_teardown(struct vmpci_kvm_host *h);
int vmpci__kvm_memory_setup(struct vmpci_kvm_host *h);
void vmpci__kvm_memory_teardown(struct vmpci_kvm_host *h);

/* The ops (the opaque pointer is the host). */
int vmpci__kvm_add_msi_route(void *opaque, int eventfd,
		      const struct vmpci_msi_msg *msg, uint32_t *route);
int vmpci__kvm_update_msi_route(void *opaque, uint32_t route,
			 const struct vmpci_msi_msg *msg);
int vmpci__kvm_mask_msi_route(void *opaque, uint32_t route, bool masked);
int vmpci__kvm_remove_msi_route(void *opaque, uint32_t route);
int vmpci__kvm_commit_routes(void *opaque);
int vmpci__kvm_add_intx_route(void *opaque, uint32_t devid, uint32_t pin,
			      int trigger_fd, int resample_fd, uint32_t *route);
int vmpci__kvm_remove_intx_route(void *opaque, uint32_t route);
int vmpci__kvm_map_memory(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		   bool readonly, uint32_t *slot);
int vmpci__kvm_unmap_memory(void *opaque, uint32_t slot);

#endif
