/* Numberer for small id spaces (GSIs, memory slots, bus slots): a bitmap
 * with a hint at the lowest word that may have a free bit, so taking the
 * lowest free id does not rescan the full words below it. */
#include "allocator/allocator.h"

#include <errno.h>
#include <stdlib.h>

struct vmpci_idalloc {
	uint32_t first;
	uint32_t count;
	uint32_t low_word; /* no free bit below this word */
	uint64_t words[];
};

static uint32_t nwords(uint32_t count)
{
	return (count + 63) / 64;
}

int vmpci_idalloc_new(uint32_t first, uint32_t count,
		      struct vmpci_idalloc **out)
{
	struct vmpci_idalloc *ids;

	if (!out || count == 0 || count - 1 > UINT32_MAX - first)
		return -EINVAL;
	ids = calloc(1, sizeof(*ids) + nwords(count) * sizeof(uint64_t));
	if (!ids)
		return -ENOMEM;
	ids->first = first;
	ids->count = count;
	*out = ids;
	return 0;
}

void vmpci_idalloc_free(struct vmpci_idalloc *ids)
{
	free(ids);
}

static int index_of(const struct vmpci_idalloc *ids, uint32_t id,
		    uint32_t *index)
{
	if (!ids || id < ids->first || id - ids->first >= ids->count)
		return -EINVAL;
	*index = id - ids->first;
	return 0;
}

int vmpci_idalloc_take(struct vmpci_idalloc *ids, uint32_t *id)
{
	uint32_t w, bit, index;

	if (!ids || !id)
		return -EINVAL;
	for (w = ids->low_word; w < nwords(ids->count); w++) {
		if (ids->words[w] == UINT64_MAX)
			continue;
		bit = (uint32_t)__builtin_ctzll(~ids->words[w]);
		index = w * 64 + bit;
		if (index >= ids->count)
			break;
		ids->words[w] |= 1ull << bit;
		ids->low_word = w;
		*id = ids->first + index;
		return 0;
	}
	ids->low_word = w;
	return -ENOSPC;
}

int vmpci_idalloc_take_at(struct vmpci_idalloc *ids, uint32_t id)
{
	uint32_t index;
	int err = index_of(ids, id, &index);

	if (err)
		return err;
	if (ids->words[index / 64] & (1ull << (index % 64)))
		return -EEXIST;
	ids->words[index / 64] |= 1ull << (index % 64);
	return 0;
}

int vmpci_idalloc_release(struct vmpci_idalloc *ids, uint32_t id)
{
	uint32_t index;
	int err = index_of(ids, id, &index);

	if (err)
		return err;
	if (!(ids->words[index / 64] & (1ull << (index % 64))))
		return -ENOENT;
	ids->words[index / 64] &= ~(1ull << (index % 64));
	if (index / 64 < ids->low_word)
		ids->low_word = index / 64;
	return 0;
}

int vmpci_idalloc_is_taken(const struct vmpci_idalloc *ids, uint32_t id)
{
	uint32_t index;

	if (index_of(ids, id, &index))
		return 0;
	return !!(ids->words[index / 64] & (1ull << (index % 64)));
}
