/* Trapped BAR accesses: the whole BAR windows are registered with the VM
 * once, before any vCPU runs (the VM's trap list is fixed from then on),
 * and an access inside a window goes to the BAR that holds it. Where each
 * BAR is comes from the devices' bar_moved callbacks: placement, the
 * guest's moves (Linux reassigns BARs as it enumerates) and restore.
 *
 * Locking: bar_moved runs with the device's lock held (inside a config
 * write on a vCPU thread), and a trapped access takes the device's lock in
 * vmpci_device_bar_read/write. So the table's lock is never held while
 * calling the device: look up, unlock, then access. An access racing a move
 * of the same BAR on another vCPU lands where the BAR was, as on hardware
 * where the two writes are unordered. */
#include <string.h>

#include "device/device.h"
#include "tools/run/passthrough_internal.h"

static bool find(struct run_passthrough *pt, bool io, uint64_t addr,
		 uint32_t len, struct run_function **fn, unsigned *index,
		 uint64_t *offset)
{
	const struct run_bar *b;
	bool found = false;

	pthread_mutex_lock(&pt->bars_lock);
	for (size_t f = 0; f < pt->nr && !found; f++) {
		for (unsigned i = 0; i < VMPCI_BAR_COUNT && !found; i++) {
			b = &pt->fns[f]->bars[i];
			if (!b->size || b->io != io || addr < b->addr ||
			    addr - b->addr >= b->size ||
			    len > b->size - (addr - b->addr))
				continue;
			*fn = pt->fns[f];
			*index = i;
			*offset = addr - b->addr;
			found = true;
		}
	}
	pthread_mutex_unlock(&pt->bars_lock);
	return found;
}

static void access_bar(struct run_passthrough *pt, bool io, uint64_t addr,
		       uint8_t *data, uint32_t len, bool is_write)
{
	struct run_function *fn;
	uint64_t offset;
	unsigned index;

	/* Nothing decodes there: reads float high, writes vanish. */
	if (!find(pt, io, addr, len, &fn, &index, &offset)) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	/* A malformed access already reads all-ones and is dropped by the
	 * device; its error is the guest's, not the VMM's. */
	if (is_write)
		vmpci_device_bar_write(fn->dev, index, offset, len, data);
	else
		vmpci_device_bar_read(fn->dev, index, offset, len, data);
}

static void on_mmio(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		    bool is_write)
{
	access_bar(opaque, false, addr, data, len, is_write);
}

static void on_pio(void *opaque, uint64_t addr, uint8_t *data, uint32_t len,
		   bool is_write)
{
	access_bar(opaque, true, addr, data, len, is_write);
}

int run_bars_register(struct run_passthrough *pt)
{
	int err = run_vm_add_io(pt->vm, RUN_SPACE_MMIO, RUN_MMIO32_BASE,
				RUN_MMIO32_SIZE, on_mmio, pt);

	if (!err)
		err = run_vm_add_io(pt->vm, RUN_SPACE_MMIO, RUN_MMIO64_BASE,
				    RUN_MMIO64_SIZE, on_mmio, pt);
	if (!err)
		err = run_vm_add_io(pt->vm, RUN_SPACE_PIO, RUN_PIO_BASE,
				    RUN_PIO_SIZE, on_pio, pt);
	return err;
}

void run_bars_moved(void *opaque, unsigned index, uint64_t old_addr,
		    uint64_t new_addr, uint64_t size)
{
	struct run_function *fn = opaque;

	(void)old_addr;
	if (index >= VMPCI_BAR_COUNT)
		return;
	pthread_mutex_lock(&fn->pt->bars_lock);
	fn->bars[index].io = fn->bar_io[index];
	fn->bars[index].addr = new_addr;
	fn->bars[index].size = size;
	pthread_mutex_unlock(&fn->pt->bars_lock);
}

void run_bars_learn(struct run_function *fn)
{
	struct vmpci_device_bar b;

	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++)
		fn->bar_io[i] = !vmpci_device_bar_get(fn->dev, i, &b) &&
				(b.type & VMPCI_BAR_IO);
}

void run_bars_forget(struct run_function *fn)
{
	pthread_mutex_lock(&fn->pt->bars_lock);
	memset(fn->bars, 0, sizeof(fn->bars));
	pthread_mutex_unlock(&fn->pt->bars_lock);
}
