/* Guest RAM: one anonymous mapping per KVM memory slot, RAM from 0 up to
 * the PCI hole and the rest from 4 GiB (vm.h has the layout). RAM exists
 * before the KVM VM does, so the kernel is loaded (and bad input refused)
 * without a KVM device. */
#include "tools/run/vm_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/kvm.h>

#define RUN_4GIB 0x100000000ULL

static int add_region(struct run_vm *vm, uint64_t gpa, uint64_t size)
{
	struct run_ram_region *r = &vm->ram[vm->nr_ram];
	void *host;

	/* NORESERVE: the guest touches what it uses; --mem is a ceiling. */
	host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED) {
		run_vm_log(vm, "cannot map %llu MiB of guest RAM: %s",
			   (unsigned long long)(size >> 20), strerror(errno));
		return -errno;
	}
	*r = (struct run_ram_region){ .gpa = gpa, .size = size, .host = host };
	vm->nr_ram++;
	return 0;
}

int run_memory_setup(struct run_vm *vm, uint64_t mem)
{
	uint64_t low = mem < RUN_PCI_HOLE_START ? mem : RUN_PCI_HOLE_START;
	int ret;

	ret = add_region(vm, 0, low);
	if (!ret && mem > low)
		ret = add_region(vm, RUN_4GIB, mem - low);
	return ret;
}

/* RAM region i is memory slot i (vm_internal.h keeps the KVM host's
 * slots above them). */
int run_memory_register(struct run_vm *vm)
{
	for (size_t i = 0; i < vm->nr_ram; i++) {
		struct kvm_userspace_memory_region slot = {
			.slot = (uint32_t)i,
			.guest_phys_addr = vm->ram[i].gpa,
			.memory_size = vm->ram[i].size,
			.userspace_addr = (uintptr_t)vm->ram[i].host,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
			run_vm_log(vm, "KVM_SET_USER_MEMORY_REGION: %s",
				   strerror(errno));
			return -errno;
		}
	}
	return 0;
}

void run_memory_free(struct run_vm *vm)
{
	for (size_t i = 0; i < vm->nr_ram; i++)
		munmap(vm->ram[i].host, vm->ram[i].size);
	vm->nr_ram = 0;
}

void *run_guest_ptr(const struct run_vm *vm, uint64_t gpa, uint64_t len)
{
	for (size_t i = 0; i < vm->nr_ram; i++) {
		const struct run_ram_region *r = &vm->ram[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return (uint8_t *)r->host + (gpa - r->gpa);
	}
	return NULL;
}
