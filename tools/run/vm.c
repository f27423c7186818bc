/* The KVM VM of `vmpci run`: the VM fd with its in-kernel irqchip and PIT,
 * the vmpci bus and the bundled KVM host, and the small calls of vm.h. */
#include "tools/run/vm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "tools/run/uart.h"

/* Just below the IOAPIC and the BIOS area at the top of 4 GiB, where
 * QEMU and kvmtool put them too: three pages for the TSS that VMX needs for
 * real-mode emulation and one for its identity-map page table. Outside RAM
 * and outside every BAR window. */
#define RUN_TSS_ADDR		0xfffbd000ULL
#define RUN_IDENTITY_MAP_ADDR	0xfffbc000ULL

/* Memory slots 0 and 1 are guest RAM; the KVM host numbers its own from 2. */
#define RUN_KVM_HOST_SLOT_BASE	2

unsigned run_intx_gsi(unsigned slot, unsigned pin)
{
	return 16 + ((slot + pin) % 8);
}

/* The KVM host's INTx line for a device: the _PRT's, by its slot. The
 * DSDT describes bus 0 alone. */
static int intx_line(void *opaque, uint32_t devid, uint32_t pin,
		     uint32_t *gsi)
{
	(void)opaque;
	if (devid >> 8)
		return -EINVAL;
	*gsi = run_intx_gsi(devid >> 3, pin);
	return 0;
}

void run_vm_log(struct run_vm *vm, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	(void)vm;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vmpci run: %s\n", msg);
}

/* vmpci's errors and warnings explain a failure vmpci run then reports;
 * its other lines are not for the VMM's stderr. */
static void vmpci_log(void *opaque, enum vmpci_log_level level,
		      const char *msg)
{
	if (level <= VMPCI_LOG_WARN)
		run_vm_log(opaque, "%s", msg);
}

static const struct vmpci_host_ops log_ops = { .log = vmpci_log };

const struct vmpci_host *run_vm_log_host(struct run_vm *vm)
{
	return &vm->log_host;
}

int run_vm_fd(const struct run_vm *vm)
{
	return vm->vm_fd;
}

struct vmpci_bus *run_vm_bus(struct run_vm *vm)
{
	return vm->bus;
}

struct vmpci_kvm_host *run_vm_kvm_host(struct run_vm *vm)
{
	return vm->kvm_host;
}

size_t run_vm_ram(const struct run_vm *vm, const struct run_ram_region **out)
{
	*out = vm->ram;
	return vm->nr_ram;
}

void run_vm_on_sigusr1(struct run_vm *vm, int (*fn)(void *opaque),
		       void *opaque)
{
	vm->sigusr1_fn = fn;
	vm->sigusr1_opaque = opaque;
}

void run_vm_request_stop(struct run_vm *vm, enum run_stop why)
{
	uint64_t one = 1;

	pthread_mutex_lock(&vm->lock);
	if (vm->stop == RUN_STOP_NONE)
		vm->stop = why;
	pthread_mutex_unlock(&vm->lock);
	if (write(vm->stop_fd, &one, sizeof(one)) < 0)
		run_vm_log(vm, "cannot signal the stop: %s", strerror(errno));
}

enum run_stop run_vm_stop_reason(struct run_vm *vm)
{
	enum run_stop why;

	pthread_mutex_lock(&vm->lock);
	why = vm->stop;
	pthread_mutex_unlock(&vm->lock);
	return why;
}

static int vm_ioctl(struct run_vm *vm, unsigned long req, unsigned long arg,
		    const char *name)
{
	if (ioctl(vm->vm_fd, req, arg) == 0)
		return 0;
	run_vm_log(vm, "%s: %s", name, strerror(errno));
	return -errno;
}

/* The in-kernel PIC, IOAPIC and LAPICs (KVM_CREATE_IRQCHIP also installs the
 * default GSI routes 0-23) and PIT; Linux calibrates and boots on them. */
static int create_platform(struct run_vm *vm)
{
	struct kvm_pit_config pit = { .flags = 0 };
	int ret;

	ret = vm_ioctl(vm, KVM_SET_TSS_ADDR, RUN_TSS_ADDR, "KVM_SET_TSS_ADDR");
	if (!ret) {
		uint64_t map = RUN_IDENTITY_MAP_ADDR;

		ret = vm_ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR,
			       (unsigned long)&map,
			       "KVM_SET_IDENTITY_MAP_ADDR");
	}
	if (!ret)
		ret = vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
	if (!ret)
		ret = vm_ioctl(vm, KVM_CREATE_PIT2, (unsigned long)&pit,
			       "KVM_CREATE_PIT2");
	return ret;
}

static int open_kvm(struct run_vm *vm, const char *kvm_path)
{
	int version, size;

	vm->kvm_fd = open(kvm_path, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		run_vm_log(vm, "cannot open %s: %s", kvm_path,
			   strerror(errno));
		return -errno;
	}
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		run_vm_log(vm, "%s is not a usable KVM device", kvm_path);
		return -ENODEV;
	}
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0) {
		run_vm_log(vm, "%s: KVM_GET_VCPU_MMAP_SIZE failed", kvm_path);
		return -ENODEV;
	}
	vm->vcpu_mmap_size = (size_t)size;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		run_vm_log(vm, "KVM_CREATE_VM on %s: %s", kvm_path,
			   strerror(errno));
		return -errno;
	}
	return 0;
}

static int create_kvm_host(struct run_vm *vm)
{
	struct vmpci_kvm_host_params config;
	int ret;

	vmpci_kvm_host_params_init(&config, vm->vm_fd);
	config.slot_base = RUN_KVM_HOST_SLOT_BASE;
	config.intx_gsi_fn = intx_line;
	config.log = vmpci_log;
	config.log_opaque = vm;
	ret = vmpci_kvm_host_new(&config, &vm->kvm_host);
	if (ret)
		run_vm_log(vm, "cannot create the KVM host: %s",
			   strerror(-ret));
	return ret;
}

int run_vm_new(uint64_t mem, struct run_vm **out)
{
	struct run_vm *vm = calloc(1, sizeof(*vm));
	int ret;

	if (!vm)
		return -ENOMEM;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->log_host.ops = &log_ops;
	vm->log_host.opaque = vm;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->bus_lock, NULL);
	pthread_mutex_init(&vm->power.lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = vm->stop_fd < 0 ? -errno : 0;
	if (!ret)
		ret = run_memory_setup(vm, mem);
	if (!ret) {
		ret = vmpci_bus_new(VMPCI_BUS_HOST_BRIDGE, &vm->bus);
		if (ret)
			run_vm_log(vm, "cannot create the PCI bus: %s",
				   strerror(-ret));
	}
	if (ret) {
		run_vm_free(vm);
		return ret;
	}
	*out = vm;
	return 0;
}

int run_vm_open_kvm(struct run_vm *vm, const char *kvm_path)
{
	int ret;

	ret = open_kvm(vm, kvm_path);
	if (!ret)
		ret = create_platform(vm);
	if (!ret)
		ret = run_memory_register(vm);
	if (!ret)
		ret = create_kvm_host(vm);
	return ret;
}

void run_vm_free(struct run_vm *vm)
{
	if (!vm)
		return;
	run_uart_free(vm->uart);
	vmpci_kvm_host_free(vm->kvm_host);
	vmpci_bus_free(vm->bus);
	run_memory_free(vm);
	free(vm->io);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
	pthread_mutex_destroy(&vm->bus_lock);
	pthread_mutex_destroy(&vm->power.lock);
	free(vm);
}
