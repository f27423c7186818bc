/* The document's value encodings: "0x" numbers, hex byte strings, base64,
 * and its names for BAR kinds and capability flags. Hand-written rather
 * than printf/strtoull: a 2048-vector table is ~6000 values and the whole
 * save must stay well under a millisecond. */
#include <errno.h>
#include <string.h>

#include "migration/snapshot_internal.h"

static const char hexdig[16] = "0123456789abcdef";

size_t vmpci__snap_hex_u64_put(char *out, uint64_t v)
{
	unsigned digits = 1;
	size_t n;

	while (digits < 16 && v >> (4 * digits))
		digits++;
	out[0] = '0';
	out[1] = 'x';
	n = 2 + digits;
	for (unsigned i = 0; i < digits; i++)
		out[n - 1 - i] = hexdig[(v >> (4 * i)) & 0xf];
	return n;
}

/* Digit value + 1, 0 for characters that are not hex digits: a table,
 * since a 2048-vector document has ~100000 digits to decode. */
static const uint8_t hexval_table[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

int vmpci__snap_hex_u64_get(const char *s, size_t len, uint64_t *v)
{
	uint64_t r = 0;

	if (len < 3 || len > SNAP_HEX_U64_MAX || s[0] != '0' || s[1] != 'x')
		return -EINVAL;
	for (size_t i = 2; i < len; i++) {
		unsigned d = hexval_table[(unsigned char)s[i]];

		if (!d)
			return -EINVAL;
		r = r << 4 | (d - 1);
	}
	*v = r;
	return 0;
}

void vmpci__snap_hex_bytes_put(char *out, const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[bytes[i] >> 4];
		out[2 * i + 1] = hexdig[bytes[i] & 0xf];
	}
}

long vmpci__snap_hex_bytes_get(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned hi = hexval_table[(unsigned char)s[2 * i]];
		unsigned lo = hexval_table[(unsigned char)s[2 * i + 1]];

		if (!hi || !lo)
			return (long)(2 * i + (hi ? 1 : 0));
		out[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
	}
	return -1;
}

static const char b64dig[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t vmpci__snap_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void vmpci__snap_b64_put(char *out, const uint8_t *b, size_t n)
{
	size_t i = 0;

	for (; i + 3 <= n; i += 3, out += 4) {
		uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 |
			     b[i + 2];

		out[0] = b64dig[v >> 18];
		out[1] = b64dig[(v >> 12) & 63];
		out[2] = b64dig[(v >> 6) & 63];
		out[3] = b64dig[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)b[i] << 16 |
			     (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0);

		out[0] = b64dig[v >> 18];
		out[1] = b64dig[(v >> 12) & 63];
		out[2] = i + 1 < n ? b64dig[(v >> 6) & 63] : '=';
		out[3] = '=';
	}
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long vmpci__snap_b64_get(const char *s, size_t len, uint8_t *out, size_t *n)
{
	size_t o = 0;

	if (len % 4)
		return (long)len;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		/* Padding only in the last group: "xx==" or "xxx=". */
		size_t pad = last && s[i + 3] == '=' ? (s[i + 2] == '=' ? 2 : 1)
						     : 0;
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			int d = k < 4 - pad ? b64val(s[i + k]) : 0;

			if (d < 0)
				return (long)(i + k);
			v = v << 6 | (uint32_t)d;
		}
		out[o++] = (uint8_t)(v >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(v >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)v;
	}
	*n = o;
	return -1;
}

/* The document's name of each BAR kind. */
static const struct {
	uint32_t kind;
	const char *name;
} bar_kinds[] = {
	{ VMPCI_BAR_IO, "io" },
	{ VMPCI_BAR_MEM32, "mem32" },
	{ VMPCI_BAR_MEM64, "mem64" },
	{ VMPCI_BAR_ROM, "rom" },
};

#define NR_BAR_KINDS (sizeof(bar_kinds) / sizeof(bar_kinds[0]))

const char *vmpci__snap_bar_kind_name(uint32_t type)
{
	for (size_t i = 0; i < NR_BAR_KINDS; i++)
		if ((type & ~VMPCI_BAR_PREFETCH) == bar_kinds[i].kind)
			return bar_kinds[i].name;
	return NULL;
}

uint32_t vmpci__snap_bar_kind(const char *name)
{
	for (size_t i = 0; i < NR_BAR_KINDS; i++)
		if (!strcmp(name, bar_kinds[i].name))
			return bar_kinds[i].kind;
	return 0;
}

const struct snap_flag_name vmpci__snap_cap_flags[] = {
	{ VMPCI_CAP_EXTENDED, "extended" },
	{ VMPCI_CAP_HIDDEN, "hidden" },
	{ VMPCI_CAP_VIRTUAL, "virtual" },
};

const size_t vmpci__snap_nr_cap_flags =
	sizeof(vmpci__snap_cap_flags) / sizeof(vmpci__snap_cap_flags[0]);
