/* How many bytes a capability occupies, from its id and its own registers
 * (the lengths the kernel's vfio-pci tables use). Unknown ids return 0: the
 * walker then gives them everything up to the next capability. */
#include <linux/pci_regs.h>

#include "pci/config_internal.h"

/* An image byte, or 0 past the space (a capability may claim to end past
 * it; the walker clamps). */
static uint8_t img8(const struct vmpci_config *cfg, uint32_t at)
{
	return at < cfg->size ? cfg->image[at] : 0;
}

static uint32_t img32(const struct vmpci_config *cfg, uint32_t at)
{
	return (uint32_t)img8(cfg, at) | (uint32_t)img8(cfg, at + 1) << 8 |
	       (uint32_t)img8(cfg, at + 2) << 16 |
	       (uint32_t)img8(cfg, at + 3) << 24;
}

static uint16_t msi_length(const struct vmpci_config *cfg, uint16_t pos)
{
	uint16_t flags = (uint16_t)(img8(cfg, pos + PCI_MSI_FLAGS) |
				    img8(cfg, pos + PCI_MSI_FLAGS + 1) << 8);
	uint16_t len = 10;

	if (flags & PCI_MSI_FLAGS_64BIT)
		len += 4;
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		len += 10;
	return len;
}

/* PCI Express capability: version 1 ends after Root Status, version 2
 * after Slot Control 2 (endpoints leave the port registers reserved). */
static uint16_t exp_length(const struct vmpci_config *cfg, uint16_t pos)
{
	if ((img8(cfg, pos + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_VERS) == 1)
		return PCI_EXP_RTSTA + 4;
	return 0x3c;
}

static uint16_t std_length(const struct vmpci_config *cfg, uint16_t pos,
			   uint8_t id)
{
	switch (id) {
	case PCI_CAP_ID_PM:
		return PCI_PM_SIZEOF;
	case PCI_CAP_ID_AGP:
		return PCI_AGP_SIZEOF;
	case PCI_CAP_ID_VPD:
		return PCI_CAP_VPD_SIZEOF;
	case PCI_CAP_ID_SLOTID:
		return PCI_CAP_SIZEOF;
	case PCI_CAP_ID_MSI:
		return msi_length(cfg, pos);
	case PCI_CAP_ID_PCIX:
		return PCI_X_CMD_VERSION(img8(cfg, pos + PCI_X_CMD + 1) << 8) ?
			       PCI_CAP_PCIX_SIZEOF_V2 :
			       PCI_CAP_PCIX_SIZEOF_V0;
	case PCI_CAP_ID_VNDR:
		/* The length byte counts the header too. */
		return img8(cfg, pos + PCI_CAP_FLAGS) < 3 ?
			       3 :
			       img8(cfg, pos + PCI_CAP_FLAGS);
	case PCI_CAP_ID_EXP:
		return exp_length(cfg, pos);
	case PCI_CAP_ID_MSIX:
		return PCI_CAP_MSIX_SIZEOF;
	case PCI_CAP_ID_SATA:
		return (img8(cfg, pos + PCI_SATA_REGS) & PCI_SATA_REGS_MASK) ==
				       PCI_SATA_REGS_INLINE ?
			       16 :
			       8;
	case PCI_CAP_ID_AF:
		return PCI_CAP_AF_SIZEOF;
	default:
		return 0;
	}
}

static uint16_t acs_length(const struct vmpci_config *cfg, uint16_t pos)
{
	unsigned bits;

	if (!(img8(cfg, pos + PCI_ACS_CAP) & PCI_ACS_EC))
		return 8;
	bits = img8(cfg, pos + PCI_ACS_EGRESS_BITS);
	bits = bits ? (bits + 31u) / 32u * 32u : 256u;
	return (uint16_t)(8 + bits / 8);
}

static uint16_t ext_length(const struct vmpci_config *cfg, uint16_t pos,
			   uint16_t id)
{
	switch (id) {
	case PCI_EXT_CAP_ID_ERR:
		/* Up to the TLP prefix log, the largest layout. */
		return 0x48;
	case PCI_EXT_CAP_ID_DSN:
		return PCI_EXT_CAP_DSN_SIZEOF;
	case PCI_EXT_CAP_ID_PWR:
		return PCI_EXT_CAP_PWR_SIZEOF;
	case PCI_EXT_CAP_ID_VNDR:
	case PCI_EXT_CAP_ID_DVSEC:
		return (uint16_t)(img32(cfg, pos + PCI_VSEC_HDR) >>
				  PCI_VSEC_HDR_LEN_SHIFT);
	case PCI_EXT_CAP_ID_ACS:
		return acs_length(cfg, pos);
	case PCI_EXT_CAP_ID_ARI:
		return PCI_EXT_CAP_ARI_SIZEOF;
	case PCI_EXT_CAP_ID_ATS:
		return PCI_EXT_CAP_ATS_SIZEOF;
	case PCI_EXT_CAP_ID_SRIOV:
		return PCI_EXT_CAP_SRIOV_SIZEOF;
	case PCI_EXT_CAP_ID_MCAST:
		return PCI_EXT_CAP_MCAST_ENDPOINT_SIZEOF;
	case PCI_EXT_CAP_ID_PRI:
		return PCI_EXT_CAP_PRI_SIZEOF;
	case PCI_EXT_CAP_ID_REBAR:
		return (uint16_t)(4 + 8 * ((img8(cfg, pos + PCI_REBAR_CTRL) &
					    PCI_REBAR_CTRL_NBAR_MASK) >>
					   PCI_REBAR_CTRL_NBAR_SHIFT));
	case PCI_EXT_CAP_ID_LTR:
		return PCI_EXT_CAP_LTR_SIZEOF;
	case PCI_EXT_CAP_ID_PASID:
		return PCI_EXT_CAP_PASID_SIZEOF;
	case PCI_EXT_CAP_ID_L1SS:
		return PCI_L1SS_CTL2 + 4;
	default:
		return 0;
	}
}

uint16_t vmpci__cfg_cap_length(const struct vmpci_config *cfg, uint16_t pos,
			uint16_t id, bool extended)
{
	return extended ? ext_length(cfg, pos, id) :
			  std_length(cfg, pos, (uint8_t)id);
}
