/* Internal: what a device state must satisfy on its own, before any device
 * sees it, for device/'s restore and migration/'s document. Not
 * installed. */
#ifndef VMPCI_DEVICE_STATE_CHECK_H
#define VMPCI_DEVICE_STATE_CHECK_H

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

/* The creation options a device takes and a state carries: a page size
 * that is a power of two, at least 4 KiB; no_mmap_bars naming BARs 0-6
 * only. 0 or -EINVAL with the reason in why (may be NULL). */
int vmpci__device_options_explain(uint64_t page_size, uint32_t no_mmap_bars,
				  char *why, size_t len);

#endif
