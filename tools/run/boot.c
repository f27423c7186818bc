/* What the two boot protocols share: reading the kernel file and telling
 * its kind, the memory map, the command line and the initrd. */
#include "tools/run/boot.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_PAGE 4096ULL

/* Map a whole file read-only. */
static int map_file(struct run_vm *vm, const char *path, const char *what,
		    void **data, size_t *size)
{
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		run_vm_log(vm, "cannot open %s %s: %s", what, path,
			   strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		run_vm_log(vm, "%s %s is not a non-empty regular file", what,
			   path);
		close(fd);
		return -EINVAL;
	}
	*size = (size_t)st.st_size;
	*data = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (*data == MAP_FAILED) {
		ret = -errno;
		run_vm_log(vm, "cannot read %s %s: %s", what, path,
			   strerror(errno));
	}
	close(fd);
	return ret;
}

int run_boot_load(struct run_vm *vm, const struct run_boot_files *files,
		  struct run_boot *boot)
{
	void *image;
	size_t size;
	int ret;

	ret = map_file(vm, files->kernel, "kernel", &image, &size);
	if (ret)
		return ret;
	ret = run_load_pvh(vm, image, size, files, boot);
	if (ret == -ENOEXEC)
		ret = run_load_bzimage(vm, image, size, files, boot);
	if (ret == -ENOEXEC)
		run_vm_log(vm, "%s is neither an ELF vmlinux with a PVH entry "
			   "nor a 64-bit bzImage", files->kernel);
	munmap(image, size);
	return ret;
}

size_t run_memmap(const struct run_vm *vm, struct run_memmap_entry *out)
{
	size_t n = 0;

	out[n++] = (struct run_memmap_entry){ 0, RUN_BIOS_START,
					      RUN_MEMMAP_RAM };
	out[n++] = (struct run_memmap_entry){
		RUN_BIOS_START, RUN_BIOS_END - RUN_BIOS_START,
		RUN_MEMMAP_RESERVED };
	out[n++] = (struct run_memmap_entry){
		RUN_BIOS_END, vm->ram[0].size - RUN_BIOS_END, RUN_MEMMAP_RAM };
	/* Linux uses the MCFG area only when the firmware reserved it. */
	out[n++] = (struct run_memmap_entry){ RUN_ECAM_BASE, RUN_ECAM_SIZE,
					      RUN_MEMMAP_RESERVED };
	if (vm->nr_ram > 1)
		out[n++] = (struct run_memmap_entry){
			vm->ram[1].gpa, vm->ram[1].size, RUN_MEMMAP_RAM };
	return n;
}

void *run_boot_ram(struct run_vm *vm, uint64_t gpa, uint64_t len,
		   const char *what)
{
	void *p = run_guest_ptr(vm, gpa, len);

	if (!p)
		run_vm_log(vm, "--mem is too small for the %s (%llu bytes at "
			   "0x%llx)", what, (unsigned long long)len,
			   (unsigned long long)gpa);
	return p;
}

static int write_cmdline(struct run_vm *vm, const char *cmdline, uint32_t max)
{
	size_t len = cmdline ? strlen(cmdline) : 0;
	char *dst;

	if (max > RUN_BOOT_CMDLINE_MAX)
		max = RUN_BOOT_CMDLINE_MAX;
	if (len + 1 > max) {
		run_vm_log(vm, "the command line is %zu bytes; the kernel "
			   "takes at most %u", len, max - 1);
		return -E2BIG;
	}
	dst = run_boot_ram(vm, RUN_BOOT_CMDLINE, len + 1, "command line");
	if (!dst)
		return -ENOMEM;
	memcpy(dst, cmdline ? cmdline : "", len + 1);
	return 0;
}

static int load_initrd(struct run_vm *vm, const char *path, uint64_t floor,
		       uint64_t limit, uint64_t *gpa, uint64_t *size)
{
	uint64_t top = vm->ram[0].size < limit ? vm->ram[0].size : limit;
	void *data, *dst;
	size_t len;
	int ret;

	*gpa = *size = 0;
	if (!path)
		return 0;
	ret = map_file(vm, path, "initrd", &data, &len);
	if (ret)
		return ret;
	/* As high as it goes, like a bootloader, so the kernel's own
	 * decompression and early allocations below it have room. */
	if (len > top || ((top - len) & ~(RUN_PAGE - 1)) < floor) {
		run_vm_log(vm, "--mem is too small for the kernel and the "
			   "initrd (%zu bytes)", len);
		ret = -ENOMEM;
	} else {
		*gpa = (top - len) & ~(RUN_PAGE - 1);
		*size = len;
		dst = run_guest_ptr(vm, *gpa, len);
		memcpy(dst, data, len);
	}
	munmap(data, len);
	return ret;
}

int run_boot_payload(struct run_vm *vm, const struct run_boot_files *files,
		     const struct run_boot_limits *limits, uint64_t *initrd,
		     uint64_t *initrd_size)
{
	int ret = write_cmdline(vm, files->cmdline, limits->cmdline_max);

	if (!ret)
		ret = load_initrd(vm, files->initrd, limits->kernel_end,
				  limits->initrd_end, initrd, initrd_size);
	return ret;
}
