/* vmpci: interrupt-mode events the MSI, MSI-X and INTx models report to their user.
 *
 * The device learns of interrupt-mode changes through one callback so it can
 * call VFIO_DEVICE_SET_IRQS before the guest's enable write completes (the
 * kernel needs the eventfds wired before the function is enabled). */
#ifndef VMPCI_INTERRUPTS_IRQ_EVENT_H
#define VMPCI_INTERRUPTS_IRQ_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

enum vmpci_irq_event_type {
	/* The guest enabled MSI / MSI-X. Vectors [0, nr_vectors) have
	 * eventfds: wire them with SET_IRQS(ACTION_TRIGGER). */
	VMPCI_IRQ_ENABLE = 0,
	/* The guest disabled MSI / MSI-X; routes are already gone. */
	VMPCI_IRQ_DISABLE = 1,
	/* While enabled, the number of vectors in use changed (MSI: the guest
	 * rewrote Multiple Message Enable; MSI-X: it unmasked a vector at or
	 * above the previous count). Vectors [0, nr_vectors) have eventfds;
	 * the device wires the new ones (VFIO with NORESIZE: disable and
	 * re-enable; dynamic MSI-X: add them alone). */
	VMPCI_IRQ_RESIZE = 2,
	/* One vector's route changed: it is now `masked` or delivers `msg`. */
	VMPCI_IRQ_VECTOR = 3,
};

struct vmpci_irq_event {
	enum vmpci_irq_event_type type;
	uint32_t nr_vectors;	  /* ENABLE, RESIZE; 0 for DISABLE */
	uint32_t vector;	  /* VECTOR */
	bool masked;		  /* VECTOR */
	struct vmpci_msi_msg msg; /* VECTOR, when not masked */
};

/* Called from inside the model's read/write/state calls. A non-zero return
 * from ENABLE vetoes the enable: the model stays disabled (the guest reads
 * the enable bit clear) and the write returns that value. The return of
 * other events is logged and otherwise ignored. */
typedef int (*vmpci_irq_notify_fn)(void *opaque,
				   const struct vmpci_irq_event *event);

VMPCI_API_END

#endif
