/* Which pass-through bits the model answers without asking the function,
 * and why each answer is exact.
 *
 * A pass-through bit is served from the model only when the model is known
 * to hold the function's current value: the table below names the bits
 * that cannot change without the model seeing it happen, with the reason.
 * Everything else (the function's own state: interrupt and error status,
 * link status and control, PME status, AER logs, bytes no capability
 * describes) is read from the function on every guest read, as before.
 *
 * The cached values live beside the image (which keeps what it always
 * held, so snapshots do not change). A cached bit is "fresh" from creation
 * (the whole space was just read) and after every read of it from the
 * function. A guest write of it makes it stale until the next read (the
 * function may not implement every bit the guest wrote); the bits of the
 * register written back with their cached value stay fresh. A write that
 * may reset the function, or an owner that touched the function behind
 * the model, makes every bit stale (vmpci_config_invalidate). Outside the
 * VMM, nothing may write the function's config space: a host
 * administrator's setpci or a reset forced from the host bypasses the
 * vfio-pci user and is not seen (as for every emulated register). */
#include <linux/pci_regs.h>
#include <string.h>

#include "pci/config_internal.h"

enum cache_reason {
	/* Hardware-initialized and read-only by the specification (PCI 3.0
	 * 6.2, PCIe 5.0 7.5): no write and no event changes it. */
	READ_ONLY,
	/* Only a configuration write changes it, and every guest write goes
	 * through this model; besides writes, only a function reset does,
	 * and a reset is a write the model sees (FLR, a power-state
	 * change) or one its owner reports (vmpci_config_invalidate). */
	GUEST_OWNED,
};

#define HEADER 0 /* not a capability id: the rules of the type 0 header */

/* The STATUS bits the function sets itself: interrupt status and the
 * error bits (PCI 3.0 6.2.3). */
#define STATUS_LIVE                                                   \
	(PCI_STATUS_INTERRUPT | PCI_STATUS_PARITY |                    \
	 PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT |   \
	 PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR |   \
	 PCI_STATUS_DETECTED_PARITY)

struct cache_rule {
	uint8_t cap;	 /* standard capability id, or HEADER */
	uint8_t offset;	 /* in the header or the capability */
	uint8_t size;
	uint8_t reason;	 /* enum cache_reason: the why, kept with the rule */
	uint32_t bits;	 /* what may be served from the image */
	bool resets;	 /* a write here may reset the function */
};

static const struct cache_rule rules[] = {
	/* COMMAND: the function never sets a Command bit itself. */
	{ HEADER, PCI_COMMAND, 2, GUEST_OWNED, 0xffff, false },
	/* STATUS: 66 MHz, fast back-to-back, DEVSEL timing, immediate
	 * readiness (and the emulated capability-list bit). */
	{ HEADER, PCI_STATUS, 2, READ_ONLY, 0xffff & ~STATUS_LIVE, false },
	{ HEADER, PCI_CACHE_LINE_SIZE, 1, GUEST_OWNED, 0xff, false },
	{ HEADER, PCI_LATENCY_TIMER, 1, GUEST_OWNED, 0xff, false },
	/* PM: capabilities; the power state, PME enable and data select are
	 * written by the guest, and a D3hot to D0 transition may reset the
	 * function (No_Soft_Reset clear). PME status is the function's own
	 * (added in cache_pm_ctrl when the function cannot signal PME). The
	 * Data register (byte 7) is not cached: it measures something. */
	{ PCI_CAP_ID_PM, PCI_PM_PMC, 2, READ_ONLY, 0xffff, false },
	{ PCI_CAP_ID_PM, PCI_PM_CTRL, 2, GUEST_OWNED,
	  0xffff & ~PCI_PM_CTRL_PME_STATUS, true },
	{ PCI_CAP_ID_PM, PCI_PM_PPB_EXTENSIONS, 1, READ_ONLY, 0xff, false },
	/* MSI-X: table size, table and PBA locations (the enable and mask
	 * bits are emulated). */
	{ PCI_CAP_ID_MSIX, PCI_MSIX_FLAGS, 2, READ_ONLY, 0xffff, false },
	{ PCI_CAP_ID_MSIX, PCI_MSIX_TABLE, 4, READ_ONLY, 0xffffffffu, false },
	{ PCI_CAP_ID_MSIX, PCI_MSIX_PBA, 4, READ_ONLY, 0xffffffffu, false },
	/* PCI Express: every Capabilities register; Device Control and
	 * Device Control 2 (vfio-pci virtualizes the payload and read
	 * request sizes, so the host's MPS tuning does not show; Initiate
	 * FLR resets the function). Link Control is not cached: the host's
	 * ASPM policy rewrites it for every function on the link. Every
	 * Status register is the function's own. */
	{ PCI_CAP_ID_EXP, PCI_EXP_FLAGS, 2, READ_ONLY, 0xffff, false },
	{ PCI_CAP_ID_EXP, PCI_EXP_DEVCAP, 4, READ_ONLY, 0xffffffffu, false },
	{ PCI_CAP_ID_EXP, PCI_EXP_DEVCTL, 2, GUEST_OWNED, 0xffff, true },
	{ PCI_CAP_ID_EXP, PCI_EXP_LNKCAP, 4, READ_ONLY, 0xffffffffu, false },
	{ PCI_CAP_ID_EXP, PCI_EXP_SLTCAP, 4, READ_ONLY, 0xffffffffu, false },
	{ PCI_CAP_ID_EXP, PCI_EXP_RTCAP, 2, READ_ONLY, 0xffff, false },
	{ PCI_CAP_ID_EXP, PCI_EXP_DEVCAP2, 4, READ_ONLY, 0xffffffffu, false },
	{ PCI_CAP_ID_EXP, PCI_EXP_DEVCTL2, 2, GUEST_OWNED, 0xffff, false },
	{ PCI_CAP_ID_EXP, PCI_EXP_LNKCAP2, 4, READ_ONLY, 0xffffffffu, false },
	{ PCI_CAP_ID_EXP, PCI_EXP_SLTCAP2, 4, READ_ONLY, 0xffffffffu, false },
	/* Advanced Features: capabilities; Initiate FLR resets. */
	{ PCI_CAP_ID_AF, PCI_AF_CAP, 1, READ_ONLY, 0xff, false },
	{ PCI_CAP_ID_AF, PCI_AF_CTRL, 1, GUEST_OWNED, 0, true },
};

static void apply(struct vmpci_config *cfg, uint16_t at,
		  const struct cache_rule *r, uint32_t bits)
{
	le_store(cfg->cache + at, r->size, bits);
	if (r->resets)
		memset(cfg->cstate + at, CACHE_RESETS, r->size);
}

/* A function that can signal PME from no power state never sets PME
 * status (PCI PM 1.2, 3.2.4). */
static uint32_t pm_ctrl_bits(const struct vmpci_config *cfg,
			     const struct vmpci_cap *cap, uint32_t bits)
{
	uint32_t pmc = le_load(cfg->image + cap->offset + PCI_PM_PMC, 2);

	return (pmc & PCI_PM_CAP_PME_MASK) ? bits
					   : bits | PCI_PM_CTRL_PME_STATUS;
}

static void cache_cap(struct vmpci_config *cfg, const struct vmpci_cap *cap)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct cache_rule *r = &rules[i];
		uint32_t bits = r->bits;

		if (r->cap != cap->id || r->offset + r->size > cap->length)
			continue;
		if (r->cap == PCI_CAP_ID_PM && r->offset == PCI_PM_CTRL)
			bits = pm_ctrl_bits(cfg, cap, bits);
		apply(cfg, (uint16_t)(cap->offset + r->offset), r, bits);
	}
}

void vmpci__cfg_cache_init(struct vmpci_config *cfg)
{
	memset(cfg->cache, 0, sizeof(cfg->cache));
	memset(cfg->cstate, 0, sizeof(cfg->cstate));
	memcpy(cfg->cval, cfg->image, cfg->size);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].cap == HEADER)
			apply(cfg, rules[i].offset, &rules[i], rules[i].bits);
	for (uint16_t i = 0; i < cfg->ncaps; i++)
		if (!(cfg->caps[i].flags & VMPCI_CAP_EXTENDED))
			cache_cap(cfg, &cfg->caps[i]);
	/* The image was just read from the function. */
	memcpy(cfg->fresh, cfg->cache, cfg->size);
}

uint32_t vmpci__cfg_cache_served(const struct vmpci_config *cfg, uint16_t offset,
			  unsigned size)
{
	/* An emulated function's pass-through bits live in its backing
	 * copy: reading them costs nothing. */
	if (!cfg->dev.read)
		return 0;
	return le_load(cfg->fresh + offset, size) &
	       ~le_load(cfg->emul + offset, size);
}

uint32_t vmpci__cfg_cache_value(const struct vmpci_config *cfg, uint16_t offset,
			 unsigned size)
{
	return le_load(cfg->cval + offset, size);
}

void vmpci__cfg_cache_store(struct vmpci_config *cfg, uint16_t offset, unsigned size,
		     uint32_t phys)
{
	le_store(cfg->cval + offset, size, phys);
	le_store(cfg->fresh + offset, size, le_load(cfg->cache + offset, size));
}

void vmpci__cfg_cache_written(struct vmpci_config *cfg, uint16_t offset,
		       unsigned size, uint32_t bits)
{
	for (unsigned i = 0; i < size; i++) {
		if (cfg->cstate[offset + i] & CACHE_RESETS) {
			vmpci_config_invalidate(cfg);
			return;
		}
	}
	le_store(cfg->fresh + offset, size,
		 le_load(cfg->fresh + offset, size) & ~bits);
}

void vmpci_config_invalidate(struct vmpci_config *cfg)
{
	if (cfg)
		memset(cfg->fresh, 0, sizeof(cfg->fresh));
}
