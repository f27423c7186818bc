/* Why a document is not JSON, said in the document's terms: cJSON only
 * gives a byte offset, so re-scan the text up to it, tracking the object
 * keys and array indexes open there, to name the field the damage is in
 * (a truncated file names the last field it reached). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "migration/snapshot_internal.h"

#define MAX_DEPTH 16

struct frame {
	bool array;
	unsigned index;	 /* array: elements before the current one */
	const char *key; /* object: the current key, not NUL-terminated */
	size_t keylen;
};

struct scan {
	struct frame f[MAX_DEPTH];
	unsigned depth; /* may exceed MAX_DEPTH; deeper frames are not kept */
	bool in_string;
	bool unterminated;
};

/* Scan json[0 .. stop): the containers open at `stop`. */
static void scan(const char *json, size_t stop, struct scan *sc)
{
	bool expect_key = false;
	size_t start = 0;

	memset(sc, 0, sizeof(*sc));
	for (size_t i = 0; i < stop; i++) {
		struct frame *top = sc->depth && sc->depth <= MAX_DEPTH ?
					    &sc->f[sc->depth - 1] :
					    NULL;
		char c = json[i];

		if (sc->in_string) {
			if (c == '\\')
				i++;
			else if (c == '"') {
				sc->in_string = false;
				if (expect_key && top && !top->array) {
					top->key = json + start;
					top->keylen = i - start;
				}
			}
			continue;
		}
		switch (c) {
		case '"':
			sc->in_string = true;
			start = i + 1;
			break;
		case '{':
		case '[':
			if (sc->depth < MAX_DEPTH) {
				memset(&sc->f[sc->depth], 0, sizeof(sc->f[0]));
				sc->f[sc->depth].array = c == '[';
			}
			sc->depth++;
			expect_key = c == '{';
			break;
		case '}':
		case ']':
			if (sc->depth)
				sc->depth--;
			expect_key = false;
			break;
		case ':':
			expect_key = false;
			break;
		case ',':
			if (top && top->array)
				top->index++;
			expect_key = top && !top->array;
			break;
		default:
			break;
		}
	}
	sc->unterminated = sc->in_string || sc->depth;
}

static size_t format_path(const struct scan *sc, char *out, size_t len)
{
	size_t used = 0;
	int n;

	out[0] = '\0';
	for (unsigned i = 0; i < sc->depth && i < MAX_DEPTH; i++) {
		const struct frame *f = &sc->f[i];

		if (f->array)
			n = snprintf(out + used, len - used, "[%u]", f->index);
		else if (f->key)
			n = snprintf(out + used, len - used, "%s%.*s",
				     used ? "." : "", (int)f->keylen, f->key);
		else
			continue;
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return used;
}

int vmpci__snap_syntax_error(const char *json, size_t len, size_t stop, char *err,
		      size_t errlen)
{
	struct scan sc;
	char path[96];
	unsigned line = 1, col = 1;

	scan(json, len, &sc);
	if (sc.unterminated) {
		/* The whole text parsed as far as it goes: cut short. */
		format_path(&sc, path, sizeof(path));
		return vmpci__why(err, errlen, -EINVAL,
				  "%s: document ends at byte %zu before it is complete (truncated?)",
				  path[0] ? path : "document", len);
	}
	if (stop > len)
		stop = len;
	scan(json, stop, &sc);
	format_path(&sc, path, sizeof(path));
	for (size_t i = 0; i < stop; i++) {
		if (json[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return vmpci__why(err, errlen, -EINVAL,
			  "%s: not valid JSON at byte %zu (line %u, column %u)",
			  path[0] ? path : "document", stop, line, col);
}
