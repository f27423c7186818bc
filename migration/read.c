/* Typed, strict access to the parsed document: every value is checked for
 * presence, JSON type and range, and every error names its JSON path. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "migration/snapshot_internal.h"

void vmpci__snap_push_key(struct snap_reader *r, const char *key)
{
	if (r->depth < SNAP_PATH_MAX)
		r->path[r->depth].key = key;
	r->depth++;
}

void vmpci__snap_push_index(struct snap_reader *r, unsigned index)
{
	if (r->depth < SNAP_PATH_MAX) {
		r->path[r->depth].key = NULL;
		r->path[r->depth].index = index;
	}
	r->depth++;
}

void vmpci__snap_pop(struct snap_reader *r)
{
	r->depth--;
}

int vmpci__snap_reader_fail(struct snap_reader *r, int rc, const char *fmt, ...)
{
	size_t used = 0;
	va_list ap;
	int n;

	if (!r->err || !r->errlen)
		return rc;
	r->err[0] = '\0';
	for (unsigned i = 0; i < r->depth && i < SNAP_PATH_MAX; i++) {
		if (r->path[i].key)
			n = snprintf(r->err + used, r->errlen - used, "%s%s",
				     i ? "." : "", r->path[i].key);
		else
			n = snprintf(r->err + used, r->errlen - used, "[%u]",
				     r->path[i].index);
		if (n < 0 || (size_t)n >= r->errlen - used)
			return rc;
		used += (size_t)n;
	}
	n = snprintf(r->err + used, r->errlen - used, "%s",
		     r->depth ? ": " : "document: ");
	if (n < 0 || (size_t)n >= r->errlen - used)
		return rc;
	used += (size_t)n;
	va_start(ap, fmt);
	vsnprintf(r->err + used, r->errlen - used, fmt, ap);
	va_end(ap);
	return rc;
}

const char *vmpci__snap_type_name(const cJSON *item)
{
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsBool(item))
		return "a boolean";
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsObject(item))
		return "an object";
	return "an invalid value";
}

int vmpci__snap_members(struct snap_reader *r, const cJSON *obj,
		 const char *const names[], size_t n, const cJSON *out[])
{
	const cJSON *c;
	size_t i;
	int rc;

	if (!cJSON_IsObject(obj))
		return vmpci__snap_reader_fail(r, -EINVAL,
					"expected an object, got %s",
					vmpci__snap_type_name(obj));
	for (i = 0; i < n; i++)
		out[i] = NULL;
	cJSON_ArrayForEach(c, obj)
	{
		for (i = 0; i < n; i++)
			if (!strcmp(c->string, names[i]))
				break;
		if (i < n && !out[i]) {
			out[i] = c;
			continue;
		}
		vmpci__snap_push_key(r, c->string);
		rc = vmpci__snap_reader_fail(r, -EINVAL, i < n ? "repeated field" :
							  "unknown field");
		vmpci__snap_pop(r);
		return rc;
	}
	return 0;
}

/* Push `key` (NULL: an array element, whose index the caller pushed);
 * fail when the member is missing. */
static int enter(struct snap_reader *r, const cJSON *item, const char *key)
{
	if (key)
		vmpci__snap_push_key(r, key);
	if (!item)
		return vmpci__snap_reader_fail(r, -EINVAL, "missing");
	return 0;
}

static int leave(struct snap_reader *r, const char *key, int rc)
{
	if (key)
		vmpci__snap_pop(r);
	return rc;
}

int vmpci__snap_get_hex(struct snap_reader *r, const cJSON *item, const char *key,
		 uint64_t max, uint64_t *v)
{
	uint64_t x;
	int rc = enter(r, item, key);

	if (rc)
		return leave(r, key, rc);
	if (!cJSON_IsString(item))
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "expected a hex string like \"0x1f\", got %s",
						 vmpci__snap_type_name(item)));
	if (vmpci__snap_hex_u64_get(item->valuestring, strlen(item->valuestring),
			     &x))
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "\"%.24s\" is not \"0x\" and 1-16 hex digits",
						 item->valuestring));
	if (x > max)
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "0x%llx is out of range (at most 0x%llx)",
						 (unsigned long long)x,
						 (unsigned long long)max));
	*v = x;
	return leave(r, key, 0);
}

int vmpci__snap_get_uint(struct snap_reader *r, const cJSON *item, const char *key,
		  uint32_t min, uint32_t max, uint32_t *v)
{
	double d;
	int rc = enter(r, item, key);

	if (rc)
		return leave(r, key, rc);
	if (!cJSON_IsNumber(item))
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "expected a number, got %s",
						 vmpci__snap_type_name(item)));
	d = item->valuedouble;
	if (d < min || d > max)
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "%g is out of range [%u, %u]",
						 d, min, max));
	if (d != (double)(uint32_t)d)
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "%g is not an integer", d));
	*v = (uint32_t)d;
	return leave(r, key, 0);
}

int vmpci__snap_get_bool(struct snap_reader *r, const cJSON *item, const char *key,
		  bool *v)
{
	int rc = enter(r, item, key);

	if (rc)
		return leave(r, key, rc);
	if (!cJSON_IsBool(item))
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "expected true or false, got %s",
						 vmpci__snap_type_name(item)));
	*v = cJSON_IsTrue(item);
	return leave(r, key, 0);
}

int vmpci__snap_get_str(struct snap_reader *r, const cJSON *item, const char *key,
		 const char **s, size_t *len)
{
	int rc = enter(r, item, key);

	if (rc)
		return leave(r, key, rc);
	if (!cJSON_IsString(item))
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "expected a string, got %s",
						 vmpci__snap_type_name(item)));
	*s = item->valuestring;
	*len = strlen(item->valuestring);
	return leave(r, key, 0);
}

int vmpci__snap_get_array(struct snap_reader *r, const cJSON *item,
		   const char *key, size_t max, size_t *n)
{
	int count, rc = enter(r, item, key);

	if (rc)
		return leave(r, key, rc);
	if (!cJSON_IsArray(item))
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "expected an array, got %s",
						 vmpci__snap_type_name(item)));
	count = cJSON_GetArraySize(item);
	if ((size_t)count > max)
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "%d elements, at most %zu",
						 count, max));
	*n = (size_t)count;
	return leave(r, key, 0);
}

int vmpci__snap_each(struct snap_reader *r, const cJSON *arr, const char *key,
	      snap_element_fn fn, void *ctx)
{
	const cJSON *item;
	unsigned i = 0;
	int rc = 0;

	vmpci__snap_push_key(r, key);
	cJSON_ArrayForEach(item, arr)
	{
		vmpci__snap_push_index(r, i);
		rc = fn(r, item, i++, ctx);
		vmpci__snap_pop(r);
		if (rc)
			break;
	}
	vmpci__snap_pop(r);
	return rc;
}

int vmpci__snap_get_bytes(struct snap_reader *r, const cJSON *item, const char *key,
		   uint8_t *out, size_t n)
{
	const char *s;
	size_t len;
	long bad;
	int rc = vmpci__snap_get_str(r, item, key, &s, &len);

	if (rc)
		return rc;
	vmpci__snap_push_key(r, key);
	if (len != 2 * n)
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "%zu hex digits, expected %zu (2 per byte of the %zu-byte config space)",
						 len, 2 * n, n));
	bad = vmpci__snap_hex_bytes_get(s, out, n);
	if (bad >= 0)
		return leave(r, key, vmpci__snap_reader_fail(r, -EINVAL,
						 "character %ld is not a hex digit",
						 bad));
	return leave(r, key, 0);
}
