/* The MSI and MSI-X models' rules for their states, for vmpci's own
 * components that check a state before it reaches a model (device/,
 * migration/). Internal, never installed. */
#ifndef VMPCI_INTERRUPTS_STATE_CHECK_H
#define VMPCI_INTERRUPTS_STATE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "interrupts/msi.h"
#include "interrupts/msix.h"

/* vmpci_msi_state_check and vmpci_msix_state_check, saying why: on a
 * refusal `why` (may be NULL) gets "<field>: <reason>" with the field
 * named as in the state (`control`, `mask`, `entries[5].control`,
 * `pba[0]`). Same return values. */
int vmpci__msi_state_explain(uint16_t cap_control,
			     const struct vmpci_msi_state *in, char *why,
			     size_t len);
int vmpci__msix_state_explain(uint16_t cap_control,
			      const struct vmpci_msix_state *in, char *why,
			      size_t len);

#endif
