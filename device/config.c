/* The guest-visible config space of a device: pass-through to the
 * function's config region, identity, hidden capabilities, and what the
 * device must see of COMMAND writes. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "device/internal.h"

static int config_region_read(void *opaque, uint16_t offset, unsigned size,
			      uint32_t *val)
{
	struct vmpci_device *dev = opaque;
	uint8_t b[4] = { 0 };
	int err;

	err = dev->be.ops->region_read(dev->be.opaque,
				       VFIO_PCI_CONFIG_REGION_INDEX, offset, b,
				       size);
	if (err)
		vmpci__device_log(dev, VMPCI_LOG_WARN, "config read of %u at %#x: %s",
			   size, offset, strerror(-err));
	*val = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
	return err;
}

static int config_region_write(void *opaque, uint16_t offset, unsigned size,
			       uint32_t val)
{
	struct vmpci_device *dev = opaque;
	uint8_t b[4] = { (uint8_t)val, (uint8_t)(val >> 8),
			 (uint8_t)(val >> 16), (uint8_t)(val >> 24) };
	int err;

	err = dev->be.ops->region_write(dev->be.opaque,
					VFIO_PCI_CONFIG_REGION_INDEX, offset, b,
					size);
	if (err)
		vmpci__device_log(dev, VMPCI_LOG_WARN, "config write of %u at %#x: %s",
			   size, offset, strerror(-err));
	else
		vmpci__device_flr_watch(dev, offset, size, val);
	return err;
}

static const struct vmpci_config_ops config_region_ops = {
	config_region_read,
	config_region_write,
};

/* The guest flips INTx Disable: mask or unmask the line it sees. The bit
 * itself still reaches the function, whose driver-side meaning vfio-pci
 * virtualizes. */
static int command_hook(void *opaque, uint16_t old_cmd, uint16_t new_cmd)
{
	struct vmpci_device *dev = opaque;

	if (dev->intx && ((old_cmd ^ new_cmd) & PCI_COMMAND_INTX_DISABLE))
		return vmpci_intx_set_masked(dev->intx,
					     new_cmd & PCI_COMMAND_INTX_DISABLE);
	return 0;
}

uint32_t vmpci__device_peek(const struct vmpci_device *dev, uint16_t off,
		     unsigned size)
{
	uint32_t v = 0;

	vmpci_config_peek(dev->config, off, size, &v);
	return v;
}

static void read_identity(struct vmpci_device *dev)
{
	struct vmpci_device_identity *id = &dev->id;

	id->vendor = (uint16_t)vmpci__device_peek(dev, PCI_VENDOR_ID, 2);
	id->device = (uint16_t)vmpci__device_peek(dev, PCI_DEVICE_ID, 2);
	id->revision = (uint8_t)vmpci__device_peek(dev, PCI_REVISION_ID, 1);
	id->class_code = vmpci__device_peek(dev, PCI_CLASS_REVISION, 4) >> 8;
	id->subsystem_vendor = (uint16_t)vmpci__device_peek(dev, PCI_SUBSYSTEM_VENDOR_ID, 2);
	id->subsystem = (uint16_t)vmpci__device_peek(dev, PCI_SUBSYSTEM_ID, 2);
	id->config_size = vmpci_config_size(dev->config);
}

static int hide_caps(struct vmpci_device *dev)
{
	uint32_t i;
	int err;

	for (i = 0; i < dev->cfg.nr_hidden_caps; i++) {
		err = vmpci_config_cap_hide(dev->config,
					    dev->cfg.hidden_caps[i]);
		if (err && err != -ENOENT)
			return err;
	}
	for (i = 0; i < dev->cfg.nr_hidden_ext_caps; i++) {
		err = vmpci_config_ext_cap_hide(dev->config,
						dev->cfg.hidden_ext_caps[i]);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

/* The whole space in one region read (the kernel serves any length from
 * one pread, QEMU reads it the same way), not one call per dword. */
static int read_whole_space(struct vmpci_device *dev, uint16_t size,
			    struct vmpci_config **out)
{
	uint8_t image[VMPCI_CONFIG_SPACE_MAX];
	int err;

	err = dev->be.ops->region_read(dev->be.opaque,
				       VFIO_PCI_CONFIG_REGION_INDEX, 0, image,
				       size);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "config read of %u bytes: %s",
			   size, strerror(-err));
		return err;
	}
	memcpy(dev->bar_regs, image + PCI_BASE_ADDRESS_0,
	       sizeof(dev->bar_regs));
	for (unsigned i = 0; i < 6; i++)
		dev->bar_regs[i] = le32toh(dev->bar_regs[i]);
	return vmpci_config_new_seeded(&config_region_ops, dev, image, size,
				       out);
}

int vmpci__device_config_build(struct vmpci_device *dev)
{
	struct vmpci_vfio_region region;
	uint16_t size;
	int err;

	err = dev->be.ops->region_info(dev->be.opaque,
				       VFIO_PCI_CONFIG_REGION_INDEX, &region);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "config region info: %s",
			   strerror(-err));
		return err;
	}
	/* Conventional functions have 256 bytes, PCIe 4 KiB; anything else
	 * is not a function we can present. */
	if (region.size < 256) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "config region of %llu bytes",
			   (unsigned long long)region.size);
		return -ENODEV;
	}
	size = region.size >= 4096 ? 4096 : 256;
	err = read_whole_space(dev, size, &dev->config);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "config space: %s",
			   strerror(-err));
		return err;
	}
	read_identity(dev);
	err = hide_caps(dev);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "hiding capabilities: %s",
			   strerror(-err));
		return err;
	}
	vmpci_config_set_command_hook(dev->config, command_hook, dev);
	vmpci_config_set_bar_hook(dev->config, vmpci__device_bars_changed, dev);
	return 0;
}

int vmpci__device_write_command(struct vmpci_device *dev, uint16_t cmd)
{
	uint8_t b[2] = { (uint8_t)cmd, (uint8_t)(cmd >> 8) };

	return dev->be.ops->region_write(dev->be.opaque,
					 VFIO_PCI_CONFIG_REGION_INDEX,
					 PCI_COMMAND, b, 2);
}
