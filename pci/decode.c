/* The two ways a guest reaches config space: configuration mechanism #1
 * (address at 0xCF8, data at 0xCFC-0xCFF; PCI 3.0, 3.2.2.3.2) and ECAM
 * (PCIe 4.0, 7.2.2). Every guest value is data: anything malformed reads
 * all-ones and writes nowhere. */
#include <errno.h>

#include "pci/bus_internal.h"
#include "pci/config_internal.h"

#define CF8_ENABLE 0x80000000u
/* Enable, bus, device, function, dword register; reserved bits read 0. */
#define CF8_BITS 0x80fffffcu
#define CFC_PORT (VMPCI_BUS_PIO_BASE + 4)

static bool pio_size_ok(uint16_t port, uint16_t base, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) &&
	       (port - base) + size <= 4;
}

/* Only a dword access at 0xCF8 is CONFIG_ADDRESS (PCI 3.0, 3.2.2.3.2; QEMU
 * does the same): byte and word accesses to 0xCF8-0xCFB are other
 * registers, such as the reset control register at 0xCF9 that Linux's
 * reboot=pci and the ACPI reset register write. They are the VMM's. */
static bool is_config_address(uint16_t port, unsigned size)
{
	return port == VMPCI_BUS_PIO_BASE && size == 4;
}

/* Where an access to the data ports 0xCFC-0xCFF goes: 1 with *target
 * filled, 0 while CONFIG_ADDRESS is disabled (reads all-ones, writes
 * nowhere), -EINVAL for a port or size outside the data window. */
struct cfg_target {
	uint8_t busnr, slot, fn;
	uint16_t reg;
};

static int data_target(const struct vmpci_bus *bus, uint16_t port,
		       unsigned size, struct cfg_target *t)
{
	if (port < CFC_PORT || port >= VMPCI_BUS_PIO_BASE + VMPCI_BUS_PIO_SIZE ||
	    !pio_size_ok(port, CFC_PORT, size))
		return -EINVAL;
	if (!(bus->cf8 & CF8_ENABLE))
		return 0;
	t->busnr = (uint8_t)(bus->cf8 >> 16);
	t->slot = (uint8_t)((bus->cf8 >> 11) & 0x1fu);
	t->fn = (uint8_t)((bus->cf8 >> 8) & 0x7u);
	t->reg = (uint16_t)((bus->cf8 & 0xfcu) + (port - CFC_PORT));
	return 1;
}

int vmpci_bus_pio_read(struct vmpci_bus *bus, uint16_t port, unsigned size,
		       uint32_t *val)
{
	struct cfg_target t;
	int rc;

	if (!val)
		return -EINVAL;
	*val = size_ones(size);
	if (!bus)
		return -EINVAL;
	if (port >= VMPCI_BUS_PIO_BASE && port < CFC_PORT) {
		if (!is_config_address(port, size))
			return -ENXIO;
		*val = bus->cf8;
		return 0;
	}
	rc = data_target(bus, port, size, &t);
	if (rc <= 0)
		return rc;
	return vmpci_bus_read(bus, t.busnr, t.slot, t.fn, t.reg, size, val);
}

int vmpci_bus_pio_write(struct vmpci_bus *bus, uint16_t port, unsigned size,
			uint32_t val)
{
	struct cfg_target t;
	int rc;

	if (!bus)
		return -EINVAL;
	if (port >= VMPCI_BUS_PIO_BASE && port < CFC_PORT) {
		if (!is_config_address(port, size))
			return -ENXIO;
		bus->cf8 = val & CF8_BITS;
		return 0;
	}
	rc = data_target(bus, port, size, &t);
	if (rc <= 0)
		return rc;
	return vmpci_bus_write(bus, t.busnr, t.slot, t.fn, t.reg, size, val);
}

static void ecam_target(uint64_t offset, struct cfg_target *t)
{
	t->busnr = (uint8_t)(offset >> 20);
	t->slot = (uint8_t)((offset >> 15) & 0x1fu);
	t->fn = (uint8_t)((offset >> 12) & 0x7u);
	t->reg = (uint16_t)(offset & 0xfffu);
}

int vmpci_bus_ecam_read(struct vmpci_bus *bus, uint64_t offset,
			unsigned size, uint32_t *val)
{
	struct cfg_target t;

	if (!val)
		return -EINVAL;
	*val = size_ones(size);
	if (!bus || offset >= VMPCI_BUS_ECAM_SIZE)
		return -EINVAL;
	ecam_target(offset, &t);
	return vmpci_bus_read(bus, t.busnr, t.slot, t.fn, t.reg, size, val);
}

int vmpci_bus_ecam_write(struct vmpci_bus *bus, uint64_t offset,
			 unsigned size, uint32_t val)
{
	struct cfg_target t;

	if (!bus || offset >= VMPCI_BUS_ECAM_SIZE)
		return -EINVAL;
	ecam_target(offset, &t);
	return vmpci_bus_write(bus, t.busnr, t.slot, t.fn, t.reg, size, val);
}
