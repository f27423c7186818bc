#include "allocator/range_tree.h"

#include <stddef.h>
#include <stdlib.h>

static int height(const struct range_node *n)
{
	return n ? n->height : 0;
}

static uint64_t max_len(const struct range_node *n)
{
	return n ? n->max_len : 0;
}

static void update(struct range_node *n)
{
	int hl = height(n->left), hr = height(n->right);
	uint64_t m = range_len(n);

	n->height = (hl > hr ? hl : hr) + 1;
	if (max_len(n->left) > m)
		m = max_len(n->left);
	if (max_len(n->right) > m)
		m = max_len(n->right);
	n->max_len = m;
}

static struct range_node *rotate_right(struct range_node *n)
{
	struct range_node *l = n->left;

	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static struct range_node *rotate_left(struct range_node *n)
{
	struct range_node *r = n->right;

	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

static struct range_node *rebalance(struct range_node *n)
{
	int balance;

	update(n);
	balance = height(n->left) - height(n->right);
	if (balance > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (balance < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

struct range_node *vmpci__range_tree_insert(struct range_node *root,
				     struct range_node *node)
{
	if (!root) {
		node->left = node->right = NULL;
		update(node);
		return node;
	}
	if (node->start < root->start)
		root->left = vmpci__range_tree_insert(root->left, node);
	else
		root->right = vmpci__range_tree_insert(root->right, node);
	return rebalance(root);
}

static struct range_node *remove_min(struct range_node *root,
				     struct range_node **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = remove_min(root->left, min);
	return rebalance(root);
}

struct range_node *vmpci__range_tree_remove(struct range_node *root, uint64_t start,
				     struct range_node **removed)
{
	struct range_node *succ;

	if (!root) {
		*removed = NULL;
		return NULL;
	}
	if (start < root->start) {
		root->left = vmpci__range_tree_remove(root->left, start, removed);
		return rebalance(root);
	}
	if (start > root->start) {
		root->right = vmpci__range_tree_remove(root->right, start, removed);
		return rebalance(root);
	}
	*removed = root;
	if (!root->left || !root->right)
		return root->left ? root->left : root->right;
	root->right = remove_min(root->right, &succ);
	succ->left = root->left;
	succ->right = root->right;
	return rebalance(succ);
}

struct range_node *vmpci__range_tree_floor(struct range_node *root, uint64_t addr)
{
	struct range_node *best = NULL;

	while (root) {
		if (root->start <= addr) {
			best = root;
			root = root->right;
		} else {
			root = root->left;
		}
	}
	return best;
}

struct range_node *vmpci__range_tree_above(struct range_node *root, uint64_t addr)
{
	struct range_node *best = NULL;

	while (root) {
		if (root->start > addr) {
			best = root;
			root = root->left;
		} else {
			root = root->right;
		}
	}
	return best;
}

/* The highest aligned start of `size` bytes inside n, if there is one. */
static int fit_top(const struct range_node *n, uint64_t size, uint64_t align,
		   uint64_t *addr)
{
	uint64_t start;

	if (range_len(n) < size)
		return 0;
	start = (n->last - (size - 1)) & ~(align - 1);
	if (start < n->start)
		return 0;
	*addr = start;
	return 1;
}

struct range_node *vmpci__range_tree_find_fit_top(struct range_node *root,
					   uint64_t size, uint64_t align,
					   uint64_t *addr)
{
	struct range_node *found;

	if (!root || root->max_len < size)
		return NULL;
	found = vmpci__range_tree_find_fit_top(root->right, size, align, addr);
	if (found)
		return found;
	if (fit_top(root, size, align, addr))
		return root;
	return vmpci__range_tree_find_fit_top(root->left, size, align, addr);
}

void vmpci__range_tree_destroy(struct range_node *root)
{
	if (!root)
		return;
	vmpci__range_tree_destroy(root->left);
	vmpci__range_tree_destroy(root->right);
	free(root);
}
