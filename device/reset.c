/* Resets of the device: a warm system reset the VMM asks for
 * (vmpci_device_reset), and a function-level reset the guest starts
 * (PCIe Device Control "Initiate FLR", or the Advanced Features FLR bit).
 * vfio-pci performs the FLR itself when such a config write reaches it;
 * either way the model goes back to what the guest sees of a function just
 * out of reset: the config space as created (COMMAND 0, BAR registers 0,
 * emulated registers at their power-on values), MSI / MSI-X off, INTx wired
 * and unmasked, no BAR placed or mapped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "device/internal.h"

/* Where a guest write starts an FLR: the function must advertise it, or
 * vfio-pci ignores the bit. */
static void find_flr(struct vmpci_device *dev)
{
	struct vmpci_cap cap;

	if (!vmpci_config_cap_find(dev->config, PCI_CAP_ID_EXP, &cap) &&
	    vmpci__device_peek(dev, cap.offset + PCI_EXP_DEVCAP, 4) &
		    PCI_EXP_DEVCAP_FLR)
		dev->flr_devctl = cap.offset + PCI_EXP_DEVCTL;
	if (!vmpci_config_cap_find(dev->config, PCI_CAP_ID_AF, &cap) &&
	    (vmpci__device_peek(dev, cap.offset + PCI_AF_CAP, 1) &
	     (PCI_AF_CAP_TP | PCI_AF_CAP_FLR)) ==
		    (PCI_AF_CAP_TP | PCI_AF_CAP_FLR))
		dev->flr_af = cap.offset + PCI_AF_CTRL;
}

int vmpci__device_reset_prepare(struct vmpci_device *dev)
{
	int err;

	find_flr(dev);
	dev->initial = malloc(sizeof(*dev->initial));
	if (!dev->initial)
		return -ENOMEM;
	err = vmpci_config_state_get(dev->config, dev->initial);
	/* Out of reset nothing decodes, whatever the function had on when
	 * the device was created. */
	dev->initial->command = 0;
	return err;
}

/* Does `val` written at [offset, offset + size) set the bit at `bit` of
 * the byte at `at`? */
static bool sets_bit(uint16_t offset, unsigned size, uint32_t val,
		     uint16_t at, uint8_t bit)
{
	return at >= offset && at < offset + size &&
	       (val >> 8 * (at - offset)) & bit;
}

void vmpci__device_flr_watch(struct vmpci_device *dev, uint16_t offset,
		      unsigned size, uint32_t val)
{
	if ((dev->flr_devctl &&
	     sets_bit(offset, size, val, dev->flr_devctl + 1,
		      PCI_EXP_DEVCTL_BCR_FLR >> 8)) ||
	    (dev->flr_af &&
	     sets_bit(offset, size, val, dev->flr_af, PCI_AF_CTRL_FLR)))
		dev->flr_started = true;
}

static int first_err(int err, int next)
{
	return err ? err : next;
}

/* The model out of reset; the function is the caller's. */
static int reset_model(struct vmpci_device *dev)
{
	struct vmpci_intx_state intx = { 0 };
	int err = 0;
	unsigned i;

	/* Interrupts first: their DISABLE events detach MSI / MSI-X from
	 * VFIO and wire INTx again, before the function is reset under
	 * them. */
	if (dev->msi)
		err = first_err(err, vmpci_msi_reset(dev->msi));
	if (dev->msix)
		err = first_err(err, vmpci_msix_reset(dev->msix));
	/* Out of reset no BAR decodes: the VMM's slots for them go. */
	for (i = 0; i < VMPCI_BAR_COUNT; i++)
		vmpci__device_bar_unplace(dev, i);
	err = first_err(err, vmpci_config_state_set(dev->config, dev->initial));
	if (dev->intx) {
		intx.enabled = dev->intx_wired;
		err = first_err(err, vmpci_intx_state_set(dev->intx, &intx));
	}
	return err;
}

/* `vfio_reset`: also VFIO_DEVICE_RESET (not after the guest's FLR, which
 * vfio-pci has just performed). */
static int reset_locked(struct vmpci_device *dev, bool vfio_reset)
{
	int err = reset_model(dev);

	/* COMMAND 0 on the function too: one without VFIO_DEVICE_RESET still
	 * stops decoding and mastering, and vfio-pci restores the COMMAND it
	 * saved around an FLR. */
	err = first_err(err, vmpci__device_write_command(dev, 0));
	if (vfio_reset)
		err = first_err(err, vmpci__device_function_reset(dev));
	return err;
}

int vmpci__device_flr_finish(struct vmpci_device *dev)
{
	int err;

	if (!dev->flr_started)
		return 0;
	dev->flr_started = false;
	err = reset_locked(dev, false);
	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "model reset after the guest's FLR: %s",
			   strerror(-err));
	return err;
}

int vmpci_device_reset(struct vmpci_device *dev)
{
	int err;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	err = reset_locked(dev, true);
	pthread_mutex_unlock(&dev->lock);
	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "reset: %s", strerror(-err));
	return err;
}
