/* cloud-hypervisor's config path (pci/src/vfio.rs, VfioCommon at 6f8bd27)
 * replayed over a vmpci backend, for the config benchmark:
 *  - read_config_register: a BAR or ROM register comes from the local
 *    PciConfiguration; any other register is one 4-byte read of the
 *    device's config region (read_config_dword), the multi-function bit
 *    masked and the `patches` map (hidden extended capabilities) applied.
 *    The bus reads the whole register for every access and picks the
 *    bytes the guest asked for.
 *  - write_config_register: BAR and ROM registers are kept locally; a
 *    write to the MSI-X Message Control register updates the MSI-X state
 *    (enable: SET_IRQS disabling INTx, SET_IRQS with one eventfd per table
 *    entry; disable: the reverse) and then every non-BAR write goes to the
 *    device's config region.
 * Creation does what VfioCommon does (capability walk through the device,
 * extended capability patches, BAR sizes, INTx enabled); interrupt routes
 * are left out (the vmpci side runs on a host that accepts them for free).
 * Only what the nvme fixture exercises is modelled (no MSI capability). */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "bench/config_replay.h"

#define MAX_PATCHES 8
#define BAR_REGS 7 /* BAR0-5, ROM */

struct ch_config {
	const struct vmpci_vfio_backend *be;
	uint32_t bar[BAR_REGS];	 /* the local registers */
	uint32_t bar_wmask[BAR_REGS];
	uint16_t msix_cap; /* 0: none */
	uint32_t msix_count;
	bool msix_enabled, msix_masked, intx_enabled;
	int32_t *fds; /* the interrupt group's notifiers: INTx, then MSI-X */
	uint32_t nr_patches;
	struct {
		uint32_t reg, mask, patch;
	} patches[MAX_PATCHES];
};

static uint32_t dev_read(struct ch_config *c, uint32_t off, unsigned size)
{
	uint8_t b[4] = { 0 };

	c->be->ops->region_read(c->be->opaque, VFIO_PCI_CONFIG_REGION_INDEX,
				off, b, size);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static void dev_write(struct ch_config *c, uint32_t off, unsigned size,
		      uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	c->be->ops->region_write(c->be->opaque, VFIO_PCI_CONFIG_REGION_INDEX,
				 off, b, size);
}

static int set_irqs(struct ch_config *c, uint32_t index, uint32_t count,
		    const int32_t *fds)
{
	return fds ? vmpci_vfio_irq_set_eventfds(c->be, index, 0, count, fds)
		   : vmpci_vfio_irq_disable(c->be, index);
}

/* BAR register index (0-6) of config register `reg`, or -1. */
static int bar_of(uint32_t reg)
{
	if (reg >= PCI_BASE_ADDRESS_0 / 4 && reg <= PCI_BASE_ADDRESS_5 / 4)
		return (int)(reg - PCI_BASE_ADDRESS_0 / 4);
	return reg == PCI_ROM_ADDRESS / 4 ? 6 : -1;
}

/* parse_extended_capabilities: ARI, Resizable BAR and SR-IOV headers are
 * patched to the null capability. */
static void parse_ext_caps(struct ch_config *c)
{
	uint32_t off = 0x100, hdr;

	do {
		hdr = dev_read(c, off, 4);
		if ((PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_ARI ||
		     PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_REBAR ||
		     PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_SRIOV) &&
		    c->nr_patches < MAX_PATCHES) {
			c->patches[c->nr_patches].reg = off / 4;
			c->patches[c->nr_patches].mask = 0xffff;
			c->patches[c->nr_patches++].patch = 0;
		}
		off = PCI_EXT_CAP_NEXT(hdr);
	} while (off >= 0x100);
}

static int parse_caps(struct ch_config *c)
{
	struct vmpci_vfio_irq_info irq;
	bool exp = false, pm = false;
	uint32_t next = dev_read(c, PCI_CAPABILITY_LIST, 1), id;

	while (next) {
		id = dev_read(c, next, 1);
		if (id == PCI_CAP_ID_MSIX &&
		    !c->be->ops->irq_info(c->be->opaque,
					  VFIO_PCI_MSIX_IRQ_INDEX, &irq) &&
		    irq.count) {
			c->msix_cap = (uint16_t)next;
			c->msix_count = (dev_read(c, next + PCI_MSIX_FLAGS, 2) &
					 PCI_MSIX_FLAGS_QSIZE) + 1;
		}
		exp |= id == PCI_CAP_ID_EXP;
		pm |= id == PCI_CAP_ID_PM;
		next = dev_read(c, next + 1, 1);
	}
	if (exp && pm)
		parse_ext_caps(c);
	return 0;
}

static void size_bars(struct ch_config *c)
{
	struct vmpci_vfio_region r;

	for (unsigned i = 0; i < BAR_REGS; i++) {
		uint32_t index = i < 6 ? i : VFIO_PCI_ROM_REGION_INDEX;
		uint32_t type;

		if (c->be->ops->region_info(c->be->opaque, index, &r) || !r.size)
			continue;
		if (i == 6) {
			c->bar_wmask[i] = (uint32_t)~(r.size - 1) |
					  PCI_ROM_ADDRESS_ENABLE;
			continue;
		}
		type = dev_read(c, PCI_BASE_ADDRESS_0 + 4 * i, 4) &
		       ~PCI_BASE_ADDRESS_MEM_MASK;
		c->bar[i] = type;
		c->bar_wmask[i] = (uint32_t)~(r.size - 1);
		if ((type & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		    PCI_BASE_ADDRESS_MEM_TYPE_64 && i < 5) {
			c->bar_wmask[i + 1] = (uint32_t)(~(r.size - 1) >> 32);
			i++;
		}
	}
}

int ch_config_new(const struct vmpci_vfio_backend *be, struct ch_config **out)
{
	struct ch_config *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->be = be;
	parse_caps(c);
	size_bars(c);
	c->fds = calloc(1 + c->msix_count, sizeof(int32_t));
	if (!c->fds) {
		ch_config_free(c);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i <= c->msix_count; i++)
		c->fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err = set_irqs(c, VFIO_PCI_INTX_IRQ_INDEX, 1, c->fds);
	c->intx_enabled = !err;
	*out = c;
	return err;
}

void ch_config_free(struct ch_config *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; c->fds && i <= c->msix_count; i++)
		close(c->fds[i]);
	free(c->fds);
	free(c);
}

static int ch_read(void *opaque, uint16_t offset, unsigned size, uint32_t *val)
{
	struct ch_config *c = opaque;
	uint32_t reg = offset / 4u, v;
	int bar = bar_of(reg);

	if (bar >= 0) {
		v = c->bar[bar];
	} else {
		v = dev_read(c, reg * 4, 4) &
		    (reg == PCI_HEADER_TYPE / 4 ? 0xff7fffffu : ~0u);
		for (uint32_t i = 0; i < c->nr_patches; i++)
			if (c->patches[i].reg == reg)
				v = (v & ~c->patches[i].mask) | c->patches[i].patch;
	}
	v >>= 8 * (offset % 4);
	*val = size == 4 ? v : v & ((1u << (8 * size)) - 1);
	return 0;
}

/* MsixConfig::set_msg_ctl and update_msix_capabilities. */
static void msix_control(struct ch_config *c, uint16_t ctl)
{
	bool was = c->msix_enabled;

	c->msix_enabled = ctl & PCI_MSIX_FLAGS_ENABLE;
	c->msix_masked = ctl & PCI_MSIX_FLAGS_MASKALL;
	if (!was && c->msix_enabled) {
		if (c->intx_enabled && !set_irqs(c, VFIO_PCI_INTX_IRQ_INDEX, 0, NULL))
			c->intx_enabled = false;
		set_irqs(c, VFIO_PCI_MSIX_IRQ_INDEX, c->msix_count, c->fds + 1);
	} else if (was && !c->msix_enabled) {
		set_irqs(c, VFIO_PCI_MSIX_IRQ_INDEX, 0, NULL);
		c->intx_enabled =
			!set_irqs(c, VFIO_PCI_INTX_IRQ_INDEX, 1, c->fds);
	}
}

static int ch_write(void *opaque, uint16_t offset, unsigned size, uint32_t val)
{
	struct ch_config *c = opaque;
	uint32_t reg = offset / 4u, shift = 8 * (offset % 4u);
	uint32_t lanes = (size == 4 ? ~0u : (1u << (8 * size)) - 1) << shift;
	int bar = bar_of(reg);

	if (bar >= 0) {
		uint32_t keep = c->bar[bar] & ~c->bar_wmask[bar];

		c->bar[bar] = (c->bar[bar] & ~lanes) |
			      (((val << shift) & lanes & c->bar_wmask[bar]) | (keep & lanes));
		return 0;
	}
	if (c->msix_cap && reg * 4 == c->msix_cap &&
	    offset - c->msix_cap == PCI_MSIX_FLAGS && size == 2)
		msix_control(c, (uint16_t)val);
	dev_write(c, offset, size, val);
	return 0;
}

const struct vmpci_config_ops *ch_config_ops(void)
{
	static const struct vmpci_config_ops ops = { ch_read, ch_write };

	return &ops;
}
