/* The rules a device state satisfies on its own: the device's for its own
 * fields, the models' (asked of them) for theirs. Restore runs them before
 * it compares the state with this device; the snapshot document runs them
 * so a state restore would refuse is never a document. */
#include <errno.h>
#include <linux/pci_regs.h>

#include "device/state_check.h"
#include "interrupts/state_check.h"
#include "pci/state_check.h"
#include "vmpci_why.h"

int vmpci__device_options_explain(uint64_t page_size, uint32_t no_mmap_bars,
				  char *why, size_t len)
{
	if (page_size < 4096 || (page_size & (page_size - 1)))
		return vmpci__why(why, len, -EINVAL,
				  "options.page_size: 0x%llx is not a power of two >= 0x1000",
				  (unsigned long long)page_size);
	if (no_mmap_bars & ~((1u << VMPCI_BAR_COUNT) - 1))
		return vmpci__why(why, len, -EINVAL,
				  "options.no_mmap_bars: 0x%x names BARs past %u",
				  no_mmap_bars, VMPCI_BAR_COUNT - 1);
	return 0;
}

static int check_placed(const struct vmpci_device_state *st, char *why,
			size_t len)
{
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++)
		if (st->placed[i] && !st->config.bars[i].size)
			return vmpci__why(why, len, -EINVAL,
					  "bars: BAR %u is placed but has no size",
					  i);
	return 0;
}

static int check_vfio(const struct vmpci_device_vfio_state *v, char *why,
		      size_t len)
{
	if (!v->supported && (v->data || v->size))
		return vmpci__why(why, len, -EINVAL,
				  "vfio_migration.data: present, but supported is false");
	if (v->size && !v->data)
		return vmpci__why(why, len, -EINVAL,
				  "vfio_migration.data: size %zu without data",
				  v->size);
	if (!v->size && v->data)
		return vmpci__why(why, len, -EINVAL,
				  "vfio_migration.data: a buffer of size 0");
	return 0;
}

/* A register of a capability the state does not have is zero; one of a
 * capability it has needs that capability visible in the list. A restore
 * writes neither a status nor a reset. */
static int check_regs(const struct vmpci_device_state *st, char *why,
		      size_t len)
{
	const struct vmpci_device_regs *g = &st->regs;
	uint16_t at;

	if (!g->saved)
		return 0;
	if (g->device_control & PCI_EXP_DEVCTL_BCR_FLR)
		return vmpci__why(why, len, -EINVAL,
				  "registers.device_control: 0x%04x has Initiate FLR set, which always reads 0",
				  g->device_control);
	if (g->pm_control & PCI_PM_CTRL_PME_STATUS)
		return vmpci__why(why, len, -EINVAL,
				  "registers.pm_control: 0x%04x has PME Status set: a restore clears no status",
				  g->pm_control);
	if (!g->has_pm && g->pm_control)
		return vmpci__why(why, len, -EINVAL,
				  "registers.pm_control: a value without a PM capability");
	if (!g->has_pcie && g->device_control)
		return vmpci__why(why, len, -EINVAL,
				  "registers.device_control: a value without a PCI Express capability");
	if (g->has_pm &&
	    !vmpci__config_state_cap_find(&st->config, PCI_CAP_ID_PM, &at))
		return vmpci__why(why, len, -EINVAL,
				  "registers.pm_control: config.caps has no visible PM capability");
	if (g->has_pcie &&
	    !vmpci__config_state_cap_find(&st->config, PCI_CAP_ID_EXP, &at))
		return vmpci__why(why, len, -EINVAL,
				  "registers.device_control: config.caps has no visible PCI Express capability");
	return 0;
}

/* "<section>.<the model's reason>". */
static int section(const char *name, int rc, const char *inner, char *why,
		   size_t len)
{
	return rc ? vmpci__why(why, len, rc, "%s.%s", name, inner) : 0;
}

/* Message Control of the visible capability `id` in config.image: what an
 * interrupt model checks its state against. */
static int cap_control(const struct vmpci_config_state *cs, uint16_t id,
		       uint16_t reg, const char *name, uint16_t *control,
		       char *why, size_t len)
{
	uint16_t at;

	if (!vmpci__config_state_cap_find(cs, id, &at))
		return vmpci__why(why, len, -EINVAL,
				  "%s: config.caps has no visible capability 0x%02x",
				  name, id);
	*control = (uint16_t)(cs->image[at + reg] | cs->image[at + reg + 1] << 8);
	return 0;
}

static int check_irqs(const struct vmpci_device_state *st, char *why,
		      size_t len)
{
	const struct vmpci_config_state *cs = &st->config;
	char inner[VMPCI__WHY_MAX];
	uint16_t ctl;
	int rc = 0;

	if (st->has_msi) {
		rc = cap_control(cs, PCI_CAP_ID_MSI, PCI_MSI_FLAGS, "msi", &ctl,
				 why, len);
		if (!rc)
			rc = section("msi",
				     vmpci__msi_state_explain(ctl, &st->msi, inner,
							      sizeof(inner)),
				     inner, why, len);
	}
	if (!rc && st->has_msix) {
		rc = cap_control(cs, PCI_CAP_ID_MSIX, PCI_MSIX_FLAGS, "msix",
				 &ctl, why, len);
		if (!rc)
			rc = section("msix",
				     vmpci__msix_state_explain(ctl, &st->msix,
							       inner,
							       sizeof(inner)),
				     inner, why, len);
	}
	return rc;
}

int vmpci__device_state_explain(const struct vmpci_device_state *st,
				char *why, size_t len)
{
	char inner[VMPCI__WHY_MAX];
	int rc;

	if (!st)
		return vmpci__why(why, len, -EINVAL, "no state");
	rc = vmpci__device_options_explain(st->page_size, st->no_mmap_bars,
					   why, len);
	if (!rc)
		rc = check_placed(st, why, len);
	if (!rc)
		rc = section("config",
			     vmpci__config_state_explain(NULL, &st->config,
							 inner, sizeof(inner)),
			     inner, why, len);
	if (!rc)
		rc = check_irqs(st, why, len);
	if (!rc)
		rc = check_regs(st, why, len);
	if (!rc)
		rc = check_vfio(&st->vfio, why, len);
	return rc;
}
