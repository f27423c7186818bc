/* The recording host every suite uses, C and C++ (recording_host.h is its
 * C++ view): the VMM's view of what vmpci holds (memory slots, MSI routes,
 * INTx routes), a count of every op, the log, failures on demand, and a
 * refusal of what KVM would refuse (dead handles, empty or overlapping
 * slots, a second route on one eventfd). It fakes the host (hands out its
 * own handles) or forwards every op, log lines too, to an inner host (the
 * KVM host) and records what that host accepted.
 *
 * Fixed storage, no allocation: the fault walk copies recorders to compare
 * states and counts every heap byte. */
#ifndef VMPCI_TESTS_SUPPORT_HOST_RECORDER_H
#define VMPCI_TESTS_SUPPORT_HOST_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ops, as counted and failed on demand. A mask op is MASK_MSI or
 * UNMASK_MSI by its `masked` argument. */
enum vmpci_test_op {
	VMPCI_TEST_MAP,
	VMPCI_TEST_UNMAP,
	VMPCI_TEST_ADD_MSI,
	VMPCI_TEST_UPDATE_MSI,
	VMPCI_TEST_MASK_MSI,
	VMPCI_TEST_UNMASK_MSI,
	VMPCI_TEST_REMOVE_MSI,
	VMPCI_TEST_COMMIT,
	VMPCI_TEST_ADD_INTX,
	VMPCI_TEST_REMOVE_INTX,
	VMPCI_TEST_NR_OPS,
};

enum vmpci_test_kind { VMPCI_TEST_SLOT, VMPCI_TEST_ROUTE, VMPCI_TEST_INTX };

/* One thing the host holds for vmpci. */
struct vmpci_test_held {
	bool live;
	/* The host failed to remove it: the VMM still holds it. */
	bool refused;
	enum vmpci_test_kind kind;
	uint32_t handle;
	/* SLOT: where, what, how. */
	uint64_t gpa, size;
	void *host_addr;
	bool readonly;
	/* ROUTE: the eventfd, its message, masked. INTX: the trigger in fd,
	 * the resample eventfd, the requester id and the pin. */
	int fd, resample_fd;
	struct vmpci_msi_msg msg;
	bool masked;
	uint32_t devid, pin;
};

/* Whether the host holds `e` for vmpci: live, its removal not refused. */
static inline bool vmpci_test_held_now(const struct vmpci_test_held *e)
{
	return e->live && !e->refused;
}

/* One map_memory or unmap_memory the host carried out. */
struct vmpci_test_call {
	enum vmpci_test_op op; /* VMPCI_TEST_MAP or VMPCI_TEST_UNMAP */
	uint32_t handle;
	uint64_t gpa, size; /* MAP only */
};

/* MSI-X's most vectors and MSI's, every BAR's areas, INTx's pins. */
#define VMPCI_TEST_HOST_MAX (2048 + 32 + 128 + 8)
#define VMPCI_TEST_HOST_CALLS 64

struct vmpci_test_host {
	struct vmpci_host host; /* give this to vmpci */
	const struct vmpci_host *inner;
	/* The recorder's ops, less those the inner host lacks (vmpci
	 * behaves by which ops a host has). */
	struct vmpci_host_ops ops;
	/* Entries [0, nr) were ever used; dead ones are reused. */
	uint32_t nr;
	struct vmpci_test_held held[VMPCI_TEST_HOST_MAX];
	/* A full table: what did not fit is not recorded. */
	bool overflow;
	uint32_t next_handle; /* the fake's */
	/* Per op: calls made, calls that succeeded. */
	uint64_t calls[VMPCI_TEST_NR_OPS], done[VMPCI_TEST_NR_OPS];
	/* The first VMPCI_TEST_HOST_CALLS memory ops carried out, in order;
	 * nr_journal counts them all. */
	struct vmpci_test_call journal[VMPCI_TEST_HOST_CALLS];
	uint32_t nr_journal;
	/* Log lines per level, and the last one at WARN or ERROR. */
	uint64_t lines[VMPCI_LOG_DEBUG + 1];
	char last_line[256];
	/* Removals the host refused, and ops refused as KVM would. */
	uint64_t refused_removals, refusals;
	/* A route changed since the last commit. */
	bool uncommitted;
	/* fail[op].rc (negative) for call number fail[op].at of op, or for
	 * every call when at < 0; rc 0: never. */
	struct {
		int rc;
		int64_t at;
	} fail[VMPCI_TEST_NR_OPS];
	/* Optional: every log line, and every op refused as KVM would with
	 * why (the fuzz harness aborts there). */
	void (*on_log)(void *ctx, enum vmpci_log_level level, const char *msg);
	void (*on_refuse)(void *ctx, const char *why);
	void *ctx;
};

/* Start empty. `inner` NULL: a fake that accepts what KVM would. */
void vmpci_test_host_init(struct vmpci_test_host *h,
			  const struct vmpci_host *inner);

/* The recorded state of `src` (entries, counts, log) into `dst`, cheaper
 * than a struct copy; `dst` is a picture, not a host to give vmpci. */
void vmpci_test_host_copy(struct vmpci_test_host *dst,
			  const struct vmpci_test_host *src);

/* Make call number `at` (from 0, counting from now; -1: every call) of
 * `op` return `rc` (negative errno). */
void vmpci_test_host_fail(struct vmpci_test_host *h, enum vmpci_test_op op,
			  int rc, int64_t at);

/* Entries held (live, not refused) of `kind`, or of every kind when kind
 * is negative. */
unsigned vmpci_test_host_count(const struct vmpci_test_host *h, int kind);

/* The held route on eventfd `fd`, the held slot covering `gpa`; NULL when
 * there is none. */
const struct vmpci_test_held *
vmpci_test_host_route_of(const struct vmpci_test_host *h, int fd);
const struct vmpci_test_held *
vmpci_test_host_slot_at(const struct vmpci_test_host *h, uint64_t gpa);

/* Whether a and b hold the same things for the guest, handles aside (a
 * rollback may get a new GSI for the same route); false when either
 * overflowed. */
bool vmpci_test_host_same(const struct vmpci_test_host *a,
			  const struct vmpci_test_host *b);

/* What `h` holds, in one line for messages. */
void vmpci_test_host_describe(const struct vmpci_test_host *h, char *buf,
			      unsigned len);

/* Play KVM's irqfds: consume the signal of every held, unmasked route;
 * `got` (may be NULL) hears each eventfd that delivered. Returns how many
 * did, or a negative errno when an eventfd could not be read. */
int vmpci_test_host_deliver(struct vmpci_test_host *h,
			    void (*got)(void *ctx, int fd), void *ctx);

/* Ask the inner host again to remove what it refused to, as a VMM does
 * once it moved on; what it lets go of (or no longer knows) is gone. */
void vmpci_test_host_release_refused(struct vmpci_test_host *h);

#ifdef __cplusplus
}
#endif

#endif
