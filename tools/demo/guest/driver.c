/* The demo guest's driver: what it does with the machine, the way an OS
 * driver would, through the PCI configuration ports and the function's BAR,
 * recording everything it saw in the mailbox.
 *
 * Built twice: into the freestanding 32-bit image a KVM vCPU runs (with
 * guest.c as its entry), and into the VMM itself for the demo without KVM
 * (hosted_vm.c), where io.h turns every access into a call to the VMM. The
 * code is the same either way. It uses no globals, so the flat image needs
 * no .data or .bss. */
#include <stdint.h>

#include <linux/pci_regs.h>

#include "tools/demo/guest/driver.h"
#include "tools/demo/guest/io.h"

#define CLASS_HOST_BRIDGE	0x0600u	/* base class 06, subclass 00 */
#define HEADER_MULTI_FUNCTION	0x80u
/* A 256-byte config space holds at most 48 capabilities; the bound stops a
 * looping capability list. */
#define MAX_CAPS		48
/* MSI address of LAPIC ID 0, physical destination mode. */
#define MSI_ADDR_LAPIC0		0xfee00000u

/* The mailbox has room for DEMO_MAILBOX_MAX_FUNCS; later functions go
 * unrecorded. */
static void record_function(struct demo_mailbox *mb, uint32_t devfn,
			    uint16_t vendor, uint8_t hdr)
{
	struct demo_mailbox_func *f;

	if (mb->nfuncs >= DEMO_MAILBOX_MAX_FUNCS)
		return;
	f = &mb->funcs[mb->nfuncs++];
	f->devfn = devfn;
	f->vendor = vendor;
	f->device = cfg_read16(devfn, PCI_DEVICE_ID);
	f->class_code = cfg_read32(devfn, PCI_CLASS_REVISION) >> 8;
	f->header_type = hdr;
}

/* Record every function on bus 0; functions 1-7 only on multi-function
 * devices, as function 0's header type says. */
static void scan_bus0(struct demo_mailbox *mb)
{
	for (uint32_t dev = 0; dev < 32; dev++) {
		for (uint32_t fn = 0; fn < 8; fn++) {
			uint32_t devfn = dev << 3 | fn;
			uint16_t vendor = cfg_read16(devfn, PCI_VENDOR_ID);
			uint8_t hdr;

			if (vendor == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			hdr = cfg_read8(devfn, PCI_HEADER_TYPE);
			record_function(mb, devfn, vendor, hdr);
			if (fn == 0 && !(hdr & HEADER_MULTI_FUNCTION))
				break;
		}
	}
}

/* Size BAR0 by the standard probe: write all-ones, read the mask back,
 * restore. Decode stays off meanwhile (as Linux does) so the probe value
 * never claims guest addresses; the caller turns it back on. */
static uint32_t size_bar0(struct demo_mailbox *mb, uint32_t devfn)
{
	uint32_t lo = cfg_read32(devfn, PCI_BASE_ADDRESS_0);
	uint64_t mask;

	if (lo & PCI_BASE_ADDRESS_SPACE_IO)
		return DEMO_STATUS_BAR0_NOT_MEMORY;
	mb->bar0_orig_lo = lo;
	mb->bar0_is_64 = (lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
			 PCI_BASE_ADDRESS_MEM_TYPE_64;
	cfg_write32(devfn, PCI_BASE_ADDRESS_0, 0xffffffff);
	mb->bar0_mask_lo = cfg_read32(devfn, PCI_BASE_ADDRESS_0);
	cfg_write32(devfn, PCI_BASE_ADDRESS_0, lo);
	if (mb->bar0_is_64) {
		mb->bar0_orig_hi = cfg_read32(devfn, PCI_BASE_ADDRESS_1);
		cfg_write32(devfn, PCI_BASE_ADDRESS_1, 0xffffffff);
		mb->bar0_mask_hi = cfg_read32(devfn, PCI_BASE_ADDRESS_1);
		cfg_write32(devfn, PCI_BASE_ADDRESS_1, mb->bar0_orig_hi);
	}
	/* A 32-bit BAR decodes nothing above 4 GiB: its upper mask is ones. */
	mask = mb->bar0_is_64 ? mb->bar0_mask_hi : 0xffffffff;
	mask = mask << 32 | (mb->bar0_mask_lo & PCI_BASE_ADDRESS_MEM_MASK);
	if ((uint32_t)mask == 0)
		return DEMO_STATUS_BAR0_NOT_MEMORY;
	mb->bar0_size = ~mask + 1;
	return DEMO_STATUS_OK;
}

/* Place BAR0 where the host asked. Paging is off, so the guest reaches only
 * the first 4 GiB: the whole BAR must fit below that. */
static uint32_t program_bar0(struct demo_mailbox *mb, uint32_t devfn)
{
	uint64_t gpa = mb->bar0_gpa;

	if ((gpa & (mb->bar0_size - 1)) || gpa + mb->bar0_size < gpa ||
	    gpa + mb->bar0_size > 0x100000000ull)
		return DEMO_STATUS_BAD_BAR0_ADDR;
	cfg_write32(devfn, PCI_BASE_ADDRESS_0, (uint32_t)gpa);
	mb->bar0_lo = cfg_read32(devfn, PCI_BASE_ADDRESS_0);
	if (mb->bar0_is_64) {
		cfg_write32(devfn, PCI_BASE_ADDRESS_1, (uint32_t)(gpa >> 32));
		mb->bar0_hi = cfg_read32(devfn, PCI_BASE_ADDRESS_1);
	}
	return DEMO_STATUS_OK;
}

static uint32_t find_msix(uint32_t devfn)
{
	uint32_t pos;

	if (!(cfg_read16(devfn, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = cfg_read8(devfn, PCI_CAPABILITY_LIST) & ~3u;
	for (int i = 0; i < MAX_CAPS && pos >= PCI_STD_HEADER_SIZEOF; i++) {
		if (cfg_read8(devfn, pos + PCI_CAP_LIST_ID) == PCI_CAP_ID_MSIX)
			return pos;
		pos = cfg_read8(devfn, pos + PCI_CAP_LIST_NEXT) & ~3u;
	}
	return 0;
}

/* Enable MSI-X in Linux's order (msix_capability_init): enable with the
 * function masked, program the entry, unmask the function, then the vector.
 * Entry 0 targets LAPIC 0 with the host's vector, fixed delivery, edge. */
static uint32_t enable_msix(struct demo_mailbox *mb, uint32_t devfn,
			    uint32_t bar)
{
	uint32_t cap = find_msix(devfn);
	uint16_t ctrl;
	uint32_t entry0;

	if (!cap)
		return DEMO_STATUS_NO_MSIX;
	mb->msix_cap = cap;
	mb->msix_table = cfg_read32(devfn, cap + PCI_MSIX_TABLE);
	mb->msix_pba = cfg_read32(devfn, cap + PCI_MSIX_PBA);
	if ((mb->msix_table & PCI_MSIX_TABLE_BIR) ||
	    (mb->msix_pba & PCI_MSIX_PBA_BIR))
		return DEMO_STATUS_MSIX_NOT_IN_BAR0;
	entry0 = bar + (mb->msix_table & PCI_MSIX_TABLE_OFFSET);

	ctrl = cfg_read16(devfn, cap + PCI_MSIX_FLAGS);
	ctrl |= PCI_MSIX_FLAGS_ENABLE;
	cfg_write16(devfn, cap + PCI_MSIX_FLAGS, ctrl | PCI_MSIX_FLAGS_MASKALL);
	mmio_write32(entry0 + PCI_MSIX_ENTRY_LOWER_ADDR, MSI_ADDR_LAPIC0);
	mmio_write32(entry0 + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
	mmio_write32(entry0 + PCI_MSIX_ENTRY_DATA, mb->msix_vector & 0xff);
	cfg_write16(devfn, cap + PCI_MSIX_FLAGS,
		    ctrl & ~PCI_MSIX_FLAGS_MASKALL);
	mmio_write32(entry0 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);

	mb->msix_ctrl = cfg_read16(devfn, cap + PCI_MSIX_FLAGS);
	mb->table_value = mmio_read32(entry0 + PCI_MSIX_ENTRY_DATA);
	return DEMO_STATUS_OK;
}

uint32_t demo_guest_drive(struct demo_mailbox *mb)
{
	uint32_t devfn, i, status;
	uint16_t cmd;

	scan_bus0(mb);
	for (i = 0; i < mb->nfuncs; i++)
		if (mb->funcs[i].class_code >> 8 != CLASS_HOST_BRIDGE)
			break;
	if (i == mb->nfuncs)
		return DEMO_STATUS_NO_DEVICE;
	devfn = mb->funcs[i].devfn;
	mb->devfn = devfn;

	cmd = cfg_read16(devfn, PCI_COMMAND);
	cfg_write16(devfn, PCI_COMMAND,
		    cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	status = size_bar0(mb, devfn);
	if (status == DEMO_STATUS_OK)
		status = program_bar0(mb, devfn);
	if (status != DEMO_STATUS_OK) {
		cfg_write16(devfn, PCI_COMMAND, cmd);
		return status;
	}
	cfg_write16(devfn, PCI_COMMAND,
		    cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	mb->command = cfg_read16(devfn, PCI_COMMAND);

	status = enable_msix(mb, devfn, (uint32_t)mb->bar0_gpa);
	if (status != DEMO_STATUS_OK)
		return status;
	mb->mapped_value =
		mmio_read32((uint32_t)mb->bar0_gpa + mb->mapped_offset);
	return DEMO_STATUS_OK;
}
