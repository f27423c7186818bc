/* State -> JSON document (docs/SNAPSHOT.md). The state is checked first,
 * so everything written here parses back to the same bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "migration/snapshot_internal.h"

/* Building the tree: the first failed allocation sets `oom` and later
 * calls do nothing, so the build code needs no error path per value. */
struct builder {
	bool oom;
	/* Buffers string items point at (cJSON_CreateStringReference), freed
	 * after printing: the big byte strings are not copied again. */
	char *owned[8];
	unsigned nr_owned;
};

static cJSON *add(struct builder *b, cJSON *obj, const char *key,
		  cJSON *item)
{
	if (!item || b->oom) {
		b->oom = true;
		cJSON_Delete(item);
		return NULL;
	}
	if (!(key ? cJSON_AddItemToObjectCS(obj, key, item) :
		    cJSON_AddItemToArray(obj, item))) {
		b->oom = true;
		cJSON_Delete(item);
		return NULL;
	}
	return item;
}

static void add_hex(struct builder *b, cJSON *obj, const char *key,
		    uint64_t v)
{
	char s[SNAP_HEX_U64_MAX + 1];

	s[vmpci__snap_hex_u64_put(s, v)] = '\0';
	add(b, obj, key, cJSON_CreateString(s));
}

static void add_num(struct builder *b, cJSON *obj, const char *key,
		    double v)
{
	add(b, obj, key, cJSON_CreateNumber(v));
}

static void add_bool(struct builder *b, cJSON *obj, const char *key, bool v)
{
	add(b, obj, key, cJSON_CreateBool(v));
}

/* A string item over a buffer the builder keeps until the print. */
static void add_owned(struct builder *b, cJSON *obj, const char *key,
		      char *s)
{
	if (!s || b->nr_owned == sizeof(b->owned) / sizeof(b->owned[0])) {
		free(s);
		b->oom = true;
		return;
	}
	b->owned[b->nr_owned++] = s;
	add(b, obj, key, cJSON_CreateStringReference(s));
}

static void add_bytes(struct builder *b, cJSON *obj, const char *key,
		      const uint8_t *bytes, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (s) {
		vmpci__snap_hex_bytes_put(s, bytes, n);
		s[2 * n] = '\0';
	}
	add_owned(b, obj, key, s);
}

static void put_identity(struct builder *b, cJSON *root,
			 const struct vmpci_device_state *st)
{
	const struct vmpci_device_identity *id = &st->identity;
	cJSON *o = add(b, root, "identity", cJSON_CreateObject());

	add(b, o, "name", cJSON_CreateString(st->name));
	add_hex(b, o, "vendor", id->vendor);
	add_hex(b, o, "device", id->device);
	add_hex(b, o, "subsystem_vendor", id->subsystem_vendor);
	add_hex(b, o, "subsystem", id->subsystem);
	add_hex(b, o, "class", id->class_code);
	add_hex(b, o, "revision", id->revision);
	add_num(b, o, "config_size", id->config_size);
}

static void put_options(struct builder *b, cJSON *root,
			const struct vmpci_device_state *st)
{
	cJSON *o = add(b, root, "options", cJSON_CreateObject());

	add_hex(b, o, "page_size", st->page_size);
	add_hex(b, o, "no_mmap_bars", st->no_mmap_bars);
	add_hex(b, o, "devid", st->devid);
}

static void put_cap(struct builder *b, cJSON *caps, const struct vmpci_cap *c)
{
	cJSON *o = add(b, caps, NULL, cJSON_CreateObject());
	cJSON *flags;

	add_hex(b, o, "offset", c->offset);
	add_hex(b, o, "id", c->id);
	add_num(b, o, "length", c->length);
	flags = add(b, o, "flags", cJSON_CreateArray());
	for (size_t i = 0; i < vmpci__snap_nr_cap_flags; i++) {
		const char *name = vmpci__snap_cap_flags[i].name;

		if (c->flags & vmpci__snap_cap_flags[i].flag)
			add(b, flags, NULL, cJSON_CreateStringReference(name));
	}
}

static void put_config(struct builder *b, cJSON *root,
		       const struct vmpci_config_state *cs)
{
	cJSON *o = add(b, root, "config", cJSON_CreateObject());
	cJSON *caps;

	add_hex(b, o, "command", cs->command);
	add_bytes(b, o, "image", cs->image, cs->size);
	add_bytes(b, o, "emulated", cs->emulated, cs->size);
	add_bytes(b, o, "writable", cs->writable, cs->size);
	add_bytes(b, o, "w1c", cs->w1c, cs->size);
	caps = add(b, o, "caps", cJSON_CreateArray());
	for (unsigned i = 0; i < cs->cap_count && !b->oom; i++)
		put_cap(b, caps, &cs->caps[i]);
}

static void put_bars(struct builder *b, cJSON *root,
		     const struct vmpci_device_state *st)
{
	cJSON *bars = add(b, root, "bars", cJSON_CreateArray());

	for (unsigned i = 0; i < VMPCI_BAR_COUNT && !b->oom; i++) {
		const struct vmpci_bar_info *bar = &st->config.bars[i];
		cJSON *o;

		if (!bar->size)
			continue;
		o = add(b, bars, NULL, cJSON_CreateObject());
		add_num(b, o, "index", i);
		add(b, o, "type",
		    cJSON_CreateStringReference(vmpci__snap_bar_kind_name(bar->type)));
		add_bool(b, o, "prefetch", bar->type & VMPCI_BAR_PREFETCH);
		add_hex(b, o, "address", bar->addr);
		add_hex(b, o, "size", bar->size);
		add_bool(b, o, "placed", st->placed[i]);
	}
}

/* The section `key`: an object to fill when the function has it, else
 * null (and NULL is returned). */
static cJSON *add_section(struct builder *b, cJSON *root, const char *key,
			  bool present)
{
	if (!present) {
		add(b, root, key, cJSON_CreateNull());
		return NULL;
	}
	return add(b, root, key, cJSON_CreateObject());
}

static void put_msi(struct builder *b, cJSON *root,
		    const struct vmpci_device_state *st)
{
	cJSON *o = add_section(b, root, "msi", st->has_msi);

	if (!o)
		return;
	add_hex(b, o, "control", st->msi.control);
	add_hex(b, o, "address", st->msi.address);
	add_hex(b, o, "data", st->msi.data);
	add_hex(b, o, "mask", st->msi.mask);
	add_hex(b, o, "pending", st->msi.pending);
}

/* "0xADDRESS 0xDATA 0xCONTROL": one string per entry keeps a 2048-entry
 * table near 50 KB and cJSON's work to one item per entry. */
static void put_entry(struct builder *b, cJSON *arr,
		      const struct vmpci_msix_entry *e)
{
	char s[3 * (SNAP_HEX_U64_MAX + 1)];
	size_t n = vmpci__snap_hex_u64_put(s, e->address);

	s[n++] = ' ';
	n += vmpci__snap_hex_u64_put(s + n, e->data);
	s[n++] = ' ';
	n += vmpci__snap_hex_u64_put(s + n, e->control);
	s[n] = '\0';
	add(b, arr, NULL, cJSON_CreateString(s));
}

static void put_msix(struct builder *b, cJSON *root,
		     const struct vmpci_device_state *st)
{
	const struct vmpci_msix_state *x = &st->msix;
	cJSON *o = add_section(b, root, "msix", st->has_msix), *arr;

	if (!o)
		return;
	add_hex(b, o, "control", x->control);
	add_num(b, o, "nr_entries", x->nr_entries);
	arr = add(b, o, "entries", cJSON_CreateArray());
	for (uint32_t i = 0; i < x->nr_entries && !b->oom; i++)
		put_entry(b, arr, &x->entries[i]);
	arr = add(b, o, "pba", cJSON_CreateArray());
	for (uint32_t w = 0; w < (x->nr_entries + 63) / 64 && !b->oom; w++)
		add_hex(b, arr, NULL, x->pba[w]);
}

static void put_intx(struct builder *b, cJSON *root,
		     const struct vmpci_device_state *st)
{
	cJSON *o = add_section(b, root, "intx", st->has_intx);

	if (!o)
		return;
	add_bool(b, o, "enabled", st->intx.enabled);
	add_bool(b, o, "masked", st->intx.masked);
	add_bool(b, o, "pending", st->intx.pending);
}

static void put_registers(struct builder *b, cJSON *root,
			  const struct vmpci_device_regs *regs)
{
	cJSON *o = add_section(b, root, "registers", regs->saved);

	if (!o)
		return;
	add_hex(b, o, "cache_line_size", regs->cache_line_size);
	add_hex(b, o, "latency_timer", regs->latency_timer);
	if (regs->has_pm)
		add_hex(b, o, "pm_control", regs->pm_control);
	else
		add(b, o, "pm_control", cJSON_CreateNull());
	if (regs->has_pcie)
		add_hex(b, o, "device_control", regs->device_control);
	else
		add(b, o, "device_control", cJSON_CreateNull());
}

static void put_vfio(struct builder *b, cJSON *root,
		     const struct vmpci_device_state *st)
{
	cJSON *o = add(b, root, "vfio_migration", cJSON_CreateObject());
	size_t n = vmpci__snap_b64_len(st->vfio.size);
	char *s;

	add_bool(b, o, "supported", st->vfio.supported);
	if (!st->vfio.supported)
		return;
	s = malloc(n + 1);
	if (s) {
		vmpci__snap_b64_put(s, st->vfio.data, st->vfio.size);
		s[n] = '\0';
	}
	add_owned(b, o, "data", s);
}

/* What the printed document will take, so cJSON prints into one buffer. */
static size_t estimate(const struct vmpci_device_state *st)
{
	return 8 * (size_t)st->config.size + 96 * st->config.cap_count +
	       52 * (size_t)st->msix.nr_entries +
	       vmpci__snap_b64_len(st->vfio.size) + 4096;
}

int vmpci__snapshot_write(const struct vmpci_device_state *st, char **json,
			  size_t *len, char *err, size_t errlen)
{
	struct builder b = { 0 };
	cJSON *root;
	char *out = NULL;
	int rc;

	if (!json)
		return vmpci__why(err, errlen, -EINVAL, "no output pointer");
	*json = NULL;
	rc = vmpci__snapshot_check(st, err, errlen);
	if (rc)
		return rc;
	root = cJSON_CreateObject();
	b.oom = !root;
	add(&b, root, "format",
	    cJSON_CreateStringReference(VMPCI_SNAPSHOT_FORMAT));
	add_num(&b, root, "version", VMPCI_SNAPSHOT_VERSION);
	put_identity(&b, root, st);
	put_options(&b, root, st);
	put_config(&b, root, &st->config);
	put_bars(&b, root, st);
	put_msi(&b, root, st);
	put_msix(&b, root, st);
	put_intx(&b, root, st);
	put_registers(&b, root, &st->regs);
	put_vfio(&b, root, st);
	if (!b.oom) {
		size_t guess = estimate(st);

		out = cJSON_PrintBuffered(root,
					  guess > INT32_MAX ? INT32_MAX :
							      (int)guess,
					  0);
	}
	cJSON_Delete(root);
	for (unsigned i = 0; i < b.nr_owned; i++)
		free(b.owned[i]);
	if (!out)
		return vmpci__why(err, errlen, -ENOMEM,
				  "out of memory writing the document");
	*json = out;
	if (len)
		*len = strlen(out);
	return 0;
}
