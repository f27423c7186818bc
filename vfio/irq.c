/* SET_IRQS shorthands over a backend's set_irqs op. */
#include <errno.h>
#include <linux/vfio.h>

#include "vfio/backend.h"

static int set_irqs(const struct vmpci_vfio_backend *be, uint32_t index,
		    uint32_t flags, uint32_t start, uint32_t count,
		    const void *data)
{
	if (!be || !be->ops || !be->ops->set_irqs)
		return -EINVAL;
	return be->ops->set_irqs(be->opaque, index, flags, start, count, data);
}

int vmpci_vfio_irq_set_eventfds(const struct vmpci_vfio_backend *be,
				uint32_t index, uint32_t start,
				uint32_t count, const int32_t *fds)
{
	if (count && !fds)
		return -EINVAL;
	return set_irqs(be, index,
			VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			start, count, fds);
}

int vmpci_vfio_irq_disable(const struct vmpci_vfio_backend *be, uint32_t index)
{
	return set_irqs(be, index,
			VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0,
			0, NULL);
}

int vmpci_vfio_irq_mask(const struct vmpci_vfio_backend *be, uint32_t index,
			uint32_t vector, bool masked)
{
	uint32_t action = masked ? VFIO_IRQ_SET_ACTION_MASK :
				   VFIO_IRQ_SET_ACTION_UNMASK;

	return set_irqs(be, index, VFIO_IRQ_SET_DATA_NONE | action, vector, 1,
			NULL);
}

int vmpci_vfio_irq_unmask_eventfd(const struct vmpci_vfio_backend *be,
				  uint32_t index, int32_t fd)
{
	return set_irqs(be, index,
			VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
			0, 1, &fd);
}

int vmpci_vfio_irq_trigger(const struct vmpci_vfio_backend *be, uint32_t index,
			   uint32_t vector)
{
	return set_irqs(be, index,
			VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			vector, 1, NULL);
}
