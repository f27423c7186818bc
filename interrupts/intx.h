/* vmpci: the legacy INTx line model.
 *
 * The legacy interrupt of one function: a trigger eventfd (the device hands
 * it to SET_IRQS(INTX, ACTION_TRIGGER)) and a resample eventfd the host
 * signals when the guest EOIs the line (the device hands it to
 * SET_IRQS(INTX, ACTION_UNMASK) as an eventfd, so VFIO unmasks the line on
 * EOI with no thread and no exit). While masked (the guest set
 * PCI_COMMAND_INTX_DISABLE) the trigger is detached from the host route; a
 * signal then becomes pending and is delivered on unmask. */
#ifndef VMPCI_INTERRUPTS_INTX_H
#define VMPCI_INTERRUPTS_INTX_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "interrupts/irq_event.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

struct vmpci_intx;

struct vmpci_intx_params {
	uint32_t pin;	  /* 0 = INTA .. 3 = INTD */
	uint32_t devid;	  /* requester id the host routes by (add_intx_route) */
	const char *name; /* log prefix; may be NULL. Copied. */
};

/* Create a model (disabled, unmasked) and its two eventfds. -EINVAL for a
 * pin above 3, -EOPNOTSUPP when the host has no INTx route ops. */
int vmpci_intx_new(const struct vmpci_host *host,
		   const struct vmpci_intx_params *params,
		   struct vmpci_intx **out);

/* Remove the route, close the eventfds, free. Accepts NULL. */
void vmpci_intx_free(struct vmpci_intx *x);

int vmpci_intx_trigger_eventfd(const struct vmpci_intx *x);
int vmpci_intx_resample_eventfd(const struct vmpci_intx *x);

/* Start / stop routing the line to the guest (the device enables INTx when
 * MSI and MSI-X are off). Both are idempotent. Enabling drops a signal the
 * trigger held from before and then signals the resample eventfd, so a
 * line still asserted fires again for the guest; disabling drops a pending
 * signal and signals the resample eventfd once. Either way a line VFIO
 * masked waiting for an EOI that will not come is unmasked. */
int vmpci_intx_enable(struct vmpci_intx *x);
int vmpci_intx_disable(struct vmpci_intx *x);

/* The guest's PCI_COMMAND_INTX_DISABLE. Masking detaches the trigger (and
 * signals resample as disable does); unmasking re-attaches it and delivers
 * a pending signal. */
int vmpci_intx_set_masked(struct vmpci_intx *x, bool masked);

/* Route the line by requester id `devid` from now on. A live route is
 * removed and added again with it (the resample eventfd signalled between,
 * so a line still asserted fires again on the new route); when the add
 * fails the old route is put back, the old id kept and the error returned.
 * A detached line takes the id at its next attach. */
int vmpci_intx_set_devid(struct vmpci_intx *x, uint32_t devid);

bool vmpci_intx_enabled(const struct vmpci_intx *x);
bool vmpci_intx_masked(const struct vmpci_intx *x);

/* Whether a signal waits for an unmask (PCI_STATUS_INTERRUPT): collects the
 * trigger eventfd while the line is detached. 1, 0 or a negative errno. */
int vmpci_intx_pending(struct vmpci_intx *x);

struct vmpci_intx_state {
	bool enabled;
	bool masked;
	bool pending;
};

int vmpci_intx_state_get(struct vmpci_intx *x, struct vmpci_intx_state *out);

/* Import: enables / disables and masks as told; a pending signal is kept
 * for a masked line, delivered to an enabled, unmasked one and dropped for
 * a disabled one (as vmpci_intx_disable drops it). */
int vmpci_intx_state_set(struct vmpci_intx *x,
			 const struct vmpci_intx_state *in);

VMPCI_API_END

#endif
