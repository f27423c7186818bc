/* Small helpers the interrupt models share: logging with the device prefix,
 * eventfd plumbing, little-endian register bytes. */
#include <errno.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "interrupts/vectors.h"

void vmpci__irq_log(const struct vmpci_host *host, const char *name,
	     enum vmpci_log_level level, const char *fmt, ...)
{
	char msg[256];
	int n = 0;
	va_list ap;

	if (!host || !host->ops || !host->ops->log)
		return;
	if (name && name[0])
		n = snprintf(msg, sizeof(msg), "%s: ", name);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	host->ops->log(host->opaque, level, msg);
}

int vmpci__irq_eventfd_new(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int vmpci__irq_eventfd_take(int fd)
{
	uint64_t count;
	ssize_t n = read(fd, &count, sizeof(count));

	if (n == (ssize_t)sizeof(count))
		return count != 0;
	if (n < 0 && errno == EAGAIN)
		return 0;
	return n < 0 ? -errno : -EIO;
}

int vmpci__irq_eventfd_signal(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));

	/* EAGAIN means the counter is saturated: the signal is already
	 * there, which is all an edge-triggered message needs. */
	if (n == (ssize_t)sizeof(one) || (n < 0 && errno == EAGAIN))
		return 0;
	return n < 0 ? -errno : -EIO;
}

uint32_t vmpci__irq_le_get(const uint8_t *p, uint32_t size)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < size; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

void vmpci__irq_le_put(uint8_t *p, uint32_t size, uint32_t value)
{
	for (uint32_t i = 0; i < size; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

static int cap_access_ok(uint32_t offset, uint32_t size)
{
	return (size == 1 || size == 2 || size == 4) && offset <= UINT32_MAX - size;
}

int vmpci__irq_cap_read(const uint8_t *img, uint32_t len, uint32_t offset,
		 uint32_t size, uint32_t *value)
{
	uint32_t v = 0;

	if (!value || !cap_access_ok(offset, size))
		return -EINVAL;
	for (uint32_t i = 0; i < size; i++) {
		uint32_t at = offset + i;

		if (at >= 2 && at < len)
			v |= (uint32_t)img[at] << (8 * i);
	}
	*value = v;
	return 0;
}

int vmpci__irq_cap_write(uint8_t *img, const uint8_t *wmask, uint32_t len,
		  uint32_t offset, uint32_t size, uint32_t value)
{
	if (!cap_access_ok(offset, size))
		return -EINVAL;
	for (uint32_t i = 0; i < size; i++) {
		uint32_t at = offset + i;
		uint8_t b = (uint8_t)(value >> (8 * i));

		if (at >= 2 && at < len)
			img[at] = (uint8_t)((img[at] & ~wmask[at]) |
					    (b & wmask[at]));
	}
	return 0;
}
