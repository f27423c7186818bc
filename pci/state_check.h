/* The config model's rules for a struct vmpci_config_state, for vmpci's
 * own components that check a state before it reaches a model (device/,
 * migration/). Internal, never installed. */
#ifndef VMPCI_PCI_STATE_CHECK_H
#define VMPCI_PCI_STATE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci/config.h"

/* vmpci_config_state_check, saying why: on a refusal `why` (may be NULL)
 * gets "<field>: <reason>" with the field named as in the state
 * (`caps[3].offset`, `image`, `bars[2].size`: BARs by index; `address` for
 * a BAR's addr). Same return values. */
int vmpci__config_state_explain(const struct vmpci_config *cfg,
				const struct vmpci_config_state *st, char *why,
				size_t len);

/* Whether `size` is a configuration space size (256 or 4096). */
bool vmpci__config_size_valid(uint32_t size);

/* The offset of the visible (not hidden) standard capability `id` in the
 * state's list; false when it has none. */
bool vmpci__config_state_cap_find(const struct vmpci_config_state *st,
				  uint16_t id, uint16_t *offset);

#endif
