/* The pass-through registers a snapshot carries (struct vmpci_device_regs):
 * read from the function through the guest's own config path on save,
 * written back the same way on restore, so the permission rules that apply
 * to the guest apply to them too. */
#include <errno.h>

#include <linux/pci_regs.h>

#include "device/internal.h"

/* Offsets of the registers in this device, 0 for a capability it lacks or
 * hides. */
struct regs_at {
	uint16_t pm_control;
	uint16_t device_control;
};

static struct regs_at find(struct vmpci_device *dev)
{
	struct regs_at at = { 0, 0 };
	struct vmpci_cap cap;

	if (!vmpci_config_cap_find(dev->config, PCI_CAP_ID_PM, &cap))
		at.pm_control = cap.offset + PCI_PM_CTRL;
	if (!vmpci_config_cap_find(dev->config, PCI_CAP_ID_EXP, &cap))
		at.device_control = cap.offset + PCI_EXP_DEVCTL;
	return at;
}

static uint32_t guest_read(struct vmpci_device *dev, uint16_t off,
			   unsigned size, int *err)
{
	uint32_t v = 0;
	int rc = vmpci_config_read(dev->config, off, size, &v);

	if (rc && !*err)
		*err = rc;
	return v;
}

int vmpci__device_regs_save(struct vmpci_device *dev, struct vmpci_device_regs *r)
{
	struct regs_at at = find(dev);
	int err = 0;

	r->saved = true;
	r->cache_line_size =
		(uint8_t)guest_read(dev, PCI_CACHE_LINE_SIZE, 1, &err);
	r->latency_timer = (uint8_t)guest_read(dev, PCI_LATENCY_TIMER, 1, &err);
	r->has_pm = at.pm_control != 0;
	/* Not the write-1-to-clear PME Status: a restore clears nothing, so
	 * a state carries none (vmpci__device_state_explain). */
	if (r->has_pm)
		r->pm_control = (uint16_t)guest_read(dev, at.pm_control, 2, &err) &
				(uint16_t)~PCI_PM_CTRL_PME_STATUS;
	r->has_pcie = at.device_control != 0;
	if (r->has_pcie)
		r->device_control =
			(uint16_t)guest_read(dev, at.device_control, 2, &err);
	return err;
}

int vmpci__device_regs_check(struct vmpci_device *dev,
		      const struct vmpci_device_regs *r)
{
	struct regs_at at = find(dev);

	if (r->saved && (r->has_pm != (at.pm_control != 0) ||
			 r->has_pcie != (at.device_control != 0)))
		return -ENODEV;
	return 0;
}

static int guest_write(struct vmpci_device *dev, uint16_t off, unsigned size,
		       uint32_t val, int err)
{
	int rc = vmpci_config_write(dev->config, off, size, val);

	return err ? err : rc;
}

int vmpci__device_regs_restore(struct vmpci_device *dev,
			const struct vmpci_device_regs *r)
{
	struct regs_at at = find(dev);
	int err = 0;

	if (!r->saved)
		return 0;
	err = guest_write(dev, PCI_CACHE_LINE_SIZE, 1, r->cache_line_size, err);
	err = guest_write(dev, PCI_LATENCY_TIMER, 1, r->latency_timer, err);
	/* The state carries neither PME Status nor Initiate FLR
	 * (vmpci__device_state_explain): a restore clears and resets
	 * nothing. */
	if (r->has_pm && at.pm_control)
		err = guest_write(dev, at.pm_control, 2, r->pm_control, err);
	if (r->has_pcie && at.device_control)
		err = guest_write(dev, at.device_control, 2, r->device_control,
				  err);
	return err;
}
