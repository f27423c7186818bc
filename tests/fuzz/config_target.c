/* Fuzz target 1: guest config cycles through the bus decoders.
 *
 * Input: a fixture byte, a hidden-capability byte, then operations: port
 * I/O at 0xCF8-0xD00 (address and data, any size, valid or not), ECAM at
 * any offset, and config accesses aimed at the device (00:01.0) or the
 * emulated function beside it (00:01.2), through ECAM or CF8/CFC. Every
 * failed read must give all-ones; after each access every invariant of
 * check.c holds. */
#include <linux/pci_regs.h>

#include "tests/fuzz/fuzz.h"

static uint32_t ones(unsigned size)
{
	return size == 1 ? 0xffu : size == 2 ? 0xffffu : 0xffffffffu;
}

static void check_read(int err, uint32_t val, unsigned size, const char *how)
{
	if (err && (val & ones(size)) != ones(size))
		fuzz_fail("a failed %s read (size %u, %d) gave %#x", how, size,
			  err, val);
}

/* ECAM offset of `reg` in the device (or, with bit 12 of `sel`, the
 * emulated function). */
static uint64_t ecam_at(uint16_t sel)
{
	unsigned fn = sel & 0x1000 ? FUZZ_EMU_FN : 0;

	return (uint64_t)FUZZ_SLOT << 15 | fn << 12 | (sel & 0xfffu);
}

static void op(struct fuzz_world *w, struct fuzz_input *in)
{
	uint8_t kind = fuzz_u8(in);
	uint16_t port, sel;
	uint64_t off;
	unsigned size;
	uint32_t val = 0;
	int err;

	switch (kind % 7) {
	case 0:
		port = (uint16_t)(VMPCI_BUS_PIO_BASE + fuzz_u8(in) % 9);
		size = fuzz_size(in);
		vmpci_bus_pio_write(w->bus, port, size, fuzz_u32(in));
		break;
	case 1:
		port = (uint16_t)(VMPCI_BUS_PIO_BASE + fuzz_u8(in) % 9);
		size = fuzz_size(in);
		err = vmpci_bus_pio_read(w->bus, port, size, &val);
		check_read(err, val, size, "port");
		break;
	case 2:
		off = fuzz_u32(in) & 0x1fffffffu;
		size = fuzz_size(in);
		vmpci_bus_ecam_write(w->bus, off, size, fuzz_u32(in));
		break;
	case 3:
		off = fuzz_u32(in) & 0x1fffffffu;
		size = fuzz_size(in);
		err = vmpci_bus_ecam_read(w->bus, off, size, &val);
		check_read(err, val, size, "ECAM");
		break;
	case 4:
		sel = fuzz_u16(in);
		size = fuzz_size(in);
		vmpci_bus_ecam_write(w->bus, ecam_at(sel), size, fuzz_u32(in));
		break;
	case 5:
		sel = fuzz_u16(in);
		size = fuzz_size(in);
		err = vmpci_bus_ecam_read(w->bus, ecam_at(sel), size, &val);
		check_read(err, val, size, "ECAM");
		break;
	default:
		/* CF8 then CFC + (reg & 3), as a guest's pci_conf1 does. */
		sel = fuzz_u16(in);
		size = fuzz_size(in);
		vmpci_bus_pio_write(w->bus, VMPCI_BUS_PIO_BASE, 4,
				    0x80000000u | FUZZ_SLOT << 11 |
					    (sel & 0x1000 ? FUZZ_EMU_FN : 0)
						    << 8 |
					    (sel & 0xfcu));
		if (sel & 0x8000) {
			err = vmpci_bus_pio_read(w->bus,
						 (uint16_t)(0xcfc + (sel & 3)),
						 size, &val);
			check_read(err, val, size, "port");
		} else {
			vmpci_bus_pio_write(w->bus,
					    (uint16_t)(0xcfc + (sel & 3)), size,
					    fuzz_u32(in));
		}
		break;
	}
}

/* 00:01.2 exists, so function 0 says its slot is multi-function. */
static void check_multi_function(struct fuzz_world *w)
{
	uint32_t hdr = 0;

	if (vmpci_bus_read(w->bus, 0, FUZZ_SLOT, 0, PCI_HEADER_TYPE, 1, &hdr) ||
	    !(hdr & 0x80))
		fuzz_fail("00:01.0 header type %#x lacks the multi-function bit",
			  hdr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run(data, size, op, check_multi_function);
	return 0;
}
