/* Fuzz target 2: trapped BAR accesses, the MSI-X table and PBA, mixed with
 * the config writes that enable, disable and mask (MSI-X and MSI control,
 * COMMAND, any register) and with the function raising vectors.
 *
 * Input: a fixture byte, a hidden-capability byte, then operations. After
 * each access every invariant of check.c holds, among them: only unmasked
 * vectors of an enabled, unmasked function are routed, with
 * the guest's message; enables match SET_IRQS; BAR registers untouched. */
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "tests/fuzz/fuzz.h"

/* An offset into a BAR: near the table, near the PBA, near 0, or any. */
static uint64_t bar_offset(struct fuzz_world *w, struct fuzz_input *in)
{
	uint8_t base = fuzz_u8(in);
	uint16_t delta = fuzz_u16(in);

	switch (base % 4) {
	case 0:
		return w->table_off + delta;
	case 1:
		return w->pba_off + delta;
	case 2:
		return delta;
	default:
		return (uint64_t)fuzz_u32(in) << 16 | delta;
	}
}

static void op(struct fuzz_world *w, struct fuzz_input *in)
{
	uint8_t kind = fuzz_u8(in);
	uint64_t buf[2] = { 0, 0 }, off;
	unsigned bar, size;
	uint32_t v;

	switch (kind % 9) {
	case 0:
		bar = fuzz_u8(in) % 8;
		off = bar_offset(w, in);
		size = fuzz_size(in);
		buf[0] = (uint64_t)fuzz_u32(in) << 32 | fuzz_u32(in);
		vmpci_device_bar_write(w->dev, bar, off, size, buf);
		break;
	case 1:
		bar = fuzz_u8(in) % 8;
		off = bar_offset(w, in);
		size = fuzz_size(in);
		if (vmpci_device_bar_read(w->dev, bar, off, size, buf) &&
		    size <= 8 && buf[0] != (size == 8 ? ~0ull : (1ull << (size * 8)) - 1))
			fuzz_fail("a failed BAR read gave %#llx",
				  (unsigned long long)buf[0]);
		break;
	case 2:
		/* One field of one entry, as a guest driver programs it. */
		v = fuzz_u16(in) % (w->msix_entries + 2);
		off = w->table_off + (uint64_t)v * PCI_MSIX_ENTRY_SIZE +
		      fuzz_u8(in) % 4 * 4;
		buf[0] = fuzz_u32(in);
		vmpci_device_bar_write(w->dev, w->table_bar, off, 4, buf);
		break;
	case 3:
		vmpci_device_config_write(w->dev,
					  (uint16_t)(w->msix_cap + PCI_MSIX_FLAGS),
					  2, fuzz_u16(in));
		break;
	case 4:
		/* MSI registers; reading Pending Bits collects signals. */
		v = fuzz_u8(in);
		off = w->msi_cap + v % 24;
		size = fuzz_size(in);
		if (v & 0x80)
			vmpci_device_config_read(w->dev, (uint16_t)off, size, &v);
		else
			vmpci_device_config_write(w->dev, (uint16_t)off, size,
						  fuzz_u32(in));
		break;
	case 5:
		vmpci_device_config_write(w->dev, PCI_COMMAND, 2, fuzz_u16(in));
		break;
	case 6:
		/* The function raises a vector; the host delivers what is
		 * routed, as KVM's irqfd would. */
		v = fuzz_u8(in) % 3;
		vmpci_vfio_sim_fire(w->sim,
				    v == 0   ? VFIO_PCI_INTX_IRQ_INDEX
				    : v == 1 ? VFIO_PCI_MSI_IRQ_INDEX
					     : VFIO_PCI_MSIX_IRQ_INDEX,
				    fuzz_u8(in) % 72);
		fuzz_host_deliver(&w->rec);
		break;
	case 7:
		off = fuzz_u16(in) & 0xfff;
		size = fuzz_size(in);
		vmpci_device_config_write(w->dev, (uint16_t)off, size,
					  fuzz_u32(in));
		break;
	default:
		off = fuzz_u16(in) & 0xfff;
		size = fuzz_size(in);
		vmpci_device_config_read(w->dev, (uint16_t)off, size, &v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run(data, size, op, NULL);
	return 0;
}
