/* The fault walk: a VMM's whole flow with one device (create, enable
 * MSI-X (MSI on functions without it), map the BARs, move a BAR, snapshot, destroy, create again,
 * restore, destroy) run once per injection point N = 1, 2, ... with the
 * N-th syscall the library makes failing, until a run sees no failure.
 *
 * The function is opened in "create" and closed in the final destroy; the
 * first destroy frees only the device, and the snapshot is restored into a
 * new device on the same open function.
 *
 * Every step that an injected failure breaks must fail cleanly: a negative
 * errno from the API (guest accesses, which cannot fail the VMM, leave the
 * register as it was instead), a line through the host's log op, and the
 * VMM's slots and routes exactly as before the step (a guest step: as
 * before its refused access, whose predecessors keep their effect, or as
 * before the step when a move the host could not map was rolled back
 * whole). Retrying the step
 * without a fault must then succeed (the device is still usable). After
 * the flow the device and function are destroyed: no slot or route the
 * device made may remain, no fd may stay open and no byte may leak.
 *
 * Used by the host test (simulated function + real KVM host) and by the
 * guest program (real vfio-pci + a recording fake host). */
#ifndef VMPCI_TESTS_FAULTS_WALK_H
#define VMPCI_TESTS_FAULTS_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "device/device.h"
#include "host/host.h"
#include "tests/faults/syscall_faults.h"
#include "tests/support/host_recorder.h"
#include "vfio/backend.h"
#include "vmpci.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the walk runs against. Only open/close are inside the counted
 * window; begin/end/deliver are the test's own side. */
struct walk_world {
	const char *name;
	void *opaque;
	/* Before each run: set up the VMM side. *inner gets the host the
	 * recorder forwards to (a KVM host), or NULL for the recorder's fake. */
	int (*begin)(void *opaque, const struct vmpci_host **inner);
	/* After each run, once the device is gone: tear the VMM side down. */
	void (*end)(void *opaque);
	/* Open the host function (library calls, counted); log through
	 * `host`. *be stays valid until close. */
	int (*open)(void *opaque, const struct vmpci_host *host,
		    const struct vmpci_vfio_backend **be);
	void (*close)(void *opaque);
	/* Make the function raise vector 0 of IRQ `index` (VFIO's MSI-X or
	 * MSI index) and say whether the guest received message `data`: 1
	 * yes, 0 no, or a negative errno. */
	int (*deliver)(void *opaque, struct vmpci_device *dev, uint32_t index,
		       uint32_t data);
	/* Print each run and step as it starts (for a walk that hangs). */
	bool verbose;
};

enum walk_step {
	WALK_CREATE,
	WALK_ENABLE_IRQ, /* MSI-X, or MSI without it */
	WALK_MAP,
	WALK_MOVE,
	WALK_SNAPSHOT,
	WALK_DESTROY,
	WALK_RECREATE,
	WALK_RESTORE,
	WALK_FINAL_DESTROY,
	WALK_NR_STEPS,
};

const char *walk_step_name(enum walk_step step);

#define WALK_MAX_PROBLEMS 48

#define WALK_TUNABLES "glibc.malloc.tcache_count=0"

struct walk_report {
	/* The fault-free run. */
	uint64_t clean_calls;
	uint64_t clean_kind_calls[FAULT_NR_KINDS];
	/* Injection points walked (runs whose fault fired). */
	uint64_t points;
	uint64_t kind_points[FAULT_NR_KINDS];
	/* Of those: the step failed cleanly and a retry succeeded ... */
	uint64_t kind_failed[FAULT_NR_KINDS];
	/* ... or the library absorbed the failure and the step succeeded. */
	uint64_t kind_absorbed[FAULT_NR_KINDS];
	uint64_t step_points[WALK_NR_STEPS];
	/* Slot / route removals the host itself refused (its op failed):
	 * those stay the host's, as it reported. */
	uint64_t refused_releases;
	/* munmap failures injected (the mapping stays, as with the kernel). */
	uint64_t refused_munmaps;
	unsigned nr_problems; /* all of them; the first few are kept */
	char problems[WALK_MAX_PROBLEMS][320];
};

/* Walk every injection point. 0 when the walk ran (problems are in the
 * report), a negative errno when the fault-free run itself failed or,
 * without ASan, GLIBC_TUNABLES lacks glibc.malloc.tcache_count=0 (the heap
 * check needs it; WALK_TUNABLES). */
int walk_run(const struct walk_world *world, struct walk_report *report);

/* The report as text: totals, per kind, per step, problems. */
void walk_print(const struct walk_world *world,
		const struct walk_report *report);

#ifdef __cplusplus
}
#endif

#endif
