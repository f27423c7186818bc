/* Config-space access paths into the vmpci bus. The bus decodes both
 * mechanisms itself (pci/bus.h); this file only turns trapped accesses
 * into calls and carves out the reset register. */
#include "tools/run/pci_host.h"

#include <string.h>

#include "tools/run/power.h"

static uint32_t load_le(const uint8_t *data, uint32_t len)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < len && i < 4; i++)
		v |= (uint32_t)data[i] << (8 * i);
	return v;
}

static void store_le(uint8_t *data, uint32_t len, uint32_t v)
{
	for (uint32_t i = 0; i < len; i++)
		data[i] = i < 4 ? (uint8_t)(v >> (8 * i)) : 0xff;
}

/* 0xCF8-0xCFF. Only a dword at 0xCF8 is CONFIG_ADDRESS (PCI Local Bus
 * 3.0, 3.2.2.3.2: other sizes there belong to other registers); a byte at
 * 0xCF9 is the reset control register; other sub-dword accesses to
 * 0xCF8-0xCFB reach no register. */
static void pio_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct run_vm *vm = opaque;
	uint16_t port = (uint16_t)addr;
	uint32_t val = 0xffffffffu;

	if (port == RUN_RESET_PORT && len == 1) {
		if (is_write)
			run_power_reset_write(vm, data[0]);
		else
			data[0] = 0;
		return;
	}
	if (port < VMPCI_BUS_PIO_BASE + 4 &&
	    (port != VMPCI_BUS_PIO_BASE || len != 4)) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&vm->bus_lock);
	if (is_write)
		vmpci_bus_pio_write(vm->bus, port, len, load_le(data, len));
	else
		vmpci_bus_pio_read(vm->bus, port, len, &val);
	pthread_mutex_unlock(&vm->bus_lock);
	if (!is_write)
		store_le(data, len, val);
}

static void ecam_io(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		    bool is_write)
{
	struct run_vm *vm = opaque;
	uint64_t offset = addr - RUN_ECAM_BASE;
	uint32_t val = 0xffffffffu;

	pthread_mutex_lock(&vm->bus_lock);
	if (is_write)
		vmpci_bus_ecam_write(vm->bus, offset, len, load_le(data, len));
	else
		vmpci_bus_ecam_read(vm->bus, offset, len, &val);
	pthread_mutex_unlock(&vm->bus_lock);
	if (!is_write)
		store_le(data, len, val);
}

int run_pci_host_attach(struct run_vm *vm)
{
	int ret;

	ret = run_vm_add_io(vm, RUN_SPACE_PIO, VMPCI_BUS_PIO_BASE,
			    VMPCI_BUS_PIO_SIZE, pio_io, vm);
	if (!ret)
		ret = run_vm_add_io(vm, RUN_SPACE_MMIO, RUN_ECAM_BASE,
				    RUN_ECAM_SIZE, ecam_io, vm);
	return ret;
}
