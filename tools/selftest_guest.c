/* The selftest's guest and the VMM's dispatch under it: config accesses
 * through the CF8/CFC ports of the bus, memory and I/O accesses routed the
 * way a VMM routes them (a host mapping is reached directly, a BAR range the
 * VMM registered traps into the device, the rest is unassigned). */
#include <errno.h>
#include <string.h>

#include "tools/selftest.h"

/* Bus 0, function 0 of `slot`: the only kind of function selftest drives. */
static uint32_t cf8_address(uint8_t slot, uint16_t reg)
{
	return 0x80000000u | (uint32_t)slot << 11 | (reg & 0xfcu);
}

uint32_t st_cfg_read_slot(struct selftest *st, uint8_t slot, uint16_t reg,
			  unsigned size)
{
	uint32_t val = ~0u;

	vmpci_bus_pio_write(st->bus, VMPCI_BUS_PIO_BASE, 4,
			    cf8_address(slot, reg));
	if (vmpci_bus_pio_read(st->bus, (uint16_t)(0xcfc + (reg & 3)), size,
			       &val))
		return ~0u;
	return val;
}

uint32_t st_cfg_read(struct selftest *st, uint16_t reg, unsigned size)
{
	return st_cfg_read_slot(st, st->slot, reg, size);
}

void st_cfg_write(struct selftest *st, uint16_t reg, unsigned size,
		  uint32_t val)
{
	vmpci_bus_pio_write(st->bus, VMPCI_BUS_PIO_BASE, 4,
			    cf8_address(st->slot, reg));
	vmpci_bus_pio_write(st->bus, (uint16_t)(0xcfc + (reg & 3)), size, val);
}

void st_on_bar_moved(void *opaque, unsigned index, uint64_t old_addr,
		     uint64_t new_addr, uint64_t size)
{
	struct selftest *st = opaque;
	struct st_bar *b;

	(void)old_addr;
	if (index >= VMPCI_BAR_COUNT)
		return;
	b = &st->bars[index];
	b->vmm_valid = true;
	b->vmm_addr = new_addr;
	b->size = size;
	b->moves++;
}

/* The BAR the VMM routes `addr` to, in I/O or memory space. */
static int vmm_lookup(const struct selftest *st, bool io, uint64_t addr,
		      unsigned size, uint64_t *off)
{
	const struct st_bar *b;
	unsigned i;

	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		b = &st->bars[i];
		if (!b->vmm_valid || !b->type ||
		    !!(b->type & VMPCI_BAR_IO) != io)
			continue;
		if (addr >= b->vmm_addr && addr - b->vmm_addr < b->size &&
		    size <= b->size - (addr - b->vmm_addr)) {
			*off = addr - b->vmm_addr;
			return (int)i;
		}
	}
	return -ENXIO;
}

static uint64_t load(const volatile void *p, unsigned size)
{
	switch (size) {
	case 1: return *(const volatile uint8_t *)p;
	case 2: return *(const volatile uint16_t *)p;
	case 4: return *(const volatile uint32_t *)p;
	default: return *(const volatile uint64_t *)p;
	}
}

static void store(volatile void *p, unsigned size, uint64_t v)
{
	switch (size) {
	case 1: *(volatile uint8_t *)p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
	case 4: *(volatile uint32_t *)p = (uint32_t)v; break;
	default: *(volatile uint64_t *)p = v; break;
	}
}

static uint64_t from_le(const uint8_t *b, unsigned size)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static void to_le(uint8_t *b, unsigned size, uint64_t v)
{
	unsigned i;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static int space_read(struct selftest *st, bool io, uint64_t addr,
		      unsigned size, enum st_path path, uint64_t *val)
{
	const struct st_mapping *m = io ? NULL
					: st_host_find(&st->host, addr, size);
	uint8_t b[8];
	uint64_t off;
	int i, err;

	*val = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
	if (m && path == ST_ANY) {
		*val = load((const uint8_t *)m->host_addr + (addr - m->gpa),
			    size);
		return 0;
	}
	i = vmm_lookup(st, io, addr, size, &off);
	if (i < 0)
		return i;
	err = vmpci_device_bar_read(st->dev, (unsigned)i, off, size, b);
	if (!err)
		*val = from_le(b, size);
	return err;
}

int st_mmio_read(struct selftest *st, uint64_t gpa, unsigned size,
		 enum st_path path, uint64_t *val)
{
	return space_read(st, false, gpa, size, path, val);
}

int st_pio_read(struct selftest *st, uint64_t port, unsigned size,
		uint64_t *val)
{
	return space_read(st, true, port, size, ST_TRAPPED, val);
}

int st_mmio_write(struct selftest *st, uint64_t gpa, unsigned size,
		  enum st_path path, uint64_t val)
{
	const struct st_mapping *m = st_host_find(&st->host, gpa, size);
	uint8_t b[8];
	uint64_t off;
	int i;

	if (m && path == ST_ANY) {
		store((uint8_t *)m->host_addr + (gpa - m->gpa), size, val);
		return 0;
	}
	i = vmm_lookup(st, false, gpa, size, &off);
	if (i < 0)
		return i;
	to_le(b, size, val);
	return vmpci_device_bar_write(st->dev, (unsigned)i, off, size, b);
}

uint32_t st_bar_read32(struct selftest *st, unsigned bar, uint64_t off)
{
	uint64_t v = ~0ull;

	st_mmio_read(st, st->bars[bar].guest_addr + off, 4, ST_ANY, &v);
	return (uint32_t)v;
}

void st_bar_write32(struct selftest *st, unsigned bar, uint64_t off,
		    uint32_t val)
{
	st_mmio_write(st, st->bars[bar].guest_addr + off, 4, ST_ANY, val);
}
