/* The guest-visible config space as `lspci -xxxx` prints it, the format
 * `lspci -F` reads back (pciutils lib/dump.c): a line starting with the
 * bus:device.function, then "OO: hh hh ..." lines of 16 bytes. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdarg.h>
#include <stdio.h>

#include "pci/config_internal.h"

struct out {
	char *buf;
	size_t len;
	size_t pos;
	bool full;
};

static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->full = true;
		return;
	}
	o->pos += (size_t)n;
}

int vmpci_config_format_lspci(struct vmpci_config *cfg, uint8_t bus,
			      uint8_t dev, uint8_t fn, char *buf, size_t len,
			      size_t *written)
{
	struct out o = { .buf = buf, .len = len };
	uint32_t id, class_rev;

	if (!cfg || !buf || !len || dev >= 32 || fn >= 8)
		return -EINVAL;
	buf[0] = '\0';
	vmpci_config_read(cfg, PCI_VENDOR_ID, 4, &id);
	vmpci_config_read(cfg, PCI_CLASS_REVISION, 4, &class_rev);
	emit(&o, "%02x:%02x.%u %04x: %04x:%04x (rev %02x)\n", bus, dev, fn,
	     class_rev >> 16, id & 0xffffu, id >> 16, class_rev & 0xffu);
	for (uint16_t off = 0; off < cfg->size; off += 16) {
		emit(&o, "%02x:", off);
		for (uint16_t dw = 0; dw < 16; dw += 4) {
			uint32_t v;

			vmpci_config_read(cfg, (uint16_t)(off + dw), 4, &v);
			emit(&o, " %02x %02x %02x %02x", v & 0xffu,
			     (v >> 8) & 0xffu, (v >> 16) & 0xffu, v >> 24);
		}
		emit(&o, "\n");
	}
	if (o.full) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	if (written)
		*written = o.pos;
	return 0;
}
