/* Memory slots of the KVM host: KVM_SET_USER_MEMORY_REGION in slots
 * numbered by a vmpci_idalloc over the configured range, so vmpci never
 * takes a slot the VMM keeps for its own memory. */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "kvm/internal.h"

int vmpci__kvm_memory_setup(struct vmpci_kvm_host *h)
{
	int limit = ioctl(h->cfg.vm_fd, KVM_CHECK_EXTENSION,
			  KVM_CAP_NR_MEMSLOTS);
	uint32_t count = h->cfg.slot_count;

	if (limit <= 0)
		return -ENODEV;
	if (h->cfg.slot_base >= (uint32_t)limit)
		return -EINVAL;
	if (count == 0 || count > (uint32_t)limit - h->cfg.slot_base)
		count = (uint32_t)limit - h->cfg.slot_base;
	h->cfg.slot_count = count;
	return vmpci_idalloc_new(h->cfg.slot_base, count, &h->slots);
}

static int set_region(struct vmpci_kvm_host *h, uint32_t slot, uint32_t flags,
		      uint64_t gpa, uint64_t size, void *host_addr)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host_addr,
	};

	return ioctl(h->cfg.vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0
		       ? -errno
		       : 0;
}

void vmpci__kvm_memory_teardown(struct vmpci_kvm_host *h)
{
	uint64_t end = (uint64_t)h->cfg.slot_base + h->cfg.slot_count;

	for (uint64_t slot = h->cfg.slot_base;
	     h->slots && h->stats.memory_slots && slot < end; slot++)
		if (vmpci_idalloc_is_taken(h->slots, (uint32_t)slot) &&
		    set_region(h, (uint32_t)slot, 0, 0, 0, NULL) == 0)
			h->stats.memory_slots--;
	vmpci_idalloc_free(h->slots);
}

int vmpci__kvm_map_memory(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		   bool readonly, uint32_t *slot)
{
	struct vmpci_kvm_host *h = opaque;
	uint32_t id;
	int rc;

	if (!size || !host_addr || !slot)
		return -EINVAL;
	if (readonly && !h->readonly_mem)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&h->lock);
	rc = vmpci_idalloc_take(h->slots, &id);
	if (!rc) {
		rc = set_region(h, id, readonly ? KVM_MEM_READONLY : 0, gpa,
				size, host_addr);
		if (rc)
			vmpci_idalloc_release(h->slots, id);
	}
	if (!rc) {
		h->stats.memory_slots++;
		*slot = id;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

int vmpci__kvm_unmap_memory(void *opaque, uint32_t slot)
{
	struct vmpci_kvm_host *h = opaque;
	int rc = -ENOENT;

	pthread_mutex_lock(&h->lock);
	if (vmpci_idalloc_is_taken(h->slots, slot)) {
		rc = set_region(h, slot, 0, 0, 0, NULL);
		if (!rc) {
			vmpci_idalloc_release(h->slots, slot);
			h->stats.memory_slots--;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
