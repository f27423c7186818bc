/* MSI routes of the KVM host: one GSI and one irqfd per route, the whole
 * routing table pushed by one KVM_SET_GSI_ROUTING per commit that has
 * something to push.
 *
 * Why irqfds wait for the commit: KVM injects an irqfd signal through the
 * GSI's routing entries as they are when it fires; a new GSI has none until
 * the table is set, so a signal taken before would be consumed and lost,
 * and a route unmasked after a message change would deliver the old one.
 * Until its irqfd is assigned a route's signals wait in its eventfd, and
 * KVM delivers them when the irqfd is assigned. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/internal.h"

/* KVM's own x86 default table: GSI 0-15 on the PIC pair and the IOAPIC,
 * 16-23 on the IOAPIC only (what KVM_CREATE_IRQCHIP installs). */
enum { KVM_PIC_PINS = 16, KVM_IOAPIC_PINS = 24 };

static void irqchip_entry(struct kvm_irq_routing_entry *e, uint32_t gsi,
			  uint32_t chip, uint32_t pin)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

static uint32_t irqchip_entries(struct kvm_irq_routing_entry *e)
{
	uint32_t n = 0;

	for (uint32_t gsi = 0; gsi < KVM_IOAPIC_PINS; gsi++) {
		if (gsi < KVM_PIC_PINS)
			irqchip_entry(&e[n++], gsi,
				      gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
					      : KVM_IRQCHIP_PIC_SLAVE,
				      gsi % 8);
		irqchip_entry(&e[n++], gsi, KVM_IRQCHIP_IOAPIC, gsi);
	}
	return n;
}

/* The irqchip entries the host writes itself. */
static uint32_t own_irqchip_entries(const struct vmpci_kvm_host *h)
{
	return h->irqchip && !h->cfg.vmm_irqchip_routes
		       ? KVM_PIC_PINS + KVM_IOAPIC_PINS
		       : 0;
}

int vmpci__kvm_routes_setup(struct vmpci_kvm_host *h, int max_routes)
{
	uint32_t fixed = own_irqchip_entries(h), max = (uint32_t)max_routes;
	uint32_t base = h->cfg.gsi_base, count = h->cfg.gsi_count;
	int rc;

	if (max_routes <= (int)fixed || max_routes <= (int)KVM_FIRST_MSI_GSI)
		return -ENODEV;
	if (base < KVM_FIRST_MSI_GSI || base >= max)
		return -EINVAL;
	/* Both the GSI numbers (< max) and the table's entries (<= max)
	 * must fit KVM's limit. */
	if (count == 0)
		count = max - base < max - fixed ? max - base : max - fixed;
	else if (count > max - base || count > max - fixed)
		return -EINVAL;
	h->nr_routes = count;
	h->table_cap = max;
	h->routes = calloc(h->nr_routes, sizeof(*h->routes));
	h->table = calloc(1, sizeof(*h->table) +
				     (size_t)max_routes *
					     sizeof(struct kvm_irq_routing_entry));
	if (!h->routes || !h->table)
		return -ENOMEM;
	for (uint32_t i = 0; i < h->nr_routes; i++)
		h->routes[i].fd = -1;
	rc = vmpci_idalloc_new(base, h->nr_routes, &h->gsis);
	return rc ? rc : vmpci__kvm_fdmap_init(&h->fdmap, h->nr_routes);
}

void vmpci__kvm_routes_teardown(struct vmpci_kvm_host *h)
{
	for (uint32_t i = 0; h->routes && i < h->nr_routes; i++)
		if (h->routes[i].attached)
			vmpci__kvm_irqfd(h, h->routes[i].fd, h->cfg.gsi_base + i,
				  -1, false);
	free(h->routes);
	free(h->table);
	vmpci_idalloc_free(h->gsis);
	vmpci__kvm_fdmap_destroy(&h->fdmap);
}

static struct kvm_route *route_at(struct vmpci_kvm_host *h, uint32_t gsi)
{
	return &h->routes[gsi - h->cfg.gsi_base];
}

/* The live route of a handle (its GSI), NULL for anything else. */
static struct kvm_route *lookup(struct vmpci_kvm_host *h, uint32_t gsi)
{
	if (gsi < h->cfg.gsi_base || gsi - h->cfg.gsi_base >= h->nr_routes)
		return NULL;
	return route_at(h, gsi)->fd >= 0 ? route_at(h, gsi) : NULL;
}

/* Attach an unmasked route's irqfd once the kernel table has its message. */
static int attach(struct vmpci_kvm_host *h, struct kvm_route *r, uint32_t gsi)
{
	int rc;

	if (r->masked || r->attached || r->written == h->generation)
		return 0;
	rc = vmpci__kvm_irqfd(h, r->fd, gsi, -1, true);
	if (!rc)
		r->attached = true;
	return rc;
}

static int detach(struct vmpci_kvm_host *h, struct kvm_route *r, uint32_t gsi)
{
	int rc;

	if (!r->attached)
		return 0;
	rc = vmpci__kvm_irqfd(h, r->fd, gsi, -1, false);
	if (!rc)
		r->attached = false;
	return rc;
}

int vmpci__kvm_add_msi_route(void *opaque, int eventfd,
		      const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct vmpci_kvm_host *h = opaque;
	struct kvm_route *r;
	uint32_t gsi;
	int rc = 0;

	if (eventfd < 0 || !msg || !route)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	if (vmpci__kvm_fdmap_get(&h->fdmap, eventfd, &gsi)) {
		/* The same route again: same GSI, new message, unmasked (its
		 * irqfd, if detached, waits for the commit). */
		r = lookup(h, gsi);
	} else {
		rc = vmpci_idalloc_take(h->gsis, &gsi);
		if (rc)
			goto out;
		r = route_at(h, gsi);
		r->fd = eventfd;
		r->attached = false;
		vmpci__kvm_fdmap_put(&h->fdmap, eventfd, gsi);
		h->stats.msi_routes++;
	}
	r->msg = *msg;
	r->written = h->generation;
	r->masked = false;
	h->dirty = true;
	*route = gsi;
out:
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int vmpci__kvm_update_msi_route(void *opaque, uint32_t route,
			 const struct vmpci_msi_msg *msg)
{
	struct vmpci_kvm_host *h = opaque;
	struct kvm_route *r;
	int rc = 0;

	if (!msg)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	r = lookup(h, route);
	if (r) {
		r->msg = *msg;
		r->written = h->generation;
		h->dirty = true;
	} else {
		rc = -ENOENT;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int vmpci__kvm_mask_msi_route(void *opaque, uint32_t route, bool masked)
{
	struct vmpci_kvm_host *h = opaque;
	struct kvm_route *r;
	int rc = -ENOENT;

	pthread_mutex_lock(&h->lock);
	r = lookup(h, route);
	if (r) {
		r->masked = masked;
		rc = masked ? detach(h, r, route) : attach(h, r, route);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int vmpci__kvm_remove_msi_route(void *opaque, uint32_t route)
{
	struct vmpci_kvm_host *h = opaque;
	struct kvm_route *r;
	int rc = -ENOENT;

	pthread_mutex_lock(&h->lock);
	r = lookup(h, route);
	if (r) {
		rc = detach(h, r, route);
		vmpci__kvm_fdmap_del(&h->fdmap, r->fd);
		vmpci_idalloc_release(h->gsis, route);
		r->fd = -1;
		r->attached = false;
		h->stats.msi_routes--;
		h->dirty = true;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static void msi_entry(struct kvm_irq_routing_entry *e, uint32_t gsi,
		      const struct vmpci_msi_msg *msg, bool devid)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = (uint32_t)msg->address;
	e->u.msi.address_hi = (uint32_t)(msg->address >> 32);
	e->u.msi.data = msg->data;
	if (devid) {
		e->flags = KVM_MSI_VALID_DEVID;
		e->u.msi.devid = msg->devid;
	}
}

/* The VMM's entries of a shared table, after the irqchip's, leaving room
 * for every live MSI route. */
static int vmm_entries(struct vmpci_kvm_host *h,
		       struct kvm_irq_routing_entry *e, uint32_t *n)
{
	uint32_t room = h->table_cap - *n - h->stats.msi_routes;
	int got;

	if (!h->cfg.vmm_routes)
		return 0;
	got = h->cfg.vmm_routes(h->cfg.vmm_routes_opaque, e + *n, room);
	if (got < 0)
		return got;
	if ((uint32_t)got > room)
		return -E2BIG;
	*n += (uint32_t)got;
	return 0;
}

int vmpci__kvm_commit_routes(void *opaque)
{
	struct vmpci_kvm_host *h = opaque;
	struct kvm_irq_routing_entry *e = h->table->entries;
	uint32_t n;
	int rc = 0;

	pthread_mutex_lock(&h->lock);
	if (!h->dirty)
		goto out;
	n = own_irqchip_entries(h) ? irqchip_entries(e) : 0;
	rc = vmm_entries(h, e, &n);
	if (rc)
		goto out;
	for (uint32_t i = 0; i < h->nr_routes; i++)
		if (h->routes[i].fd >= 0)
			msi_entry(&e[n++], h->cfg.gsi_base + i,
				  &h->routes[i].msg, h->stats.msi_devid);
	h->table->nr = n;
	h->table->flags = 0;
	if (ioctl(h->cfg.vm_fd, KVM_SET_GSI_ROUTING, h->table) < 0) {
		rc = -errno;
		goto out;
	}
	h->stats.routing_updates++;
	h->generation++;
	h->dirty = false;
	for (uint32_t i = 0; i < h->nr_routes; i++)
		if (h->routes[i].fd >= 0) {
			int err = attach(h, &h->routes[i], h->cfg.gsi_base + i);

			rc = rc ? rc : err;
		}
out:
	pthread_mutex_unlock(&h->lock);
	return rc;
}
