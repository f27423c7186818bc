/* The two calls a VMM makes: a device to a document and back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migration/snapshot_internal.h"

int vmpci_snapshot_save(struct vmpci_device *dev, char **json)
{
	struct vmpci_device_state *st;
	int rc;

	if (!dev || !json)
		return -EINVAL;
	*json = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	rc = vmpci_device_state_get(dev, st);
	if (!rc) {
		rc = vmpci_snapshot_write(st, json, NULL, NULL, 0);
		vmpci_device_state_release(st);
	}
	free(st);
	return rc;
}

int vmpci_snapshot_restore(struct vmpci_device *dev, const char *json,
			   size_t len, char *err, size_t errlen)
{
	struct vmpci_device_state *st;
	int rc;

	if (!dev)
		return snap_fail(err, errlen, -EINVAL, "no device");
	st = calloc(1, sizeof(*st));
	if (!st)
		return snap_fail(err, errlen, -ENOMEM, "out of memory");
	rc = vmpci_snapshot_parse(json, len, st, err, errlen);
	if (!rc) {
		rc = vmpci_device_state_set(dev, st);
		if (rc)
			snap_fail(err, errlen, rc,
				  "device: refused the snapshot (%s); the device log says why",
				  strerror(-rc));
		vmpci_device_state_release(st);
	}
	free(st);
	return rc;
}
