/* What the migration/ files share: error lines, the document's value
 * encodings and its names for BAR types and capability flags. Internal. */
#ifndef VMPCI_MIGRATION_SNAPSHOT_INTERNAL_H
#define VMPCI_MIGRATION_SNAPSHOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migration/document.h"
#include "vmpci_why.h"

/* ---- value encodings (codec.c) ---- */

/* Longest "0x..." a uint64_t takes, without NUL. */
#define SNAP_HEX_U64_MAX 18

/* Write `v` as "0x" and lowercase hex without leading zeros; returns the
 * characters written (no NUL). */
size_t vmpci__snap_hex_u64_put(char *out, uint64_t v);

/* Parse s[0 .. len) as "0x" and 1-16 hex digits. 0 or -EINVAL. */
int vmpci__snap_hex_u64_get(const char *s, size_t len, uint64_t *v);

/* Bytes as 2 lowercase hex digits each (no NUL). */
void vmpci__snap_hex_bytes_put(char *out, const uint8_t *bytes, size_t n);

/* Decode exactly 2 * n hex digits (either case) from s into out[0 .. n).
 * Returns -1 when all were hex digits, else the offset of the first bad
 * character. */
long vmpci__snap_hex_bytes_get(const char *s, uint8_t *out, size_t n);

/* Base64 (RFC 4648, padded). vmpci__snap_b64_len: characters for n bytes. */
size_t vmpci__snap_b64_len(size_t n);
void vmpci__snap_b64_put(char *out, const uint8_t *bytes, size_t n);
/* Decode s[0 .. len) into out (room for len / 4 * 3 bytes); *n gets the
 * byte count. -1 when valid, else the offset of the first bad character
 * (len itself for a bad length). */
long vmpci__snap_b64_get(const char *s, size_t len, uint8_t *out, size_t *n);

/* ---- names the document uses ---- */

/* BAR kinds: "io", "mem32", "mem64", "rom". */
const char *vmpci__snap_bar_kind_name(uint32_t type);
/* The VMPCI_BAR_* kind of `name`, 0 when unknown. */
uint32_t vmpci__snap_bar_kind(const char *name);

/* Capability flags in "flags": VMPCI_CAP_EXTENDED, _HIDDEN, _VIRTUAL. */
struct snap_flag_name {
	uint16_t flag;
	const char *name;
};
extern const struct snap_flag_name vmpci__snap_cap_flags[];
extern const size_t vmpci__snap_nr_cap_flags;

/* ---- reading the document (read.c, syntax.c) ---- */

struct cJSON;

#define SNAP_PATH_MAX 8

/* A walk over the parsed document: where it is (for messages) and where
 * the error goes. */
struct snap_reader {
	char *err;
	size_t errlen;
	unsigned depth;
	struct {
		const char *key; /* NULL: an array index */
		unsigned index;
	} path[SNAP_PATH_MAX];
};

void vmpci__snap_push_key(struct snap_reader *r, const char *key);
void vmpci__snap_push_index(struct snap_reader *r, unsigned index);
void vmpci__snap_pop(struct snap_reader *r);

/* "<path>: <message>" into the error buffer; returns rc. */
int vmpci__snap_reader_fail(struct snap_reader *r, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Map the members of object `obj` (at the current path) onto names[0 ..
 * n): out[i] gets the member named names[i] or NULL. -EINVAL for a value
 * that is not an object, an unknown member or a repeated one. */
int vmpci__snap_members(struct snap_reader *r, const struct cJSON *obj,
		 const char *const names[], size_t n,
		 const struct cJSON *out[]);

/* Typed values of member `key` (`item` as vmpci__snap_members found it, NULL when
 * missing). Each pushes `key` for its messages: missing, wrong type, out
 * of range all name it. A NULL key reads an array element at the path the
 * caller set. */
int vmpci__snap_get_hex(struct snap_reader *r, const struct cJSON *item,
		 const char *key, uint64_t max, uint64_t *v);
int vmpci__snap_get_uint(struct snap_reader *r, const struct cJSON *item,
		  const char *key, uint32_t min, uint32_t max, uint32_t *v);
int vmpci__snap_get_bool(struct snap_reader *r, const struct cJSON *item,
		  const char *key, bool *v);
/* A string of any length; *s points into the document. */
int vmpci__snap_get_str(struct snap_reader *r, const struct cJSON *item,
		 const char *key, const char **s, size_t *len);
/* An array of at most `max` elements; *n gets the count. */
int vmpci__snap_get_array(struct snap_reader *r, const struct cJSON *item,
		   const char *key, size_t max, size_t *n);
/* Call fn on every element of array `arr` (member `key`, already checked
 * with vmpci__snap_get_array) with the element's path set; stop at the first
 * error. */
typedef int (*snap_element_fn)(struct snap_reader *r, const struct cJSON *item,
			       unsigned index, void *ctx);
int vmpci__snap_each(struct snap_reader *r, const struct cJSON *arr, const char *key,
	      snap_element_fn fn, void *ctx);
/* Exactly 2 * n hex digits into out[0 .. n). */
int vmpci__snap_get_bytes(struct snap_reader *r, const struct cJSON *item,
		   const char *key, uint8_t *out, size_t n);

/* The JSON type of `item` for messages ("number", "object", ...). */
const char *vmpci__snap_type_name(const struct cJSON *item);

/* Explain why cJSON refused json[0 .. len) (it stopped at `stop`): where,
 * and inside which field. Returns -EINVAL. */
int vmpci__snap_syntax_error(const char *json, size_t len, size_t stop, char *err,
		      size_t errlen);

/* Sections of the document (parse.c); each fills its part of *st. */
int vmpci__snap_read_document(struct snap_reader *r, const struct cJSON *root,
		       struct vmpci_device_state *st);


#endif
