/* The simulated function's interrupts: GET_IRQ_INFO and SET_IRQS with
 * vfio-pci's rules (validation, one of INTx / MSI / MSI-X at a time,
 * NORESIZE, INTx auto-masking, loopback triggers), and the test hook that
 * fires a vector. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <unistd.h>

#include "sim/internal.h"

void vmpci_vfio_sim_irq_setup(struct vmpci_vfio_sim *s)
{
	uint16_t flags;

	s->irq[VFIO_PCI_INTX_IRQ_INDEX].max = s->config[PCI_INTERRUPT_PIN] ? 1 : 0;
	if (s->msi_cap) {
		flags = sim_rd16(s->config + s->msi_cap + PCI_MSI_FLAGS);
		s->irq[VFIO_PCI_MSI_IRQ_INDEX].max =
			1u << ((flags & PCI_MSI_FLAGS_QMASK) >> 1);
	}
	if (s->msix_cap) {
		flags = sim_rd16(s->config + s->msix_cap + PCI_MSIX_FLAGS);
		s->irq[VFIO_PCI_MSIX_IRQ_INDEX].max =
			(flags & PCI_MSIX_FLAGS_QSIZE) + 1u;
	}
	s->irq[VFIO_PCI_ERR_IRQ_INDEX].max = s->pcie_cap ? 1 : 0;
	s->irq[VFIO_PCI_REQ_IRQ_INDEX].max = 1;
}

int vmpci_vfio_sim_irq_info(void *opaque, uint32_t index,
			    struct vmpci_vfio_irq_info *out)
{
	struct vmpci_vfio_sim *s = opaque;

	if (index >= SIM_NR_IRQS)
		return -EINVAL;
	/* ERR exists only on PCI Express functions. */
	if (index == VFIO_PCI_ERR_IRQ_INDEX && !s->pcie_cap)
		return -EINVAL;
	out->index = index;
	out->count = s->irq[index].max;
	out->flags = VFIO_IRQ_INFO_EVENTFD;
	if (index == VFIO_PCI_INTX_IRQ_INDEX)
		out->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (!(index == VFIO_PCI_MSIX_IRQ_INDEX && s->irq_host.msix_dynamic))
		out->flags |= VFIO_IRQ_INFO_NORESIZE;
	return 0;
}

static void signal_fd(int32_t fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* A full eventfd counter already wakes the reader; nothing is
		 * lost by dropping this signal. */
	}
}

/* A DATA_BOOL / DATA_NONE payload element: does it say "act"? */
static bool wants(uint32_t flags, const void *data, uint32_t i)
{
	if (flags & VFIO_IRQ_SET_DATA_BOOL)
		return ((const uint8_t *)data)[i] != 0;
	return true;
}

static void clear_vectors(struct sim_irq *q)
{
	uint32_t i;

	for (i = 0; i < q->max; i++)
		q->fds[i] = -1;
	q->count = 0;
}

static void set_mode(struct vmpci_vfio_sim *s, enum sim_irq_mode mode)
{
	s->mode = mode;
	vmpci_vfio_sim_config_irq_mode(s);
}

static void intx_disable(struct vmpci_vfio_sim *s)
{
	struct sim_irq *q = &s->irq[VFIO_PCI_INTX_IRQ_INDEX];

	clear_vectors(q);
	q->masked = q->pending = false;
	q->unmask_fd = -1;
	set_mode(s, SIM_IRQ_NONE);
}

/* The kernel unmasks INTx when the resample eventfd fires; the sim has no
 * thread, so it looks whenever the line matters. */
static void intx_unmask(struct vmpci_vfio_sim *s)
{
	struct sim_irq *q = &s->irq[VFIO_PCI_INTX_IRQ_INDEX];

	q->masked = false;
	if (q->pending) {
		/* The function still asserts the line: it fires again. */
		q->pending = false;
		signal_fd(q->fds[0]);
		q->masked = true;
	}
}

static void intx_poll_unmask_fd(struct vmpci_vfio_sim *s)
{
	struct sim_irq *q = &s->irq[VFIO_PCI_INTX_IRQ_INDEX];
	uint64_t v;

	if (q->unmask_fd >= 0 && q->masked &&
	    read(q->unmask_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		intx_unmask(s);
}

static int intx_trigger(struct vmpci_vfio_sim *s, uint32_t flags,
			uint32_t start, uint32_t count, const void *data)
{
	struct sim_irq *q = &s->irq[VFIO_PCI_INTX_IRQ_INDEX];

	if (s->mode == SIM_IRQ_INTX && !count &&
	    (flags & VFIO_IRQ_SET_DATA_NONE)) {
		intx_disable(s);
		return 0;
	}
	if ((s->mode != SIM_IRQ_INTX && s->mode != SIM_IRQ_NONE) || start ||
	    count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t fd = *(const int32_t *)data;

		if (fd < -1)
			return -EINVAL;
		if (s->mode == SIM_IRQ_NONE) {
			set_mode(s, SIM_IRQ_INTX);
			q->masked = q->pending = false;
		}
		q->fds[0] = fd;
		q->count = fd >= 0 ? 1 : 0;
		return 0;
	}
	if (s->mode != SIM_IRQ_INTX)
		return -EINVAL;
	/* Loopback: signal without masking, as vfio-pci does. */
	if (wants(flags, data, 0))
		signal_fd(q->fds[0]);
	return 0;
}

static int intx_mask_unmask(struct vmpci_vfio_sim *s, bool mask,
			    uint32_t flags, uint32_t start, uint32_t count,
			    const void *data)
{
	struct sim_irq *q = &s->irq[VFIO_PCI_INTX_IRQ_INDEX];

	if (s->mode != SIM_IRQ_INTX || start || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		int32_t fd = *(const int32_t *)data;

		/* vfio-pci has no mask-on-eventfd (it says ETIMEDOUT). */
		if (mask)
			return -ETIMEDOUT;
		if (fd < -1)
			return -EINVAL;
		q->unmask_fd = fd;
		return 0;
	}
	if (!wants(flags, data, 0))
		return 0;
	if (mask)
		q->masked = true;
	else
		intx_unmask(s);
	return 0;
}

static bool short_of_vectors(const struct vmpci_vfio_sim *s, uint32_t n)
{
	return s->irq_host.vectors_available &&
	       n > s->irq_host.vectors_available;
}

static int msi_trigger(struct vmpci_vfio_sim *s, uint32_t index,
		       uint32_t flags, uint32_t start, uint32_t count,
		       const void *data)
{
	enum sim_irq_mode mode = index == VFIO_PCI_MSI_IRQ_INDEX ?
					 SIM_IRQ_MSI : SIM_IRQ_MSIX;
	struct sim_irq *q = &s->irq[index];
	uint32_t i;

	if (s->mode == mode && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		clear_vectors(q);
		set_mode(s, SIM_IRQ_NONE);
		return 0;
	}
	if (s->mode != mode && s->mode != SIM_IRQ_NONE)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		const int32_t *fds = data;

		for (i = 0; i < count; i++)
			if (fds[i] < -1)
				return -EINVAL;
		if (s->mode == mode && start + count > q->count) {
			/* NORESIZE: an enabled index keeps its vector count;
			 * dynamic MSI-X allocates the new ones one by one. */
			if (mode != SIM_IRQ_MSIX || !s->irq_host.msix_dynamic)
				return -EINVAL;
			if (short_of_vectors(s, start + count))
				return -ENOSPC;
			q->count = start + count;
		}
		if (s->mode != mode) {
			/* vfio_msi_enable: all the vectors or none, and the
			 * count the host could give as the return value. */
			if (short_of_vectors(s, start + count))
				return (int)s->irq_host.vectors_available;
			q->count = start + count;
			set_mode(s, mode);
		}
		for (i = 0; i < count; i++)
			q->fds[start + i] = fds[i];
		return 0;
	}
	if (s->mode != mode || start + count > q->count)
		return -EINVAL;
	for (i = 0; i < count; i++)
		if (wants(flags, data, i))
			signal_fd(q->fds[start + i]);
	return 0;
}

/* ERR and REQ: one eventfd each, trigger only. */
static int single_trigger(struct vmpci_vfio_sim *s, uint32_t index,
			  uint32_t flags, uint32_t start, uint32_t count,
			  const void *data)
{
	struct sim_irq *q = &s->irq[index];
	int32_t fd;

	if (start || count > 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		fd = *(const int32_t *)data;
		if (fd < -1)
			return -EINVAL;
		q->fds[0] = fd;
		q->count = fd >= 0 ? 1 : 0;
		return 0;
	}
	if (!q->count)
		return -EINVAL;
	if (!count) {
		clear_vectors(q);
		return 0;
	}
	if (wants(flags, data, 0))
		signal_fd(q->fds[0]);
	return 0;
}

/* vfio_set_irqs_validate_and_prepare: one data type, one action, the range
 * inside the index's count. */
static int validate(const struct vmpci_vfio_sim *s, uint32_t index,
		    uint32_t flags, uint32_t start, uint32_t count,
		    const void *data)
{
	uint32_t type = flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	uint32_t max;

	if (index >= SIM_NR_IRQS ||
	    (flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
		       VFIO_IRQ_SET_ACTION_TYPE_MASK)) ||
	    (type & (type - 1)) || !type || (action & (action - 1)) ||
	    !action)
		return -EINVAL;
	max = s->irq[index].max;
	if (start >= max || count > max - start)
		return -EINVAL;
	if (type != VFIO_IRQ_SET_DATA_NONE && count && !data)
		return -EINVAL;
	return 0;
}

int vmpci_vfio_sim_set_irqs(void *opaque, uint32_t index, uint32_t flags,
			    uint32_t start, uint32_t count, const void *data)
{
	struct vmpci_vfio_sim *s = opaque;
	uint32_t action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	int err;

	err = validate(s, index, flags, start, count, data);
	if (err)
		return err;
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			err = intx_trigger(s, flags, start, count, data);
		else
			err = intx_mask_unmask(s,
					       action == VFIO_IRQ_SET_ACTION_MASK,
					       flags, start, count, data);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		/* vfio-pci cannot mask MSI / MSI-X vectors. */
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -ENOTTY;
		err = msi_trigger(s, index, flags, start, count, data);
		break;
	default:
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -ENOTTY;
		err = single_trigger(s, index, flags, start, count, data);
		break;
	}
	if (!err)
		s->irq[index].set_calls++;
	return err;
}

int vmpci_vfio_sim_fire(struct vmpci_vfio_sim *s, uint32_t index,
			uint32_t vector)
{
	struct sim_irq *q;

	if (!s || index >= SIM_NR_IRQS)
		return -EINVAL;
	q = &s->irq[index];
	if (vector >= q->max)
		return -EINVAL;
	if (index == VFIO_PCI_INTX_IRQ_INDEX) {
		if (s->mode != SIM_IRQ_INTX || q->fds[0] < 0)
			return -ENOENT;
		intx_poll_unmask_fd(s);
		if (q->masked) {
			q->pending = true;
			return 0;
		}
		signal_fd(q->fds[0]);
		q->masked = true;
		return 0;
	}
	if (vector >= q->count || q->fds[vector] < 0)
		return -ENOENT;
	signal_fd(q->fds[vector]);
	return 0;
}

int vmpci_vfio_sim_irq_state_get(struct vmpci_vfio_sim *s, uint32_t index,
			     struct vmpci_vfio_sim_irq_state *out)
{
	const struct sim_irq *q;

	if (!s || !out || index >= SIM_NR_IRQS)
		return -EINVAL;
	if (index == VFIO_PCI_INTX_IRQ_INDEX && s->mode == SIM_IRQ_INTX)
		intx_poll_unmask_fd(s);
	q = &s->irq[index];
	out->count = q->count;
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		out->enabled = s->mode == SIM_IRQ_INTX;
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
		out->enabled = s->mode == SIM_IRQ_MSI;
		break;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		out->enabled = s->mode == SIM_IRQ_MSIX;
		break;
	default:
		out->enabled = q->count > 0;
		break;
	}
	out->masked = q->masked;
	out->pending = q->pending;
	out->unmask_fd = q->unmask_fd;
	out->set_calls = q->set_calls;
	return 0;
}

int vmpci_vfio_sim_irq_eventfd(const struct vmpci_vfio_sim *s, uint32_t index,
			       uint32_t vector, int32_t *fd)
{
	if (!s || !fd || index >= SIM_NR_IRQS || vector >= s->irq[index].max)
		return -EINVAL;
	*fd = s->irq[index].fds[vector];
	return 0;
}

void vmpci_vfio_sim_set_irq_host(struct vmpci_vfio_sim *s,
				 const struct vmpci_vfio_sim_irq_host *h)
{
	if (s && h)
		s->irq_host = *h;
}
