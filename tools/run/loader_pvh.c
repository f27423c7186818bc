/* Boot an uncompressed ELF vmlinux through its PVH entry: the kernel's
 * segments at their physical addresses, a struct hvm_start_info (Xen's
 * public arch-x86/hvm/start_info.h, version 1) in ebx, and the vCPU in
 * 32-bit protected mode with paging off at XEN_ELFNOTE_PHYS32_ENTRY. */
#include "tools/run/boot.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

/* From Xen's public headers, which are not installed (xen/elfnote.h,
 * arch-x86/hvm/start_info.h). */
#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define XEN_HVM_START_MAGIC_VALUE	0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;	/* 1: memmap_paddr and memmap_entries valid */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* E820 numbering */
	uint32_t reserved;
};

/* The start info, then the one module entry, then the memory map. */
struct pvh_info_page {
	struct hvm_start_info info;
	struct hvm_modlist_entry initrd;
	struct hvm_memmap_table_entry memmap[RUN_MEMMAP_MAX];
};

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* The PHYS32 entry from a PT_NOTE segment, or 0 when it has none. */
static uint64_t find_pvh_entry(const uint8_t *image, size_t size,
			       const Elf64_Phdr *ph)
{
	uint64_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

	if (!in_file(size, ph->p_offset, ph->p_filesz))
		return 0;
	while (end - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr n;
		uint64_t name = off + sizeof(n), desc, next;

		memcpy(&n, image + off, sizeof(n));
		desc = name + ((n.n_namesz + 3ULL) & ~3ULL);
		next = desc + ((n.n_descsz + 3ULL) & ~3ULL);
		if (next > end)
			return 0;
		if (n.n_type == XEN_ELFNOTE_PHYS32_ENTRY &&
		    n.n_namesz == 4 && !memcmp(image + name, "Xen", 4)) {
			uint64_t entry = 0;

			/* Linux writes it as a pointer-sized value (.quad
			 * on x86-64); Xen documents 32 bits: take either. */
			memcpy(&entry, image + desc,
			       n.n_descsz < 8 ? n.n_descsz : 8);
			return n.n_descsz >= 4 ? entry : 0;
		}
		off = next;
	}
	return 0;
}

static int load_segment(struct run_vm *vm, const uint8_t *image, size_t size,
			const Elf64_Phdr *ph, uint64_t *kernel_end)
{
	uint8_t *dst;

	if (ph->p_filesz > ph->p_memsz ||
	    !in_file(size, ph->p_offset, ph->p_filesz)) {
		run_vm_log(vm, "the vmlinux has a malformed segment");
		return -ENOEXEC;
	}
	dst = run_boot_ram(vm, ph->p_paddr, ph->p_memsz, "kernel");
	if (!dst)
		return -ENOMEM;
	memcpy(dst, image + ph->p_offset, ph->p_filesz);
	memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	if (ph->p_paddr + ph->p_memsz > *kernel_end)
		*kernel_end = ph->p_paddr + ph->p_memsz;
	return 0;
}

static int write_start_info(struct run_vm *vm,
			    const struct run_boot_files *files,
			    uint64_t kernel_end)
{
	const struct run_boot_limits limits = {
		.cmdline_max = RUN_BOOT_CMDLINE_MAX,
		.kernel_end = kernel_end,
		.initrd_end = RUN_PCI_HOLE_START,
	};
	struct run_memmap_entry map[RUN_MEMMAP_MAX];
	struct pvh_info_page *page;
	uint64_t initrd, initrd_size;
	size_t n;
	int ret;

	page = run_boot_ram(vm, RUN_BOOT_INFO, sizeof(*page), "start info");
	if (!page)
		return -ENOMEM;
	ret = run_boot_payload(vm, files, &limits, &initrd, &initrd_size);
	if (ret)
		return ret;
	memset(page, 0, sizeof(*page));
	n = run_memmap(vm, map);
	for (size_t i = 0; i < n; i++)
		page->memmap[i] = (struct hvm_memmap_table_entry){
			.addr = map[i].addr, .size = map[i].size,
			.type = map[i].type };
	page->initrd = (struct hvm_modlist_entry){ .paddr = initrd,
						   .size = initrd_size };
	page->info = (struct hvm_start_info){
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1,
		.nr_modules = initrd_size ? 1 : 0,
		.modlist_paddr = RUN_BOOT_INFO +
				 offsetof(struct pvh_info_page, initrd),
		.cmdline_paddr = RUN_BOOT_CMDLINE,
		.rsdp_paddr = files->rsdp,
		.memmap_paddr = RUN_BOOT_INFO +
				offsetof(struct pvh_info_page, memmap),
		.memmap_entries = (uint32_t)n,
	};
	return 0;
}

/* Program header i, copied out: the file need not keep it aligned. */
static Elf64_Phdr phdr(const uint8_t *image, const Elf64_Ehdr *eh,
		       unsigned i)
{
	Elf64_Phdr ph;

	memcpy(&ph, image + eh->e_phoff + (uint64_t)i * sizeof(ph),
	       sizeof(ph));
	return ph;
}

int run_load_pvh(struct run_vm *vm, const uint8_t *image, size_t size,
		 const struct run_boot_files *files, struct run_boot *boot)
{
	uint64_t entry = 0, kernel_end = 0;
	Elf64_Ehdr eh;
	int ret;

	if (size < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, image, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_machine != EM_X86_64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(size, eh.e_phoff,
		     (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
		return -ENOEXEC;
	for (unsigned i = 0; i < eh.e_phnum && !entry; i++) {
		Elf64_Phdr ph = phdr(image, &eh, i);

		if (ph.p_type == PT_NOTE)
			entry = find_pvh_entry(image, size, &ph);
	}
	if (!entry)
		return -ENOEXEC;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = phdr(image, &eh, i);

		if (ph.p_type != PT_LOAD)
			continue;
		ret = load_segment(vm, image, size, &ph, &kernel_end);
		if (ret)
			return ret;
	}
	ret = write_start_info(vm, files, kernel_end);
	if (ret)
		return ret;
	*boot = (struct run_boot){ .mode = RUN_BOOT_PVH, .entry = entry,
				   .info = RUN_BOOT_INFO };
	return 0;
}
