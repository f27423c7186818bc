/* Internal: the device's one error channel, for vmpci's own components
 * (device/ and the snapshot importer in migration/). Not installed. */
#ifndef VMPCI_DEVICE_LOG_H
#define VMPCI_DEVICE_LOG_H

#include "device/device.h"
#include "host/host.h"

/* A line to the host's log callback, prefixed with the device's name. An
 * error (VMPCI_LOG_ERROR) is a refusal: its text is also kept for
 * vmpci_device_errmsg, whether or not the host has a log callback. */
void vmpci__device_log(struct vmpci_device *dev, enum vmpci_log_level level,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
