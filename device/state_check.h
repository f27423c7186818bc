/* Internal: what a device state must satisfy on its own, before any device
 * sees it, for device/'s restore and migration/'s document. Not
 * installed. */
#ifndef VMPCI_DEVICE_STATE_CHECK_H
#define VMPCI_DEVICE_STATE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device/state.h"

/* The device's rules for its own fields (options, placement, registers,
 * device data, which interrupt capabilities the config lists) and the
 * models' rules for theirs (pci/ for config, interrupts/ for msi and
 * msix, against the capabilities in config.image). 0, or -EINVAL (-ENOMEM)
 * with "<field>: <reason>" in why (may be NULL), the field named as the
 * snapshot document does (`config.caps[3].offset`, `msix.pba[0]`,
 * `registers.pm_control`) except BARs, which are `config.bars[<index>]`. */
int vmpci__device_state_explain(const struct vmpci_device_state *st,
				char *why, size_t len);

/* Whether `size` can be a device's page size: a power of two, at least
 * 4 KiB. */
bool vmpci__device_page_size_valid(uint64_t size);

#endif
