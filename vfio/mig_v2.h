/* vmpci vfio: VFIO migration v2 (VFIO_DEVICE_FEATURE_MIGRATION and
 * VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE) through the backend ops'
 * device_feature op. Used by the device's save and restore
 * (device/state.c); internal to vmpci (//vfio:internal). */
#ifndef VMPCI_VFIO_MIG_V2_H
#define VMPCI_VFIO_MIG_V2_H

#include <stddef.h>
#include <stdint.h>

#include "vfio/backend.h"

/* States are VFIO's (enum vfio_device_mig_state: STOP, RUNNING, STOP_COPY,
 * RESUMING, ...). When a transition fails the function retreats to the
 * state the table below names, and is reset (VFIO_DEVICE_RESET, which
 * returns it to RUNNING) when there is none or the retreat fails too:
 *
 *   entering    data fd   retreat on failure   when its data transfer fails
 *   STOP        -         none: reset          -
 *   RUNNING     -         none: reset          -
 *   STOP_COPY   read      STOP                 STOP (the next step anyway)
 *   RESUMING    write     STOP                 reset (a RESUMING session can
 *                                              only be aborted by a reset)
 *
 * Every call takes an optional error buffer (err may be NULL): on failure it
 * gets one line naming the state or step that failed and what the recovery
 * did, for the caller's log. */

/* Largest device data vmpci__vfio_mig_save accepts (-EFBIG beyond). */
#define VMPCI_VFIO_MIG_MAX_DATA (1ull << 30)

/* Whether the function supports migration with STOP_COPY. 0 with its
 * VFIO_MIGRATION_* flags in *flags (may be NULL); -EOPNOTSUPP when the
 * backend has no device_feature op, the feature is absent (-ENOTTY) or
 * lacks STOP_COPY; another backend error as it is. */
int vmpci__vfio_mig_probe(const struct vmpci_vfio_backend *be,
			  uint64_t *flags);

/* "STOP", "RUNNING", "STOP_COPY", "RESUMING", "RUNNING_P2P", "ERROR" or
 * "UNKNOWN". */
const char *vmpci__vfio_mig_state_name(uint32_t state);

/* Move the function to a state without a data session (STOP, RUNNING,
 * RUNNING_P2P): e.g. RUNNING when the VM resumes after a save, or after a
 * load (the kernel loads the data on leaving RESUMING). On failure, retreat
 * or reset as the table says and return the transition's error. -EINVAL
 * for STOP_COPY, RESUMING (use save / load) or an unknown state. */
int vmpci__vfio_mig_set_state(const struct vmpci_vfio_backend *be,
			      uint32_t state, char *err, size_t errlen);

/* Read the function's device state: enter STOP_COPY, read its data fd to
 * end of file, enter STOP. On success *data (malloc'ed, NULL when empty;
 * the caller frees it) and *size hold the data and the function is in
 * STOP. On failure nothing is returned, the function is in STOP or reset,
 * and the first error is returned: -EOPNOTSUPP without migration support,
 * the errno of the transition or of read(), -EFBIG past
 * VMPCI_VFIO_MIG_MAX_DATA, -ENOMEM. */
int vmpci__vfio_mig_save(const struct vmpci_vfio_backend *be, uint8_t **data,
			 size_t *size, char *err, size_t errlen);

/* Load saved device state: enter RESUMING and write all of data[0 .. size)
 * to its data fd. On success the function is left in RESUMING (the caller
 * moves it to STOP or RUNNING, which makes the kernel consume the data).
 * -EOPNOTSUPP (with nothing changed) when the function has no migration
 * support; on a failed transition the function retreats to STOP or is
 * reset; on a failed write it is reset (no STOP: that would load a partial
 * stream). */
int vmpci__vfio_mig_load(const struct vmpci_vfio_backend *be,
			 const uint8_t *data, size_t size, char *err,
			 size_t errlen);

#endif
