/* vmpci: the MSI-X capability, table and PBA model.
 *
 * Serves the MSI-X capability registers after its header (Message Control
 * with function mask and enable, Table and PBA Offset/BIR) and the trapped
 * table and PBA ranges of their BARs. Table accesses of 4 and 8 bytes,
 * naturally aligned, reach any field of any entry; other sizes, misaligned
 * accesses and entries past the table read all-ones and ignore writes. The
 * PBA is emulated: a vector signalled while masked has its eventfd detached
 * from its route; the signal is collected when the guest reads the PBA or
 * unmasks the vector, and delivered on unmask. Only unmasked vectors of an
 * enabled, unmasked function deliver and are wired to VFIO (host IRQs are
 * scarce). Host routes are not: when a change commits the whole table
 * anyway (enable, function mask or unmask, restore), programmed but masked
 * entries get masked routes too, so that a later entry unmask (Linux's
 * request_irq) costs no routing commit. A host out of routes (-ENOSPC from
 * add_msi_route) is logged once; the function stays enabled and delivers
 * on the vectors that have routes. */
#ifndef VMPCI_INTERRUPTS_MSIX_H
#define VMPCI_INTERRUPTS_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "interrupts/irq_event.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

#define VMPCI_MSIX_MAX_VECTORS 2048

struct vmpci_msix;

struct vmpci_msix_params {
	uint16_t control; /* Message Control: the table size (N - 1) */
	uint32_t table;	  /* Table Offset / Table BIR register */
	uint32_t pba;	  /* PBA Offset / PBA BIR register */
	uint32_t devid;
	const char *name; /* log prefix; may be NULL. Copied. */
	vmpci_irq_notify_fn notify;
	void *opaque;
};

/* Where the table and PBA live, for the device's BAR dispatch. Offsets are
 * bytes into BAR `*_bar`; sizes are the ranges the model serves. */
struct vmpci_msix_layout {
	uint32_t nr_entries;
	uint32_t table_bar;
	uint64_t table_offset;
	uint64_t table_size;
	uint32_t pba_bar;
	uint64_t pba_offset;
	uint64_t pba_size;
};

/* Create a model. -EINVAL for a NULL argument, a BIR above 5 or a host
 * without the MSI route ops. */
int vmpci_msix_new(const struct vmpci_host *host,
		   const struct vmpci_msix_params *params,
		   struct vmpci_msix **out);

/* Remove routes, close eventfds, free. Sends no event. Accepts NULL. */
void vmpci_msix_free(struct vmpci_msix *m);

void vmpci_msix_layout_get(const struct vmpci_msix *m,
		       struct vmpci_msix_layout *out);

/* Guest config access `offset` bytes into the capability (size 1, 2 or 4,
 * else -EINVAL). Bytes [2, 12) are served: Message Control (function mask
 * and enable writable) and the read-only Table / PBA registers; other bytes
 * read 0 and ignore writes. */
int vmpci_msix_cap_read(struct vmpci_msix *m, uint32_t offset, uint32_t size,
			uint32_t *value);
int vmpci_msix_cap_write(struct vmpci_msix *m, uint32_t offset, uint32_t size,
			 uint32_t value);

/* Guest access to the table at `offset` bytes from the table's start;
 * `data` holds `size` bytes in guest (little-endian) order. Returns 0 for
 * every access it absorbed, including ignored ones; -EINVAL for NULL. */
int vmpci_msix_table_read(struct vmpci_msix *m, uint64_t offset,
			  uint32_t size, void *data);
int vmpci_msix_table_write(struct vmpci_msix *m, uint64_t offset,
			   uint32_t size, const void *data);

/* Guest read of the PBA at `offset` bytes from its start. The PBA is read-
 * only: the device drops guest writes to it. */
int vmpci_msix_pba_read(struct vmpci_msix *m, uint64_t offset, uint32_t size,
			void *data);

bool vmpci_msix_enabled(const struct vmpci_msix *m);
bool vmpci_msix_function_masked(const struct vmpci_msix *m);

/* As vmpci_msi_set_devid: -EBUSY while enabled. */
int vmpci_msix_set_devid(struct vmpci_msix *m, uint32_t devid);

/* Vectors to wire: the count of the last ENABLE / RESIZE event: one past
 * the highest entry the guest has unmasked (at least 1). It never shrinks
 * (a re-enable reuses the eventfds) and never covers the whole table ahead
 * of use. */
uint32_t vmpci_msix_nr_vectors(const struct vmpci_msix *m);

/* The eventfd of `vector` (owned by the model); -ENOENT when it has none
 * yet, -EINVAL past the table. Vectors past nr_vectors may have one (for a
 * masked route). */
int vmpci_msix_vector_eventfd(const struct vmpci_msix *m, uint32_t vector);

/* Create the eventfds of vectors [0, n) ahead of use (on a restore's
 * destination, before the downtime), so that the enable of
 * vmpci_msix_state_set creates none of them: an eventfd costs about a
 * microsecond, and 2048 of them were most of a restore. Wires and routes
 * nothing; the eventfds stay the model's until it is freed. -EINVAL past
 * the table; a failed eventfd's errno (those made before it stay). */
int vmpci_msix_prepare(struct vmpci_msix *m, uint32_t n);

/* Back to the power-on state: disabled, function unmasked, every entry
 * zero and masked, nothing pending. Sends DISABLE if it was enabled. */
int vmpci_msix_reset(struct vmpci_msix *m);

/* One table entry as the guest sees it. */
struct vmpci_msix_entry {
	uint64_t address;
	uint32_t data;
	uint32_t control; /* Vector Control: PCI_MSIX_ENTRY_CTRL_MASKBIT */
};

/* Guest-visible state for snapshot / restore: 33 KiB, allocate it. */
struct vmpci_msix_state {
	uint16_t control;
	uint32_t nr_entries;
	struct vmpci_msix_entry entries[VMPCI_MSIX_MAX_VECTORS];
	uint64_t pba[VMPCI_MSIX_MAX_VECTORS / 64];
};

/* Export (entries and PBA bits past nr_entries are zero). Collects signals
 * of masked vectors into the PBA first. */
int vmpci_msix_state_get(struct vmpci_msix *m, struct vmpci_msix_state *out);

/* Import. -EINVAL, changing nothing, when nr_entries or the table size in
 * `control` differ from the model, or an entry has reserved bits set (address
 * bits 1:0, Vector Control bits 31:1), or the PBA names vectors past the
 * table. Otherwise replaces the state, sends DISABLE / ENABLE as the enable
 * bit requires, re-arms routes and delivers pending, unmasked vectors. */
int vmpci_msix_state_set(struct vmpci_msix *m,
			 const struct vmpci_msix_state *in);

/* What vmpci_msix_state_set checks, without a model: does `in` fit an
 * MSI-X capability whose Message Control register reads `cap_control`
 * (its table size)? 0 or -EINVAL. */
int vmpci_msix_state_check(uint16_t cap_control,
			   const struct vmpci_msix_state *in);

VMPCI_API_END

#endif
