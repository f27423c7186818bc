/* vmpci: the MSI capability model.
 *
 * Serves the MSI capability registers after its 2-byte header (Message
 * Control, address, data, mask and pending bits), for the 32- and 64-bit
 * layouts, with or without per-vector masking, for up to the 32 vectors the
 * capability advertises. A vector signalled while masked sets its pending
 * bit (seen when the guest reads Pending Bits or unmasks it) and is
 * delivered on unmask. Only enabled, unmasked vectors hold host routes. */
#ifndef VMPCI_INTERRUPTS_MSI_H
#define VMPCI_INTERRUPTS_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "interrupts/irq_event.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

#define VMPCI_MSI_MAX_VECTORS 32

struct vmpci_msi;

struct vmpci_msi_params {
	/* Message Control as the function reports it: 64-bit address, per-
	 * vector masking and Multiple Message Capable are taken from it; the
	 * enable bit and Multiple Message Enable are not (a model starts
	 * disabled with one vector). */
	uint16_t control;
	/* Requester id put in every route's message (see vmpci_msi_msg). */
	uint32_t devid;
	/* Log prefix, e.g. "0000:01:00.0"; may be NULL. Copied. */
	const char *name;
	vmpci_irq_notify_fn notify; /* may be NULL */
	void *opaque;		    /* passed to notify */
};

/* Create a model. `host` is copied; its ops must stay valid until free.
 * -EINVAL for a NULL argument or a host without the MSI route ops. */
int vmpci_msi_new(const struct vmpci_host *host,
		  const struct vmpci_msi_params *params, struct vmpci_msi **out);

/* Remove the model's routes, close its eventfds, free it. Sends no event.
 * Accepts NULL. */
void vmpci_msi_free(struct vmpci_msi *m);

/* Bytes the capability spans from its ID byte: 10, 14, 20 or 24. */
uint32_t vmpci_msi_cap_size(const struct vmpci_msi *m);

/* Guest config access at `offset` bytes into the capability, `size` 1, 2 or
 * 4 (-EINVAL otherwise). Bytes outside [2, cap size), i.e. the ID and next
 * pointer the caller owns, read 0 and ignore writes. Reading Pending Bits
 * first collects signals of masked vectors. A write may add, change, mask
 * or remove routes (one commit) and send events. */
int vmpci_msi_read(struct vmpci_msi *m, uint32_t offset, uint32_t size,
		   uint32_t *value);
int vmpci_msi_write(struct vmpci_msi *m, uint32_t offset, uint32_t size,
		    uint32_t value);

bool vmpci_msi_enabled(const struct vmpci_msi *m);

/* Change the requester id routes carry, e.g. when the VMM picks the
 * function's slot after creating the model. -EBUSY while enabled (its
 * routes carry the old id). */
int vmpci_msi_set_devid(struct vmpci_msi *m, uint32_t devid);

/* Vectors that have eventfds: the count of the last ENABLE / RESIZE event
 * (kept after a disable, so the same eventfds serve the next enable). */
uint32_t vmpci_msi_nr_vectors(const struct vmpci_msi *m);

/* The eventfd of `vector` (owned by the model), -ENOENT when the vector has
 * none yet, -EINVAL past 32. */
int vmpci_msi_vector_eventfd(const struct vmpci_msi *m, uint32_t vector);

/* Back to the power-on state (disabled, zero address and data, unmasked,
 * nothing pending), sending DISABLE if it was enabled. */
int vmpci_msi_reset(struct vmpci_msi *m);

/* Guest-visible state for snapshot / restore. `control` is the whole
 * Message Control word; `mask` and `pending` have one bit per vector. */
struct vmpci_msi_state {
	uint16_t control;
	uint64_t address;
	uint16_t data;
	uint32_t mask;
	uint32_t pending;
};

/* Export. Collects signals of masked vectors into `pending` first. */
int vmpci_msi_state_get(struct vmpci_msi *m, struct vmpci_msi_state *out);

/* Import. -EINVAL, changing nothing, when the read-only bits of `control`
 * differ from the model's capability, Multiple Message Enable exceeds it,
 * the address has bits the layout cannot hold, or mask / pending name
 * vectors the capability lacks. Otherwise replaces the state (DISABLE if it
 * was enabled, ENABLE if the new state is) and re-arms routes; pending,
 * unmasked vectors are delivered. */
int vmpci_msi_state_set(struct vmpci_msi *m, const struct vmpci_msi_state *in);

/* What vmpci_msi_state_set checks, without a model: does `in` fit an MSI
 * capability whose Message Control register reads `cap_control` (its
 * read-only bits: 64-bit, per-vector masking, Multiple Message Capable)?
 * 0 or -EINVAL. */
int vmpci_msi_state_check(uint16_t cap_control,
			  const struct vmpci_msi_state *in);

VMPCI_API_END

#endif
