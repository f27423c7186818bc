/* The config accesses Linux (drivers/pci/probe.c, pci.c, msi/msi.c) and
 * its nvme driver make to find, size, configure and enable a function, in
 * their order and sizes: the guest side of the config benchmark. */
#include <linux/pci_regs.h>

#include "bench/config_replay.h"

struct guest {
	const struct vmpci_config_ops *ops;
	void *o;
	unsigned n;
	bool pcie;
};

static uint32_t rd(struct guest *g, uint16_t off, unsigned size)
{
	uint32_t v = ~0u;

	g->ops->read(g->o, off, size, &v);
	g->n++;
	return v;
}

static void wr(struct guest *g, uint16_t off, unsigned size, uint32_t v)
{
	g->ops->write(g->o, off, size, v);
	g->n++;
}

/* pci_find_capability: STATUS, the list head, then one word per entry. */
static uint16_t find_cap(struct guest *g, uint8_t id)
{
	unsigned pos, ttl = 48;

	if (!(rd(g, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = rd(g, PCI_CAPABILITY_LIST, 1);
	while (ttl-- && pos >= 0x40) {
		uint32_t ent = rd(g, (uint16_t)(pos & ~3u), 2);

		if ((ent & 0xff) == 0xff)
			break;
		if ((ent & 0xff) == id)
			return (uint16_t)(pos & ~3u);
		pos = ent >> 8;
	}
	return 0;
}

/* pci_find_ext_capability: one dword per header from 0x100. */
static uint16_t find_ext_cap(struct guest *g, uint16_t id)
{
	unsigned pos = 0x100, ttl = (4096 - 0x100) / 8;
	uint32_t hdr;

	if (!g->pcie)
		return 0;
	hdr = rd(g, 0x100, 4);
	while (hdr && ttl--) {
		if (PCI_EXT_CAP_ID(hdr) == id)
			return (uint16_t)pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
		if (pos < 0x100)
			break;
		hdr = rd(g, (uint16_t)pos, 4);
	}
	return 0;
}

/* __pci_read_base for each BAR and the ROM with decoding off, then
 * pci_update_resource placing them (write, read back). */
static void size_and_place_bars(struct guest *g, uint64_t base)
{
	uint32_t cmd = rd(g, PCI_COMMAND, 2), orig, sz;
	uint16_t off;

	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
		wr(g, PCI_COMMAND, 2,
		   cmd & ~(uint32_t)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < 6; i++) {
		bool is64;

		off = (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * i);
		orig = rd(g, off, 4);
		wr(g, off, 4, ~0u);
		sz = rd(g, off, 4);
		wr(g, off, 4, orig);
		is64 = !(sz & PCI_BASE_ADDRESS_SPACE_IO) &&
		       (sz & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
			       PCI_BASE_ADDRESS_MEM_TYPE_64;
		if (is64) {
			orig = rd(g, (uint16_t)(off + 4), 4);
			wr(g, (uint16_t)(off + 4), 4, ~0u);
			rd(g, (uint16_t)(off + 4), 4);
			wr(g, (uint16_t)(off + 4), 4, orig);
		}
		if (sz && !(sz & PCI_BASE_ADDRESS_SPACE_IO)) {
			uint32_t addr = (uint32_t)(base + i * 0x100000ull);

			wr(g, off, 4, addr);
			rd(g, off, 4);
			if (is64) {
				wr(g, (uint16_t)(off + 4), 4, 0);
				rd(g, (uint16_t)(off + 4), 4);
			}
		}
		if (is64)
			i++;
	}
	orig = rd(g, PCI_ROM_ADDRESS, 4);
	wr(g, PCI_ROM_ADDRESS, 4, (uint32_t)~PCI_ROM_ADDRESS_ENABLE);
	rd(g, PCI_ROM_ADDRESS, 4);
	wr(g, PCI_ROM_ADDRESS, 4, orig);
	if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
		wr(g, PCI_COMMAND, 2, cmd);
}

/* The extended capabilities pci_init_capabilities, the ASPM and the
 * save/restore code look up on a PCIe function. */
static const uint16_t ext_lookups[] = {
	PCI_EXT_CAP_ID_ARI,  PCI_EXT_CAP_ID_SRIOV, PCI_EXT_CAP_ID_ATS,
	PCI_EXT_CAP_ID_PRI,  PCI_EXT_CAP_ID_PASID, PCI_EXT_CAP_ID_ERR,
	PCI_EXT_CAP_ID_DPC,  PCI_EXT_CAP_ID_PTM,   PCI_EXT_CAP_ID_ACS,
	PCI_EXT_CAP_ID_LTR,  PCI_EXT_CAP_ID_L1SS,  PCI_EXT_CAP_ID_VC,
	PCI_EXT_CAP_ID_REBAR, PCI_EXT_CAP_ID_DOE,
};

static void pcie_setup(struct guest *g, uint16_t exp)
{
	uint32_t devcap, devctl;

	rd(g, exp + PCI_EXP_LNKCAP, 4);
	rd(g, exp + PCI_EXP_LNKSTA, 2);
	devcap = rd(g, exp + PCI_EXP_DEVCAP, 4);
	devctl = rd(g, exp + PCI_EXP_DEVCTL, 2);
	if (devcap & PCI_EXP_DEVCAP_EXT_TAG)
		wr(g, exp + PCI_EXP_DEVCTL, 2, devctl | PCI_EXP_DEVCTL_EXT_TAG);
	rd(g, exp + PCI_EXP_DEVCAP2, 4);
}

static void enable_msix(struct guest *g, uint16_t msix)
{
	uint32_t ctrl = rd(g, msix + PCI_MSIX_FLAGS, 2), cmd;

	wr(g, msix + PCI_MSIX_FLAGS, 2,
	   ctrl | PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE);
	rd(g, msix + PCI_MSIX_FLAGS, 2);
	rd(g, msix + PCI_MSIX_TABLE, 4);
	cmd = rd(g, PCI_COMMAND, 2);
	wr(g, PCI_COMMAND, 2, cmd | PCI_COMMAND_INTX_DISABLE);
	ctrl = rd(g, msix + PCI_MSIX_FLAGS, 2);
	wr(g, msix + PCI_MSIX_FLAGS, 2, ctrl & ~(uint32_t)PCI_MSIX_FLAGS_MASKALL);
}

unsigned guest_enumerate(const struct vmpci_config_ops *ops, void *opaque,
			 uint64_t bar_base)
{
	struct guest g = { ops, opaque, 0, false };
	uint16_t exp, msix, pm;
	uint32_t v;

	rd(&g, PCI_VENDOR_ID, 4);
	rd(&g, PCI_HEADER_TYPE, 1);
	rd(&g, PCI_CLASS_REVISION, 4);
	exp = find_cap(&g, PCI_CAP_ID_EXP);
	if (exp) {
		rd(&g, exp + PCI_EXP_FLAGS, 2);
		rd(&g, exp + PCI_EXP_DEVCAP, 4);
		/* pci_cfg_space_size_ext */
		g.pcie = rd(&g, 0x100, 4) != ~0u;
	}
	rd(&g, PCI_INTERRUPT_PIN, 1);
	rd(&g, PCI_INTERRUPT_LINE, 1);
	size_and_place_bars(&g, bar_base);
	rd(&g, PCI_SUBSYSTEM_VENDOR_ID, 2);
	rd(&g, PCI_SUBSYSTEM_ID, 2);
	find_cap(&g, PCI_CAP_ID_EA);
	if ((v = find_cap(&g, PCI_CAP_ID_MSI)) != 0)
		rd(&g, (uint16_t)(v + PCI_MSI_FLAGS), 2);
	msix = find_cap(&g, PCI_CAP_ID_MSIX);
	if (msix) {
		v = rd(&g, msix + PCI_MSIX_FLAGS, 2);
		if (v & PCI_MSIX_FLAGS_ENABLE)
			wr(&g, msix + PCI_MSIX_FLAGS, 2,
			   v & ~(uint32_t)PCI_MSIX_FLAGS_ENABLE);
	}
	pm = find_cap(&g, PCI_CAP_ID_PM);
	if (pm) {
		rd(&g, pm + PCI_PM_PMC, 2);
		rd(&g, pm + PCI_PM_CTRL, 2);
	}
	find_cap(&g, PCI_CAP_ID_VPD);
	find_cap(&g, PCI_CAP_ID_PCIX);
	for (unsigned i = 0; i < sizeof(ext_lookups) / sizeof(ext_lookups[0]); i++)
		find_ext_cap(&g, ext_lookups[i]);
	if (exp)
		pcie_setup(&g, exp);
	/* nvme_probe: pci_enable_device_mem, pci_set_master, MSI-X. */
	if (pm)
		rd(&g, pm + PCI_PM_CTRL, 2);
	v = rd(&g, PCI_COMMAND, 2);
	wr(&g, PCI_COMMAND, 2, v | PCI_COMMAND_MEMORY);
	v = rd(&g, PCI_COMMAND, 2);
	wr(&g, PCI_COMMAND, 2, v | PCI_COMMAND_MASTER);
	if (msix)
		enable_msix(&g, msix);
	return g.n;
}
