/* Config space accesses: the image/mask merge on reads, the split of writes
 * between image, device and handlers, and the COMMAND hook. Nothing here
 * allocates after creation. */
#include "pci/config.h"

#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>

#include "pci/config_internal.h"

/* The pass-through target: the device's callbacks, or the private backing
 * copy of an emulated function. */
static int dev_read(struct vmpci_config *cfg, uint16_t offset, unsigned size,
		    uint32_t *val)
{
	if (!cfg->dev.read) {
		*val = le_load(cfg->backing + offset, size);
		return 0;
	}
	return cfg->dev.read(cfg->dev_opaque, offset, size, val);
}

/* Write bits `pt` of `val` to the device in one naturally aligned chunk.
 * When `pt` does not cover the chunk the register is read first so the
 * other bits keep their value, except write-1-to-clear bits, which are
 * written as 0 so they are never cleared by a neighbour's write. */
static int dev_write_chunk(struct vmpci_config *cfg, uint16_t offset,
			   unsigned size, uint32_t val, uint32_t pt,
			   uint32_t w1c)
{
	uint32_t ones = size_ones(size), served, cur, next;
	int rc;

	if (!cfg->dev.read) {
		cur = le_load(cfg->backing + offset, size);
		cur = (cur & ~(pt & ~w1c)) | (val & pt & ~w1c);
		cur &= ~(val & pt & w1c);
		le_store(cfg->backing + offset, size, cur);
		return 0;
	}
	served = vmpci__cfg_cache_served(cfg, offset, size);
	if (pt == ones) {
		next = val & ones;
	} else {
		/* The bits the guest does not write keep their value: from
		 * the cache when it holds them, else from the function. */
		if (ones & ~pt & ~w1c & ~served) {
			rc = cfg->dev.read(cfg->dev_opaque, offset, size, &cur);
			if (rc)
				return rc;
			vmpci__cfg_cache_store(cfg, offset, size, cur);
			served = vmpci__cfg_cache_served(cfg, offset, size);
		} else {
			cur = vmpci__cfg_cache_value(cfg, offset, size);
		}
		next = ((cur & ~(pt | w1c)) | (val & pt)) & ones;
	}
	/* Writing a register the value it holds changes nothing (no cached
	 * bit is write-1-to-clear or acts on a write of its current value). */
	if (served == ones && next == vmpci__cfg_cache_value(cfg, offset, size))
		return 0;
	rc = cfg->dev.write(cfg->dev_opaque, offset, size, next);
	vmpci__cfg_cache_written(cfg, offset, size, pt);
	return rc;
}

/* The next piece of an access at `offset` of `size` bytes: consecutive
 * bytes with the same nonzero tag, cut to a naturally aligned 1, 2 or
 * 4-byte chunk (config registers are not required to accept odd sizes).
 * Start and length are relative to the access. */
static bool next_piece(const uint8_t *tag, uint16_t offset, unsigned size,
		       unsigned *pos, unsigned *start, unsigned *len)
{
	unsigned i = *pos, end, align, n;

	while (i < size && !tag[i])
		i++;
	if (i >= size)
		return false;
	end = i + 1;
	while (end < size && tag[end] == tag[i])
		end++;
	align = (offset + i) & 3u;
	n = end - i;
	if (align == 0 && n >= 4)
		*len = 4;
	else if ((align & 1u) == 0 && n >= 2)
		*len = 2;
	else
		*len = 1;
	*start = i;
	*pos = i + *len;
	return true;
}

static uint32_t bits_of(uint32_t v, unsigned start, unsigned len)
{
	return (v >> (8 * start)) & size_ones(len);
}

static int dev_write_bits(struct vmpci_config *cfg, uint16_t offset,
			  unsigned size, uint32_t val, uint32_t pt,
			  uint32_t w1c)
{
	uint8_t tag[4] = { 0 };
	unsigned pos = 0, start, len;
	int rc = 0;

	/* A 0 written to a write-1-to-clear bit does nothing: not a reason
	 * to touch the device. */
	pt &= ~(w1c & ~val);
	for (unsigned i = 0; i < size; i++)
		tag[i] = (uint8_t)(pt >> (8 * i)) ? 1 : 0;
	while (next_piece(tag, offset, size, &pos, &start, &len)) {
		int err = dev_write_chunk(cfg, (uint16_t)(offset + start), len,
					  bits_of(val, start, len),
					  bits_of(pt, start, len),
					  bits_of(w1c, start, len));
		if (err && !rc)
			rc = err;
	}
	return rc;
}

/* 0xff in each byte lane a handler serves. */
static uint32_t handler_lanes(const struct vmpci_config *cfg, uint16_t offset,
			      unsigned size)
{
	uint32_t lanes = 0;

	for (unsigned i = 0; i < size; i++)
		if (cfg->hmap[offset + i])
			lanes |= 0xffu << (8 * i);
	return lanes;
}

static int handlers_read(struct vmpci_config *cfg, uint16_t offset,
			 unsigned size, uint32_t *val)
{
	unsigned pos = 0, start, len;
	int rc = 0;

	while (next_piece(cfg->hmap + offset, offset, size, &pos, &start,
			  &len)) {
		const struct cfg_handler *h =
			&cfg->handlers[cfg->hmap[offset + start] - 1];
		uint16_t at = (uint16_t)(offset + start);
		uint32_t piece = le_load(cfg->image + at, len);
		uint32_t mask = size_ones(len) << (8 * start);

		if (h->ops.read) {
			int err = h->ops.read(h->opaque, at, len, &piece);

			if (err) {
				piece = size_ones(len);
				if (!rc)
					rc = err;
			}
		}
		*val = (*val & ~mask) | ((piece << (8 * start)) & mask);
	}
	return rc;
}

static int handlers_write(struct vmpci_config *cfg, uint16_t offset,
			  unsigned size, uint32_t val)
{
	unsigned pos = 0, start, len;
	int rc = 0;

	while (next_piece(cfg->hmap + offset, offset, size, &pos, &start,
			  &len)) {
		const struct cfg_handler *h =
			&cfg->handlers[cfg->hmap[offset + start] - 1];
		int err = 0;

		if (h->ops.write)
			err = h->ops.write(h->opaque, (uint16_t)(offset + start),
					   len, bits_of(val, start, len));
		if (err && !rc)
			rc = err;
	}
	return rc;
}

int vmpci_config_read(struct vmpci_config *cfg, uint16_t offset,
		      unsigned size, uint32_t *val)
{
	uint32_t ones, lanes, v, need, served;
	int rc = 0;

	if (!val)
		return -EINVAL;
	if (!cfg || !access_ok(cfg, offset, size)) {
		*val = size_ones(size);
		return -EINVAL;
	}
	ones = size_ones(size);
	lanes = handler_lanes(cfg, offset, size);
	v = le_load(cfg->image + offset, size);
	need = ~le_load(cfg->emul + offset, size) & ones & ~lanes;
	served = vmpci__cfg_cache_served(cfg, offset, size) & need;
	v = (v & ~served) | (vmpci__cfg_cache_value(cfg, offset, size) & served);
	need &= ~served;
	if (need) {
		uint32_t phys;

		rc = dev_read(cfg, offset, size, &phys);
		if (rc)
			phys = ones;
		else if (cfg->dev.read)
			vmpci__cfg_cache_store(cfg, offset, size, phys);
		v = (v & ~need) | (phys & need);
	}
	if (lanes) {
		int err = handlers_read(cfg, offset, size, &v);

		if (err && !rc)
			rc = err;
	}
	*val = v & ones;
	return rc;
}

/* The guest-visible COMMAND after a write covering some of its bytes. */
static uint16_t command_after(const struct vmpci_config *cfg, uint16_t offset,
			      unsigned size, uint32_t val)
{
	uint16_t cmd = cfg->command;

	for (unsigned i = 0; i < size; i++) {
		unsigned at = offset + i;
		unsigned shift;
		uint8_t wm;

		if (at != PCI_COMMAND && at != PCI_COMMAND + 1)
			continue;
		shift = 8 * (at - PCI_COMMAND);
		wm = cfg->wmask[at];
		cmd = (uint16_t)((cmd & ~(wm << shift)) |
				 ((((val >> (8 * i)) & 0xffu) & wm) << shift));
	}
	return cmd;
}

int vmpci_config_write(struct vmpci_config *cfg, uint16_t offset,
		       unsigned size, uint32_t val)
{
	uint32_t lanes, wr, em, c, ew, pt, img;
	uint16_t old_cmd, new_cmd;
	bool touches_cmd;
	int rc = 0, dev_err = 0;

	if (!cfg || !access_ok(cfg, offset, size))
		return -EINVAL;
	val &= size_ones(size);
	old_cmd = new_cmd = cfg->command;
	touches_cmd = offset < PCI_COMMAND + 2 && offset + size > PCI_COMMAND;
	if (touches_cmd) {
		new_cmd = command_after(cfg, offset, size, val);
		if (cfg->command_fn) {
			rc = cfg->command_fn(cfg->command_opaque, old_cmd,
					     new_cmd);
			if (rc < 0)
				return rc;
			rc = 0;
		}
	}

	lanes = handler_lanes(cfg, offset, size);
	wr = le_load(cfg->wmask + offset, size) & ~lanes;
	em = le_load(cfg->emul + offset, size);
	c = le_load(cfg->w1c + offset, size);

	ew = wr & em;
	if (ew) {
		img = le_load(cfg->image + offset, size);
		img = (img & ~(ew & ~c)) | (val & ew & ~c);
		img &= ~(val & ew & c);
		le_store(cfg->image + offset, size, img);
	}
	pt = wr & ~em;
	if (pt)
		rc = dev_err = dev_write_bits(cfg, offset, size, val, pt,
					      c & ~em);
	if (lanes) {
		int err = handlers_write(cfg, offset, size, val);

		if (err && !rc)
			rc = err;
	}
	if (touches_cmd && dev_err) {
		/* COMMAND is the function's: a write it did not take leaves
		 * it as it was, and the hook sees the change undone (else a
		 * snapshot would carry, and a restore write, bits the guest
		 * never saw set). */
		if (cfg->command_fn)
			cfg->command_fn(cfg->command_opaque, new_cmd, old_cmd);
	} else if (touches_cmd) {
		cfg->command = new_cmd;
	}
	vmpci__cfg_bar_after_write(cfg, offset, size);
	return rc;
}

int vmpci_config_op_read(void *cfg, uint16_t offset, unsigned size,
			 uint32_t *val)
{
	return vmpci_config_read(cfg, offset, size, val);
}

int vmpci_config_op_write(void *cfg, uint16_t offset, unsigned size,
			  uint32_t val)
{
	return vmpci_config_write(cfg, offset, size, val);
}

int vmpci_config_dump(struct vmpci_config *cfg, uint8_t *buf, size_t len)
{
	int rc = 0;

	if (!cfg || !buf || len > cfg->size)
		return -EINVAL;
	for (size_t off = 0; off < len; off += 4) {
		uint32_t v;
		size_t n = len - off < 4 ? len - off : 4;
		int err = vmpci_config_read(cfg, (uint16_t)off, 4, &v);

		if (err && !rc)
			rc = err;
		for (size_t i = 0; i < n; i++)
			buf[off + i] = (uint8_t)(v >> (8 * i));
	}
	return rc;
}

/* Setup-time ranges: 1, 2 or 4 bytes inside the space. */
static bool range_ok(const struct vmpci_config *cfg, uint16_t offset,
		     unsigned size)
{
	return cfg && (size == 1 || size == 2 || size == 4) &&
	       (uint32_t)offset + size <= cfg->size;
}

int vmpci_config_peek(const struct vmpci_config *cfg, uint16_t offset,
		      unsigned size, uint32_t *val)
{
	if (!range_ok(cfg, offset, size) || !val)
		return -EINVAL;
	*val = le_load(cfg->image + offset, size);
	return 0;
}

int vmpci_config_poke(struct vmpci_config *cfg, uint16_t offset,
		      unsigned size, uint32_t val)
{
	if (!range_ok(cfg, offset, size))
		return -EINVAL;
	le_store(cfg->image + offset, size, val);
	return 0;
}

int vmpci_config_set_perm(struct vmpci_config *cfg, uint16_t offset,
			  unsigned size, uint32_t emulated, uint32_t writable,
			  uint32_t w1c)
{
	if (!range_ok(cfg, offset, size))
		return -EINVAL;
	perm_set(cfg, offset, size, emulated, writable, w1c);
	return 0;
}

int vmpci_config_get_perm(const struct vmpci_config *cfg, uint16_t offset,
			  unsigned size, uint32_t *emulated,
			  uint32_t *writable, uint32_t *w1c)
{
	if (!range_ok(cfg, offset, size))
		return -EINVAL;
	if (emulated)
		*emulated = le_load(cfg->emul + offset, size);
	if (writable)
		*writable = le_load(cfg->wmask + offset, size);
	if (w1c)
		*w1c = le_load(cfg->w1c + offset, size);
	return 0;
}

int vmpci_config_patch(struct vmpci_config *cfg, uint16_t offset,
		       unsigned size, uint32_t mask, uint32_t value)
{
	uint32_t img;

	if (!range_ok(cfg, offset, size))
		return -EINVAL;
	perm_set(cfg, offset, size, le_load(cfg->emul + offset, size) | mask,
		 le_load(cfg->wmask + offset, size) & ~mask,
		 le_load(cfg->w1c + offset, size) & ~mask);
	img = le_load(cfg->image + offset, size);
	le_store(cfg->image + offset, size, (img & ~mask) | (value & mask));
	return 0;
}

int vmpci_config_add_handler(struct vmpci_config *cfg, uint16_t offset,
			     uint16_t length,
			     const struct vmpci_config_ops *ops, void *opaque)
{
	int slot = -1;

	if (!cfg || !ops || length == 0 ||
	    (uint32_t)offset + length > cfg->size)
		return -EINVAL;
	for (uint32_t i = offset; i < (uint32_t)offset + length; i++)
		if (cfg->hmap[i])
			return -EEXIST;
	for (int i = 0; i < VMPCI_CONFIG_MAX_HANDLERS; i++) {
		if (cfg->handlers[i].length == 0) {
			slot = i;
			break;
		}
	}
	if (slot < 0)
		return -ENOSPC;
	cfg->handlers[slot] = (struct cfg_handler){
		.offset = offset,
		.length = length,
		.ops = *ops,
		.opaque = opaque,
	};
	memset(cfg->hmap + offset, slot + 1, length);
	return 0;
}

int vmpci_config_remove_handler(struct vmpci_config *cfg, uint16_t offset)
{
	if (!cfg)
		return -EINVAL;
	for (int i = 0; i < VMPCI_CONFIG_MAX_HANDLERS; i++) {
		struct cfg_handler *h = &cfg->handlers[i];

		if (h->length == 0 || h->offset != offset)
			continue;
		memset(cfg->hmap + h->offset, 0, h->length);
		memset(h, 0, sizeof(*h));
		return 0;
	}
	return -ENOENT;
}

void vmpci_config_set_command_hook(struct vmpci_config *cfg,
				   vmpci_config_command_fn fn, void *opaque)
{
	if (!cfg)
		return;
	cfg->command_fn = fn;
	cfg->command_opaque = fn ? opaque : NULL;
}

uint16_t vmpci_config_command(const struct vmpci_config *cfg)
{
	return cfg ? cfg->command : 0;
}

uint16_t vmpci_config_size(const struct vmpci_config *cfg)
{
	return cfg ? cfg->size : 0;
}

/* Permissions, capabilities and the COMMAND shadow from a freshly read
 * image. */
static void cfg_setup(struct vmpci_config *cfg)
{
	cfg->command = (uint16_t)le_load(cfg->image + PCI_COMMAND, 2);
	vmpci__cfg_perm_header(cfg);
	vmpci__cfg_caps_init(cfg);
	vmpci__cfg_cache_init(cfg);
}

bool vmpci__config_size_valid(uint32_t size)
{
	return size == PCI_CFG_SPACE_SIZE || size == PCI_CFG_SPACE_EXP_SIZE;
}

int vmpci_config_new_seeded(const struct vmpci_config_ops *ops, void *opaque,
			    const uint8_t *image, uint16_t size,
			    struct vmpci_config **out)
{
	struct vmpci_config *cfg;

	if (!ops || !ops->read || !ops->write || !image || !out ||
	    !vmpci__config_size_valid(size))
		return -EINVAL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	cfg->size = size;
	cfg->dev = *ops;
	cfg->dev_opaque = opaque;
	memcpy(cfg->image, image, size);
	cfg_setup(cfg);
	*out = cfg;
	return 0;
}

int vmpci_config_new(const struct vmpci_config_ops *ops, void *opaque,
		     uint16_t size, struct vmpci_config **out)
{
	uint8_t image[VMPCI_CONFIG_SPACE_MAX];

	if (!ops || !ops->read || !ops->write || !out || !vmpci__config_size_valid(size))
		return -EINVAL;
	for (uint16_t off = 0; off < size; off += 4) {
		uint32_t v;
		int rc = ops->read(opaque, off, 4, &v);

		if (rc)
			return rc < 0 ? rc : -EIO;
		le_store(image + off, 4, v);
	}
	return vmpci_config_new_seeded(ops, opaque, image, size, out);
}

int vmpci_config_new_emulated(const uint8_t *bytes, uint16_t size,
			      struct vmpci_config **out)
{
	struct vmpci_config *cfg;

	if (!bytes || !out || !vmpci__config_size_valid(size))
		return -EINVAL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	cfg->size = size;
	memcpy(cfg->image, bytes, size);
	memcpy(cfg->backing, bytes, size);
	cfg_setup(cfg);
	*out = cfg;
	return 0;
}

void vmpci_config_free(struct vmpci_config *cfg)
{
	free(cfg);
}
