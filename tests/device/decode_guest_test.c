/* Issue #15 point 3 on the real vfio-pci, in the QEMU guest: a device over
 * each function in $VFIO_BDFS, its BARs in a 32-bit window; the guest
 * clears COMMAND.MEM (every slot of the BAR goes, the VMM is told the BAR
 * is unmapped), sets it (the slots come back where the register says, the
 * VMM is told, and a read through the new mapping gives the function's
 * data), and moves the BAR while decode is off (nothing is mapped or told
 * until decode is back on, then it is, at the new address). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "tests/device/guest_vmm.h"

#define MMIO32_BASE 0xc0000000ull
#define MMIO32_SIZE 0x20000000ull
/* Where the guest moves the BAR to: free in the window, aligned for any
 * BAR up to 256 MiB. */
#define MOVE_TARGET (MMIO32_BASE + 0x10000000ull)

struct run {
	struct guest_vmm *vmm;
	const char *bdf;
	struct vmpci_device *dev;
	unsigned bar;
	struct vmpci_device_bar info;
};

static void set_mem(struct run *r, bool on)
{
	uint32_t cmd = 0;

	vmpci_device_config_read(r->dev, PCI_COMMAND, 2, &cmd);
	cmd = on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY;
	vmpci_device_config_write(r->dev, PCI_COMMAND, 2, cmd);
}

/* The first memory BAR with a mapped area: its first area, whole. */
static bool pick_bar(struct run *r)
{
	for (r->bar = 0; r->bar < VMPCI_BAR_ROM_INDEX; r->bar++)
		if (!vmpci_device_bar_get(r->dev, r->bar, &r->info) &&
		    r->info.nr_mapped && !(r->info.type & VMPCI_BAR_IO))
			return true;
	return false;
}

/* The BAR's first mapped area is a live slot at `addr`, and a dword read
 * through it (a vCPU's access) equals the trapped read of the function. */
static void check_mapped_at(struct run *r, uint64_t addr, const char *when)
{
	const struct vmpci_vfio_area *a = &r->info.mapped[0];
	const struct st_mapping *s =
		st_host_find(&r->vmm->rec, addr + a->offset, a->size);
	uint32_t direct = 0, trapped = ~0u;

	gv_check(r->vmm, s != NULL, "%s BAR%u: %s: slot at %#llx", r->bdf,
		 r->bar, when, (unsigned long long)(addr + a->offset));
	if (!s)
		return;
	memcpy(&direct,
	       (const uint8_t *)s->host_addr + (addr + a->offset - s->gpa), 4);
	vmpci_device_bar_read(r->dev, r->bar, a->offset, 4, &trapped);
	gv_check(r->vmm, direct == trapped,
		 "%s BAR%u: %s: mapped read %#x, function's %#x", r->bdf,
		 r->bar, when, direct, trapped);
}

static bool last_move_is(struct run *r, uint64_t old_addr, uint64_t new_addr)
{
	const struct gv_move *m;

	if (!r->vmm->nr_moves)
		return false;
	m = &r->vmm->moves[r->vmm->nr_moves - 1];
	return m->index == r->bar &&
	       m->old_addr == old_addr && m->new_addr == new_addr;
}

/* ivshmem's shared memory reads zero: give it bytes to compare. */
static void seed(struct run *r)
{
	uint32_t pattern = 0x5a17c0deu;

	vmpci_device_bar_write(r->dev, r->bar, r->info.mapped[0].offset, 4,
			       &pattern);
}

static void decode_cycle(struct run *r)
{
	uint64_t addr = r->info.addr;
	unsigned moves;

	set_mem(r, true);
	gv_check(r->vmm, last_move_is(r, VMPCI_DEVICE_BAR_UNMAPPED, addr),
		 "%s BAR%u: MEM on: VMM told it is at %#llx", r->bdf, r->bar,
		 (unsigned long long)addr);
	check_mapped_at(r, addr, "MEM on");

	set_mem(r, false);
	gv_check(r->vmm, st_host_live(&r->vmm->rec) == 0,
		 "%s: MEM off: every slot removed (%u live)", r->bdf,
		 st_host_live(&r->vmm->rec));
	gv_check(r->vmm, last_move_is(r, addr, VMPCI_DEVICE_BAR_UNMAPPED),
		 "%s BAR%u: MEM off: VMM told it is unmapped", r->bdf, r->bar);

	set_mem(r, true);
	gv_check(r->vmm, last_move_is(r, VMPCI_DEVICE_BAR_UNMAPPED, addr),
		 "%s BAR%u: MEM on again: VMM told it is back", r->bdf, r->bar);
	check_mapped_at(r, addr, "MEM on again");

	/* The move, decode off: a 64-bit BAR takes both halves. */
	set_mem(r, false);
	moves = r->vmm->nr_moves;
	vmpci_device_config_write(r->dev, PCI_BASE_ADDRESS_0 + 4 * r->bar, 4,
				  (uint32_t)MOVE_TARGET);
	if (r->info.type & VMPCI_BAR_MEM64)
		vmpci_device_config_write(r->dev,
					  PCI_BASE_ADDRESS_0 + 4 * r->bar + 4,
					  4, 0);
	gv_check(r->vmm,
		 st_host_live(&r->vmm->rec) == 0 && r->vmm->nr_moves == moves,
		 "%s BAR%u: moved with MEM off: nothing mapped, nothing told",
		 r->bdf, r->bar);
	set_mem(r, true);
	gv_check(r->vmm,
		 last_move_is(r, VMPCI_DEVICE_BAR_UNMAPPED, MOVE_TARGET),
		 "%s BAR%u: MEM on after the move: VMM told %#llx", r->bdf,
		 r->bar, (unsigned long long)MOVE_TARGET);
	gv_check(r->vmm, !st_host_find(&r->vmm->rec, addr, 1),
		 "%s BAR%u: nothing left at the old address", r->bdf, r->bar);
	check_mapped_at(r, MOVE_TARGET, "after the move");
}

static void run_one(struct guest_vmm *vmm, struct vmpci_vfio_container *c,
		    const char *bdf)
{
	struct vmpci_vfio_kernel_config kc;
	struct vmpci_vfio_kernel *k = NULL;
	struct vmpci_device_config dc;
	struct vmpci_alloc *mmio32 = NULL;
	struct run r = { .vmm = vmm, .bdf = bdf };
	int err;

	vmpci_vfio_kernel_config_init(&kc, bdf);
	kc.container = c;
	kc.host = &vmm->rec.host;
	err = vmpci_vfio_kernel_open(&kc, &k);
	if (!err)
		err = vmpci_alloc_new(MMIO32_BASE, MMIO32_SIZE, &mmio32);
	if (!err) {
		vmpci_device_config_init(&dc, vmpci_vfio_kernel_backend(k),
					 &vmm->rec.host);
		dc.name = bdf;
		dc.pools.mmio32 = mmio32;
		dc.bar_moved = gv_bar_moved;
		dc.opaque = r.vmm;
		err = vmpci_device_new(&dc, &r.dev);
	}
	if (!err)
		err = vmpci_device_place_bars(r.dev);
	gv_check(r.vmm, !err, "%s: device created, BARs placed: %d", bdf,
		 err);
	if (!err) {
		gv_check(r.vmm, pick_bar(&r), "%s: a BAR with mapped areas",
			 bdf);
		if (r.bar < VMPCI_BAR_ROM_INDEX) {
			seed(&r);
			decode_cycle(&r);
		}
	}
	vmpci_device_free(r.dev);
	vmpci_alloc_free(mmio32);
	vmpci_vfio_kernel_free(k);
}

int main(void)
{
	struct guest_vmm vmm;
	struct vmpci_vfio_container *c = NULL;
	const char *env = getenv("VFIO_BDFS");
	char *list, *tok, *save = NULL;
	int err;

	gv_init(&vmm);
	err = vmpci_vfio_container_new(&vmm.rec.host, NULL, &c);
	gv_check(&vmm, !err && env && *env, "container for $VFIO_BDFS: %d", err);
	list = strdup(env && !err ? env : "");
	for (tok = strtok_r(list, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		run_one(&vmm, c, tok);
	free(list);
	vmpci_vfio_container_free(c);
	return gv_finish(&vmm);
}
