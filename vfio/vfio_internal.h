/* Internal helpers shared by the vfio/ sources. Not installed. */
#ifndef VMPCI_VFIO_INTERNAL_H
#define VMPCI_VFIO_INTERNAL_H

#include "host/host.h"
#include "vfio/backend.h"

/* printf-style line to host->ops->log, prefixed "vfio <name>: "; silent
 * when the host or its log op is missing. */
void vmpci_vfio_log(const struct vmpci_host *host, enum vmpci_log_level level,
		    const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Read a whole small file (fixtures, sysfs) into a NUL-terminated buffer
 * the caller frees. */
int vmpci_vfio_read_file(const char *path, char **data, size_t *size);

#endif
