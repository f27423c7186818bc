/* An AVL tree of disjoint ranges keyed by their start, each subtree knowing
 * the longest range it holds, so a search for room can skip whole subtrees.
 * Internal to allocator/. Nodes are owned by the caller. */
#ifndef VMPCI_ALLOCATOR_RANGE_TREE_H
#define VMPCI_ALLOCATOR_RANGE_TREE_H

#include <stdint.h>

struct range_node {
	uint64_t start;
	uint64_t last; /* inclusive, so a range may end at 2^64 - 1 */
	uint64_t max_len; /* longest range in this subtree */
	struct range_node *left;
	struct range_node *right;
	int height;
};

static inline uint64_t range_len(const struct range_node *n)
{
	return n->last - n->start + 1;
}

/* Insert `node` (not overlapping any range present); returns the new root. */
struct range_node *vmpci__range_tree_insert(struct range_node *root,
				     struct range_node *node);

/* Unlink the node starting at `start`; returns the new root and the node in
 * *removed (NULL when absent). */
struct range_node *vmpci__range_tree_remove(struct range_node *root, uint64_t start,
				     struct range_node **removed);

/* The range with the greatest start <= addr, or NULL. */
struct range_node *vmpci__range_tree_floor(struct range_node *root, uint64_t addr);

/* The range with the smallest start > addr, or NULL. */
struct range_node *vmpci__range_tree_above(struct range_node *root, uint64_t addr);

/* The range at the highest address that holds `size` bytes aligned to
 * `align` (a power of two); the aligned start goes to *addr. NULL if none. */
struct range_node *vmpci__range_tree_find_fit_top(struct range_node *root,
					   uint64_t size, uint64_t align,
					   uint64_t *addr);

/* Free every node with free(3). */
void vmpci__range_tree_destroy(struct range_node *root);

#endif
