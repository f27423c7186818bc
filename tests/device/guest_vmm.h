/* A VMM in miniature for device programs run in the QEMU guest against the
 * real vfio-pci (tests/vfio_guest): the selftest's recording host (guest
 * mappings kept, so the program reaches a mapped BAR as a vCPU would,
 * through the slot's host address; routes accepted without a VM), a
 * bar_moved record, and PASS/FAIL reporting. Not thread-safe. */
#ifndef VMPCI_TESTS_DEVICE_GUEST_VMM_H
#define VMPCI_TESTS_DEVICE_GUEST_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/selftest_host.h"
#include "vmpci.h"

#define GV_MAX_MOVES 64

struct gv_move {
	unsigned index;
	uint64_t old_addr, new_addr;
};

struct guest_vmm {
	struct st_host rec; /* rec.host is what devices are given */
	struct gv_move moves[GV_MAX_MOVES];
	unsigned nr_moves;
	unsigned passed, failed;
};

/* Every log line printed (the guest's console is the test log). */
void gv_init(struct guest_vmm *v);

/* bar_moved for a device config (opaque: the guest_vmm). */
void gv_bar_moved(void *opaque, unsigned index, uint64_t old_addr,
		  uint64_t new_addr, uint64_t size);

/* One PASS/FAIL line. */
void gv_check(struct guest_vmm *v, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print "N passed, M failed"; the exit status (1 when anything failed or
 * nothing passed). */
int gv_finish(const struct guest_vmm *v);

#endif
