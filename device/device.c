/* The device object: creation, destruction, the locked entry points. */
#include "device/device.h"
#include "host/host.h"
#include "pci/config.h"
#include "vfio/backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "device/internal.h"
#include "device/state_check.h"

void vmpci__device_log(struct vmpci_device *dev, enum vmpci_log_level level,
		const char *fmt, ...)
{
	char msg[sizeof(dev->errmsg)];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s: ", dev->name);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (level == VMPCI_LOG_ERROR)
		memcpy(dev->errmsg, msg, sizeof(msg));
	if (dev->host.ops && dev->host.ops->log)
		dev->host.ops->log(dev->host.opaque, level, msg);
}

const char *vmpci_device_errmsg(struct vmpci_device *dev)
{
	return dev ? dev->errmsg : "no device";
}

void vmpci_device_params_init(struct vmpci_device_params *params,
			      const struct vmpci_vfio_backend *backend,
			      const struct vmpci_host *host)
{
	memset(params, 0, sizeof(*params));
	params->name = "vfio";
	params->backend = backend;
	params->host = host;
	/* Hidden by default, as cloud-hypervisor does: the guest cannot use
	 * them through VFIO and would misconfigure the function. */
	params->hidden_ext_caps[0] = PCI_EXT_CAP_ID_ARI;
	params->hidden_ext_caps[1] = PCI_EXT_CAP_ID_REBAR;
	params->hidden_ext_caps[2] = PCI_EXT_CAP_ID_SRIOV;
	params->nr_hidden_ext_caps = 3;
}

static int check_params(const struct vmpci_device_params *c)
{
	if (!c || !c->backend || !c->backend->ops || !c->host || !c->host->ops)
		return -EINVAL;
	if (c->nr_hidden_caps > VMPCI_DEVICE_MAX_HIDDEN ||
	    c->nr_hidden_ext_caps > VMPCI_DEVICE_MAX_HIDDEN)
		return -EINVAL;
	/* Page size 0 is the host's, a valid one. */
	if (vmpci__device_options_explain(c->page_size ? c->page_size : 4096,
					  c->no_mmap_bars, NULL, 0))
		return -EINVAL;
	return 0;
}

int vmpci__device_function_reset(struct vmpci_device *dev)
{
	struct vmpci_vfio_device_info info;
	int err = dev->be.ops->device_info(dev->be.opaque, &info);

	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "device info: %s",
			   strerror(-err));
		return err;
	}
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "not a PCI function");
		return -ENODEV;
	}
	if (dev->cfg.no_reset || !(info.flags & VFIO_DEVICE_FLAGS_RESET))
		return 0;
	/* A failed reset leaves a working function in an unknown state;
	 * carry on as QEMU does, but say so. */
	err = dev->be.ops->reset(dev->be.opaque);
	if (err)
		vmpci__device_log(dev, VMPCI_LOG_WARN, "reset failed: %s",
			   strerror(-err));
	return 0;
}

int vmpci_device_new(const struct vmpci_device_params *params,
		     struct vmpci_device **out)
{
	struct vmpci_device *dev;
	long page;
	int err;

	if (!out || check_params(params))
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	pthread_mutex_init(&dev->lock, NULL);
	dev->cfg = *params;
	snprintf(dev->name, sizeof(dev->name), "%s",
		 params->name ? params->name : "vfio");
	dev->cfg.name = dev->name;
	dev->be = *params->backend;
	dev->host = *params->host;
	page = sysconf(_SC_PAGESIZE);
	dev->page_size = params->page_size ? params->page_size
					   : (uint64_t)(page > 0 ? page : 4096);

	err = vmpci__device_function_reset(dev);
	if (!err)
		err = vmpci__device_config_build(dev);
	if (!err)
		err = vmpci__device_bars_probe(dev);
	if (!err)
		err = vmpci__device_irq_setup(dev);
	if (!err)
		err = vmpci__device_bars_prepare_maps(dev);
	if (!err)
		err = vmpci__device_reset_prepare(dev);
	if (err) {
		vmpci_device_free(dev);
		return err;
	}
	*out = dev;
	return 0;
}

void vmpci_device_free(struct vmpci_device *dev)
{
	if (!dev)
		return;
	vmpci__device_irq_teardown(dev);
	vmpci__device_bars_teardown(dev);
	vmpci_config_free(dev->config);
	free(dev->initial);
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

int vmpci_device_place_bars(struct vmpci_device *dev)
{
	bool done[VMPCI_BAR_COUNT] = { false };
	struct device_bar *b;
	unsigned i;
	int err = 0;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	for (i = 0; i < VMPCI_BAR_COUNT && !err; i++) {
		b = &dev->bars[i];
		if (!b->type || b->placed)
			continue;
		err = vmpci__device_bar_place_at(dev, i, UINT64_MAX);
		done[i] = !err;
	}
	if (err) {
		for (i = 0; i < VMPCI_BAR_COUNT; i++)
			if (done[i])
				vmpci__device_bar_unplace(dev, i);
	}
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_place_bar_at(struct vmpci_device *dev, unsigned index,
			      uint64_t addr)
{
	int err;

	if (!dev || index >= VMPCI_BAR_COUNT || addr == UINT64_MAX)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (!dev->bars[index].type)
		err = -ENOENT;
	else if (dev->bars[index].placed)
		err = -EBUSY;
	else
		err = vmpci__device_bar_place_at(dev, index, addr);
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_config_read(struct vmpci_device *dev, uint16_t offset,
			     unsigned size, uint32_t *val)
{
	int err;

	if (!dev || !val)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	err = vmpci_config_read(dev->config, offset, size, val);
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_config_write(struct vmpci_device *dev, uint16_t offset,
			      unsigned size, uint32_t val)
{
	int err, finished;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	err = vmpci_config_write(dev->config, offset, size, val);
	/* After the write, not inside it: the reset replaces the config
	 * model's state. */
	finished = vmpci__device_flr_finish(dev);
	if (!err)
		err = finished;
	pthread_mutex_unlock(&dev->lock);
	return err;
}

static int op_read(void *opaque, uint16_t offset, unsigned size, uint32_t *val)
{
	return vmpci_device_config_read(opaque, offset, size, val);
}

static int op_write(void *opaque, uint16_t offset, unsigned size, uint32_t val)
{
	return vmpci_device_config_write(opaque, offset, size, val);
}

const struct vmpci_config_ops *vmpci_device_config_ops(void)
{
	static const struct vmpci_config_ops ops = { op_read, op_write };

	return &ops;
}

int vmpci_device_config_dump(struct vmpci_device *dev, uint8_t *buf,
			     size_t len)
{
	int err;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	err = vmpci_config_dump(dev->config, buf, len);
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_format_lspci(struct vmpci_device *dev, uint8_t bus,
			      uint8_t slot, uint8_t fn, char *buf, size_t len,
			      size_t *written)
{
	int err;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	err = vmpci_config_format_lspci(dev->config, bus, slot, fn, buf, len,
					written);
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_cap_get(struct vmpci_device *dev, size_t index,
			 struct vmpci_cap *out)
{
	int err;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	err = vmpci_config_cap_get(dev->config, index, out);
	pthread_mutex_unlock(&dev->lock);
	return err;
}

int vmpci_device_irq_info(struct vmpci_device *dev, uint32_t index,
			  struct vmpci_vfio_irq_info *out)
{
	if (!dev || !out)
		return -EINVAL;
	return dev->be.ops->irq_info(dev->be.opaque, index, out);
}

void vmpci_device_identity_get(struct vmpci_device *dev,
			   struct vmpci_device_identity *out)
{
	if (dev && out)
		*out = dev->id;
}
