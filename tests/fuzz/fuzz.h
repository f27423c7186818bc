/* The fuzz harness shared by every target: the recording host, a
 * "world" (address pools, a simulated function from a real fixture, the
 * device on a bus) and the invariants checked after every input.
 *
 * This is test code: a violated invariant prints what broke and calls
 * abort(), which libFuzzer and the corpus driver both report as a crash. */
#ifndef VMPCI_TESTS_FUZZ_FUZZ_H
#define VMPCI_TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device/device.h"
#include "host/host.h"
#include "pci/bus.h"
#include "pci/config.h"
#include "sim/sim.h"
#include "tests/support/host_recorder.h"
#include "vmpci.h"

/* libFuzzer's entry point, defined once per target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print "invariant violated: ..." and abort. */
void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* ---- Recording host (host.c) ---- */

/* The recording host (tests/support/host_recorder.h) as the fuzz harness
 * wants it: an op KVM would refuse is a violation at the moment it is
 * called. */
void fuzz_host_init(struct vmpci_test_host *h);
/* Consume signals on eventfds of live, unmasked routes, as KVM's irqfd
 * would deliver them. */
void fuzz_host_deliver(struct vmpci_test_host *h);

/* ---- World (world.c) ---- */

/* Number of fixtures; fuzz_world_new takes `fixture` modulo it. */
unsigned fuzz_fixture_count(void);

/* Where the pools live, so snapshot seeds restore into any world. */
#define FUZZ_IO_BASE 0xc000u
#define FUZZ_IO_SIZE 0x4000u
#define FUZZ_MMIO32_BASE 0xc0000000u
#define FUZZ_MMIO32_SIZE 0x20000000u
#define FUZZ_MMIO64_BASE 0x100000000ull
#define FUZZ_MMIO64_SIZE 0x100000000ull
/* The device sits at 00:01.0; an emulated copy of its config at 00:01.2
 * makes it a multi-function slot. */
#define FUZZ_SLOT 1
/* Hidden in every snapshot world (seeds and target alike): power
 * management, AER and DSN, so documents carry hidden capabilities. */
#define FUZZ_SNAPSHOT_HIDE 0x61
#define FUZZ_EMU_FN 2

struct fuzz_world {
	struct vmpci_test_host rec; /* rec.host is the device's host */
	struct vmpci_alloc *io, *mmio32, *mmio64;
	struct vmpci_vfio_sim *sim;
	struct vmpci_device *dev;
	struct vmpci_config *emu;
	struct vmpci_bus *bus;
	/* Capabilities configured hidden (standard, then extended ids). */
	uint32_t nr_hidden, nr_hidden_ext;
	uint8_t hidden[VMPCI_DEVICE_MAX_HIDDEN];
	uint16_t hidden_ext[VMPCI_DEVICE_MAX_HIDDEN];
	/* Where the interrupt capabilities are (0: absent), read once. */
	uint16_t msi_cap, msix_cap;
	uint32_t msix_entries;
	unsigned table_bar, pba_bar;
	uint64_t table_off, pba_off;
	/* Where bar_moved last put each BAR (VMPCI_DEVICE_BAR_UNMAPPED:
	 * nowhere): the VMM's trap map. */
	uint64_t vmm_bar[VMPCI_BAR_COUNT];
};

/* Build a world on fixture `fixture` (modulo the count), hiding the
 * optional capabilities whose bits are set in `hide` on top of the
 * defaults, with every BAR placed. A fixture that fails to build is a
 * harness bug: abort. */
void fuzz_world_new(struct fuzz_world *w, unsigned fixture, uint8_t hide);
void fuzz_world_free(struct fuzz_world *w);
/* Bring the world to what a running guest leaves: decode and bus master
 * on, MSI-X enabled with entry 0 programmed and unmasked (else MSI enabled
 * with one vector), so snapshots carry live state. */
void fuzz_world_activate(struct fuzz_world *w);
/* The fixture whose identity matches `id`, or -1. */
int fuzz_fixture_find(const struct vmpci_device_identity *id);

/* ---- Invariants (check.c) ---- */

/* The cheap part of fuzz_check_all: the function's BAR registers were
 * never written, no route change waits for a commit. */
void fuzz_check_access(struct fuzz_world *w);
/* Everything (run after every guest access): the cheap checks, routes
 * against the guest-visible MSI / MSI-X state and PBA, enables against
 * SET_IRQS, hidden capabilities, memory slots against placed BARs. */
void fuzz_check_all(struct fuzz_world *w);
/* Whatever state the guest reached migrates: its snapshot restores into a
 * fresh world on the same fixture, which passes fuzz_check_all and saves
 * the same document. */
void fuzz_check_migrates(struct fuzz_world *w, unsigned fixture,
			 uint8_t hide);

/* ---- Snapshot edits (snapshot_edit.c) ---- */

/* The document of a running device's state on fixture data[0] after the
 * field edits in the rest of `data` (records of a kind byte, a 16-bit
 * index and a 32-bit value), malloc'ed, its length in *len; NULL when the
 * writer refuses the state. */
char *fuzz_snapshot_from_edits(const uint8_t *data, size_t size, size_t *len);

/* ---- Input reader ---- */

struct fuzz_input {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	uint32_t lo = fuzz_u16(in);

	return lo | (uint32_t)fuzz_u16(in) << 16;
}

/* An access size: mostly 1, 2, 4, sometimes a malformed one. */
static inline unsigned fuzz_size(struct fuzz_input *in)
{
	static const unsigned sizes[] = { 1, 2, 4, 1, 2, 4, 8, 0, 3, 16 };

	return sizes[fuzz_u8(in) % (sizeof(sizes) / sizeof(sizes[0]))];
}

/* A target's whole run: the world on the fixture and hide bytes the input
 * starts with, `op` applied until the input is used up with every
 * invariant checked after each, then `last` (may be NULL), the checks
 * once more and the migration check. */
void fuzz_run(const uint8_t *data, size_t size,
	      void (*op)(struct fuzz_world *w, struct fuzz_input *in),
	      void (*last)(struct fuzz_world *w));

#endif
