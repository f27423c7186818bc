/* `--vfio` functions: attach, DMA mapping of guest RAM, teardown. See
 * passthrough.h for the whole picture. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "device/device.h"
#include "kvm/kvm_host.h"
#include "pci/bus.h"
#include "tools/run/passthrough_internal.h"
#include "vfio/backend.h"
#include "vfio/kernel.h"

static int new_pools(struct run_passthrough *pt)
{
	int err = vmpci_alloc_new(RUN_PIO_BASE, RUN_PIO_SIZE, &pt->io);

	if (!err)
		err = vmpci_alloc_new(RUN_MMIO32_BASE, RUN_MMIO32_SIZE,
				      &pt->mmio32);
	if (!err)
		err = vmpci_alloc_new(RUN_MMIO64_BASE, RUN_MMIO64_SIZE,
				      &pt->mmio64);
	return err;
}

static int on_sigusr1(void *opaque)
{
	return run_passthrough_restore(opaque);
}

int run_passthrough_new(struct run_vm *vm, const char *snapshot_dir,
			struct run_passthrough **out)
{
	struct run_passthrough *pt;
	const char *tmp = getenv("TMPDIR");

	pt = calloc(1, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->vm = vm;
	pthread_mutex_init(&pt->bars_lock, NULL);
	if (!snapshot_dir)
		snapshot_dir = tmp && *tmp ? tmp : "/tmp";
	snprintf(pt->snapshot_dir, sizeof(pt->snapshot_dir), "%s",
		 snapshot_dir);
	*out = pt;
	return 0;
}

int run_function_device_new(struct run_function *fn, bool no_reset)
{
	struct run_passthrough *pt = fn->pt;
	struct vmpci_device_params c;
	int err;

	vmpci_device_params_init(&c, fn->backend, fn->pt->kvm);
	c.name = fn->name;
	c.pools.io = pt->io;
	c.pools.mmio32 = pt->mmio32;
	c.pools.mmio64 = pt->mmio64;
	c.devid = (uint32_t)fn->slot << 3; /* bus 0, function 0 */
	c.no_reset = no_reset;
	c.bar_moved = run_bars_moved;
	c.opaque = fn;
	err = vmpci_device_new(&c, &fn->dev);
	if (!err)
		run_bars_learn(fn);
	return err;
}

/* Guest RAM in the function's VFIO container, at IOVA = guest physical
 * address: the guest's driver programs the function with guest physical
 * addresses. Before the guest runs, so the first DMA finds it there. */
static int map_dma(struct run_function *fn)
{
	const struct run_ram_region *ram;
	size_t n = run_vm_ram(fn->pt->vm, &ram), i;
	int err = 0;

	for (i = 0; i < n && !err; i++)
		err = fn->backend->ops->dma_map(
			fn->backend->opaque, ram[i].gpa, ram[i].size,
			ram[i].host, VFIO_DMA_MAP_FLAG_READ |
					     VFIO_DMA_MAP_FLAG_WRITE);
	if (err) {
		run_vm_log(fn->pt->vm,
			   "%s: mapping guest RAM [%#llx, +%#llx) for DMA: %s",
			   fn->name, (unsigned long long)ram[i - 1].gpa,
			   (unsigned long long)ram[i - 1].size,
			   strerror(-err));
		while (--i > 0)
			fn->backend->ops->dma_unmap(fn->backend->opaque,
						    ram[i - 1].gpa,
						    ram[i - 1].size, NULL);
		return err;
	}
	fn->dma_mapped = true;
	return 0;
}

static void unmap_dma(struct run_function *fn)
{
	const struct run_ram_region *ram;
	size_t n = run_vm_ram(fn->pt->vm, &ram);

	if (!fn->dma_mapped)
		return;
	for (size_t i = 0; i < n; i++)
		fn->backend->ops->dma_unmap(fn->backend->opaque, ram[i].gpa,
					    ram[i].size, NULL);
	fn->dma_mapped = false;
}

static void function_free(struct run_function *fn)
{
	struct vmpci_bus *bus = run_vm_bus(fn->pt->vm);

	if (fn->dev) {
		vmpci_bus_remove_function(bus, 0, fn->slot, 0);
		run_bars_forget(fn);
		vmpci_device_free(fn->dev);
	}
	unmap_dma(fn);
	if (fn->slot)
		vmpci_bus_slot_release(bus, 0, fn->slot);
	vmpci_vfio_kernel_free(fn->kernel);
	free(fn);
}

static int function_attach(struct run_function *fn)
{
	struct vmpci_bus *bus = run_vm_bus(fn->pt->vm);
	int err;

	err = vmpci_bus_slot_alloc(bus, 0, &fn->slot);
	if (err) {
		run_vm_log(fn->pt->vm, "%s: no free slot on bus 0", fn->name);
		return err;
	}
	err = run_function_device_new(fn, false);
	if (!err)
		err = vmpci_device_place_bars(fn->dev);
	if (!err)
		err = map_dma(fn);
	if (!err)
		err = vmpci_bus_add_function(bus, 0, fn->slot, 0,
					     vmpci_device_config_ops(),
					     fn->dev);
	return err;
}

static int add(struct run_passthrough *pt, struct run_function *fn,
	       uint8_t *slot)
{
	int err;

	fn->pt = pt;
	err = pt->nr < VMPCI_BUS_SLOTS ? function_attach(fn) : -ENOSPC;
	if (err) {
		run_vm_log(pt->vm, "%s: cannot pass it through: %s", fn->name,
			   strerror(-err));
		function_free(fn);
		return err;
	}
	pt->fns[pt->nr++] = fn;
	if (slot)
		*slot = fn->slot;
	return 0;
}

int run_passthrough_attach(struct run_passthrough *pt,
			   const struct vmpci_vfio_backend *backend,
			   const char *name, uint8_t *slot)
{
	struct run_function *fn;

	if (!pt || !pt->started || !backend || !name)
		return -EINVAL;
	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return -ENOMEM;
	snprintf(fn->name, sizeof(fn->name), "%s", name);
	fn->backend = backend;
	return add(pt, fn, slot);
}

int run_passthrough_add_vfio(struct run_passthrough *pt, const char *bdf)
{
	struct vmpci_vfio_kernel_params kc;
	struct run_function *fn;
	int err;

	if (!pt || !bdf)
		return -EINVAL;
	if (pt->nr + pt->nr_opened >= VMPCI_BUS_SLOTS)
		return -ENOSPC;
	fn = calloc(1, sizeof(*fn));
	if (!fn)
		return -ENOMEM;
	fn->pt = pt;
	snprintf(fn->name, sizeof(fn->name), "%s", bdf);
	/* Its own container: the open diagnoses the function (missing, not
	 * bound to vfio-pci, no IOMMU group) before touching /dev/vfio, and
	 * says so in one line through the host's log. It needs no KVM, so a
	 * VMM can check its functions before it opens KVM. */
	vmpci_vfio_kernel_params_init(&kc, bdf);
	kc.host = run_vm_log_host(pt->vm);
	err = vmpci_vfio_kernel_open(&kc, &fn->kernel);
	if (err) {
		free(fn);
		return err;
	}
	fn->backend = vmpci_vfio_kernel_backend(fn->kernel);
	if (pt->started)
		return add(pt, fn, NULL);
	pt->opened[pt->nr_opened++] = fn;
	return 0;
}

int run_passthrough_start(struct run_passthrough *pt)
{
	int err;

	if (!pt || pt->started)
		return -EINVAL;
	pt->kvm = vmpci_kvm_host_ops(run_vm_kvm_host(pt->vm));
	err = pt->kvm ? new_pools(pt) : -EINVAL;
	if (!err)
		err = run_bars_register(pt);
	if (err) {
		run_vm_log(pt->vm, "passthrough setup: %s", strerror(-err));
		return err;
	}
	pt->started = true;
	run_vm_on_sigusr1(pt->vm, on_sigusr1, pt);
	for (size_t i = 0; i < pt->nr_opened && !err; i++) {
		struct run_function *fn = pt->opened[i];

		pt->opened[i] = NULL;
		err = add(pt, fn, NULL);
	}
	return err;
}

size_t run_passthrough_count(const struct run_passthrough *pt)
{
	return pt ? pt->nr : 0;
}

struct vmpci_device *run_passthrough_device(struct run_passthrough *pt,
					    size_t i)
{
	return pt && i < pt->nr ? pt->fns[i]->dev : NULL;
}

void run_passthrough_free(struct run_passthrough *pt)
{
	char path[512];

	if (!pt)
		return;
	if (pt->vm)
		run_vm_on_sigusr1(pt->vm, NULL, NULL);
	while (pt->nr > 0) {
		struct run_function *fn = pt->fns[--pt->nr];

		run_snapshot_path(fn, path, sizeof(path));
		unlink(path);
		function_free(fn);
	}
	while (pt->nr_opened > 0)
		if (pt->opened[--pt->nr_opened])
			function_free(pt->opened[pt->nr_opened]);
	vmpci_alloc_free(pt->io);
	vmpci_alloc_free(pt->mmio32);
	vmpci_alloc_free(pt->mmio64);
	pthread_mutex_destroy(&pt->bars_lock);
	free(pt);
}
