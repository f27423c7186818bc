/* Booting a kernel: where the boot structures go in low guest memory, what
 * a loader hands the vCPU setup, and the pieces both boot protocols share
 * (the memory map, the command line, the initrd). */
#ifndef VMPCI_TOOLS_RUN_BOOT_H
#define VMPCI_TOOLS_RUN_BOOT_H

#include <stdint.h>

#include "tools/run/vm_internal.h"

/* Low memory, below the 640 KiB the e820 map calls RAM. None of it is
 * read by the kernel after it has copied what it needs. */
#define RUN_BOOT_GDT		0x0500ULL	/* 64-bit entry: 4 descriptors */
#define RUN_BOOT_INFO		0x7000ULL	/* boot_params or hvm_start_info */
#define RUN_BOOT_PML4		0x9000ULL	/* 64-bit entry: identity map */
#define RUN_BOOT_PDPT		0xa000ULL
#define RUN_BOOT_PD		0xb000ULL	/* 4 pages: 4 GiB in 2 MiB pages */
#define RUN_BOOT_CMDLINE	0x20000ULL
#define RUN_BOOT_CMDLINE_MAX	2048		/* x86 COMMAND_LINE_SIZE */
/* The legacy BIOS area is reserved in the map; the ACPI tables live in it
 * (where a BIOS puts them) and both protocols pass their address. */
#define RUN_BIOS_START		0xa0000ULL
#define RUN_ACPI_START		0xe0000ULL
#define RUN_BIOS_END		0x100000ULL
/* The kernel is loaded from 1 MiB (both protocols). */
#define RUN_KERNEL_START	0x100000ULL

/* The GDT selectors the 64-bit boot protocol requires (__BOOT_CS/DS); the
 * PVH entry uses the same flat descriptors in 32-bit form. */
#define RUN_BOOT_CS		0x10
#define RUN_BOOT_DS		0x18

enum run_boot_mode {
	RUN_BOOT_PVH,	/* 32-bit protected mode, paging off; ebx = info */
	RUN_BOOT_LONG,	/* 64-bit long mode, identity paging; rsi = info */
};

struct run_boot {
	enum run_boot_mode mode;
	uint64_t entry;
	uint64_t info;	/* guest address of hvm_start_info / boot_params */
};

struct run_boot_files {
	const char *kernel;
	const char *initrd;	/* may be NULL */
	const char *cmdline;	/* may be NULL */
	uint64_t rsdp;		/* guest address of the ACPI RSDP */
};

/* Load the kernel (a PVH ELF vmlinux or a bzImage, told apart by content),
 * the initrd and the command line into guest RAM and fill *boot. Logs one
 * line and returns -errno: -ENOEXEC for a file that is neither, -ENOENT
 * and friends for files that cannot be read, -ENOMEM when RAM is too
 * small. */
int run_boot_load(struct run_vm *vm, const struct run_boot_files *files,
		  struct run_boot *boot);

/* The protocols (loader_pvh.c, loader_bzimage.c). `image` is the whole
 * kernel file. -ENOEXEC when the image is not of their kind (without a
 * log line, so the caller can try the next). */
int run_load_pvh(struct run_vm *vm, const uint8_t *image, size_t size,
		 const struct run_boot_files *files, struct run_boot *boot);
int run_load_bzimage(struct run_vm *vm, const uint8_t *image, size_t size,
		     const struct run_boot_files *files,
		     struct run_boot *boot);

/* Shared by the protocols (boot.c). */

/* The guest's physical memory map, in E820 terms (both protocols use these
 * type numbers). Returns the number of entries written (at most max). */
struct run_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};
#define RUN_MEMMAP_RAM		1
#define RUN_MEMMAP_RESERVED	2
#define RUN_MEMMAP_MAX		8
size_t run_memmap(const struct run_vm *vm, struct run_memmap_entry *out);

/* What a protocol allows for the command line and the initrd. */
struct run_boot_limits {
	uint32_t cmdline_max;	/* bytes with the NUL */
	uint64_t kernel_end;	/* the initrd goes above this ... */
	uint64_t initrd_end;	/* ... and ends below this */
};

/* Copy the command line to RUN_BOOT_CMDLINE (-E2BIG when too long) and
 * read the initrd file into the top of RAM within the limits, page
 * aligned. Sets *initrd and *initrd_size (0 and 0 without an initrd). */
int run_boot_payload(struct run_vm *vm, const struct run_boot_files *files,
		     const struct run_boot_limits *limits, uint64_t *initrd,
		     uint64_t *initrd_size);

/* Check that [gpa, gpa + len) is guest RAM and return where it is. Logs
 * "--mem too small" and returns NULL otherwise. */
void *run_boot_ram(struct run_vm *vm, uint64_t gpa, uint64_t len,
		   const char *what);

#endif
