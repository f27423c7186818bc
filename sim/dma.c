/* DMA bookkeeping of the simulated function, with type1v2's rules: 4 KiB
 * granule, no overlapping maps, unmaps may not split a mapping. */
#include <errno.h>
#include <linux/vfio.h>
#include <stdlib.h>

#include "sim/internal.h"

#define SIM_DMA_PAGE 4096u

static bool overlaps(const struct sim_dma *d, uint64_t iova, uint64_t end)
{
	return d->iova < end && iova < d->iova + d->size;
}

int vmpci_vfio_sim_dma_map(void *opaque, uint64_t iova, uint64_t size,
			   void *vaddr, uint32_t flags)
{
	struct vmpci_vfio_sim *s = opaque;
	struct sim_dma *grown;
	uint32_t i;

	if (!size || ((iova | size | (uintptr_t)vaddr) & (SIM_DMA_PAGE - 1)) ||
	    iova > UINT64_MAX - size ||
	    !(flags & (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)))
		return -EINVAL;
	for (i = 0; i < s->nr_dma; i++)
		if (overlaps(&s->dma[i], iova, iova + size))
			return -EEXIST;
	grown = realloc(s->dma, (s->nr_dma + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->dma = grown;
	s->dma[s->nr_dma++] = (struct sim_dma){ iova, size };
	return 0;
}

int vmpci_vfio_sim_dma_unmap(void *opaque, uint64_t iova, uint64_t size,
			     uint64_t *unmapped)
{
	struct vmpci_vfio_sim *s = opaque;
	uint64_t end, done = 0;
	uint32_t i;

	if (!size || ((iova | size) & (SIM_DMA_PAGE - 1)) ||
	    iova > UINT64_MAX - size)
		return -EINVAL;
	end = iova + size;
	for (i = 0; i < s->nr_dma; i++) {
		const struct sim_dma *d = &s->dma[i];

		if (overlaps(d, iova, end) &&
		    (d->iova < iova || d->iova + d->size > end))
			return -EINVAL;
	}
	for (i = 0; i < s->nr_dma;) {
		if (overlaps(&s->dma[i], iova, end)) {
			done += s->dma[i].size;
			s->dma[i] = s->dma[--s->nr_dma];
		} else {
			i++;
		}
	}
	if (unmapped)
		*unmapped = done;
	return 0;
}

void vmpci_vfio_sim_dma_stats(const struct vmpci_vfio_sim *s, uint32_t *count,
			      uint64_t *bytes)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; s && i < s->nr_dma; i++)
		sum += s->dma[i].size;
	if (count)
		*count = s ? s->nr_dma : 0;
	if (bytes)
		*bytes = sum;
}
