/* The simulated function's config region, virtualized as vfio-pci does:
 * BAR and ROM registers answer sizing probes from the region sizes, the MSI
 * control byte keeps its enable bit clear unless MSI owns the function,
 * MSI-X control follows SET_IRQS(MSIX), a few registers are plainly
 * writable and the rest is read-only. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <string.h>

#include "sim/internal.h"

/* The Command bits QEMU's endpoint functions implement (measured through
 * vfio-pci: writing 0xffff reads 0x0507). */
#define SIM_COMMAND_WMASK                                                   \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |         \
	 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

static uint32_t bar_reg_offset(uint32_t reg)
{
	return reg == 6 ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * reg;
}

static bool is_mem64(const struct vmpci_vfio_sim *s, uint32_t reg)
{
	return reg < 6 && s->bar_size[reg] && !s->bar_io[reg] &&
	       (s->bar_flags[reg] & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		       PCI_BASE_ADDRESS_MEM_TYPE_64;
}

/* What the user reads from BAR register `reg` given the raw value written:
 * address bits below the size read 0, type bits read as the hardware's. */
static uint32_t bar_value(const struct vmpci_vfio_sim *s, uint32_t reg)
{
	uint32_t raw = s->bar_raw[reg];
	uint64_t size;

	if (reg == 6) {
		size = s->bar_size[6];
		if (!size)
			return 0;
		return raw & (((uint32_t)~(size - 1) & PCI_ROM_ADDRESS_MASK) |
			      PCI_ROM_ADDRESS_ENABLE);
	}
	if (reg > 0 && is_mem64(s, reg - 1))
		return raw & (uint32_t)(~(s->bar_size[reg - 1] - 1) >> 32);
	size = s->bar_size[reg];
	if (!size)
		return 0;
	return (raw & (uint32_t)~(size - 1)) | s->bar_flags[reg];
}

static void find_caps(struct vmpci_vfio_sim *s)
{
	uint32_t pos, n;

	if (!(sim_rd16(s->config + PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return;
	pos = s->config[PCI_CAPABILITY_LIST] & ~3u;
	/* 48 caps fill the 192 bytes after the header: more is a loop. */
	for (n = 0; pos >= 0x40 && pos < 0x100 && n < 48; n++) {
		switch (s->config[pos]) {
		case PCI_CAP_ID_MSI:
			s->msi_cap = pos;
			break;
		case PCI_CAP_ID_MSIX:
			s->msix_cap = pos;
			break;
		case PCI_CAP_ID_EXP:
			s->pcie_cap = pos;
			break;
		case PCI_CAP_ID_PM:
			s->pm_cap = pos;
			break;
		default:
			break;
		}
		pos = s->config[pos + 1] & ~3u;
	}
}

static void set_wmask(struct vmpci_vfio_sim *s, uint32_t off, uint32_t len)
{
	if (off + len <= s->config_size)
		memset(s->wmask + off, 0xff, len);
}

/* The MSI registers after Message Control are virtual and writable;
 * Pending Bits is virtual and read-only. */
static void msi_wmask(struct vmpci_vfio_sim *s)
{
	uint32_t p = s->msi_cap;
	uint16_t flags = sim_rd16(s->config + p + PCI_MSI_FLAGS);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;
	uint32_t data = p + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);

	set_wmask(s, p + PCI_MSI_ADDRESS_LO, is64 ? 8 : 4);
	set_wmask(s, data, 2);
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		set_wmask(s, data + 4, 4);
}

void vmpci_vfio_sim_config_setup(struct vmpci_vfio_sim *s)
{
	uint32_t reg, t;

	find_caps(s);
	for (reg = 0; reg < SIM_NR_BARREGS; reg++) {
		s->bar_raw[reg] = sim_rd32(s->config + bar_reg_offset(reg));
		if (reg < 6) {
			s->bar_io[reg] =
				s->bar_raw[reg] & PCI_BASE_ADDRESS_SPACE_IO;
			s->bar_flags[reg] =
				s->bar_raw[reg] &
				(s->bar_io[reg] ? ~PCI_BASE_ADDRESS_IO_MASK :
						  ~PCI_BASE_ADDRESS_MEM_MASK);
		}
	}
	for (reg = 0; reg < SIM_NR_BARREGS; reg++)
		sim_wr32(s->config + bar_reg_offset(reg), bar_value(s, reg));
	memset(s->wmask, 0, sizeof(s->wmask));
	sim_wr16(s->wmask + PCI_COMMAND, SIM_COMMAND_WMASK);
	s->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	s->wmask[PCI_LATENCY_TIMER] = 0xff;
	s->wmask[PCI_INTERRUPT_LINE] = 0xff;
	/* As vfio-pci lets the user write them: the power state and PME
	 * enable of PMCSR, Device Control but Initiate FLR (an action, see
	 * start_flr). */
	if (s->pm_cap)
		sim_wr16(s->wmask + s->pm_cap + PCI_PM_CTRL,
			 PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE);
	if (s->pcie_cap)
		sim_wr16(s->wmask + s->pcie_cap + PCI_EXP_DEVCTL,
			 (uint16_t)~PCI_EXP_DEVCTL_BCR_FLR);
	if (s->msi_cap)
		msi_wmask(s);
	if (s->msix_cap) {
		t = sim_rd32(s->config + s->msix_cap + PCI_MSIX_TABLE);
		s->msix_bar = t & PCI_MSIX_TABLE_BIR;
		s->msix_table_offset = t & PCI_MSIX_TABLE_OFFSET;
		s->msix_table_size =
			((sim_rd16(s->config + s->msix_cap + PCI_MSIX_FLAGS) &
			  PCI_MSIX_FLAGS_QSIZE) + 1u) *
			PCI_MSIX_ENTRY_SIZE;
	}
	vmpci_vfio_sim_config_irq_mode(s);
}

void vmpci_vfio_sim_config_irq_mode(struct vmpci_vfio_sim *s)
{
	uint8_t *ctl;

	if (!s->msix_cap)
		return;
	/* The host enabled MSI-X on the function itself, and reads of the
	 * MSI-X capability pass through to it. */
	ctl = s->config + s->msix_cap + PCI_MSIX_FLAGS;
	sim_wr16(ctl, (uint16_t)((sim_rd16(ctl) & ~PCI_MSIX_FLAGS_ENABLE) |
				 (s->mode == SIM_IRQ_MSIX ?
					  PCI_MSIX_FLAGS_ENABLE : 0)));
}

int vmpci_vfio_sim_config_read(struct vmpci_vfio_sim *s, uint64_t offset,
			       void *data, uint64_t size)
{
	if (offset > s->config_size || size > s->config_size - offset)
		return -EINVAL;
	memcpy(data, s->config + offset, size);
	return 0;
}

/* Register index (0-5 BARs, 6 ROM) of config byte `off`, or -1. */
static int bar_reg_of(uint32_t off)
{
	if (off >= PCI_BASE_ADDRESS_0 && off < PCI_BASE_ADDRESS_5 + 4)
		return (int)((off - PCI_BASE_ADDRESS_0) / 4);
	if (off >= PCI_ROM_ADDRESS && off < PCI_ROM_ADDRESS + 4)
		return 6;
	return -1;
}

/* vfio-pci keeps the MSI enable bit clear unless MSI owns the function
 * (MSI is enabled through SET_IRQS) and clamps the queue size to what the
 * function supports. */
static void write_msi_flags(struct vmpci_vfio_sim *s, uint8_t v)
{
	uint8_t *p = s->config + s->msi_cap + PCI_MSI_FLAGS;
	uint8_t qmax = (*p & PCI_MSI_FLAGS_QMASK) >> 1;
	uint8_t keep = (uint8_t)~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);

	v &= PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE;
	if (s->mode != SIM_IRQ_MSI)
		v &= (uint8_t)~PCI_MSI_FLAGS_ENABLE;
	if (((v & PCI_MSI_FLAGS_QSIZE) >> 4) > qmax)
		v = (uint8_t)((v & ~PCI_MSI_FLAGS_QSIZE) | qmax << 4);
	*p = (uint8_t)((*p & keep) | v);
}

/* Initiate FLR (Device Control bit 15) on a function that advertises FLR:
 * vfio-pci resets the function; the bit always reads 0. */
static void start_flr(struct vmpci_vfio_sim *s, uint64_t offset,
		      const uint8_t *in, uint64_t size)
{
	uint32_t at = s->pcie_cap + PCI_EXP_DEVCTL + 1;
	uint8_t flr = PCI_EXP_DEVCTL_BCR_FLR >> 8;

	if (!s->pcie_cap || at < offset || at >= offset + size ||
	    !(in[at - offset] & flr))
		return;
	if (sim_rd32(s->config + s->pcie_cap + PCI_EXP_DEVCAP) &
	    PCI_EXP_DEVCAP_FLR)
		s->flrs++;
}

int vmpci_vfio_sim_config_write(struct vmpci_vfio_sim *s, uint64_t offset,
				const void *data, uint64_t size)
{
	const uint8_t *in = data;
	bool touched[SIM_NR_BARREGS] = { false };
	uint32_t i, off, reg;
	int r;

	if (offset > s->config_size || size > s->config_size - offset)
		return -EINVAL;
	for (i = 0; i < size; i++) {
		off = (uint32_t)offset + i;
		r = bar_reg_of(off);
		if (r >= 0) {
			reg = (uint32_t)r;
			s->bar_raw[reg] &= ~(0xffu << 8 * (off % 4));
			s->bar_raw[reg] |= (uint32_t)in[i] << 8 * (off % 4);
			touched[reg] = true;
		} else if (s->msi_cap && off == s->msi_cap + PCI_MSI_FLAGS) {
			write_msi_flags(s, in[i]);
		} else {
			s->config[off] = (uint8_t)((s->config[off] & ~s->wmask[off]) |
						   (in[i] & s->wmask[off]));
		}
	}
	start_flr(s, offset, in, size);
	for (reg = 0; reg < SIM_NR_BARREGS; reg++) {
		if (!touched[reg])
			continue;
		s->bar_writes[reg]++;
		sim_wr32(s->config + bar_reg_offset(reg), bar_value(s, reg));
	}
	return 0;
}
