/* Snapshot and restore of a device's guest-visible state. Restore checks
 * everything against this device before it changes anything (a refused
 * snapshot costs the host and the function nothing), and undoes what it did
 * if a later step fails for want of resources (a range taken, a route the
 * host refuses), so no slot, route or allocation is left behind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "device/internal.h"
#include "device/state_check.h"
#include "interrupts/state_check.h"
#include "pci/state_check.h"
#include "vmpci_why.h"

static bool vfio_migration_supported(struct vmpci_device *dev)
{
	return vmpci__vfio_mig_probe(&dev->be, NULL) == 0;
}

/* The function's own state, through VFIO migration v2 (STOP_COPY). */
static int save_device_data(struct vmpci_device *dev,
			    struct vmpci_device_state *st)
{
	char why[160] = "";
	int err = vmpci__vfio_mig_save(&dev->be, &st->vfio.data,
				       &st->vfio.size, why, sizeof(why));

	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "VFIO device state: %s", why);
	return err;
}

static int save_locked(struct vmpci_device *dev, struct vmpci_device_state *st)
{
	unsigned i;
	int err;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", dev->name);
	st->identity = dev->id;
	st->page_size = dev->page_size;
	st->no_mmap_bars = dev->cfg.no_mmap_bars;
	st->devid = dev->cfg.devid;
	err = vmpci_config_state_get(dev->config, &st->config);
	st->has_msi = dev->msi != NULL;
	if (!err && dev->msi)
		err = vmpci_msi_state_get(dev->msi, &st->msi);
	st->has_msix = dev->msix != NULL;
	if (!err && dev->msix)
		err = vmpci_msix_state_get(dev->msix, &st->msix);
	st->has_intx = dev->intx != NULL;
	if (!err && dev->intx)
		err = vmpci_intx_state_get(dev->intx, &st->intx);
	for (i = 0; i < VMPCI_BAR_COUNT; i++)
		st->placed[i] = dev->bars[i].placed;
	if (!err)
		err = vmpci__device_regs_save(dev, &st->regs);
	st->vfio.supported = vfio_migration_supported(dev);
	if (!err && st->vfio.supported)
		err = save_device_data(dev, st);
	return err;
}

int vmpci_device_state_get(struct vmpci_device *dev, struct vmpci_device_state *st)
{
	int err;

	if (!dev || !st)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	err = save_locked(dev, st);
	pthread_mutex_unlock(&dev->lock);
	if (err) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "snapshot failed: %s",
			   strerror(-err));
		vmpci_device_state_release(st);
	}
	return err;
}

void vmpci_device_state_release(struct vmpci_device_state *st)
{
	if (!st)
		return;
	free(st->vfio.data);
	st->vfio.data = NULL;
	st->vfio.size = 0;
}

#define REFUSE(dev, err, ...)                                               \
	do {                                                                \
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "restore refused: "        \
			   __VA_ARGS__);                                    \
		return err;                                                 \
	} while (0)

/* The capability list as this device built it: same places, ids,
 * lengths and flags. A snapshot that differs was taken with other hidden
 * capabilities (or of another function) and would un-hide or move them. */
static bool same_caps(struct vmpci_device *dev,
		      const struct vmpci_config_state *cs)
{
	struct vmpci_cap c;
	size_t i;

	if (cs->cap_count != vmpci_config_cap_count(dev->config))
		return false;
	for (i = 0; i < cs->cap_count; i++)
		if (vmpci_config_cap_get(dev->config, i, &c) ||
		    c.offset != cs->caps[i].offset || c.id != cs->caps[i].id ||
		    c.length != cs->caps[i].length ||
		    c.flags != cs->caps[i].flags)
			return false;
	return true;
}

/* The models' checks against this device, worded as "<section>.<why>". */
static int check_models(struct vmpci_device *dev,
			const struct vmpci_device_state *st, char *why,
			size_t len)
{
	char inner[VMPCI__WHY_MAX];
	const char *section = "config";
	int err = vmpci__config_state_explain(dev->config, &st->config, inner,
					      sizeof(inner));

	if (!err && dev->msi) {
		section = "msi";
		err = vmpci__msi_state_explain(
			(uint16_t)vmpci__device_peek(dev, dev->msi_cap + PCI_MSI_FLAGS, 2),
			&st->msi, inner, sizeof(inner));
	}
	if (!err && dev->msix) {
		section = "msix";
		err = vmpci__msix_state_explain(
			(uint16_t)vmpci__device_peek(dev, dev->msix_cap + PCI_MSIX_FLAGS, 2),
			&st->msix, inner, sizeof(inner));
	}
	if (err)
		snprintf(why, len, "%s.%s", section, inner);
	return err;
}

/* Everything that can be checked without touching the device: the state
 * on its own, then against this device. */
static int validate(struct vmpci_device *dev,
		    const struct vmpci_device_state *st)
{
	const struct vmpci_device_identity *a = &st->identity, *b = &dev->id;
	char why[256];
	unsigned i;
	int err;

	err = vmpci__device_state_explain(st, why, sizeof(why));
	if (err)
		REFUSE(dev, err, "%s", why);
	if (a->vendor != b->vendor || a->device != b->device)
		REFUSE(dev, -ENODEV, "identity: snapshot of %04x:%04x, device is %04x:%04x",
		       a->vendor, a->device, b->vendor, b->device);
	if (a->subsystem_vendor != b->subsystem_vendor ||
	    a->subsystem != b->subsystem || a->class_code != b->class_code ||
	    a->revision != b->revision || a->config_size != b->config_size)
		REFUSE(dev, -ENODEV,
		       "identity: subsystem, class, revision or config size differ");
	/* Options shape what the guest sees (mapped areas, MSI requester
	 * id): a snapshot of a device created with others is not this one. */
	if (st->page_size != dev->page_size ||
	    st->no_mmap_bars != dev->cfg.no_mmap_bars ||
	    st->devid != dev->cfg.devid)
		REFUSE(dev, -ENODEV,
		       "options: snapshot has page size %#llx, no-mmap BARs %#x, devid %#x; device %#llx, %#x, %#x",
		       (unsigned long long)st->page_size, st->no_mmap_bars,
		       st->devid, (unsigned long long)dev->page_size,
		       dev->cfg.no_mmap_bars, dev->cfg.devid);
	if (!same_caps(dev, &st->config))
		REFUSE(dev, -ENODEV,
		       "capabilities: the snapshot's list (places, ids, hidden) is not this device's");
	/* The config model compares the BARs it has; one it lacks is not
	 * its to refuse (a bare config takes the state's). */
	for (i = 0; i < VMPCI_BAR_COUNT; i++)
		if (st->config.bars[i].size && !dev->bars[i].size)
			REFUSE(dev, -ENODEV,
			       "config.bars[%u]: the function has no BAR %u", i,
			       i);
	if (st->has_msi != (dev->msi != NULL) ||
	    st->has_msix != (dev->msix != NULL) ||
	    st->has_intx != (dev->intx != NULL))
		REFUSE(dev, -ENODEV, "interrupt capabilities differ");
	/* The models' own import checks, here, before anything changes: run
	 * late they would fail after BARs, slots and routes were replaced. */
	err = check_models(dev, st, why, sizeof(why));
	if (err)
		REFUSE(dev, err, "%s", why);
	if (vmpci__device_regs_check(dev, &st->regs))
		REFUSE(dev, -ENODEV,
		       "registers: the snapshot's PM / PCIe capabilities are not this device's");
	if (st->vfio.data && !vfio_migration_supported(dev))
		REFUSE(dev, -EOPNOTSUPP,
		       "snapshot carries device data, function has no VFIO migration");
	return 0;
}

/* What restore replaces, kept to put it back. */
struct undo {
	struct vmpci_device_state old;
	uint64_t addr[VMPCI_BAR_COUNT];
	bool placed[VMPCI_BAR_COUNT];
};

static void unplace_all(struct vmpci_device *dev)
{
	unsigned i;

	for (i = 0; i < VMPCI_BAR_COUNT; i++)
		vmpci__device_bar_unplace(dev, i);
}

static int place_saved(struct vmpci_device *dev, const bool placed[],
		       const uint64_t addr[])
{
	unsigned i;
	int err;

	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		if (!placed[i])
			continue;
		err = vmpci__device_bar_restore_at(dev, i, addr[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Re-arm interrupts from `st`: message kinds first (their enable edges
 * detach INTx), then INTx, which is wired only when neither is on. */
static int apply_irqs(struct vmpci_device *dev,
		      const struct vmpci_device_state *st)
{
	int err = 0;

	if (dev->msi)
		err = vmpci_msi_state_set(dev->msi, &st->msi);
	if (!err && dev->msix)
		err = vmpci_msix_state_set(dev->msix, &st->msix);
	if (err || !dev->intx)
		return err;
	if ((dev->msi && vmpci_msi_enabled(dev->msi)) ||
	    (dev->msix && vmpci_msix_enabled(dev->msix)))
		err = vmpci__device_intx_unwire(dev);
	else
		err = vmpci__device_intx_wire(dev);
	if (!err)
		err = vmpci_intx_state_set(dev->intx, &st->intx);
	return err;
}

static void quiesce_irqs(struct vmpci_device *dev)
{
	if (dev->msi)
		vmpci_msi_reset(dev->msi);
	if (dev->msix)
		vmpci_msix_reset(dev->msix);
}

static int load_device_data(struct vmpci_device *dev,
			    const struct vmpci_device_state *st)
{
	char why[160] = "";
	int err = vmpci__vfio_mig_load(&dev->be, st->vfio.data, st->vfio.size,
				       why, sizeof(why));

	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "VFIO device state: %s", why);
	return err;
}

static int apply(struct vmpci_device *dev, const struct vmpci_device_state *st)
{
	uint64_t addr[VMPCI_BAR_COUNT];
	unsigned i;
	int err;

	for (i = 0; i < VMPCI_BAR_COUNT; i++)
		addr[i] = st->config.bars[i].addr;
	unplace_all(dev);
	err = place_saved(dev, st->placed, addr);
	if (!err)
		err = vmpci_config_state_set(dev->config, &st->config);
	if (!err)
		vmpci__device_bars_sync(dev);
	if (!err && st->vfio.data)
		err = load_device_data(dev, st);
	if (!err)
		err = apply_irqs(dev, st);
	if (!err)
		err = vmpci__device_regs_restore(dev, &st->regs);
	if (!err)
		err = vmpci__device_write_command(dev, st->config.command);
	return err;
}

static void roll_back(struct vmpci_device *dev, struct undo *u)
{
	quiesce_irqs(dev);
	unplace_all(dev);
	vmpci_config_state_set(dev->config, &u->old.config);
	place_saved(dev, u->placed, u->addr);
	vmpci__device_bars_sync(dev);
	apply_irqs(dev, &u->old);
	vmpci__device_regs_restore(dev, &u->old.regs);
	vmpci__device_write_command(dev, u->old.config.command);
}

int vmpci_device_state_set(struct vmpci_device *dev,
			 const struct vmpci_device_state *st)
{
	struct undo *u;
	unsigned i;
	int err;

	if (!dev || !st)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	pthread_mutex_lock(&dev->lock);
	err = validate(dev, st);
	if (!err) {
		err = vmpci_config_state_get(dev->config, &u->old.config);
		if (!err && dev->msi)
			err = vmpci_msi_state_get(dev->msi, &u->old.msi);
		if (!err && dev->msix)
			err = vmpci_msix_state_get(dev->msix, &u->old.msix);
		if (!err && dev->intx)
			err = vmpci_intx_state_get(dev->intx, &u->old.intx);
		if (!err)
			err = vmpci__device_regs_save(dev, &u->old.regs);
	}
	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		u->placed[i] = dev->bars[i].placed;
		u->addr[i] = dev->bars[i].addr;
	}
	if (!err) {
		err = apply(dev, st);
		if (err) {
			vmpci__device_log(dev, VMPCI_LOG_ERROR,
				   "restore failed (%s): rolled back",
				   strerror(-err));
			roll_back(dev, u);
		}
		/* COMMAND and the device data went to the function behind
		 * the config model. */
		vmpci_config_invalidate(dev->config);
	}
	pthread_mutex_unlock(&dev->lock);
	free(u);
	return err;
}

int vmpci_device_resume(struct vmpci_device *dev)
{
	char why[160] = "";
	int err = 0;

	if (!dev)
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (vfio_migration_supported(dev))
		err = vmpci__vfio_mig_set_state(&dev->be,
						VFIO_DEVICE_STATE_RUNNING, why,
						sizeof(why));
	pthread_mutex_unlock(&dev->lock);
	if (err)
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "resume: %s", why);
	return err;
}
