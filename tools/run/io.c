/* The VMM's I/O map: port and MMIO ranges trapped to handlers. Ranges are
 * registered before vCPUs start and never change after, so vCPU threads
 * read the table without a lock. */
#include "tools/run/vm_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int run_vm_add_io(struct run_vm *vm, enum run_space space, uint64_t base,
		  uint64_t len, run_io_fn fn, void *opaque)
{
	struct run_io_range *io;

	if (!len || base + len < base || !fn)
		return -EINVAL;
	for (size_t i = 0; i < vm->nr_io; i++) {
		const struct run_io_range *r = &vm->io[i];

		if (r->space == space && base < r->base + r->len &&
		    r->base < base + len)
			return -EEXIST;
	}
	io = realloc(vm->io, (vm->nr_io + 1) * sizeof(*io));
	if (!io)
		return -ENOMEM;
	vm->io = io;
	io[vm->nr_io++] = (struct run_io_range){
		.space = space, .base = base, .len = len,
		.fn = fn, .opaque = opaque,
	};
	return 0;
}

void run_io_dispatch(struct run_vm *vm, enum run_space space, uint64_t addr,
		     uint8_t *data, uint32_t len, bool is_write)
{
	for (size_t i = 0; i < vm->nr_io; i++) {
		const struct run_io_range *r = &vm->io[i];

		if (r->space == space && addr >= r->base &&
		    addr - r->base < r->len) {
			r->fn(r->opaque, addr, data, len, is_write);
			return;
		}
	}
	/* Nothing decodes it: reads float high, as on a real bus, which is
	 * how Linux's probes (serial ports, RTC, keyboard) see "absent". */
	if (!is_write)
		memset(data, 0xff, len);
}
