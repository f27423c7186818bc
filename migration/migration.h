/* vmpci migration: a device's snapshot as a versioned, validated JSON
 * document (docs/SNAPSHOT.md).
 *
 * The device object exports its whole guest-visible state as plain data
 * (struct vmpci_device_state, device/state.h); this component turns that
 * into text and back, and is the only part of vmpci that knows JSON. Parsing
 * checks everything the document can say on its own (version, types,
 * ranges, internal consistency) before anything is handed on; the device's
 * restore then checks the state against the hardware and applies it
 * atomically.
 *
 * Errors come back as a negative errno and, where the call takes one, a
 * one-line message in a caller buffer naming the field by its JSON path
 * (`msix.entries[3].data: ...`). -EINVAL: malformed, wrong type, missing,
 * unknown or out-of-range field, inconsistent state. -EPROTO: not this
 * format, or a version this reader does not know (the document cannot be
 * read at all). Nothing here has threads or global state of its own; cJSON's
 * parser does write a global error position nobody reads, so concurrent
 * parses are correct but TSan reports that race inside libcjson. */
#ifndef VMPCI_MIGRATION_H
#define VMPCI_MIGRATION_H

#include <stddef.h>

#include "device/device.h"
#include "device/state.h"
#include "vmpci.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* The document's "format" and the "version" this library writes. It reads
 * that version and every earlier one (version 1 has no "registers": such a
 * restore leaves those registers as the function has them). */
#define VMPCI_SNAPSHOT_FORMAT "vmpci-snapshot"
#define VMPCI_SNAPSHOT_VERSION 2

/* An error buffer of this size holds any message whole. */
#define VMPCI_SNAPSHOT_ERR_MAX 256

/* Check a state for everything the document format requires (ranges,
 * consistency, zero bytes where the document carries nothing). 0 or
 * -EINVAL with the reason in err (may be NULL). */
int vmpci_snapshot_check(const struct vmpci_device_state *st, char *err,
			 size_t errlen);

/* Write `st` as a compact JSON document: *json gets a NUL-terminated
 * malloc'ed string (free it with free()), *len its length without the NUL
 * (len may be NULL). The state is checked first (-EINVAL, nothing written,
 * reason in err); -ENOMEM. */
int vmpci_snapshot_write(const struct vmpci_device_state *st, char **json,
			 size_t *len, char *err, size_t errlen);

/* Parse and validate `len` bytes of `json` (NUL not needed) into *st, which
 * the caller allocated (it is large). Nothing is written to *st unless the
 * whole document is valid. On success st->vfio.data, when not NULL, is
 * malloc'ed: release it with vmpci_device_state_release (or free()).
 * -EINVAL / -EPROTO with the reason in err, -ENOMEM. */
int vmpci_snapshot_parse(const char *json, size_t len,
			 struct vmpci_device_state *st, char *err,
			 size_t errlen);

VMPCI_API_END

#endif
