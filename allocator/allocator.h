/* vmpci allocator: address ranges and small-number namespaces.
 *
 * Two kinds of allocator, both plain data structures with no knowledge of
 * PCI or VFIO, shared by the BAR code and the VMM:
 *
 *  - struct vmpci_alloc hands out ranges [base, base + size) of an address
 *    space (I/O ports, 32-bit MMIO, 64-bit MMIO): anywhere with a
 *    power-of-two alignment, at a fixed address, and back. Allocate-anywhere
 *    takes the highest address that fits (as cloud-hypervisor does), so
 *    fixed placements made low (restore, fixed BARs) stay out of its way.
 *    Every operation is O(log n) in the number of live ranges.
 *  - struct vmpci_idalloc numbers things (GSIs, memory slots, bus slots):
 *    lowest free first, any number can be taken and given back.
 *
 * Errors: -EINVAL for bad arguments, -ENOSPC when nothing fits, -EEXIST when a
 * fixed request overlaps something taken, -ENOENT when freeing what was not
 * allocated, -ENOMEM when memory runs out. A failed call leaves the
 * allocator exactly as it was. Not thread-safe: the owner serializes. */
#ifndef VMPCI_ALLOCATOR_H
#define VMPCI_ALLOCATOR_H

#include <stdint.h>

#include "vmpci.h"
#include "vmpci_export.h"

VMPCI_API_BEGIN

/* Take `size` bytes aligned to `align` (a power of two, 1 for none) at the
 * highest address that fits; the start goes to *addr. */
int vmpci_alloc_take(struct vmpci_alloc *a, uint64_t size, uint64_t align,
		     uint64_t *addr);

/* Take exactly [addr, addr + size). `align` (a power of two, 1 for none) must
 * divide addr. -EEXIST when any byte is already taken, -ENOSPC when the range
 * is not inside the allocator's space. */
int vmpci_alloc_take_at(struct vmpci_alloc *a, uint64_t addr, uint64_t size,
			uint64_t align);

/* Give back a range taken earlier, named exactly as it was taken. A range
 * that was never taken (or a different size) gives -ENOENT and changes
 * nothing. */
int vmpci_alloc_release(struct vmpci_alloc *a, uint64_t addr, uint64_t size);

/* The number of live ranges. */
uint64_t vmpci_alloc_count(const struct vmpci_alloc *a);

/* The space the allocator covers. */
uint64_t vmpci_alloc_base(const struct vmpci_alloc *a);
uint64_t vmpci_alloc_size(const struct vmpci_alloc *a);

struct vmpci_idalloc;

/* Create a numberer for the ids [first, first + count). count 0 or an id
 * range that runs past UINT32_MAX gives -EINVAL. */
int vmpci_idalloc_new(uint32_t first, uint32_t count,
		      struct vmpci_idalloc **out);

/* Free the numberer. Accepts NULL. */
void vmpci_idalloc_free(struct vmpci_idalloc *ids);

/* Take the lowest free id. -ENOSPC when all are taken. */
int vmpci_idalloc_take(struct vmpci_idalloc *ids, uint32_t *id);

/* Take a given id. -EINVAL outside the range, -EEXIST when taken. */
int vmpci_idalloc_take_at(struct vmpci_idalloc *ids, uint32_t id);

/* Give an id back. -EINVAL outside the range, -ENOENT when it is free. */
int vmpci_idalloc_release(struct vmpci_idalloc *ids, uint32_t id);

/* Whether an id is taken (0 or 1); ids outside the range read 0. */
int vmpci_idalloc_is_taken(const struct vmpci_idalloc *ids, uint32_t id);

VMPCI_API_END

#endif
