/* BAR registers. Each declared BAR's register is emulated with only its
 * address bits writable, so sizing needs no code: whatever the guest writes
 * (all-ones, or the 0xfffffff0 / 0xfffffffc probes OpenBSD uses), the
 * register reads back the size mask with the type bits. What needs code is
 * telling a move from a probe, and when decode makes an address take
 * effect. */
#include <errno.h>
#include <linux/pci_regs.h>

#include "pci/config_internal.h"

#define KIND_MASK (VMPCI_BAR_IO | VMPCI_BAR_MEM32 | VMPCI_BAR_MEM64 | VMPCI_BAR_ROM)

static uint16_t reg_offset(unsigned index)
{
	return index == VMPCI_BAR_ROM_INDEX ?
		       PCI_ROM_ADDRESS :
		       (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * index);
}

int vmpci__cfg_bar_register_index(uint16_t offset)
{
	if (offset >= PCI_BASE_ADDRESS_0 && offset < PCI_BASE_ADDRESS_5 + 4)
		return (offset - PCI_BASE_ADDRESS_0) / 4;
	if (offset >= PCI_ROM_ADDRESS && offset < PCI_ROM_ADDRESS + 4)
		return VMPCI_BAR_ROM_INDEX;
	return -1;
}

/* Writable address bits of the low register. */
static uint32_t lo_mask(const struct cfg_bar *bar)
{
	uint32_t m = (uint32_t)~(bar->size - 1);

	if (bar->type & VMPCI_BAR_IO)
		return m & (uint32_t)PCI_BASE_ADDRESS_IO_MASK;
	if (bar->type & VMPCI_BAR_ROM)
		return m & PCI_ROM_ADDRESS_MASK;
	return m & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK;
}

static uint32_t hi_mask(const struct cfg_bar *bar)
{
	return (uint32_t)(~(bar->size - 1) >> 32);
}

/* The read-only low bits that say what the BAR is. */
uint32_t vmpci__cfg_bar_type_bits(uint32_t type)
{
	uint32_t t = 0;

	if (type & VMPCI_BAR_IO)
		return PCI_BASE_ADDRESS_SPACE_IO;
	if (type & VMPCI_BAR_MEM64)
		t |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (type & VMPCI_BAR_PREFETCH)
		t |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	return t;
}

static void reg_clear(struct vmpci_config *cfg, unsigned index)
{
	uint16_t off = reg_offset(index);

	le_store(cfg->image + off, 4, 0);
	perm_set(cfg, off, 4, 0xffffffffu, 0, 0);
}

void vmpci__cfg_bar_apply(struct vmpci_config *cfg, unsigned index, bool perms_only)
{
	const struct cfg_bar *bar = &cfg->bars[index];
	uint16_t off = reg_offset(index);
	uint32_t lo, wr;

	if (!bar->size) {
		reg_clear(cfg, index);
		return;
	}
	wr = lo_mask(bar);
	if (bar->type & VMPCI_BAR_ROM)
		wr |= PCI_ROM_ADDRESS_ENABLE;
	perm_set(cfg, off, 4, 0xffffffffu, wr, 0);
	if (bar->type & VMPCI_BAR_MEM64)
		perm_set(cfg, (uint16_t)(off + 4), 4, 0xffffffffu,
			 hi_mask(bar), 0);
	if (perms_only)
		return;
	lo = ((uint32_t)bar->addr & lo_mask(bar)) | vmpci__cfg_bar_type_bits(bar->type);
	if (bar->type & VMPCI_BAR_ROM)
		lo |= cfg->image[off] & PCI_ROM_ADDRESS_ENABLE;
	le_store(cfg->image + off, 4, lo);
	if (bar->type & VMPCI_BAR_MEM64)
		le_store(cfg->image + off + 4, 4,
			 (uint32_t)(bar->addr >> 32) & hi_mask(bar));
}

static bool is_upper_half(const struct vmpci_config *cfg, unsigned index)
{
	return index >= 1 && index < VMPCI_BAR_ROM_INDEX &&
	       cfg->bars[index - 1].size &&
	       (cfg->bars[index - 1].type & VMPCI_BAR_MEM64);
}

int vmpci__cfg_bar_check(unsigned index, uint64_t size, uint32_t type,
			 char *why, size_t len)
{
	uint32_t kind = type & KIND_MASK;
	uint64_t min, max = 1ull << 31;

	if ((type & ~(KIND_MASK | VMPCI_BAR_PREFETCH)) ||
	    (kind != VMPCI_BAR_IO && kind != VMPCI_BAR_MEM32 &&
	     kind != VMPCI_BAR_MEM64 && kind != VMPCI_BAR_ROM))
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].type: unknown type 0x%x", index,
				  type);
	if ((type & VMPCI_BAR_PREFETCH) &&
	    !(kind & (VMPCI_BAR_MEM32 | VMPCI_BAR_MEM64)))
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].prefetch: only memory BARs are prefetchable",
				  index);
	if ((kind == VMPCI_BAR_ROM) != (index == VMPCI_BAR_ROM_INDEX))
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].type: the expansion ROM is BAR %u and nothing else",
				  index, VMPCI_BAR_ROM_INDEX);
	if (kind == VMPCI_BAR_MEM64 && index > 4)
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].index: a 64-bit BAR at %u has no upper half",
				  index, index);
	if (size & (size - 1))
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].size: 0x%llx is not a power of two",
				  index, (unsigned long long)size);
	switch (kind) {
	case VMPCI_BAR_IO:
		min = 4;
		break;
	case VMPCI_BAR_ROM:
		min = 2048;
		break;
	case VMPCI_BAR_MEM64:
		min = 16;
		max = 1ull << 63;
		break;
	default:
		min = 16;
		break;
	}
	if (size < min || size > max)
		return vmpci__why(why, len, -EINVAL,
				  "bars[%u].size: 0x%llx is outside [0x%llx, 0x%llx] for this type",
				  index, (unsigned long long)size,
				  (unsigned long long)min,
				  (unsigned long long)max);
	return 0;
}

int vmpci_config_bar_declare(struct vmpci_config *cfg, unsigned index,
			     uint64_t size, uint32_t type)
{
	bool was64;
	int rc;

	if (!cfg || index >= VMPCI_BAR_COUNT)
		return -EINVAL;
	if (size) {
		rc = vmpci__cfg_bar_check(index, size, type, NULL, 0);
		if (rc)
			return rc;
	}
	if (is_upper_half(cfg, index))
		return -EBUSY;
	if (size && (type & VMPCI_BAR_MEM64) && cfg->bars[index + 1].size)
		return -EBUSY;
	was64 = cfg->bars[index].size &&
		(cfg->bars[index].type & VMPCI_BAR_MEM64);
	cfg->bars[index] = (struct cfg_bar){
		.size = size,
		.type = size ? type : 0,
	};
	if (was64)
		reg_clear(cfg, index + 1);
	if (size && (type & VMPCI_BAR_ROM))
		cfg->image[PCI_ROM_ADDRESS] &= ~PCI_ROM_ADDRESS_ENABLE;
	vmpci__cfg_bar_apply(cfg, index, false);
	vmpci__cfg_bar_sync_decode(cfg, index);
	return 0;
}

int vmpci_config_bar_set_addr(struct vmpci_config *cfg, unsigned index,
			      uint64_t addr)
{
	const struct cfg_bar *bar;

	if (!cfg || index >= VMPCI_BAR_COUNT || !cfg->bars[index].size)
		return -EINVAL;
	bar = &cfg->bars[index];
	if (addr & (bar->size - 1))
		return -EINVAL;
	if (bar->type & VMPCI_BAR_MEM64) {
		if (addr > UINT64_MAX - (bar->size - 1))
			return -EINVAL;
	} else if (addr + bar->size > (1ull << 32)) {
		return -EINVAL;
	}
	cfg->bars[index].addr = addr;
	vmpci__cfg_bar_apply(cfg, index, false);
	vmpci__cfg_bar_sync_decode(cfg, index);
	return 0;
}

int vmpci_config_bar_get(const struct vmpci_config *cfg, unsigned index,
			 struct vmpci_bar_info *out)
{
	if (!cfg || !out || index >= VMPCI_BAR_COUNT)
		return -EINVAL;
	*out = (struct vmpci_bar_info){
		.addr = cfg->bars[index].addr,
		.size = cfg->bars[index].size,
		.type = cfg->bars[index].type,
	};
	return 0;
}

void vmpci_config_set_bar_hook(struct vmpci_config *cfg,
			       vmpci_config_bar_fn fn, void *opaque)
{
	if (!cfg)
		return;
	cfg->bar_fn = fn;
	cfg->bar_opaque = fn ? opaque : NULL;
}

static bool decode_on(const struct vmpci_config *cfg, unsigned index)
{
	const struct cfg_bar *bar = &cfg->bars[index];

	if (!bar->size)
		return false;
	if (bar->type & VMPCI_BAR_IO)
		return cfg->command & PCI_COMMAND_IO;
	if (!(cfg->command & PCI_COMMAND_MEMORY))
		return false;
	if (bar->type & VMPCI_BAR_ROM)
		return cfg->image[PCI_ROM_ADDRESS] & PCI_ROM_ADDRESS_ENABLE;
	return true;
}

void vmpci__cfg_bar_sync_decode(struct vmpci_config *cfg, unsigned index)
{
	cfg->bars[index].on = decode_on(cfg, index);
}

int vmpci_config_bar_decoding(const struct vmpci_config *cfg, unsigned index)
{
	if (!cfg || index >= VMPCI_BAR_COUNT)
		return 0;
	return cfg->bars[index].on;
}

static uint64_t register_addr(const struct vmpci_config *cfg, unsigned index)
{
	const struct cfg_bar *bar = &cfg->bars[index];
	uint16_t off = reg_offset(index);
	uint64_t addr = le_load(cfg->image + off, 4) & lo_mask(bar);

	if (bar->type & VMPCI_BAR_MEM64)
		addr |= (uint64_t)(le_load(cfg->image + off + 4, 4) &
				   hi_mask(bar))
			<< 32;
	return addr;
}

/* A register value that cannot be an address is a sizing probe: hardware
 * decodes whatever the register holds, but nothing places a BAR there, so
 * following the probe would only unmap the BAR for nothing. Judged on the
 * whole value (both halves of a 64-bit pair), as QEMU does:
 *  - a BAR that would end exactly at 4 GiB: the top of the 32-bit space,
 *    where PCs keep the firmware flash and the interrupt controllers (what
 *    all-ones leaves in a 32-bit, I/O or ROM register, or in the low half
 *    of a 64-bit pair whose high half is 0);
 *  - a 64-bit BAR whose high address bits are all ones: the top 4 GiB of
 *    the 64-bit space, beyond any CPU's physical address width (a probe
 *    of the high half, or of both).
 * A low half of all ones under a real high half is an address: a 2 GiB
 * BAR at 0x40_8000_0000, a 256 MiB one at 0x40_F000_0000. */
static bool probing(const struct vmpci_config *cfg, unsigned index)
{
	const struct cfg_bar *bar = &cfg->bars[index];
	uint64_t addr = register_addr(cfg, index);
	uint32_t hm = hi_mask(bar);

	if (bar->size < (1ull << 32) && addr + bar->size == (1ull << 32))
		return true;
	return (bar->type & VMPCI_BAR_MEM64) &&
	       (uint32_t)(addr >> 32) == hm;
}

/* Where the guest reaches the BAR now, against what was last reported:
 * the address follows the register while decode is on (a probe value
 * keeps the previous address), the decode follows COMMAND and the ROM
 * enable bit. Fills *move and returns true on a change. */
static bool evaluate(struct vmpci_config *cfg, unsigned index,
		     struct vmpci_bar_move *move)
{
	struct cfg_bar *bar = &cfg->bars[index];
	bool on = decode_on(cfg, index);
	uint64_t addr = bar->addr;

	if (on && !probing(cfg, index))
		addr = register_addr(cfg, index);
	if (on == bar->on && addr == bar->addr)
		return false;
	*move = (struct vmpci_bar_move){
		.index = index,
		.type = bar->type,
		.old_addr = bar->addr,
		.new_addr = addr,
		.size = bar->size,
		.was_on = bar->on,
		.on = on,
	};
	bar->addr = addr;
	bar->on = on;
	return true;
}

static bool touches(uint16_t offset, unsigned size, uint16_t start,
		    uint16_t end)
{
	return offset < end && offset + size > start;
}

void vmpci__cfg_bar_after_write(struct vmpci_config *cfg, uint16_t offset,
			 unsigned size)
{
	struct vmpci_bar_move moves[VMPCI_BAR_COUNT];
	unsigned n = 0;

	/* Decode and addresses change through COMMAND, the BAR registers
	 * (every half of a 64-bit pair, as hardware re-decodes on each) and
	 * the ROM register. One guest write is one batch, so the owner sees
	 * a swap of two BARs as one change, never one BAR over the other's
	 * old range. */
	if (!touches(offset, size, PCI_COMMAND, PCI_COMMAND + 2) &&
	    !touches(offset, size, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_5 + 4) &&
	    !touches(offset, size, PCI_ROM_ADDRESS, PCI_ROM_ADDRESS + 4))
		return;
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++)
		if (cfg->bars[i].size && evaluate(cfg, i, &moves[n]))
			n++;
	if (n && cfg->bar_fn)
		cfg->bar_fn(cfg->bar_opaque, moves, n);
}
