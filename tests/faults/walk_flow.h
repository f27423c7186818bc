/* The steps of the walk's flow and what each must achieve (walk_flow.c),
 * shared with the driver (walk.c). Internal to tests/faults. */
#ifndef VMPCI_TESTS_FAULTS_WALK_FLOW_H
#define VMPCI_TESTS_FAULTS_WALK_FLOW_H

#include "tests/faults/walk.h"

/* The message the guest programs into vector 0 (MSI-X entry 0 or MSI). */
#define WALK_MSI_ADDR 0xfee00000u
#define WALK_MSI_DATA 0x45u

enum { WALK_POOL_IO, WALK_POOL_MMIO32, WALK_POOL_MMIO64, WALK_NR_POOLS };

/* One run of the flow. */
struct walk_iter {
	const struct walk_world *w;
	struct vmpci_test_host rec; /* the device's host */
	const struct vmpci_vfio_backend *be;
	struct vmpci_alloc *pools[WALK_NR_POOLS];
	struct vmpci_device *dev;
	char *json;
	/* The device's message interrupt, read once per device (not
	 * counted): MSI-X (capability, table) when it has one, else MSI. */
	uint32_t irq_index; /* VFIO_PCI_MSIX_IRQ_INDEX or _MSI_ */
	uint16_t irq_cap;
	unsigned table_bar;
	uint64_t table_off;
	/* The BAR the guest moves, and where to. */
	unsigned move_bar;
	uint64_t move_to;
	/* What the guest saw when the snapshot was taken. */
	uint8_t dump[4096];
	uint16_t dump_len;
	struct vmpci_device_bar bars[VMPCI_BAR_COUNT];
	unsigned slots, msi_routes;
	/* The guest access the injected failure hit, if one did: the host's
	 * state just before and just after it. */
	bool access_hit;
	struct vmpci_test_host access_before, access_after;
};

/* Run step `s` (counted). Returns what the library returned. */
int walk_step_run(struct walk_iter *it, enum walk_step s);

/* Whether step `s` achieved its effect; `why` gets the reason if not. Not
 * counted (the caller disarms). */
bool walk_step_done(struct walk_iter *it, enum walk_step s, char *why,
		    size_t len);

/* Steps the guest drives through config or BAR accesses: they cannot fail
 * the VMM's call, so a refused one shows as an unchanged register, and the
 * accesses before it in the step keep their effect (access_hit). */
bool walk_step_is_guest_access(enum walk_step s);

/* Free the device and close the function. */
void walk_destroy(struct walk_iter *it);

#endif
