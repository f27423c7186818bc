/* The two calls a VMM makes: a device to a document and back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device/log.h"
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
		char why[VMPCI__SNAPSHOT_ERR_MAX];

		rc = vmpci__snapshot_write(st, json, NULL, why, sizeof(why));
		if (rc)
			vmpci__device_log(dev, VMPCI_LOG_ERROR, "snapshot: %s", why);
		vmpci_device_state_release(st);
	}
	free(st);
	return rc;
}

int vmpci_snapshot_restore(struct vmpci_device *dev, const char *json,
			   size_t len)
{
	char why[VMPCI__SNAPSHOT_ERR_MAX];
	struct vmpci_device_state *st;
	int rc;

	if (!dev)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	rc = vmpci__snapshot_parse(json, len, st, why, sizeof(why));
	if (rc) {
		vmpci__device_log(dev, VMPCI_LOG_ERROR, "snapshot refused: %s", why);
	} else {
		/* A refusal is the device's own errmsg already. */
		rc = vmpci_device_state_set(dev, st);
		vmpci_device_state_release(st);
	}
	free(st);
	return rc;
}
