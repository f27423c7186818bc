/* vmpci migration: the snapshot document's identity (docs/SNAPSHOT.md).
 *
 * A device's snapshot is a versioned, validated JSON document; a VMM saves
 * and restores one with vmpci_snapshot_save / vmpci_snapshot_restore
 * (vmpci.h), which keep the reason for a refusal as the device's
 * vmpci_device_errmsg. A VMM with a format of its own takes the state as
 * plain data instead (vmpci_device_state_get / _set, device/state.h). */
#ifndef VMPCI_MIGRATION_H
#define VMPCI_MIGRATION_H

/* The document's "format" and the "version" this library writes. It reads
 * that version and every earlier one (version 1 has no "registers": such a
 * restore leaves those registers as the function has them). */
#define VMPCI_SNAPSHOT_FORMAT "vmpci-snapshot"
#define VMPCI_SNAPSHOT_VERSION 2

#endif
