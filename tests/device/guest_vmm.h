/* A VMM in miniature for device programs run in the QEMU guest against the
 * real vfio-pci (tests/vfio_guest): a host that keeps the guest mappings it
 * was asked for (so the program can reach a mapped BAR as a vCPU would,
 * through the slot's host address) and accepts routes without a VM, a
 * bar_moved record, and PASS/FAIL reporting. Not thread-safe. */
#ifndef VMPCI_TESTS_DEVICE_GUEST_VMM_H
#define VMPCI_TESTS_DEVICE_GUEST_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmpci.h"

#define GV_MAX_SLOTS 64
#define GV_MAX_MOVES 64

struct gv_slot {
	bool live;
	uint32_t id;
	uint64_t gpa, size;
	uint8_t *host_addr;
};

struct gv_move {
	unsigned index;
	uint64_t old_addr, new_addr;
};

struct guest_vmm {
	struct vmpci_host host;
	struct gv_slot slots[GV_MAX_SLOTS];
	uint32_t next_id;
	struct gv_move moves[GV_MAX_MOVES];
	unsigned nr_moves;
	unsigned passed, failed;
};

void gv_init(struct guest_vmm *v);

/* bar_moved for a device config (opaque: the guest_vmm). */
void gv_bar_moved(void *opaque, unsigned index, uint64_t old_addr,
		  uint64_t new_addr, uint64_t size);

/* One PASS/FAIL line. */
void gv_check(struct guest_vmm *v, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The live slot holding [gpa, gpa + size), or NULL. */
const struct gv_slot *gv_find(const struct guest_vmm *v, uint64_t gpa,
			      uint64_t size);

/* Live slots. */
unsigned gv_live(const struct guest_vmm *v);

/* Print "N passed, M failed"; the exit status (1 when anything failed). */
int gv_finish(const struct guest_vmm *v);

#endif
