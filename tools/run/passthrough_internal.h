/* What the passthrough files of tools/run share: the function list and the
 * BAR dispatch table. Not for the core. */
#ifndef VMPCI_TOOLS_RUN_PASSTHROUGH_INTERNAL_H
#define VMPCI_TOOLS_RUN_PASSTHROUGH_INTERNAL_H

#include <pthread.h>

#include "tools/run/passthrough.h"

/* Where one BAR of one function sits in the guest: what the BAR window
 * handlers search. size 0: not placed. */
struct run_bar {
	bool io;
	uint64_t addr;
	uint64_t size;
};

/* One passed-through function. */
struct run_function {
	struct run_passthrough *pt;
	char name[32];
	uint8_t slot;
	struct vmpci_vfio_kernel *kernel; /* NULL for a caller's backend */
	const struct vmpci_vfio_backend *backend;
	struct vmpci_device *dev;
	bool dma_mapped;
	/* Written under pt->bars_lock (bar_moved runs on vCPU threads). */
	struct run_bar bars[VMPCI_BAR_COUNT];
	bool bar_io[VMPCI_BAR_COUNT]; /* BAR types, read at device creation */
};

struct run_passthrough {
	struct run_vm *vm;
	/* The VM's KVM host, every device's: it puts INTx on the line of
	 * the device's slot (run_vm_kvm_host). */
	const struct vmpci_host *kvm;
	struct vmpci_alloc *io, *mmio32, *mmio64;
	char snapshot_dir[256];
	pthread_mutex_t bars_lock;
	size_t nr;
	struct run_function *fns[VMPCI_BUS_SLOTS];
	/* Opened before the VM had KVM, attached by run_passthrough_start. */
	size_t nr_opened;
	struct run_function *opened[VMPCI_BUS_SLOTS];
	bool started;
};

/* bar_dispatch.c: register the BAR windows' handlers with the VM. */
int run_bars_register(struct run_passthrough *pt);
/* The device's bar_moved callback (opaque: the function). */
void run_bars_moved(void *opaque, unsigned index, uint64_t old_addr,
		    uint64_t new_addr, uint64_t size);
/* Record the BAR types of fn->dev, before any placement. */
void run_bars_learn(struct run_function *fn);
/* Forget every BAR of `fn` (its device is going away). */
void run_bars_forget(struct run_function *fn);

/* passthrough.c: a device object on fn's backend and host (not placed,
 * not on the bus); `no_reset` for a live restore. */
int run_function_device_new(struct run_function *fn, bool no_reset);

/* restore.c: where function `fn`'s snapshot document goes. */
void run_snapshot_path(const struct run_function *fn, char *buf,
		       size_t len);

#endif
