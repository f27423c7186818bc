/* A small AML byte encoder (ACPI 6.x, chapter 20): just the terms a DSDT
 * for a PCI host bridge, its interrupt routing and a UART needs. Objects
 * with a PkgLength are opened, filled and closed; the encoder inserts the
 * length on close. An allocation failure sticks in `failed`; check it once
 * at the end. */
#ifndef VMPCI_TOOLS_RUN_AML_H
#define VMPCI_TOOLS_RUN_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct run_aml {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool failed;
};

void run_aml_free(struct run_aml *a);

/* Raw bytes and little-endian fields (resource descriptors, headers). */
void run_aml_bytes(struct run_aml *a, const void *data, size_t len);
void run_aml_u8(struct run_aml *a, uint8_t v);
void run_aml_u16(struct run_aml *a, uint16_t v);
void run_aml_u32(struct run_aml *a, uint32_t v);
void run_aml_u64(struct run_aml *a, uint64_t v);

/* A NameString: "\\_SB_.PCI0", "_HID" (segments of 4 characters). */
void run_aml_name_string(struct run_aml *a, const char *path);
/* The smallest integer encoding of v (ZeroOp, OneOp, Byte..QWordPrefix). */
void run_aml_integer(struct run_aml *a, uint64_t v);
/* A compressed EISA id ("PNP0A08") as a DWord integer. */
void run_aml_eisaid(struct run_aml *a, const char *id);
/* DefName: Name(path, ...); the value follows. */
void run_aml_name(struct run_aml *a, const char *path);

/* Objects with a PkgLength: open returns a mark for close. */
size_t run_aml_scope(struct run_aml *a, const char *path);
size_t run_aml_device(struct run_aml *a, const char *path);
size_t run_aml_package(struct run_aml *a, uint8_t elements);
size_t run_aml_buffer(struct run_aml *a); /* ResourceTemplate() */
void run_aml_close(struct run_aml *a, size_t mark);

/* Resource descriptors (ACPI 6.4, 6.4.2 and 6.4.3) for inside a buffer. */
void run_aml_res_io(struct run_aml *a, uint16_t base, uint8_t len);
void run_aml_res_irq(struct run_aml *a, unsigned irq); /* edge, high */
void run_aml_res_bus(struct run_aml *a, uint16_t first, uint16_t last);
void run_aml_res_io_window(struct run_aml *a, uint16_t min, uint16_t max);
void run_aml_res_mem32(struct run_aml *a, uint32_t base, uint32_t len);
void run_aml_res_mem64(struct run_aml *a, uint64_t base, uint64_t len);
void run_aml_res_end(struct run_aml *a);

#ifdef __cplusplus
}
#endif

#endif
