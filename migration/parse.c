/* JSON document -> state: each section decoded with strict types and
 * ranges, then the whole state checked (check.c), all into a scratch copy
 * so the caller's state changes only when everything passed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "migration/snapshot_internal.h"
#include "pci/state_check.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Members of the object at the current path, by position in `names`. */
#define MEMBERS(r, obj, names, out)                                         \
	vmpci__snap_members(r, obj, names, N(names), out)

static int fail(struct snap_reader *r, const char *key, const char *why)
{
	int rc;

	vmpci__snap_push_key(r, key);
	rc = vmpci__snap_reader_fail(r, -EINVAL, "%s", why);
	vmpci__snap_pop(r);
	return rc;
}

/* A member that must be an object (or null when `nullable`); pushes `key`
 * on success, the caller pops. *is_null reports a null. */
static int open_section(struct snap_reader *r, const cJSON *item,
			const char *key, bool nullable, bool *is_null)
{
	vmpci__snap_push_key(r, key);
	*is_null = false;
	if (!item)
		return vmpci__snap_reader_fail(r, -EINVAL, nullable ?
				"missing (null when the function has none)" :
				"missing");
	if (nullable && cJSON_IsNull(item)) {
		*is_null = true;
		return 0;
	}
	if (!cJSON_IsObject(item))
		return vmpci__snap_reader_fail(r, -EINVAL,
					"expected %san object, got %s",
					nullable ? "null or " : "",
					vmpci__snap_type_name(item));
	return 0;
}

static int close_section(struct snap_reader *r, int rc)
{
	vmpci__snap_pop(r);
	return rc;
}

static int read_identity(struct snap_reader *r, const cJSON *obj,
			 struct vmpci_device_state *st)
{
	static const char *const names[] = { "name", "vendor", "device",
		"subsystem_vendor", "subsystem", "class", "revision",
		"config_size" };
	struct vmpci_device_identity *id = &st->identity;
	const cJSON *m[N(names)];
	uint64_t v[6];
	uint32_t size;
	const char *name;
	size_t len;
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = vmpci__snap_get_str(r, m[0], "name", &name, &len);
	if (!rc && len >= sizeof(st->name))
		rc = fail(r, "name", "longer than 63 bytes");
	for (unsigned i = 0; i < 6 && !rc; i++)
		rc = vmpci__snap_get_hex(r, m[i + 1], names[i + 1],
				  i == 4 ? 0xffffff : i == 5 ? 0xff : 0xffff,
				  &v[i]);
	if (!rc)
		rc = vmpci__snap_get_uint(r, m[7], "config_size", 256, 4096, &size);
	if (!rc && !vmpci__config_size_valid(size))
		rc = fail(r, "config_size", "must be 256 or 4096");
	if (rc)
		return rc;
	memcpy(st->name, name, len);
	id->vendor = (uint16_t)v[0];
	id->device = (uint16_t)v[1];
	id->subsystem_vendor = (uint16_t)v[2];
	id->subsystem = (uint16_t)v[3];
	id->class_code = (uint32_t)v[4];
	id->revision = (uint8_t)v[5];
	id->config_size = (uint16_t)size;
	st->config.size = (uint16_t)size;
	return 0;
}

static int read_options(struct snap_reader *r, const cJSON *obj,
			struct vmpci_device_state *st)
{
	static const char *const names[] = { "page_size", "no_mmap_bars",
		"devid" };
	const cJSON *m[N(names)];
	uint64_t mask = 0, devid = 0;
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = vmpci__snap_get_hex(r, m[0], "page_size", UINT64_MAX,
				  &st->page_size);
	if (!rc)
		rc = vmpci__snap_get_hex(r, m[1], "no_mmap_bars", UINT32_MAX,
					 &mask);
	if (!rc)
		rc = vmpci__snap_get_hex(r, m[2], "devid", UINT32_MAX, &devid);
	st->no_mmap_bars = (uint32_t)mask;
	st->devid = (uint32_t)devid;
	return rc;
}

static int read_cap_flag(struct snap_reader *r, const cJSON *f,
			 unsigned index, void *ctx)
{
	uint16_t *flags = ctx;
	size_t k;

	(void)index;
	for (k = 0; k < vmpci__snap_nr_cap_flags; k++)
		if (cJSON_IsString(f) &&
		    !strcmp(f->valuestring, vmpci__snap_cap_flags[k].name))
			break;
	if (k == vmpci__snap_nr_cap_flags)
		return vmpci__snap_reader_fail(r, -EINVAL,
					"expected \"extended\", \"hidden\" or \"virtual\"");
	if (*flags & vmpci__snap_cap_flags[k].flag)
		return vmpci__snap_reader_fail(r, -EINVAL, "repeated flag");
	*flags |= vmpci__snap_cap_flags[k].flag;
	return 0;
}

static int read_cap(struct snap_reader *r, const cJSON *obj, unsigned index,
		    void *ctx)
{
	static const char *const names[] = { "offset", "id", "length",
		"flags" };
	const cJSON *m[N(names)];
	struct vmpci_cap *c = &((struct vmpci_config_state *)ctx)->caps[index];
	uint64_t offset = 0, id = 0;
	uint32_t length = 0;
	size_t n;
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = vmpci__snap_get_hex(r, m[0], "offset",
				  VMPCI_CONFIG_SPACE_MAX - 1, &offset);
	if (!rc)
		rc = vmpci__snap_get_hex(r, m[1], "id", 0xffff, &id);
	if (!rc)
		rc = vmpci__snap_get_uint(r, m[2], "length", 1,
				   VMPCI_CONFIG_SPACE_MAX, &length);
	if (!rc)
		rc = vmpci__snap_get_array(r, m[3], "flags", vmpci__snap_nr_cap_flags, &n);
	if (!rc)
		rc = vmpci__snap_each(r, m[3], "flags", read_cap_flag, &c->flags);
	c->offset = (uint16_t)offset;
	c->id = (uint16_t)id;
	c->length = (uint16_t)length;
	return rc;
}

static int read_config(struct snap_reader *r, const cJSON *obj,
		       struct vmpci_config_state *cs)
{
	static const char *const names[] = { "command", "image", "emulated",
		"writable", "w1c", "caps" };
	uint8_t *bytes[] = { cs->image, cs->emulated, cs->writable, cs->w1c };
	const cJSON *m[N(names)];
	uint64_t command = 0;
	size_t n;
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = vmpci__snap_get_hex(r, m[0], "command", 0xffff, &command);
	for (unsigned i = 0; i < 4 && !rc; i++)
		rc = vmpci__snap_get_bytes(r, m[i + 1], names[i + 1], bytes[i],
				    cs->size);
	if (!rc)
		rc = vmpci__snap_get_array(r, m[5], "caps", VMPCI_CONFIG_MAX_CAPS, &n);
	if (rc)
		return rc;
	cs->command = (uint16_t)command;
	cs->cap_count = (uint16_t)n;
	return vmpci__snap_each(r, m[5], "caps", read_cap, cs);
}

/* Where the BARs go, and the index of the one before (ascending order). */
struct bars_ctx {
	struct vmpci_device_state *st;
	int last;
};

static int read_bar(struct snap_reader *r, const cJSON *obj, unsigned pos,
		    void *ctx)
{
	struct bars_ctx *bc = ctx;
	static const char *const names[] = { "index", "type", "prefetch",
		"address", "size", "placed" };
	const cJSON *m[N(names)];
	struct vmpci_bar_info bar = { 0 };
	uint32_t index = 0;
	const char *type;
	bool prefetch = false, placed = false;
	size_t len;
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = vmpci__snap_get_uint(r, m[0], "index", 0, VMPCI_BAR_COUNT - 1,
				   &index);
	(void)pos;
	if (!rc && (int)index <= bc->last)
		rc = fail(r, "index",
			  "BARs are listed once each, in ascending index order");
	if (!rc)
		rc = vmpci__snap_get_str(r, m[1], "type", &type, &len);
	if (!rc) {
		bar.type = vmpci__snap_bar_kind(type);
		if (!bar.type)
			rc = fail(r, "type",
				  "expected \"io\", \"mem32\", \"mem64\" or \"rom\"");
	}
	if (!rc)
		rc = vmpci__snap_get_bool(r, m[2], "prefetch", &prefetch);
	if (!rc)
		rc = vmpci__snap_get_hex(r, m[3], "address", UINT64_MAX, &bar.addr);
	if (!rc)
		rc = vmpci__snap_get_hex(r, m[4], "size", UINT64_MAX, &bar.size);
	if (!rc && !bar.size)
		rc = fail(r, "size", "0: unimplemented BARs are not listed");
	if (!rc)
		rc = vmpci__snap_get_bool(r, m[5], "placed", &placed);
	if (rc)
		return rc;
	if (prefetch)
		bar.type |= VMPCI_BAR_PREFETCH;
	bc->st->config.bars[index] = bar;
	bc->st->placed[index] = placed;
	bc->last = (int)index;
	return 0;
}

static int read_bars(struct snap_reader *r, const cJSON *arr,
		     struct vmpci_device_state *st)
{
	struct bars_ctx bc = { st, -1 };
	size_t n;
	int rc = vmpci__snap_get_array(r, arr, "bars", VMPCI_BAR_COUNT, &n);

	return rc ? rc : vmpci__snap_each(r, arr, "bars", read_bar, &bc);
}

static int read_msi(struct snap_reader *r, const cJSON *obj,
		    struct vmpci_msi_state *msi)
{
	static const char *const names[] = { "control", "address", "data",
		"mask", "pending" };
	static const uint64_t max[] = { 0xffff, UINT64_MAX, 0xffff,
		UINT32_MAX, UINT32_MAX };
	const cJSON *m[N(names)];
	uint64_t v[N(names)];
	int rc = MEMBERS(r, obj, names, m);

	for (unsigned i = 0; i < N(names) && !rc; i++)
		rc = vmpci__snap_get_hex(r, m[i], names[i], max[i], &v[i]);
	if (rc)
		return rc;
	msi->control = (uint16_t)v[0];
	msi->address = v[1];
	msi->data = (uint16_t)v[2];
	msi->mask = (uint32_t)v[3];
	msi->pending = (uint32_t)v[4];
	return 0;
}

/* One table entry: "0xADDRESS 0xDATA 0xCONTROL" (see write.c). */
static int read_entry(struct snap_reader *r, const cJSON *item,
		      unsigned index, void *ctx)
{
	struct vmpci_msix_state *x = ctx;
	struct vmpci_msix_entry *e = &x->entries[index];
	static const char *const fields[] = { "address", "data", "control" };
	static const uint64_t max[] = { UINT64_MAX, UINT32_MAX, UINT32_MAX };
	const char *tok[3], *s, *space;
	size_t len[3];
	uint64_t v[3];
	int rc = 0;

	if (!cJSON_IsString(item))
		return vmpci__snap_reader_fail(r, -EINVAL,
					"expected a string \"0xADDRESS 0xDATA 0xCONTROL\", got %s",
					vmpci__snap_type_name(item));
	s = item->valuestring;
	for (unsigned i = 0; i < 3; i++) {
		space = strchr(s, ' ');
		if ((i < 2) != (space != NULL))
			return vmpci__snap_reader_fail(r, -EINVAL,
						"expected three values \"0xADDRESS 0xDATA 0xCONTROL\"");
		tok[i] = s;
		len[i] = space ? (size_t)(space - s) : strlen(s);
		s += len[i] + 1;
	}
	for (unsigned i = 0; i < 3 && !rc; i++) {
		vmpci__snap_push_key(r, fields[i]);
		if (vmpci__snap_hex_u64_get(tok[i], len[i], &v[i]))
			rc = vmpci__snap_reader_fail(r, -EINVAL,
					      "\"%.*s\" is not \"0x\" and 1-16 hex digits",
					      (int)(len[i] > 24 ? 24 : len[i]),
					      tok[i]);
		else if (v[i] > max[i])
			rc = vmpci__snap_reader_fail(r, -EINVAL,
					      "0x%llx is out of range (at most 0x%llx)",
					      (unsigned long long)v[i],
					      (unsigned long long)max[i]);
		vmpci__snap_pop(r);
	}
	if (rc)
		return rc;
	e->address = v[0];
	e->data = (uint32_t)v[1];
	e->control = (uint32_t)v[2];
	return 0;
}

static int read_pba_word(struct snap_reader *r, const cJSON *item,
			 unsigned index, void *ctx)
{
	struct vmpci_msix_state *x = ctx;

	return vmpci__snap_get_hex(r, item, NULL, UINT64_MAX, &x->pba[index]);
}

static int read_msix(struct snap_reader *r, const cJSON *obj,
		     struct vmpci_msix_state *x)
{
	static const char *const names[] = { "control", "nr_entries",
		"entries", "pba" };
	const cJSON *m[N(names)];
	uint64_t control = 0;
	size_t n = 0, words = 0;
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = vmpci__snap_get_hex(r, m[0], "control", 0xffff, &control);
	if (!rc)
		rc = vmpci__snap_get_uint(r, m[1], "nr_entries", 1,
				   VMPCI_MSIX_MAX_VECTORS, &x->nr_entries);
	if (!rc)
		rc = vmpci__snap_get_array(r, m[2], "entries",
				    VMPCI_MSIX_MAX_VECTORS, &n);
	if (!rc && n != x->nr_entries)
		rc = fail(r, "entries",
			  "the number of entries differs from nr_entries");
	if (!rc)
		rc = vmpci__snap_get_array(r, m[3], "pba", VMPCI_MSIX_MAX_VECTORS / 64,
				    &words);
	if (!rc && words != (x->nr_entries + 63) / 64)
		rc = fail(r, "pba",
			  "expected one 64-bit word per 64 entries");
	if (rc)
		return rc;
	x->control = (uint16_t)control;
	rc = vmpci__snap_each(r, m[2], "entries", read_entry, x);
	return rc ? rc : vmpci__snap_each(r, m[3], "pba", read_pba_word, x);
}

static int read_intx(struct snap_reader *r, const cJSON *obj,
		     struct vmpci_intx_state *intx)
{
	static const char *const names[] = { "enabled", "masked", "pending" };
	const cJSON *m[N(names)];
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = vmpci__snap_get_bool(r, m[0], "enabled", &intx->enabled);
	if (!rc)
		rc = vmpci__snap_get_bool(r, m[1], "masked", &intx->masked);
	if (!rc)
		rc = vmpci__snap_get_bool(r, m[2], "pending", &intx->pending);
	return rc;
}

static int read_vfio(struct snap_reader *r, const cJSON *obj,
		     struct vmpci_device_vfio_state *v)
{
	static const char *const names[] = { "supported", "data" };
	const cJSON *m[N(names)];
	const char *s;
	size_t len;
	long bad;
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = vmpci__snap_get_bool(r, m[0], "supported", &v->supported);
	if (rc)
		return rc;
	if (!v->supported)
		return m[1] ? fail(r, "data", "present, but supported is false")
			    : 0;
	if (!m[1])
		return fail(r, "data",
			    "missing (the device data, required when supported is true)");
	rc = vmpci__snap_get_str(r, m[1], "data", &s, &len);
	if (rc || !len)
		return rc;
	v->data = malloc(len / 4 * 3);
	if (!v->data)
		return vmpci__snap_reader_fail(r, -ENOMEM, "out of memory");
	bad = vmpci__snap_b64_get(s, len, v->data, &v->size);
	if (bad >= 0) {
		vmpci__snap_push_key(r, "data");
		rc = vmpci__snap_reader_fail(r, -EINVAL,
				      "not base64 (character %ld of %zu)", bad,
				      len);
		vmpci__snap_pop(r);
	}
	return rc;
}

static int read_sections(struct snap_reader *r, const cJSON *const m[],
			 struct vmpci_device_state *st)
{
	bool is_null;
	int rc;

	rc = open_section(r, m[0], "identity", false, &is_null);
	rc = close_section(r, rc ? rc : read_identity(r, m[0], st));
	if (!rc) {
		rc = open_section(r, m[1], "options", false, &is_null);
		rc = close_section(r, rc ? rc : read_options(r, m[1], st));
	}
	if (!rc) {
		rc = open_section(r, m[2], "config", false, &is_null);
		rc = close_section(r,
				   rc ? rc : read_config(r, m[2], &st->config));
	}
	if (!rc)
		rc = read_bars(r, m[3], st);
	if (!rc) {
		rc = open_section(r, m[4], "msi", true, &is_null);
		st->has_msi = !rc && !is_null;
		rc = close_section(r, rc || is_null ? rc :
					read_msi(r, m[4], &st->msi));
	}
	if (!rc) {
		rc = open_section(r, m[5], "msix", true, &is_null);
		st->has_msix = !rc && !is_null;
		rc = close_section(r, rc || is_null ? rc :
					read_msix(r, m[5], &st->msix));
	}
	if (!rc) {
		rc = open_section(r, m[6], "intx", true, &is_null);
		st->has_intx = !rc && !is_null;
		rc = close_section(r, rc || is_null ? rc :
					read_intx(r, m[6], &st->intx));
	}
	if (!rc) {
		rc = open_section(r, m[7], "vfio_migration", false, &is_null);
		rc = close_section(r,
				   rc ? rc : read_vfio(r, m[7], &st->vfio));
	}
	return rc;
}

/* "registers" (version 2 on): null for a state that has none (read from
 * a version 1 document), else the pass-through registers, the capability
 * ones null when the function has no such capability. */
static int read_reg(struct snap_reader *r, const cJSON *item,
		    const char *key, uint64_t max, bool *has, uint64_t *v)
{
	*v = 0;
	if (has && cJSON_IsNull(item)) {
		*has = false;
		return 0;
	}
	if (has)
		*has = true;
	return vmpci__snap_get_hex(r, item, key, max, v);
}

static int read_registers(struct snap_reader *r, const cJSON *obj,
			  struct vmpci_device_regs *regs)
{
	static const char *const names[] = { "cache_line_size",
		"latency_timer", "pm_control", "device_control" };
	const cJSON *m[N(names)];
	uint64_t v[N(names)];
	int rc = MEMBERS(r, obj, names, m);

	if (!rc)
		rc = read_reg(r, m[0], names[0], 0xff, NULL, &v[0]);
	if (!rc)
		rc = read_reg(r, m[1], names[1], 0xff, NULL, &v[1]);
	if (!rc)
		rc = read_reg(r, m[2], names[2], 0xffff, &regs->has_pm, &v[2]);
	if (!rc)
		rc = read_reg(r, m[3], names[3], 0xffff, &regs->has_pcie,
			      &v[3]);
	if (rc)
		return rc;
	regs->saved = true;
	regs->cache_line_size = (uint8_t)v[0];
	regs->latency_timer = (uint8_t)v[1];
	regs->pm_control = (uint16_t)v[2];
	regs->device_control = (uint16_t)v[3];
	return 0;
}

/* Version 1 has no "registers"; from version 2 on it is there. */
static int read_registers_section(struct snap_reader *r, const cJSON *item,
				  int version, struct vmpci_device_regs *regs)
{
	bool is_null;
	int rc;

	if (version == 1) {
		vmpci__snap_push_key(r, "registers");
		rc = item ? vmpci__snap_reader_fail(r, -EINVAL,
					     "not part of a version 1 document")
			  : 0;
		vmpci__snap_pop(r);
		return rc;
	}
	rc = open_section(r, item, "registers", true, &is_null);
	return close_section(r, rc || is_null ? rc :
				read_registers(r, item, regs));
}

/* "format" and "version" first: a document of another format or version
 * is refused as such, whatever else it holds. This reader reads the
 * current version and version 1 (without "registers"). */
static int read_header(struct snap_reader *r, const cJSON *root,
		       int *version)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
	int rc = 0;

	vmpci__snap_push_key(r, "format");
	if (!cJSON_IsString(f))
		rc = vmpci__snap_reader_fail(r, -EPROTO,
				      "%s, expected \"%s\": not a vmpci snapshot",
				      f ? vmpci__snap_type_name(f) : "missing",
				      VMPCI_SNAPSHOT_FORMAT);
	else if (strcmp(f->valuestring, VMPCI_SNAPSHOT_FORMAT))
		rc = vmpci__snap_reader_fail(r, -EPROTO,
				      "\"%.32s\" is not \"%s\": not a vmpci snapshot",
				      f->valuestring, VMPCI_SNAPSHOT_FORMAT);
	vmpci__snap_pop(r);
	if (rc)
		return rc;
	vmpci__snap_push_key(r, "version");
	if (!cJSON_IsNumber(v))
		rc = vmpci__snap_reader_fail(r, -EPROTO, "%s, expected the number %d",
				      v ? vmpci__snap_type_name(v) : "missing",
				      VMPCI_SNAPSHOT_VERSION);
	else if (v->valuedouble != VMPCI_SNAPSHOT_VERSION &&
		 v->valuedouble != 1)
		rc = vmpci__snap_reader_fail(r, -EPROTO,
				      "%g is not supported (this reader reads versions 1 to %d)",
				      v->valuedouble, VMPCI_SNAPSHOT_VERSION);
	else
		*version = (int)v->valuedouble;
	vmpci__snap_pop(r);
	return rc;
}

int vmpci__snap_read_document(struct snap_reader *r, const cJSON *root,
		       struct vmpci_device_state *st)
{
	static const char *const names[] = { "identity", "options", "config",
		"bars", "msi", "msix", "intx", "vfio_migration", "format",
		"version", "registers" };
	const cJSON *m[N(names)];
	int rc, version = 0;

	if (!cJSON_IsObject(root))
		return vmpci__snap_reader_fail(r, -EINVAL,
					"expected an object, got %s",
					vmpci__snap_type_name(root));
	rc = read_header(r, root, &version);
	if (!rc)
		rc = MEMBERS(r, root, names, m);
	if (!rc)
		rc = read_sections(r, m, st);
	if (!rc)
		rc = read_registers_section(r, m[10], version, &st->regs);
	return rc;
}

/* Only whitespace may follow the document. */
static size_t trailing(const char *json, size_t len, size_t end)
{
	while (end < len && (json[end] == ' ' || json[end] == '\t' ||
			     json[end] == '\n' || json[end] == '\r'))
		end++;
	return end;
}

int vmpci__snapshot_parse(const char *json, size_t len,
			  struct vmpci_device_state *st, char *err,
			  size_t errlen)
{
	struct snap_reader r = { .err = err, .errlen = errlen };
	struct vmpci_device_state *tmp;
	const char *end = NULL;
	cJSON *root;
	size_t rest;
	int rc;

	if (!json || !st)
		return vmpci__why(err, errlen, -EINVAL, "no document or state");
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (!root)
		return vmpci__snap_syntax_error(json, len,
					 end ? (size_t)(end - json) : len, err,
					 errlen);
	rest = trailing(json, len, (size_t)(end - json));
	if (rest < len) {
		cJSON_Delete(root);
		return vmpci__why(err, errlen, -EINVAL,
				  "document: unexpected data at byte %zu after the JSON value",
				  rest);
	}
	tmp = calloc(1, sizeof(*tmp));
	if (!tmp) {
		cJSON_Delete(root);
		return vmpci__why(err, errlen, -ENOMEM, "out of memory");
	}
	rc = vmpci__snap_read_document(&r, root, tmp);
	cJSON_Delete(root);
	if (!rc)
		rc = vmpci__snapshot_check(tmp, err, errlen);
	if (rc)
		free(tmp->vfio.data);
	else
		memcpy(st, tmp, sizeof(*st));
	free(tmp);
	return rc;
}
