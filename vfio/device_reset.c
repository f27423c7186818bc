/* A warm reset of the device, what a VMM does on a system reset without
 * destroying it: the function is reset through VFIO where it can be, and
 * the model goes back to what the guest sees of a device just out of reset
 * (the config space as created, so COMMAND 0, BAR registers 0, emulated
 * registers at their power-on values; MSI / MSI-X off, INTx wired and
 * unmasked; no BAR placed or mapped). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfio/device_internal.h"

int device_reset_prepare(struct vmpci_device *dev)
{
	dev->initial = malloc(sizeof(*dev->initial));
	if (!dev->initial)
		return -ENOMEM;
	return vmpci_config_state_get(dev->config, dev->initial);
}

static int first_err(int err, int next)
{
	return err ? err : next;
}

static int reset_locked(struct vmpci_device *dev)
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
		device_bar_unplace(dev, i);
	err = first_err(err, vmpci_config_state_set(dev->config, dev->initial));
	/* A function without VFIO_DEVICE_RESET still stops decoding and
	 * mastering, as after a reset. */
	err = first_err(err, device_write_command(dev, 0));
	err = first_err(err, device_function_reset(dev));
	if (dev->intx) {
		intx.enabled = dev->intx_wired;
		err = first_err(err, vmpci_intx_state_set(dev->intx, &intx));
	}
	return err;
}

int vmpci_device_reset(struct vmpci_device *dev)
{
	int err;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	err = reset_locked(dev);
	pthread_mutex_unlock(&dev->lock);
	if (err)
		device_log(dev, VMPCI_LOG_ERROR, "reset: %s", strerror(-err));
	return err;
}
