/* The snapshot document without a device: state <-> JSON, for vmpci's own
 * save and restore (migration/device.c) and for its tests, tools and
 * benches. Not installed: a VMM saves and restores through the device,
 * whose vmpci_device_errmsg is the one place a refusal is explained.
 *
 * Errors come back as a negative errno and, where err is not NULL, a
 * one-line message naming the field by its JSON path
 * (`msix.entries[3].data: ...`). -EINVAL: malformed, wrong type, missing,
 * unknown or out-of-range field, inconsistent state. -EPROTO: not this
 * format, or a version this reader does not know (the document cannot be
 * read at all). Nothing here has threads or global state of its own; cJSON's
 * parser does write a global error position nobody reads, so concurrent
 * parses are correct but TSan reports that race inside libcjson. */
#ifndef VMPCI_MIGRATION_DOCUMENT_H
#define VMPCI_MIGRATION_DOCUMENT_H

#include <stddef.h>

#include "device/state.h"
#include "migration/migration.h"

/* An error buffer of this size holds any message whole. */
#define VMPCI__SNAPSHOT_ERR_MAX 256

/* Check a state for everything the document format requires (the models'
 * rules, consistency, zero bytes where the document carries nothing). 0 or
 * -EINVAL with the reason in err. */
int vmpci__snapshot_check(const struct vmpci_device_state *st, char *err,
			  size_t errlen);

/* Write `st` as a compact JSON document: *json gets a NUL-terminated
 * malloc'ed string (free it with free()), *len its length without the NUL
 * (len may be NULL). The state is checked first (-EINVAL, nothing written,
 * reason in err); -ENOMEM. */
int vmpci__snapshot_write(const struct vmpci_device_state *st, char **json,
			  size_t *len, char *err, size_t errlen);

/* Parse and validate `len` bytes of `json` (NUL not needed) into *st, which
 * the caller allocated (it is large). Nothing is written to *st unless the
 * whole document is valid. On success st->vfio.data, when not NULL, is
 * malloc'ed: release it with vmpci_device_state_release (or free()).
 * -EINVAL / -EPROTO with the reason in err, -ENOMEM. */
int vmpci__snapshot_parse(const char *json, size_t len,
			  struct vmpci_device_state *st, char *err,
			  size_t errlen);

#endif
