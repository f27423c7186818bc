/* A recording host: the ops table the device is given. It forwards every
 * op to an inner host (the KVM host) or, without one, acts as a fake that
 * accepts everything, and keeps the VMM's view of what the device holds:
 * live memory slots, MSI routes (message, masked) and INTx routes, plus the
 * log lines. Comparisons ignore handles (a rollback may get a new GSI for
 * the same route) and entries whose removal the inner host refused (its
 * op failed, so the VMM knows it still holds them). No allocation: the
 * walk's leak check counts every byte. */
#ifndef VMPCI_TESTS_FAULTS_LEDGER_H
#define VMPCI_TESTS_FAULTS_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "vmpci.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ledger_kind { LEDGER_SLOT, LEDGER_MSI, LEDGER_INTX };

struct ledger_entry {
	bool live;
	bool refused; /* the inner host failed to remove it */
	enum ledger_kind kind;
	uint32_t handle;
	/* SLOT: gpa, size, host address. MSI: eventfd, message, masked.
	 * INTX: pin, trigger and resample eventfds. */
	uint64_t gpa, size;
	void *host_addr;
	int fd, fd2;
	uint32_t pin;
	struct vmpci_msi_msg msg;
	bool masked;
};

#define LEDGER_MAX 96

struct ledger {
	struct vmpci_host host; /* give this to the device */
	const struct vmpci_host *inner;
	struct ledger_entry e[LEDGER_MAX];
	bool overflow;
	uint32_t next_handle; /* fake host handles */
	uint64_t lines;	      /* log lines at WARN or ERROR */
	uint64_t refused;     /* removals the inner host refused */
	char last_line[256];
};

/* `inner` NULL: a fake host. */
void ledger_init(struct ledger *l, const struct vmpci_host *inner);

/* What a VMM does with removals its host refused once it has moved on:
 * ask again. Entries the host then lets go of (or no longer knows) are
 * gone. */
void ledger_release_refused(struct ledger *l);

/* Live entries not refused, of one kind or (kind < 0) all. */
unsigned ledger_count(const struct ledger *l, int kind);

/* Whether the live, non-refused entries of a and b are the same VMM
 * state. */
bool ledger_same(const struct ledger *a, const struct ledger *b);

/* The live slot covering gpa, or NULL. */
const struct ledger_entry *ledger_slot_at(const struct ledger *l,
					  uint64_t gpa);

/* One line describing the live state, for messages. */
void ledger_describe(const struct ledger *l, char *buf, unsigned len);

#ifdef __cplusplus
}
#endif

#endif
