/* Logging and small file helpers for vfio/. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vfio/vfio_internal.h"

void vmpci_vfio_log(const struct vmpci_host *host, enum vmpci_log_level level,
		    const char *name, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	if (!host || !host->ops || !host->ops->log)
		return;
	n = snprintf(msg, sizeof(msg), "vfio %s: ", name ? name : "-");
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	host->ops->log(host->opaque, level, msg);
}

/* Files read here are a config space (4 KiB) or text of a few hundred
 * bytes; the cap keeps a wrong path (a device node, a huge file) harmless. */
#define MAX_FILE (1u << 20)

int vmpci_vfio_read_file(const char *path, char **data, size_t *size)
{
	size_t len = 0, cap = 4096;
	char *buf, *grown;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			if (cap >= MAX_FILE) {
				err = -EFBIG;
				goto fail;
			}
			cap *= 2;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				err = -ENOMEM;
				goto fail;
			}
			buf = grown;
		}
	}
	close(fd);
	buf[len] = 0;
	*data = buf;
	*size = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return err;
}
