/* Boot a bzImage through the 64-bit boot protocol (the kernel's
 * Documentation/arch/x86/boot.rst): the protected-mode part at 1 MiB, a
 * zero page (struct boot_params) in rsi, and the vCPU in long mode on an
 * identity map at the 64-bit entry, 0x200 past the load address. */
#include "tools/run/boot.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <asm/bootparam.h>

#define BZ_BOOT_FLAG		0xaa55
#define BZ_HEADER_MAGIC		0x53726448	/* "HdrS" */
#define BZ_MIN_VERSION		0x020c		/* xloadflags exist */
#define BZ_ENTRY_64_OFFSET	0x200
#define BZ_LOADER_UNDEFINED	0xff		/* type_of_loader */
#define BZ_SETUP_OFFSET		0x1f1		/* struct setup_header */

/* Page-table entry bits (Intel SDM vol. 3, 4.5). */
#define PTE_PRESENT		0x1ULL
#define PTE_WRITE		0x2ULL
#define PTE_LARGE		0x80ULL

/* The boot GDT: null, null, then __BOOT_CS (64-bit code) and __BOOT_DS. */
static const uint64_t boot_gdt[] = {
	0,
	0,
	0x00af9b000000ffffULL,	/* CS: present, exec/read, L, G */
	0x00cf93000000ffffULL,	/* DS: present, read/write, D/B, G */
};
_Static_assert(RUN_BOOT_CS == 2 * 8 && RUN_BOOT_DS == 3 * 8,
	       "selectors index boot_gdt");

/* Identity-map the low 4 GiB with 2 MiB pages: the protocol needs the
 * kernel, the zero page and the command line mapped, and the decompressor
 * maps the rest itself on demand. */
static int write_page_tables(struct run_vm *vm)
{
	uint64_t *pml4 = run_boot_ram(vm, RUN_BOOT_PML4, 4096, "page tables");
	uint64_t *pdpt = run_boot_ram(vm, RUN_BOOT_PDPT, 4096, "page tables");
	uint64_t *pd = run_boot_ram(vm, RUN_BOOT_PD, 4 * 4096, "page tables");
	void *gdt = run_boot_ram(vm, RUN_BOOT_GDT, sizeof(boot_gdt), "GDT");

	if (!pml4 || !pdpt || !pd || !gdt)
		return -ENOMEM;
	memcpy(gdt, boot_gdt, sizeof(boot_gdt));
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = RUN_BOOT_PDPT | PTE_PRESENT | PTE_WRITE;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (RUN_BOOT_PD + i * 4096) | PTE_PRESENT | PTE_WRITE;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	return 0;
}

/* The setup header of a 64-bit-capable bzImage, or -ENOEXEC. */
static int read_header(const uint8_t *image, size_t size,
		       struct setup_header *hdr)
{
	size_t len = sizeof(*hdr);

	if (size < BZ_SETUP_OFFSET + len)
		return -ENOEXEC;
	memcpy(hdr, image + BZ_SETUP_OFFSET, len);
	if (hdr->boot_flag != BZ_BOOT_FLAG || hdr->header != BZ_HEADER_MAGIC ||
	    hdr->version < BZ_MIN_VERSION ||
	    !(hdr->xloadflags & XLF_KERNEL_64))
		return -ENOEXEC;
	if (!hdr->setup_sects)
		hdr->setup_sects = 4; /* what a 0 meant in old kernels */
	return 0;
}

static int write_zero_page(struct run_vm *vm, const struct setup_header *hdr,
			   const struct run_boot_files *files,
			   uint64_t kernel_end)
{
	const struct run_boot_limits limits = {
		.cmdline_max = hdr->cmdline_size + 1,
		.kernel_end = kernel_end,
		.initrd_end = (uint64_t)hdr->initrd_addr_max + 1,
	};
	struct run_memmap_entry map[RUN_MEMMAP_MAX];
	struct boot_params *zp;
	uint64_t initrd, initrd_size;
	size_t n;
	int ret;

	zp = run_boot_ram(vm, RUN_BOOT_INFO, sizeof(*zp), "zero page");
	if (!zp)
		return -ENOMEM;
	ret = run_boot_payload(vm, files, &limits, &initrd, &initrd_size);
	if (ret)
		return ret;
	memset(zp, 0, sizeof(*zp));
	zp->hdr = *hdr;
	zp->hdr.type_of_loader = BZ_LOADER_UNDEFINED;
	zp->hdr.code32_start = RUN_KERNEL_START;
	zp->hdr.cmd_line_ptr = RUN_BOOT_CMDLINE;
	zp->hdr.ramdisk_image = (uint32_t)initrd;
	zp->hdr.ramdisk_size = (uint32_t)initrd_size;
	zp->acpi_rsdp_addr = files->rsdp;
	n = run_memmap(vm, map);
	for (size_t i = 0; i < n; i++)
		zp->e820_table[i] = (struct boot_e820_entry){
			.addr = map[i].addr, .size = map[i].size,
			.type = map[i].type };
	zp->e820_entries = (uint8_t)n;
	return 0;
}

int run_load_bzimage(struct run_vm *vm, const uint8_t *image, size_t size,
		     const struct run_boot_files *files,
		     struct run_boot *boot)
{
	struct setup_header hdr;
	uint64_t offset, kernel_end;
	void *dst;
	int ret;

	ret = read_header(image, size, &hdr);
	if (ret)
		return ret;
	offset = (hdr.setup_sects + 1ULL) * 512;
	if (offset >= size)
		return -ENOEXEC;
	dst = run_boot_ram(vm, RUN_KERNEL_START, size - offset, "kernel");
	if (!dst)
		return -ENOMEM;
	memcpy(dst, image + offset, size - offset);
	/* The decompressor moves the kernel to pref_address (or a random
	 * place when KASLR is on) and needs init_size bytes there. */
	kernel_end = (hdr.pref_address > RUN_KERNEL_START ?
		      hdr.pref_address : RUN_KERNEL_START) + hdr.init_size;
	if (!run_boot_ram(vm, kernel_end - hdr.init_size, hdr.init_size,
			  "decompressed kernel"))
		return -ENOMEM;
	ret = write_page_tables(vm);
	if (!ret)
		ret = write_zero_page(vm, &hdr, files, kernel_end);
	if (ret)
		return ret;
	*boot = (struct run_boot){ .mode = RUN_BOOT_LONG,
				   .entry = RUN_KERNEL_START +
					    BZ_ENTRY_64_OFFSET,
				   .info = RUN_BOOT_INFO };
	return 0;
}
