/* The bundled KVM host: life cycle, capability probing and the ops table.
 * The ops themselves live in kvm_routes.c, kvm_intx.c and kvm_memory.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm/internal.h"

static void kvm_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	struct vmpci_kvm_host *h = opaque;

	if (h->cfg.log)
		h->cfg.log(h->cfg.log_opaque, level, msg);
}

static const struct vmpci_host_ops kvm_host_ops = {
	.log = kvm_log,
	.map_memory = vmpci__kvm_map_memory,
	.unmap_memory = vmpci__kvm_unmap_memory,
	.add_msi_route = vmpci__kvm_add_msi_route,
	.update_msi_route = vmpci__kvm_update_msi_route,
	.mask_msi_route = vmpci__kvm_mask_msi_route,
	.remove_msi_route = vmpci__kvm_remove_msi_route,
	.commit_routes = vmpci__kvm_commit_routes,
	.add_intx_route = vmpci__kvm_add_intx_route,
	.remove_intx_route = vmpci__kvm_remove_intx_route,
};

void vmpci_kvm_host_params_init(struct vmpci_kvm_host_params *params,
				int vm_fd)
{
	memset(params, 0, sizeof(*params));
	params->vm_fd = vm_fd;
	/* Where QEMU's q35 and most x86 VMMs put PCI INTA..INTD. */
	for (uint32_t pin = 0; pin < 4; pin++)
		params->intx_gsi[pin] = 16 + pin;
	params->gsi_base = KVM_FIRST_MSI_GSI;
}

int vmpci__kvm_irqfd(struct vmpci_kvm_host *h, int fd, uint32_t gsi, int resample,
	      bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = gsi,
	};

	if (!assign)
		irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	else if (resample >= 0) {
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = (uint32_t)resample;
	}
	if (ioctl(h->cfg.vm_fd, KVM_IRQFD, &irqfd) < 0)
		return -errno;
	if (assign)
		h->stats.irqfd_assigns++;
	else
		h->stats.irqfd_deassigns++;
	return 0;
}

static int check(int vm_fd, long cap)
{
	return ioctl(vm_fd, KVM_CHECK_EXTENSION, cap);
}

/* A full in-kernel irqchip answers KVM_GET_IRQCHIP; a split one (or none)
 * does not, and then only MSI routes can be offered, if KVM accepts a
 * routing table at all. Probing with an empty table is safe there: a split
 * irqchip starts with no routes of ours to lose. */
static int probe_irqchip(struct vmpci_kvm_host *h)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_irq_routing empty = { .nr = 0 };

	if (ioctl(h->cfg.vm_fd, KVM_GET_IRQCHIP, &chip) == 0) {
		h->irqchip = true;
		return 0;
	}
	if (ioctl(h->cfg.vm_fd, KVM_SET_GSI_ROUTING, &empty) < 0)
		return -ENODEV;
	return 0;
}

int vmpci_kvm_host_new(const struct vmpci_kvm_host_params *params,
		       struct vmpci_kvm_host **out)
{
	struct vmpci_kvm_host *h;
	int max_routes;
	int rc;

	if (!params || !out || params->vm_fd < 0)
		return -EINVAL;
	max_routes = check(params->vm_fd, KVM_CAP_IRQ_ROUTING);
	if (max_routes < 0)
		return -errno;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = *params;
	h->host.ops = &kvm_host_ops;
	h->host.opaque = h;
	rc = -pthread_mutex_init(&h->lock, NULL);
	if (rc)
		goto fail;
	h->lock_ready = true;
	h->stats.msi_devid = check(params->vm_fd, KVM_CAP_MSI_DEVID) > 0;
	h->readonly_mem = check(params->vm_fd, KVM_CAP_READONLY_MEM) > 0;
	rc = probe_irqchip(h);
	if (!rc)
		rc = vmpci__kvm_routes_setup(h, max_routes);
	if (!rc)
		rc = vmpci__kvm_memory_setup(h);
	if (rc)
		goto fail;
	*out = h;
	return 0;
fail:
	vmpci_kvm_host_free(h);
	return rc;
}

void vmpci_kvm_host_free(struct vmpci_kvm_host *h)
{
	if (!h)
		return;
	vmpci__kvm_routes_teardown(h);
	vmpci__kvm_intx_teardown(h);
	vmpci__kvm_memory_teardown(h);
	if (h->lock_ready)
		pthread_mutex_destroy(&h->lock);
	free(h);
}

int vmpci_kvm_host_commit(struct vmpci_kvm_host *h)
{
	if (!h)
		return -EINVAL;
	/* Only the VMM knows its entries changed. */
	pthread_mutex_lock(&h->lock);
	h->dirty = true;
	pthread_mutex_unlock(&h->lock);
	return vmpci__kvm_commit_routes(h);
}

const struct vmpci_host *vmpci_kvm_host_ops(struct vmpci_kvm_host *h)
{
	return h ? &h->host : NULL;
}

void vmpci_kvm_host_stats_get(struct vmpci_kvm_host *h,
			  struct vmpci_kvm_host_stats *out)
{
	if (!h || !out)
		return;
	pthread_mutex_lock(&h->lock);
	*out = h->stats;
	pthread_mutex_unlock(&h->lock);
}
