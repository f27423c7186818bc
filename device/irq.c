/* Interrupts of a device: the MSI, MSI-X and INTx models serve the guest;
 * their enable edges become VFIO SET_IRQS with the models' eventfds. The
 * kernel allows one of INTx, MSI and MSI-X at a time, so INTx is detached
 * while either message kind is on and re-attached after. */
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "device/internal.h"

static int msi_handler_read(void *opaque, uint16_t offset, unsigned size,
			    uint32_t *val)
{
	struct vmpci_device *dev = opaque;

	return vmpci_msi_read(dev->msi, offset - dev->msi_cap, size, val);
}

static int msi_handler_write(void *opaque, uint16_t offset, unsigned size,
			     uint32_t val)
{
	struct vmpci_device *dev = opaque;

	return vmpci_msi_write(dev->msi, offset - dev->msi_cap, size, val);
}

static int msix_handler_read(void *opaque, uint16_t offset, unsigned size,
			     uint32_t *val)
{
	struct vmpci_device *dev = opaque;

	return vmpci_msix_cap_read(dev->msix, offset - dev->msix_cap, size,
				   val);
}

static int msix_handler_write(void *opaque, uint16_t offset, unsigned size,
			      uint32_t val)
{
	struct vmpci_device *dev = opaque;

	return vmpci_msix_cap_write(dev->msix, offset - dev->msix_cap, size,
				    val);
}

static const struct vmpci_config_ops msi_handler = { msi_handler_read,
						     msi_handler_write };
static const struct vmpci_config_ops msix_handler = { msix_handler_read,
						      msix_handler_write };

int vmpci__device_intx_wire(struct vmpci_device *dev)
{
	int32_t fd;
	int err;

	if (!dev->intx || dev->intx_wired)
		return 0;
	fd = vmpci_intx_trigger_eventfd(dev->intx);
	err = vmpci_vfio_irq_set_eventfds(&dev->be, VFIO_PCI_INTX_IRQ_INDEX, 0,
					  1, &fd);
	if (!err)
		err = vmpci_vfio_irq_unmask_eventfd(
			&dev->be, VFIO_PCI_INTX_IRQ_INDEX,
			vmpci_intx_resample_eventfd(dev->intx));
	if (!err)
		err = vmpci_intx_enable(dev->intx);
	if (err) {
		vmpci_vfio_irq_disable(&dev->be, VFIO_PCI_INTX_IRQ_INDEX);
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "wiring INTx: %s",
			   strerror(-err));
		return err;
	}
	dev->intx_wired = true;
	return 0;
}

int vmpci__device_intx_unwire(struct vmpci_device *dev)
{
	int err;

	if (!dev->intx_wired)
		return 0;
	/* Until VFIO lets go of INTx it refuses MSI and MSI-X: a line it
	 * keeps stays wired, and routed. */
	err = vmpci_vfio_irq_disable(&dev->be, VFIO_PCI_INTX_IRQ_INDEX);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "detaching INTx: %s",
			   strerror(-err));
		return err;
	}
	vmpci_intx_disable(dev->intx);
	dev->intx_wired = false;
	return 0;
}

/* Attach vectors [start, start + count) of `index` to the model's
 * eventfds. 0, a negative errno or the backend's short count. */
static int attach_vectors(struct vmpci_device *dev, uint32_t index,
			  uint32_t start, uint32_t count)
{
	uint32_t i;
	int fd;

	for (i = start; i < start + count; i++) {
		fd = index == VFIO_PCI_MSI_IRQ_INDEX
			     ? vmpci_msi_vector_eventfd(dev->msi, i)
			     : vmpci_msix_vector_eventfd(dev->msix, i);
		dev->irq_fds[i] = fd < 0 ? -1 : fd;
	}
	return vmpci_vfio_irq_set_eventfds(&dev->be, index, start, count,
					   dev->irq_fds + start);
}

/* Enable `index` with vectors [0, n). vfio-pci answers a request the host
 * cannot fill with the count it could give, enabling none: take that many,
 * as QEMU does, so the guest's low vectors work and the rest stay silent. */
static int enable_vectors(struct vmpci_device *dev, uint32_t index,
			  uint32_t n)
{
	int rc = attach_vectors(dev, index, 0, n);

	if (rc > 0 && (uint32_t)rc < n) {
		vmpci__device_log(dev, VMPCI_LOG_WARN,
			   "the host gives %d of %u vectors: vectors %d-%u stay silent",
			   rc, n, rc, n - 1);
		n = (uint32_t)rc;
		rc = attach_vectors(dev, index, 0, n);
	}
	if (rc > 0) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR,
			   "the host offered %u vectors, then %d", n, rc);
		rc = -ENOSPC;
	}
	dev->irq_wired = rc ? 0 : n;
	return rc;
}

static bool resizable(const struct vmpci_device *dev, uint32_t index)
{
	return index == VFIO_PCI_MSIX_IRQ_INDEX && dev->msix_resizable;
}

/* The guest uses `n` vectors now. Without NORESIZE (dynamic MSI-X, kernels
 * 6.2+) only the new vectors are added, and live ones never see a gap.
 * With it, the kernel takes a new count only by disable + enable (a live
 * vector's interrupt in that window is lost); if the new count fails, the
 * previous vectors are enabled again so that what worked keeps working. */
static int resize_vectors(struct vmpci_device *dev, uint32_t index,
			  uint32_t n)
{
	uint32_t had = dev->irq_wired;
	int err;

	if (resizable(dev, index)) {
		if (n <= had)
			return 0;
		err = attach_vectors(dev, index, had, n - had);
		if (err > 0)
			err = -ENOSPC;
		if (!err)
			dev->irq_wired = n;
		return err;
	}
	vmpci_vfio_irq_disable(&dev->be, index);
	err = enable_vectors(dev, index, n);
	if (err && had && !enable_vectors(dev, index, had))
		vmpci__device_log(dev, VMPCI_LOG_WARN,
			   "kept the previous %u vectors", had);
	return err;
}

static int irq_event(struct vmpci_device *dev, uint32_t index,
		     const struct vmpci_irq_event *ev)
{
	const char *kind = index == VFIO_PCI_MSI_IRQ_INDEX ? "MSI" : "MSI-X";
	int err = 0;

	switch (ev->type) {
	case VMPCI_IRQ_ENABLE:
		err = vmpci__device_intx_unwire(dev);
		if (!err)
			err = enable_vectors(dev, index, ev->nr_vectors);
		/* A refused enable leaves the function on INTx, as before. */
		if (err)
			vmpci__device_intx_wire(dev);
		break;
	case VMPCI_IRQ_RESIZE:
		err = resize_vectors(dev, index, ev->nr_vectors);
		break;
	case VMPCI_IRQ_DISABLE:
		vmpci_vfio_irq_disable(&dev->be, index);
		dev->irq_wired = 0;
		err = vmpci__device_intx_wire(dev);
		break;
	case VMPCI_IRQ_VECTOR:
		break;
	}
	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "%s with %u vectors: %s", kind,
			   ev->nr_vectors, strerror(-err));
	return err;
}

static int msi_event(void *opaque, const struct vmpci_irq_event *ev)
{
	return irq_event(opaque, VFIO_PCI_MSI_IRQ_INDEX, ev);
}

static int msix_event(void *opaque, const struct vmpci_irq_event *ev)
{
	return irq_event(opaque, VFIO_PCI_MSIX_IRQ_INDEX, ev);
}

static int irq_info(struct vmpci_device *dev, uint32_t index,
		    const char *kind, struct vmpci_vfio_irq_info *info)
{
	int err = dev->be.ops->irq_info(dev->be.opaque, index, info);

	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "%s info: %s", kind,
			   strerror(-err));
	return err;
}

static int setup_msi(struct vmpci_device *dev)
{
	struct vmpci_msi_params mc = { 0 };
	struct vmpci_cap cap;
	int err;

	if (vmpci_config_cap_find(dev->config, PCI_CAP_ID_MSI, &cap))
		return 0;
	dev->msi_cap = cap.offset;
	mc.control = (uint16_t)vmpci__device_peek(dev, cap.offset + PCI_MSI_FLAGS, 2);
	mc.devid = dev->cfg.devid;
	mc.name = dev->name;
	mc.notify = msi_event;
	mc.opaque = dev;
	err = vmpci_msi_new(&dev->host, &mc, &dev->msi);
	if (err)
		return err;
	/* The header (id, next) stays the config model's. */
	return vmpci_config_add_handler(
		dev->config, cap.offset + PCI_MSI_FLAGS,
		(uint16_t)(vmpci_msi_cap_size(dev->msi) - PCI_MSI_FLAGS),
		&msi_handler, dev);
}

static int setup_msix(struct vmpci_device *dev)
{
	struct vmpci_msix_params mc = { 0 };
	struct vmpci_vfio_irq_info info;
	struct vmpci_msix_layout l;
	struct vmpci_cap cap;
	int err;

	if (vmpci_config_cap_find(dev->config, PCI_CAP_ID_MSIX, &cap))
		return 0;
	dev->msix_cap = cap.offset;
	mc.control = (uint16_t)vmpci__device_peek(dev, cap.offset + PCI_MSIX_FLAGS, 2);
	mc.table = vmpci__device_peek(dev, cap.offset + PCI_MSIX_TABLE, 4);
	mc.pba = vmpci__device_peek(dev, cap.offset + PCI_MSIX_PBA, 4);
	mc.devid = dev->cfg.devid;
	mc.name = dev->name;
	mc.notify = msix_event;
	mc.opaque = dev;
	err = vmpci_msix_new(&dev->host, &mc, &dev->msix);
	if (err)
		return err;
	err = irq_info(dev, VFIO_PCI_MSIX_IRQ_INDEX, "MSI-X", &info);
	if (err)
		return err;
	dev->msix_resizable = !(info.flags & VFIO_IRQ_INFO_NORESIZE);
	vmpci_msix_layout_get(dev->msix, &l);
	if (!dev->bars[l.table_bar].type || !dev->bars[l.pba_bar].type ||
	    l.table_offset + l.table_size > dev->bars[l.table_bar].size ||
	    l.pba_offset + l.pba_size > dev->bars[l.pba_bar].size) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR,
			   "MSI-X table or PBA outside its BAR");
		return -ENODEV;
	}
	dev->bars[l.table_bar].table_offset = l.table_offset;
	dev->bars[l.table_bar].table_size = l.table_size;
	dev->bars[l.pba_bar].pba_offset = l.pba_offset;
	dev->bars[l.pba_bar].pba_size = l.pba_size;
	return vmpci_config_add_handler(dev->config,
					cap.offset + PCI_MSIX_FLAGS, 2,
					&msix_handler, dev);
}

static int setup_intx(struct vmpci_device *dev)
{
	struct vmpci_intx_params xc = { 0 };
	struct vmpci_vfio_irq_info info;
	uint32_t pin = vmpci__device_peek(dev, PCI_INTERRUPT_PIN, 1);
	int err;

	if (pin < 1 || pin > 4)
		return 0;
	err = irq_info(dev, VFIO_PCI_INTX_IRQ_INDEX, "INTx", &info);
	if (err)
		return err;
	if (info.count < 1)
		return 0;
	xc.pin = pin - 1;
	xc.devid = dev->cfg.devid;
	xc.name = dev->name;
	err = vmpci_intx_new(&dev->host, &xc, &dev->intx);
	if (err)
		return err;
	err = vmpci__device_intx_wire(dev);
	if (err == -EINVAL) {
		/* VFIO refuses INTx while MSI or MSI-X is on, as a device
		 * freed on this open function leaves them when VFIO refused
		 * to turn them off: turn them off and try once more. */
		vmpci_vfio_irq_disable(&dev->be, VFIO_PCI_MSI_IRQ_INDEX);
		vmpci_vfio_irq_disable(&dev->be, VFIO_PCI_MSIX_IRQ_INDEX);
		err = vmpci__device_intx_wire(dev);
	}
	return err;
}

int vmpci__device_irq_setup(struct vmpci_device *dev)
{
	int err = setup_msi(dev);

	if (!err)
		err = setup_msix(dev);
	if (!err)
		err = setup_intx(dev);
	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "interrupt setup: %s",
			   strerror(-err));
	return err;
}

static void disable_index(struct vmpci_device *dev, uint32_t index)
{
	int err = vmpci_vfio_irq_disable(&dev->be, index);

	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR,
			   "turning off %s: %s (the function keeps it on until closed)",
			   index == VFIO_PCI_MSI_IRQ_INDEX ? "MSI" : "MSI-X",
			   strerror(-err));
}

void vmpci__device_irq_teardown(struct vmpci_device *dev)
{
	if (dev->msi && vmpci_msi_enabled(dev->msi))
		disable_index(dev, VFIO_PCI_MSI_IRQ_INDEX);
	if (dev->msix && vmpci_msix_enabled(dev->msix))
		disable_index(dev, VFIO_PCI_MSIX_IRQ_INDEX);
	vmpci__device_intx_unwire(dev);
	vmpci_msi_free(dev->msi);
	vmpci_msix_free(dev->msix);
	vmpci_intx_free(dev->intx);
	dev->msi = NULL;
	dev->msix = NULL;
	dev->intx = NULL;
}

int vmpci_device_irq_eventfd(struct vmpci_device *dev, uint32_t index,
			     uint32_t vector)
{
	int fd = -ENOENT;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (index == VFIO_PCI_MSI_IRQ_INDEX && dev->msi &&
	    vmpci_msi_enabled(dev->msi))
		fd = vmpci_msi_vector_eventfd(dev->msi, vector);
	else if (index == VFIO_PCI_MSIX_IRQ_INDEX && dev->msix &&
		 vmpci_msix_enabled(dev->msix))
		fd = vmpci_msix_vector_eventfd(dev->msix, vector);
	else if (index == VFIO_PCI_INTX_IRQ_INDEX && dev->intx_wired &&
		 vector == 0)
		fd = vmpci_intx_trigger_eventfd(dev->intx);
	pthread_mutex_unlock(&dev->lock);
	return fd;
}

int vmpci_device_state_prepare(struct vmpci_device *dev)
{
	struct vmpci_msix_layout l;
	int err = 0;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (dev->msix) {
		vmpci_msix_layout_get(dev->msix, &l);
		err = vmpci_msix_prepare(dev->msix, l.nr_entries);
	}
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_set_requester_id(struct vmpci_device *dev, uint32_t devid)
{
	int err = 0;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	/* Every refusal comes before anything changes, and INTx (the one
	 * step that can fail) before MSI and MSI-X, which then cannot. */
	if (vmpci_msi_enabled(dev->msi) || vmpci_msix_enabled(dev->msix)) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR,
			   "requester id %#x refused: the guest has MSI or MSI-X enabled and its routes carry %#x; set it before the guest runs",
			   devid, dev->cfg.devid);
		err = -EBUSY;
	}
	if (!err && dev->intx) {
		err = vmpci_intx_set_devid(dev->intx, devid);
		if (err)
			vmpci__device_log(dev, VMPCI_LOG_ERROR,
				   "requester id %#x refused: the host would not route INTx for it (%s); INTx stays on the line of %#x",
				   devid, strerror(-err), dev->cfg.devid);
	}
	if (!err && dev->msi)
		err = vmpci_msi_set_devid(dev->msi, devid);
	if (!err && dev->msix)
		err = vmpci_msix_set_devid(dev->msix, devid);
	if (!err)
		dev->cfg.devid = devid;
	pthread_mutex_unlock(&dev->lock);
	return err;
}
