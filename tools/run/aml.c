/* The AML encoder of aml.h. Opcodes and encodings: ACPI 6.4, 20.2. */
#include "tools/run/aml.h"

#include <stdlib.h>
#include <string.h>

#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_QWORD_PREFIX	0x0e
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_EXT_OP_PREFIX	0x5b
#define AML_DEVICE_OP		0x82	/* after the ext prefix */
#define AML_ROOT_CHAR		'\\'
#define AML_DUAL_NAME_PREFIX	0x2e
#define AML_MULTI_NAME_PREFIX	0x2f

/* Resource descriptor tags and fields (ACPI 6.4, 6.4.2-6.4.3). */
#define RES_IO			0x47	/* small, 7 bytes */
#define RES_IO_DECODE16		0x01
#define RES_IRQ_NO_FLAGS	0x22	/* small, 2 bytes */
#define RES_END			0x79	/* small, 1 byte: checksum */
#define RES_WORD_ADDR		0x88
#define RES_DWORD_ADDR		0x87
#define RES_QWORD_ADDR		0x8a
#define RES_TYPE_MEM		0
#define RES_TYPE_IO		1
#define RES_TYPE_BUS		2
/* General flags of an address space a bridge produces: min and max fixed,
 * positive decode, producer. */
#define RES_FLAGS_FIXED		0x0c
#define RES_IO_ENTIRE_RANGE	0x03	/* ISA and non-ISA ports */
#define RES_MEM_READ_WRITE	0x01	/* non-cacheable, read/write */

static void grow(struct run_aml *a, size_t more)
{
	size_t cap = a->cap ? a->cap : 256;
	uint8_t *buf;

	if (a->failed || a->len + more <= a->cap)
		return;
	while (cap < a->len + more)
		cap *= 2;
	buf = realloc(a->buf, cap);
	if (!buf) {
		a->failed = true;
		return;
	}
	a->buf = buf;
	a->cap = cap;
}

void run_aml_free(struct run_aml *a)
{
	free(a->buf);
	*a = (struct run_aml){ 0 };
}

void run_aml_bytes(struct run_aml *a, const void *data, size_t len)
{
	grow(a, len);
	if (a->failed)
		return;
	memcpy(a->buf + a->len, data, len);
	a->len += len;
}

void run_aml_u8(struct run_aml *a, uint8_t v)
{
	run_aml_bytes(a, &v, 1);
}

void run_aml_u16(struct run_aml *a, uint16_t v)
{
	run_aml_u8(a, (uint8_t)v);
	run_aml_u8(a, (uint8_t)(v >> 8));
}

void run_aml_u32(struct run_aml *a, uint32_t v)
{
	run_aml_u16(a, (uint16_t)v);
	run_aml_u16(a, (uint16_t)(v >> 16));
}

void run_aml_u64(struct run_aml *a, uint64_t v)
{
	run_aml_u32(a, (uint32_t)v);
	run_aml_u32(a, (uint32_t)(v >> 32));
}

/* Segments are padded with '_' to 4 characters ("_S5" is "_S5_"). */
void run_aml_name_string(struct run_aml *a, const char *path)
{
	const char *seg[8];
	size_t n = 0;

	if (*path == AML_ROOT_CHAR)
		run_aml_u8(a, (uint8_t)*path++);
	while (*path && n < 8) {
		seg[n++] = path;
		path += strcspn(path, ".");
		if (*path == '.')
			path++;
	}
	if (n == 2)
		run_aml_u8(a, AML_DUAL_NAME_PREFIX);
	else if (n > 2) {
		run_aml_u8(a, AML_MULTI_NAME_PREFIX);
		run_aml_u8(a, (uint8_t)n);
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(seg[i], ".");

		for (size_t k = 0; k < 4; k++)
			run_aml_u8(a, k < len ? (uint8_t)seg[i][k] : '_');
	}
}

void run_aml_integer(struct run_aml *a, uint64_t v)
{
	if (v <= 1) {
		run_aml_u8(a, v ? AML_ONE_OP : AML_ZERO_OP);
	} else if (v <= UINT8_MAX) {
		run_aml_u8(a, AML_BYTE_PREFIX);
		run_aml_u8(a, (uint8_t)v);
	} else if (v <= UINT16_MAX) {
		run_aml_u8(a, AML_WORD_PREFIX);
		run_aml_u16(a, (uint16_t)v);
	} else if (v <= UINT32_MAX) {
		run_aml_u8(a, AML_DWORD_PREFIX);
		run_aml_u32(a, (uint32_t)v);
	} else {
		run_aml_u8(a, AML_QWORD_PREFIX);
		run_aml_u64(a, v);
	}
}

static unsigned hex_digit(char c)
{
	return (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10) & 0xf;
}

/* Three letters of 5 bits each, then four hex digits, in byte order
 * (ACPI 6.4, 19.6.43 EISAID). */
void run_aml_eisaid(struct run_aml *a, const char *id)
{
	unsigned c1 = (unsigned)id[0] & 0x1f, c2 = (unsigned)id[1] & 0x1f;
	unsigned c3 = (unsigned)id[2] & 0x1f;
	uint8_t b[4] = {
		(uint8_t)((c1 << 2) | (c2 >> 3)),
		(uint8_t)(((c2 & 7) << 5) | c3),
		(uint8_t)((hex_digit(id[3]) << 4) | hex_digit(id[4])),
		(uint8_t)((hex_digit(id[5]) << 4) | hex_digit(id[6])),
	};

	run_aml_u8(a, AML_DWORD_PREFIX);
	run_aml_bytes(a, b, sizeof(b));
}

void run_aml_name(struct run_aml *a, const char *path)
{
	run_aml_u8(a, AML_NAME_OP);
	run_aml_name_string(a, path);
}

/* The mark is where the PkgLength goes: close inserts it there. */
size_t run_aml_scope(struct run_aml *a, const char *path)
{
	size_t mark;

	run_aml_u8(a, AML_SCOPE_OP);
	mark = a->len;
	run_aml_name_string(a, path);
	return mark;
}

size_t run_aml_device(struct run_aml *a, const char *path)
{
	size_t mark;

	run_aml_u8(a, AML_EXT_OP_PREFIX);
	run_aml_u8(a, AML_DEVICE_OP);
	mark = a->len;
	run_aml_name_string(a, path);
	return mark;
}

size_t run_aml_package(struct run_aml *a, uint8_t elements)
{
	size_t mark;

	run_aml_u8(a, AML_PACKAGE_OP);
	mark = a->len;
	run_aml_u8(a, elements);
	return mark;
}

/* The BufferSize term is written on close, when the size is known: the
 * mark points at the start of the buffer's bytes. */
#define AML_BUFFER_MARK_FLAG ((size_t)1 << (sizeof(size_t) * 8 - 1))

size_t run_aml_buffer(struct run_aml *a)
{
	run_aml_u8(a, AML_BUFFER_OP);
	return a->len | AML_BUFFER_MARK_FLAG;
}

static void insert(struct run_aml *a, size_t at, const uint8_t *b, size_t n)
{
	grow(a, n);
	if (a->failed)
		return;
	memmove(a->buf + at + n, a->buf + at, a->len - at);
	memcpy(a->buf + at, b, n);
	a->len += n;
}

/* PkgLength (20.2.4): one byte up to 63, else a lead byte with the count
 * of following bytes in bits 7-6 and the low nibble in bits 3-0. The
 * length counts its own bytes. */
static void insert_pkg_length(struct run_aml *a, size_t at)
{
	size_t body = a->len - at, total;
	uint8_t b[4];
	size_t n = 1;

	while (n < 4 && body + n >= (n == 1 ? 0x40u : 1u << (4 + 8 * (n - 1))))
		n++;
	total = body + n;
	if (n == 1) {
		b[0] = (uint8_t)total;
	} else {
		b[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (size_t i = 1; i < n; i++)
			b[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	insert(a, at, b, n);
}

void run_aml_close(struct run_aml *a, size_t mark)
{
	if (mark & AML_BUFFER_MARK_FLAG) {
		struct run_aml size = { 0 };

		mark &= ~AML_BUFFER_MARK_FLAG;
		run_aml_integer(&size, a->len - mark);
		if (size.failed)
			a->failed = true;
		else
			insert(a, mark, size.buf, size.len);
		run_aml_free(&size);
	}
	insert_pkg_length(a, mark);
}

static void res_address(struct run_aml *a, uint8_t tag, uint8_t type,
			uint8_t type_flags, unsigned width, uint64_t min,
			uint64_t len)
{
	run_aml_u8(a, tag);
	/* Length after the 3-byte header: 3 flag bytes and 5 fields. */
	run_aml_u16(a, (uint16_t)(3 + 5 * width));
	run_aml_u8(a, type);
	run_aml_u8(a, RES_FLAGS_FIXED);
	run_aml_u8(a, type_flags);
	/* Granularity, minimum, maximum, translation, length. */
	uint64_t fields[5] = { 0, min, min + len - 1, 0, len };

	for (size_t i = 0; i < 5; i++)
		run_aml_bytes(a, &fields[i], width); /* x86: little-endian */
}

void run_aml_res_io(struct run_aml *a, uint16_t base, uint8_t len)
{
	run_aml_u8(a, RES_IO);
	run_aml_u8(a, RES_IO_DECODE16);
	run_aml_u16(a, base);	/* minimum */
	run_aml_u16(a, base);	/* maximum */
	run_aml_u8(a, 1);	/* alignment */
	run_aml_u8(a, len);
}

void run_aml_res_irq(struct run_aml *a, unsigned irq)
{
	run_aml_u8(a, RES_IRQ_NO_FLAGS);
	run_aml_u16(a, (uint16_t)(1u << irq));
}

void run_aml_res_bus(struct run_aml *a, uint16_t first, uint16_t last)
{
	res_address(a, RES_WORD_ADDR, RES_TYPE_BUS, 0, 2, first,
		    last - first + 1u);
}

void run_aml_res_io_window(struct run_aml *a, uint16_t min, uint16_t max)
{
	res_address(a, RES_WORD_ADDR, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 2,
		    min, max - min + 1u);
}

void run_aml_res_mem32(struct run_aml *a, uint32_t base, uint32_t len)
{
	res_address(a, RES_DWORD_ADDR, RES_TYPE_MEM, RES_MEM_READ_WRITE, 4,
		    base, len);
}

void run_aml_res_mem64(struct run_aml *a, uint64_t base, uint64_t len)
{
	res_address(a, RES_QWORD_ADDR, RES_TYPE_MEM, RES_MEM_READ_WRITE, 8,
		    base, len);
}

void run_aml_res_end(struct run_aml *a)
{
	run_aml_u8(a, RES_END);
	run_aml_u8(a, 0); /* checksum 0: "treat as correct" */
}
