/* Address-range allocator: free ranges and taken ranges, each in an AVL tree
 * keyed by start. Every call reserves the nodes it may need before it
 * changes anything, so a failure (including out of memory) leaves the
 * allocator as it was. */
#include "allocator/allocator.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "allocator/range_tree.h"

struct vmpci_alloc {
	uint64_t base;
	uint64_t last;
	struct range_node *free_ranges;
	struct range_node *taken;
	uint64_t count;
};

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* [addr, addr + size) as an inclusive last address; false on overflow. */
static bool range_last(uint64_t addr, uint64_t size, uint64_t *last)
{
	if (size == 0 || size - 1 > UINT64_MAX - addr)
		return false;
	*last = addr + (size - 1);
	return true;
}

static struct range_node *node_new(uint64_t start, uint64_t last)
{
	struct range_node *n = calloc(1, sizeof(*n));

	if (n) {
		n->start = start;
		n->last = last;
	}
	return n;
}

int vmpci_alloc_new(uint64_t base, uint64_t size, struct vmpci_alloc **out)
{
	struct vmpci_alloc *a;
	struct range_node *all;
	uint64_t last;

	if (!out || !range_last(base, size, &last))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	all = node_new(base, last);
	if (!a || !all) {
		free(a);
		free(all);
		return -ENOMEM;
	}
	a->base = base;
	a->last = last;
	a->free_ranges = vmpci__range_tree_insert(NULL, all);
	*out = a;
	return 0;
}

void vmpci_alloc_free(struct vmpci_alloc *a)
{
	if (!a)
		return;
	vmpci__range_tree_destroy(a->free_ranges);
	vmpci__range_tree_destroy(a->taken);
	free(a);
}

/* Carve [start, last] out of the free range `hole`, using the spare nodes
 * for what remains on either side and `taken` to record the allocation. */
static void carve(struct vmpci_alloc *a, struct range_node *hole,
		  uint64_t start, uint64_t last, struct range_node *spare[2],
		  struct range_node *taken)
{
	struct range_node *removed;
	uint64_t hole_start = hole->start, hole_last = hole->last;

	a->free_ranges = vmpci__range_tree_remove(a->free_ranges, hole_start, &removed);
	free(removed);
	if (hole_start < start) {
		spare[0]->start = hole_start;
		spare[0]->last = start - 1;
		a->free_ranges = vmpci__range_tree_insert(a->free_ranges, spare[0]);
		spare[0] = NULL;
	}
	if (last < hole_last) {
		spare[1]->start = last + 1;
		spare[1]->last = hole_last;
		a->free_ranges = vmpci__range_tree_insert(a->free_ranges, spare[1]);
		spare[1] = NULL;
	}
	taken->start = start;
	taken->last = last;
	a->taken = vmpci__range_tree_insert(a->taken, taken);
	a->count++;
}

static int take_in(struct vmpci_alloc *a, struct range_node *hole,
		   uint64_t start, uint64_t last)
{
	struct range_node *spare[2] = { node_new(0, 0), node_new(0, 0) };
	struct range_node *taken = node_new(start, last);
	int err = -ENOMEM;

	if (spare[0] && spare[1] && taken) {
		carve(a, hole, start, last, spare, taken);
		taken = NULL;
		err = 0;
	}
	free(spare[0]);
	free(spare[1]);
	free(taken);
	return err;
}

int vmpci_alloc_take(struct vmpci_alloc *a, uint64_t size, uint64_t align,
		     uint64_t *addr)
{
	struct range_node *hole;
	uint64_t start;
	int err;

	if (!a || !addr || size == 0 || !is_pow2(align))
		return -EINVAL;
	hole = vmpci__range_tree_find_fit_top(a->free_ranges, size, align, &start);
	if (!hole)
		return -ENOSPC;
	err = take_in(a, hole, start, start + (size - 1));
	if (!err)
		*addr = start;
	return err;
}

int vmpci_alloc_take_at(struct vmpci_alloc *a, uint64_t addr, uint64_t size,
			uint64_t align)
{
	struct range_node *hole;
	uint64_t last;

	if (!a || !is_pow2(align) || (addr & (align - 1)) ||
	    !range_last(addr, size, &last))
		return -EINVAL;
	if (addr < a->base || last > a->last)
		return -ENOSPC;
	hole = vmpci__range_tree_floor(a->free_ranges, addr);
	if (!hole || hole->last < last)
		return -EEXIST;
	return take_in(a, hole, addr, last);
}

int vmpci_alloc_release(struct vmpci_alloc *a, uint64_t addr, uint64_t size)
{
	struct range_node *n, *prev, *next, *removed;
	uint64_t last;

	if (!a || !range_last(addr, size, &last))
		return -EINVAL;
	n = vmpci__range_tree_floor(a->taken, addr);
	if (!n || n->start != addr || n->last != last)
		return -ENOENT;
	a->taken = vmpci__range_tree_remove(a->taken, addr, &n);
	a->count--;

	/* Merge with free neighbours so the longest-range bookkeeping sees
	 * the whole hole. The taken node is reused as the free one. */
	prev = addr > a->base ? vmpci__range_tree_floor(a->free_ranges, addr - 1) : NULL;
	if (prev && prev->last + 1 == addr) {
		addr = prev->start;
		a->free_ranges = vmpci__range_tree_remove(a->free_ranges, prev->start,
						   &removed);
		free(removed);
	}
	next = last < a->last ? vmpci__range_tree_above(a->free_ranges, last) : NULL;
	if (next && next->start == last + 1) {
		last = next->last;
		a->free_ranges = vmpci__range_tree_remove(a->free_ranges, next->start,
						   &removed);
		free(removed);
	}
	n->start = addr;
	n->last = last;
	a->free_ranges = vmpci__range_tree_insert(a->free_ranges, n);
	return 0;
}

uint64_t vmpci_alloc_count(const struct vmpci_alloc *a)
{
	return a ? a->count : 0;
}

uint64_t vmpci_alloc_base(const struct vmpci_alloc *a)
{
	return a ? a->base : 0;
}

uint64_t vmpci_alloc_size(const struct vmpci_alloc *a)
{
	return a ? a->last - a->base + 1 : 0;
}
