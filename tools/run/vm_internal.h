/* The run_vm object shared by the files of the VMM core (vm.h is what a
 * device model sees; this is how the core's own pieces reach each other). */
#ifndef VMPCI_TOOLS_RUN_VM_INTERNAL_H
#define VMPCI_TOOLS_RUN_VM_INTERNAL_H

#include <pthread.h>

#include "tools/run/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct run_io_range {
	enum run_space space;
	uint64_t base;
	uint64_t len;
	run_io_fn fn;
	void *opaque;
};

struct run_vcpu;
struct run_uart;

/* The PM1a registers (power.c). */
struct run_power {
	struct run_vm *vm;
	pthread_mutex_t lock;
	uint8_t enable[2];
};

/* Why the VM stopped: the process exit status comes from it. */
enum run_stop {
	RUN_STOP_NONE,
	RUN_STOP_POWEROFF,
	RUN_STOP_REBOOT,
	RUN_STOP_ERROR,
};

struct run_vm {
	int kvm_fd;
	int vm_fd;
	size_t vcpu_mmap_size;

	struct run_ram_region ram[2]; /* below the PCI hole, above 4 GiB */
	size_t nr_ram;

	struct run_io_range *io;
	size_t nr_io;

	struct vmpci_bus *bus;
	pthread_mutex_t bus_lock; /* the bus is not thread-safe; vCPUs are */
	struct vmpci_kvm_host *kvm_host;
	struct vmpci_host log_host; /* run_vm_log_host */
	struct run_uart *uart;
	struct run_power power;

	struct run_vcpu *vcpus;
	unsigned nr_vcpus;

	/* vCPU parking and the stop request, under `lock`. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool pause_requested;
	bool stopping;
	unsigned nr_parked;
	enum run_stop stop;
	int stop_fd; /* eventfd: a vCPU asks the main thread to stop */

	int (*sigusr1_fn)(void *opaque);
	void *sigusr1_opaque;
};

/* Create the machine without KVM: `mem` bytes of RAM, the vmpci bus and
 * an empty I/O map. Logs the reason and returns -errno on failure. */
int run_vm_new(uint64_t mem, struct run_vm **out);
/* Then create the KVM VM on the device at `kvm_path`: in-kernel irqchip
 * and PIT, RAM in memory slots, the bundled KVM host. */
int run_vm_open_kvm(struct run_vm *vm, const char *kvm_path);
void run_vm_free(struct run_vm *vm);

/* Guest RAM (memory.c). */
int run_memory_setup(struct run_vm *vm, uint64_t mem);
int run_memory_register(struct run_vm *vm);
void run_memory_free(struct run_vm *vm);
/* A host pointer to [gpa, gpa + len) when it lies inside one RAM region,
 * NULL otherwise. */
void *run_guest_ptr(const struct run_vm *vm, uint64_t gpa, uint64_t len);

/* Run the handler registered at addr, or float the bus (reads all-ones,
 * writes dropped) when there is none (io.c). */
void run_io_dispatch(struct run_vm *vm, enum run_space space, uint64_t addr,
		     uint8_t *data, uint32_t len, bool is_write);

/* Ask the main thread to end the VM (first reason wins; from any thread),
 * and read the reason. */
void run_vm_request_stop(struct run_vm *vm, enum run_stop why);
enum run_stop run_vm_stop_reason(struct run_vm *vm);

#ifdef __cplusplus
}
#endif

#endif
