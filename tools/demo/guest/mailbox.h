/* The demo guest's memory layout and its mailbox: the one page of guest RAM
 * through which the VMM (host) and the guest program talk.
 *
 * Shared by the host (x86-64) and the guest (freestanding i386), so it holds
 * only fixed-width types and macros. The mailbox has no implicit padding on
 * either ABI: every field sits at a multiple of its own size and the struct
 * is a multiple of 8 bytes, so i386's 4-byte alignment of uint64_t and
 * x86-64's 8-byte alignment give the same layout. The offsets below are
 * checked at compile time on both sides; all values are little-endian.
 *
 * Protocol: the host zeroes the mailbox, fills the "host -> guest" fields and
 * runs the vCPU. The guest fills the "guest -> host" fields as it goes, then
 * writes its status (DEMO_STATUS_*) as a dword to DEMO_DONE_PORT; the host
 * stops there. The guest never halts: with KVM's in-kernel irqchip a `hlt`
 * does not return to userspace. */
#ifndef DEMO_GUEST_MAILBOX_H
#define DEMO_GUEST_MAILBOX_H

#include <stdint.h>

/* Guest physical layout. The guest runs flat 32-bit protected mode with
 * paging off, so these are also the guest's pointers. linker.ld links the
 * program at DEMO_GUEST_LOAD_GPA; keep the two equal. */
#define DEMO_GUEST_RAM_SIZE	0x100000u	/* 1 MiB at GPA 0 */
#define DEMO_MAILBOX_GPA	0x1000u		/* one page */
#define DEMO_GUEST_LOAD_GPA	0x10000u	/* program image, entry point */
#define DEMO_GUEST_IMAGE_MAX	0x10000u
#define DEMO_GUEST_STACK_TOP	0x80000u	/* initial ESP, grows down */

/* The guest writes its final status (a dword) here. */
#define DEMO_DONE_PORT		0x501u

#define DEMO_MAILBOX_MAGIC	0x564d5043u	/* "CPMV" in memory */
#define DEMO_MAILBOX_MAX_FUNCS	16u

/* Final status, also left in mailbox.status. */
#define DEMO_STATUS_OK			0u
#define DEMO_STATUS_BAD_MAILBOX		1u /* magic missing */
#define DEMO_STATUS_NO_DEVICE		2u /* only host bridges on bus 0 */
#define DEMO_STATUS_BAR0_NOT_MEMORY	3u /* BAR0 absent or an I/O BAR */
#define DEMO_STATUS_BAD_BAR0_ADDR	4u /* host address misaligned, >4 GiB */
#define DEMO_STATUS_NO_MSIX		5u /* no MSI-X capability */
#define DEMO_STATUS_MSIX_NOT_IN_BAR0	6u /* table or PBA in another BAR */

/* One function found on bus 0. */
struct demo_mailbox_func {
	uint32_t devfn;		/* device << 3 | function */
	uint16_t vendor;
	uint16_t device;
	uint32_t class_code;	/* base << 16 | sub << 8 | prog-if */
	uint32_t header_type;	/* bit 7: multi-function */
};

struct demo_mailbox {
	/* Host -> guest (offsets 0x00-0x17). */
	uint32_t magic;		/* 0x00 DEMO_MAILBOX_MAGIC */
	uint32_t msix_vector;	/* 0x04 vector for MSI-X table entry 0 */
	uint64_t bar0_gpa;	/* 0x08 where to place BAR0 */
	uint32_t mapped_offset;	/* 0x10 BAR0 offset of a mapped dword */
	uint32_t reserved;	/* 0x14 */

	/* Guest -> host. */
	uint32_t status;	/* 0x18 DEMO_STATUS_*, final */
	uint32_t nfuncs;	/* 0x1c entries used in funcs[] */
	struct demo_mailbox_func funcs[DEMO_MAILBOX_MAX_FUNCS]; /* 0x20 */
	uint32_t devfn;		/* 0x120 the function the guest drove */
	uint32_t bar0_orig_lo;	/* 0x124 BAR0 as found */
	uint32_t bar0_orig_hi;	/* 0x128 upper half (64-bit BAR), else 0 */
	uint32_t bar0_mask_lo;	/* 0x12c read back after writing all-ones */
	uint32_t bar0_mask_hi;	/* 0x130 same, upper half */
	uint32_t bar0_is_64;	/* 0x134 1 for a 64-bit memory BAR */
	uint64_t bar0_size;	/* 0x138 decoded from the mask */
	uint32_t bar0_lo;	/* 0x140 read back after programming */
	uint32_t bar0_hi;	/* 0x144 */
	uint32_t command;	/* 0x148 COMMAND read back after enabling */
	uint32_t msix_cap;	/* 0x14c config offset of MSI-X cap */
	uint32_t msix_table;	/* 0x150 Table Offset/BIR register */
	uint32_t msix_pba;	/* 0x154 PBA Offset/BIR register */
	uint32_t msix_ctrl;	/* 0x158 Message Control read back at the end */
	uint32_t mapped_value;	/* 0x15c dword at BAR0 + mapped_offset */
	uint32_t table_value;	/* 0x160 entry 0 Message Data read back */
	uint32_t reserved2;	/* 0x164 */
};

#ifdef __cplusplus
#define DEMO_MAILBOX_ASSERT(c, m) static_assert(c, m)
#else
#define DEMO_MAILBOX_ASSERT(c, m) _Static_assert(c, m)
#endif
DEMO_MAILBOX_ASSERT(sizeof(struct demo_mailbox_func) == 16, "func layout");
DEMO_MAILBOX_ASSERT(__builtin_offsetof(struct demo_mailbox, bar0_gpa) == 0x08,
		    "mailbox layout");
DEMO_MAILBOX_ASSERT(__builtin_offsetof(struct demo_mailbox, funcs) == 0x20,
		    "mailbox layout");
DEMO_MAILBOX_ASSERT(__builtin_offsetof(struct demo_mailbox, bar0_size) ==
		    0x138, "mailbox layout");
DEMO_MAILBOX_ASSERT(__builtin_offsetof(struct demo_mailbox, table_value) ==
		    0x160, "mailbox layout");
DEMO_MAILBOX_ASSERT(sizeof(struct demo_mailbox) == 0x168, "mailbox layout");
#undef DEMO_MAILBOX_ASSERT

#endif
