/* The mmapped areas of one BAR and their guest memory slots.
 *
 * The host mapping (mmap of the device fd) lives as long as the object; the
 * guest mapping (host map_memory slots) comes and goes with the BAR's guest
 * address, so a BAR move only re-registers slots. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "host/host.h"
#include "vfio/backend.h"
#include "vfio/bar_map.h"
#include "vfio/sparse.h"
#include "vfio/vfio_internal.h"

struct vmpci_vfio_bar_map {
	struct vmpci_host host;
	uint32_t index; /* the region, for messages */
	uint32_t nr;
	struct vmpci_vfio_area areas[VMPCI_VFIO_MAX_AREAS];
	void *addr[VMPCI_VFIO_MAX_AREAS];
	uint32_t slot[VMPCI_VFIO_MAX_AREAS];
	bool attached;
	uint64_t gpa;
};

void vmpci_vfio_bar_map_free(struct vmpci_vfio_bar_map *m)
{
	uint32_t i;

	if (!m)
		return;
	vmpci_vfio_bar_map_detach(m);
	for (i = 0; i < m->nr; i++)
		if (m->addr[i])
			munmap(m->addr[i], m->areas[i].size);
	free(m);
}

int vmpci_vfio_bar_map_new(const struct vmpci_vfio_backend *be,
			   const struct vmpci_host *host, uint32_t index,
			   const struct vmpci_vfio_sparse *sparse,
			   struct vmpci_vfio_bar_map **out)
{
	struct vmpci_vfio_bar_map *m;
	uint64_t offset = 0;
	uint32_t i;
	int fd = -1, err;

	if (!be || !be->ops || !host || !host->ops || !host->ops->map_memory ||
	    !host->ops->unmap_memory || !sparse || !out ||
	    sparse->nr > VMPCI_VFIO_MAX_AREAS)
		return -EINVAL;
	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->host = *host;
	m->index = index;
	if (sparse->nr) {
		if (!be->ops->region_mmap_fd) {
			err = -EOPNOTSUPP;
			goto fail;
		}
		err = be->ops->region_mmap_fd(be->opaque, index, &fd, &offset);
		if (err)
			goto fail;
	}
	for (i = 0; i < sparse->nr; i++) {
		const struct vmpci_vfio_area *a = &sparse->areas[i];
		void *p;

		if (!a->size || a->offset > UINT64_MAX - offset) {
			err = -EINVAL;
			goto fail;
		}
		p = mmap(NULL, a->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)(offset + a->offset));
		if (p == MAP_FAILED) {
			err = -errno;
			goto fail;
		}
		m->areas[i] = *a;
		m->addr[i] = p;
		m->nr = i + 1;
	}
	*out = m;
	return 0;
fail:
	vmpci_vfio_bar_map_free(m);
	return err;
}

/* Remove the first `n` slots, made at `gpa`; returns the first error. */
static int unmap_slots(struct vmpci_vfio_bar_map *m, uint64_t gpa, uint32_t n)
{
	int err = 0, e;
	uint32_t i;

	for (i = 0; i < n; i++) {
		e = m->host.ops->unmap_memory(m->host.opaque, m->slot[i]);
		if (e)
			vmpci_vfio_log(&m->host, VMPCI_LOG_WARN, NULL,
				       "region %u: the host kept slot %u at %#llx: %s",
				       m->index, m->slot[i],
				       (unsigned long long)(gpa + m->areas[i].offset),
				       strerror(-e));
		if (e && !err)
			err = e;
	}
	return err;
}

static int map_slots(struct vmpci_vfio_bar_map *m, uint64_t gpa)
{
	uint32_t i;
	int err;

	for (i = 0; i < m->nr; i++) {
		if (m->areas[i].offset > UINT64_MAX - gpa) {
			err = -EINVAL;
			goto fail;
		}
		err = m->host.ops->map_memory(m->host.opaque,
					      gpa + m->areas[i].offset,
					      m->areas[i].size, m->addr[i],
					      false, &m->slot[i]);
		if (err)
			goto fail;
	}
	m->attached = true;
	m->gpa = gpa;
	return 0;
fail:
	unmap_slots(m, gpa, i);
	return err;
}

int vmpci_vfio_bar_map_attach(struct vmpci_vfio_bar_map *m, uint64_t gpa)
{
	if (!m)
		return -EINVAL;
	if (m->attached)
		return -EBUSY;
	return map_slots(m, gpa);
}

int vmpci_vfio_bar_map_detach(struct vmpci_vfio_bar_map *m)
{
	if (!m || !m->attached)
		return 0;
	m->attached = false;
	return unmap_slots(m, m->gpa, m->nr);
}

int vmpci_vfio_bar_map_move(struct vmpci_vfio_bar_map *m, uint64_t gpa)
{
	uint64_t old;
	int err;

	if (!m || !m->attached)
		return -EINVAL;
	old = m->gpa;
	/* A slot the host fails to remove stays the host's, as its error
	 * says (and the log line above): carry on, so the BAR is never left
	 * without its guest mappings. */
	vmpci_vfio_bar_map_detach(m);
	err = map_slots(m, gpa);
	if (err)
		map_slots(m, old);
	return err;
}

bool vmpci_vfio_bar_map_attached(const struct vmpci_vfio_bar_map *m)
{
	return m && m->attached;
}

uint64_t vmpci_vfio_bar_map_gpa(const struct vmpci_vfio_bar_map *m)
{
	return m ? m->gpa : 0;
}

uint32_t vmpci_vfio_bar_map_count(const struct vmpci_vfio_bar_map *m)
{
	return m ? m->nr : 0;
}

void *vmpci_vfio_bar_map_area(const struct vmpci_vfio_bar_map *m, uint32_t i,
			      struct vmpci_vfio_area *area)
{
	if (!m || i >= m->nr)
		return NULL;
	if (area)
		*area = m->areas[i];
	return m->addr[i];
}
