/* Default permissions: which bits of the header and of each capability are
 * emulated, writable and write-1-to-clear. The choices follow the kernel's
 * vfio-pci tables (vfio_pci_config.c): identity and chain bytes are ours,
 * control registers the guest needs pass through, everything else is
 * read-only. Bytes no capability owns pass through read-write, as the
 * kernel's "unassigned" space does (some devices keep registers there). */
#include <linux/pci_regs.h>
#include <string.h>

#include "pci/config_internal.h"

#define ALL 0xffffffffu

/* STATUS bits that are write-1-to-clear (PCI 3.0, 6.2.3). */
#define STATUS_W1C                                                   \
	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |            \
	 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |  \
	 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)

/* COMMAND bits defined by PCI 3.0; 11-15 are reserved. */
#define COMMAND_BITS                                                      \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |        \
	 PCI_COMMAND_SPECIAL | PCI_COMMAND_INVALIDATE |                    \
	 PCI_COMMAND_VGA_PALETTE | PCI_COMMAND_PARITY | PCI_COMMAND_WAIT | \
	 PCI_COMMAND_SERR | PCI_COMMAND_FAST_BACK | PCI_COMMAND_INTX_DISABLE)

void vmpci__cfg_perm_header(struct vmpci_config *cfg)
{
	/* Outside the header: raw pass-through until a capability claims it. */
	memset(cfg->emul + PCI_STD_HEADER_SIZEOF, 0,
	       cfg->size - PCI_STD_HEADER_SIZEOF);
	memset(cfg->wmask + PCI_STD_HEADER_SIZEOF, 0xff,
	       cfg->size - PCI_STD_HEADER_SIZEOF);
	memset(cfg->w1c + PCI_STD_HEADER_SIZEOF, 0,
	       cfg->size - PCI_STD_HEADER_SIZEOF);

	/* Read-only identity and layout: cached from the device. */
	memset(cfg->emul, 0xff, PCI_STD_HEADER_SIZEOF);
	memset(cfg->wmask, 0, PCI_STD_HEADER_SIZEOF);
	memset(cfg->w1c, 0, PCI_STD_HEADER_SIZEOF);

	perm_set(cfg, PCI_COMMAND, 2, 0, COMMAND_BITS, 0);
	/* The capability-list bit is ours (the list may end up empty); the
	 * rest of STATUS is live device state. */
	perm_set(cfg, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, STATUS_W1C,
		 STATUS_W1C);
	perm_set(cfg, PCI_CACHE_LINE_SIZE, 1, 0, 0xff, 0);
	perm_set(cfg, PCI_LATENCY_TIMER, 1, 0, 0xff, 0);
	perm_set(cfg, PCI_BIST, 1, 0, PCI_BIST_START, 0);
	perm_set(cfg, PCI_INTERRUPT_LINE, 1, 0xff, 0xff, 0);

	/* Only the functions the bus puts in this slot make it
	 * multi-function; the device's own siblings are not passed. */
	cfg->image[PCI_HEADER_TYPE] &= PCI_HEADER_TYPE_MASK;

	/* BARs are unimplemented until declared: host addresses never show. */
	memset(cfg->image + PCI_BASE_ADDRESS_0, 0,
	       PCI_BASE_ADDRESS_5 + 4 - PCI_BASE_ADDRESS_0);
	memset(cfg->image + PCI_ROM_ADDRESS, 0, 4);
}

/* Permissions of `size` bytes at `rel` inside `cap`, if it is that long. */
static void cap_perm(struct vmpci_config *cfg, const struct vmpci_cap *cap,
		     uint16_t rel, unsigned size, uint32_t emul,
		     uint32_t write, uint32_t w1c)
{
	if (rel + size > cap->length)
		return;
	perm_set(cfg, (uint16_t)(cap->offset + rel), size, emul, write, w1c);
}

static void perm_pm(struct vmpci_config *cfg, const struct vmpci_cap *cap)
{
	/* The guest may change the power state: the kernel below carries it
	 * out. PME status is write-1-to-clear. */
	cap_perm(cfg, cap, PCI_PM_CTRL, 2, 0,
		 PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE |
			 PCI_PM_CTRL_DATA_SEL_MASK | PCI_PM_CTRL_PME_STATUS,
		 PCI_PM_CTRL_PME_STATUS);
}

/* Without a handler, MSI registers are emulated as the kernel does: the
 * guest programs them, the device object enables vectors itself. */
static void perm_msi(struct vmpci_config *cfg, const struct vmpci_cap *cap)
{
	uint16_t flags = (uint16_t)le_load(cfg->image + cap->offset +
					   PCI_MSI_FLAGS, 2);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;

	cap_perm(cfg, cap, PCI_MSI_FLAGS, 2, ALL,
		 PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 0);
	cap_perm(cfg, cap, PCI_MSI_ADDRESS_LO, 4, ALL, ~3u, 0);
	if (is64)
		cap_perm(cfg, cap, PCI_MSI_ADDRESS_HI, 4, ALL, ALL, 0);
	cap_perm(cfg, cap, is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32, 2, ALL,
		 ALL, 0);
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		cap_perm(cfg, cap, is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32, 4,
			 0, ALL, 0);
}

static void perm_msix(struct vmpci_config *cfg, const struct vmpci_cap *cap)
{
	uint32_t ctl = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

	cap_perm(cfg, cap, PCI_MSIX_FLAGS, 2, ctl, ctl, 0);
}

static void perm_exp(struct vmpci_config *cfg, const struct vmpci_cap *cap)
{
	/* Device control (including FLR) is the guest's, except phantom
	 * functions, which would confuse the IOMMU, and ARI, set by the host
	 * at probe time. Status registers stay read-only; their
	 * write-1-to-clear bits are marked so a device control write never
	 * clears them. */
	cap_perm(cfg, cap, PCI_EXP_DEVCTL, 2, 0,
		 0xffffu & ~PCI_EXP_DEVCTL_PHANTOM, 0);
	cap_perm(cfg, cap, PCI_EXP_DEVSTA, 2, 0, 0,
		 PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED |
			 PCI_EXP_DEVSTA_FED | PCI_EXP_DEVSTA_URD);
	cap_perm(cfg, cap, PCI_EXP_LNKSTA, 2, 0, 0,
		 PCI_EXP_LNKSTA_LBMS | PCI_EXP_LNKSTA_LABS);
	cap_perm(cfg, cap, PCI_EXP_SLTSTA, 2, 0, 0,
		 PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD |
			 PCI_EXP_SLTSTA_MRLSC | PCI_EXP_SLTSTA_PDC |
			 PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC);
	cap_perm(cfg, cap, PCI_EXP_RTSTA, 4, 0, 0, PCI_EXP_RTSTA_PME);
	cap_perm(cfg, cap, PCI_EXP_DEVCTL2, 2, 0,
		 0xffffu & ~PCI_EXP_DEVCTL2_ARI, 0);
}

/* Vendor-specific and VPD registers have meanings only the driver knows:
 * their bodies pass through read-write, as the kernel's raw write does. */
static void perm_raw_body(struct vmpci_config *cfg,
			  const struct vmpci_cap *cap, uint16_t from)
{
	if (from >= cap->length)
		return;
	memset(cfg->wmask + cap->offset + from, 0xff, cap->length - from);
}

static void perm_aer(struct vmpci_config *cfg, const struct vmpci_cap *cap)
{
	uint32_t unc = PCI_ERR_UNC_DLP | PCI_ERR_UNC_SURPDN |
		       PCI_ERR_UNC_POISON_TLP | PCI_ERR_UNC_FCP |
		       PCI_ERR_UNC_COMP_TIME | PCI_ERR_UNC_COMP_ABORT |
		       PCI_ERR_UNC_UNX_COMP | PCI_ERR_UNC_RX_OVER |
		       PCI_ERR_UNC_MALF_TLP | PCI_ERR_UNC_ECRC |
		       PCI_ERR_UNC_UNSUP | PCI_ERR_UNC_ACSV |
		       PCI_ERR_UNC_INTN | PCI_ERR_UNC_MCBTLP |
		       PCI_ERR_UNC_ATOMEG | PCI_ERR_UNC_TLPPRE;
	uint32_t cor = PCI_ERR_COR_RCVR | PCI_ERR_COR_BAD_TLP |
		       PCI_ERR_COR_BAD_DLLP | PCI_ERR_COR_REP_ROLL |
		       PCI_ERR_COR_REP_TIMER | PCI_ERR_COR_ADV_NFAT |
		       PCI_ERR_COR_INTERNAL | PCI_ERR_COR_LOG_OVER;

	cap_perm(cfg, cap, PCI_ERR_UNCOR_STATUS, 4, 0, unc, unc);
	cap_perm(cfg, cap, PCI_ERR_UNCOR_MASK, 4, 0, unc, 0);
	cap_perm(cfg, cap, PCI_ERR_UNCOR_SEVER, 4, 0, unc, 0);
	cap_perm(cfg, cap, PCI_ERR_COR_STATUS, 4, 0, cor, cor);
	cap_perm(cfg, cap, PCI_ERR_COR_MASK, 4, 0, cor, 0);
	cap_perm(cfg, cap, PCI_ERR_CAP, 4, 0,
		 PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE, 0);
}

static void perm_standard(struct vmpci_config *cfg,
			  const struct vmpci_cap *cap)
{
	/* The chain bytes are ours so capabilities can be unlinked. */
	cap_perm(cfg, cap, PCI_CAP_LIST_ID, 2, ALL, 0, 0);
	switch (cap->id) {
	case PCI_CAP_ID_PM:
		perm_pm(cfg, cap);
		break;
	case PCI_CAP_ID_VPD:
		perm_raw_body(cfg, cap, PCI_VPD_ADDR);
		break;
	case PCI_CAP_ID_MSI:
		perm_msi(cfg, cap);
		break;
	case PCI_CAP_ID_PCIX:
		cap_perm(cfg, cap, PCI_X_CMD, 2, 0, ALL, 0);
		cap_perm(cfg, cap, PCI_X_ECC_CSR, 4, 0, ALL, 0);
		break;
	case PCI_CAP_ID_VNDR:
		/* Byte 2 is the length. */
		perm_raw_body(cfg, cap, PCI_CAP_FLAGS + 1);
		break;
	case PCI_CAP_ID_EXP:
		perm_exp(cfg, cap);
		break;
	case PCI_CAP_ID_MSIX:
		perm_msix(cfg, cap);
		break;
	case PCI_CAP_ID_AF:
		cap_perm(cfg, cap, PCI_AF_CTRL, 1, 0, PCI_AF_CTRL_FLR, 0);
		break;
	default:
		break;
	}
}

static void perm_extended(struct vmpci_config *cfg,
			  const struct vmpci_cap *cap)
{
	/* The whole header dword is ours: it holds the next pointer. */
	cap_perm(cfg, cap, 0, 4, ALL, 0, 0);
	switch (cap->id) {
	case PCI_EXT_CAP_ID_ERR:
		perm_aer(cfg, cap);
		break;
	case PCI_EXT_CAP_ID_PWR:
		cap_perm(cfg, cap, PCI_PWR_DSR, 1, 0, 0xff, 0);
		break;
	case PCI_EXT_CAP_ID_VNDR:
		perm_raw_body(cfg, cap, PCI_VSEC_HDR + 4);
		break;
	default:
		break;
	}
}

void vmpci__cfg_perm_cap(struct vmpci_config *cfg, const struct vmpci_cap *cap)
{
	/* Read-only pass-through unless the capability says otherwise. */
	memset(cfg->emul + cap->offset, 0, cap->length);
	memset(cfg->wmask + cap->offset, 0, cap->length);
	memset(cfg->w1c + cap->offset, 0, cap->length);
	if (cap->flags & VMPCI_CAP_EXTENDED)
		perm_extended(cfg, cap);
	else
		perm_standard(cfg, cap);
}
