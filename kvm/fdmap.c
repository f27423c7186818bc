/* Eventfd -> GSI map of the KVM host: lets a second add_msi_route for the
 * same eventfd find its route (KVM binds an eventfd to one irqfd only)
 * without scanning every GSI. Linear probing, backward-shift deletion. */
#include <errno.h>
#include <stdlib.h>

#include "kvm/internal.h"

static uint32_t slot_of(const struct kvm_fdmap *map, int fd)
{
	return ((uint32_t)fd * 2654435761u) & map->mask;
}

int vmpci__kvm_fdmap_init(struct kvm_fdmap *map, uint32_t entries)
{
	uint32_t cap = 2;

	/* At most half full, so probes stay short. */
	while (cap < 2 * entries)
		cap *= 2;
	map->mask = cap - 1;
	map->fds = malloc(cap * sizeof(*map->fds));
	map->gsis = calloc(cap, sizeof(*map->gsis));
	if (!map->fds || !map->gsis)
		return -ENOMEM;
	for (uint32_t i = 0; i < cap; i++)
		map->fds[i] = -1;
	return 0;
}

void vmpci__kvm_fdmap_destroy(struct kvm_fdmap *map)
{
	free(map->fds);
	free(map->gsis);
	map->fds = NULL;
	map->gsis = NULL;
}

static uint32_t find(const struct kvm_fdmap *map, int fd)
{
	uint32_t i = slot_of(map, fd);

	while (map->fds[i] != -1 && map->fds[i] != fd)
		i = (i + 1) & map->mask;
	return i;
}

bool vmpci__kvm_fdmap_get(const struct kvm_fdmap *map, int fd, uint32_t *gsi)
{
	uint32_t i = find(map, fd);

	if (map->fds[i] != fd)
		return false;
	*gsi = map->gsis[i];
	return true;
}

void vmpci__kvm_fdmap_put(struct kvm_fdmap *map, int fd, uint32_t gsi)
{
	uint32_t i = find(map, fd);

	map->fds[i] = fd;
	map->gsis[i] = gsi;
}

void vmpci__kvm_fdmap_del(struct kvm_fdmap *map, int fd)
{
	uint32_t hole = find(map, fd);
	uint32_t j = hole;

	if (map->fds[hole] != fd)
		return;
	map->fds[hole] = -1;
	/* Pull back every later entry of the run whose home slot is not
	 * between the hole and itself, so lookups never stop early. */
	for (;;) {
		uint32_t home;

		j = (j + 1) & map->mask;
		if (map->fds[j] == -1)
			return;
		home = slot_of(map, map->fds[j]);
		if (((j - home) & map->mask) < ((j - hole) & map->mask))
			continue;
		map->fds[hole] = map->fds[j];
		map->gsis[hole] = map->gsis[j];
		map->fds[j] = -1;
		hole = j;
	}
}
