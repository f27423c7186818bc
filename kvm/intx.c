/* INTx routes of the KVM host: a resampling irqfd on the irqchip GSI of
 * the device's pin. KVM raises the (level) line when the trigger eventfd is
 * signalled, holds it until the guest EOIs, then lowers it and signals the
 * resample eventfd; VFIO, given that eventfd as its unmask trigger, unmasks
 * the device's line without any exit to the VMM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvm/internal.h"

/* Find a free slot in the INTx table, growing it (INTx routes change only
 * when a device switches interrupt mode, never on a hot path). */
static int free_index(struct vmpci_kvm_host *h, uint32_t *index)
{
	struct kvm_intx_route *grown;
	uint32_t cap;

	for (uint32_t i = 0; i < h->intx_cap; i++)
		if (h->intx[i].trigger < 0) {
			*index = i;
			return 0;
		}
	cap = h->intx_cap ? 2 * h->intx_cap : 8;
	grown = realloc(h->intx, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	for (uint32_t i = h->intx_cap; i < cap; i++)
		grown[i].trigger = -1;
	*index = h->intx_cap;
	h->intx = grown;
	h->intx_cap = cap;
	return 0;
}

/* The line of (devid, pin): the VMM's choice, on the irqchip. */
static int intx_gsi(struct vmpci_kvm_host *h, uint32_t devid, uint32_t pin,
		    uint32_t *gsi)
{
	char msg[128];
	int rc = 0;

	if (h->cfg.intx_gsi_fn)
		rc = h->cfg.intx_gsi_fn(h->cfg.intx_gsi_opaque, devid, pin, gsi);
	else
		*gsi = h->cfg.intx_gsi[pin];
	if (rc || *gsi < KVM_FIRST_MSI_GSI)
		return rc;
	snprintf(msg, sizeof(msg),
		 "INTx of requester id %#x pin %u: GSI %u is not an irqchip pin (0-%u)",
		 devid, pin, *gsi, KVM_FIRST_MSI_GSI - 1);
	h->host.ops->log(h, VMPCI_LOG_ERROR, msg);
	return -EINVAL;
}

int vmpci__kvm_add_intx_route(void *opaque, uint32_t devid, uint32_t pin,
			      int trigger_fd, int resample_fd, uint32_t *route)
{
	struct vmpci_kvm_host *h = opaque;
	uint32_t i, gsi;
	int rc;

	if (pin > 3 || trigger_fd < 0 || resample_fd < 0 || !route)
		return -EINVAL;
	if (!h->irqchip)
		return -EOPNOTSUPP;
	rc = intx_gsi(h, devid, pin, &gsi);
	if (rc)
		return rc;
	pthread_mutex_lock(&h->lock);
	rc = free_index(h, &i);
	if (!rc)
		rc = vmpci__kvm_irqfd(h, trigger_fd, gsi, resample_fd, true);
	if (!rc) {
		h->intx[i].trigger = trigger_fd;
		h->intx[i].gsi = gsi;
		h->stats.intx_routes++;
		*route = i;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int vmpci__kvm_remove_intx_route(void *opaque, uint32_t route)
{
	struct vmpci_kvm_host *h = opaque;
	int rc = -ENOENT;

	pthread_mutex_lock(&h->lock);
	if (route < h->intx_cap && h->intx[route].trigger >= 0) {
		rc = vmpci__kvm_irqfd(h, h->intx[route].trigger, h->intx[route].gsi,
			       -1, false);
		h->intx[route].trigger = -1;
		h->stats.intx_routes--;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

void vmpci__kvm_intx_teardown(struct vmpci_kvm_host *h)
{
	for (uint32_t i = 0; i < h->intx_cap; i++)
		if (h->intx[i].trigger >= 0)
			vmpci__kvm_irqfd(h, h->intx[i].trigger, h->intx[i].gsi, -1,
				  false);
	free(h->intx);
}
