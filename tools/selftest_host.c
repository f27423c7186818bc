/* The selftest's host: the null host (no VM; mappings and routes accepted
 * and counted) plus a record of the live guest mappings and the last MSI
 * message, so the selftest can play a vCPU reaching mapped BAR areas and
 * check what the device asked of the host. */
#include <stdio.h>
#include <string.h>

#include "tools/selftest_host.h"

static const struct vmpci_host *inner(void *opaque)
{
	return &((struct st_host *)opaque)->inner.host;
}

static void sh_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	struct st_host *h = opaque;
	const struct vmpci_host *in = inner(opaque);

	if (h->capture) {
		if (level <= VMPCI_LOG_WARN && !h->captured[0])
			snprintf(h->captured, sizeof(h->captured), "%s", msg);
		return;
	}
	in->ops->log(in->opaque, level, msg);
}

static int sh_map(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		  bool readonly, uint32_t *slot)
{
	struct st_host *h = opaque;
	const struct vmpci_host *in = inner(opaque);
	unsigned i;
	int err;

	err = in->ops->map_memory(in->opaque, gpa, size, host_addr, readonly,
				  slot);
	if (err)
		return err;
	for (i = 0; i < ST_HOST_MAX_MAPS && h->maps[i].live; i++)
		;
	if (i == ST_HOST_MAX_MAPS) {
		h->overflow = true;
		return 0;
	}
	h->maps[i] = (struct st_mapping){ .live = true, .slot = *slot,
					  .gpa = gpa, .size = size,
					  .host_addr = host_addr };
	return 0;
}

static int sh_unmap(void *opaque, uint32_t slot)
{
	struct st_host *h = opaque;
	const struct vmpci_host *in = inner(opaque);
	unsigned i;

	for (i = 0; i < ST_HOST_MAX_MAPS; i++)
		if (h->maps[i].live && h->maps[i].slot == slot)
			h->maps[i].live = false;
	return in->ops->unmap_memory(in->opaque, slot);
}

static int sh_add_msi(void *opaque, int eventfd,
		      const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct st_host *h = opaque;
	const struct vmpci_host *in = inner(opaque);

	h->last_msg = *msg;
	h->have_msg = true;
	return in->ops->add_msi_route(in->opaque, eventfd, msg, route);
}

static int sh_update_msi(void *opaque, uint32_t route,
			 const struct vmpci_msi_msg *msg)
{
	struct st_host *h = opaque;
	const struct vmpci_host *in = inner(opaque);

	h->last_msg = *msg;
	h->have_msg = true;
	return in->ops->update_msi_route(in->opaque, route, msg);
}

static int sh_mask_msi(void *opaque, uint32_t route, bool masked)
{
	const struct vmpci_host *in = inner(opaque);

	return in->ops->mask_msi_route(in->opaque, route, masked);
}

static int sh_remove_msi(void *opaque, uint32_t route)
{
	const struct vmpci_host *in = inner(opaque);

	return in->ops->remove_msi_route(in->opaque, route);
}

static int sh_commit(void *opaque)
{
	const struct vmpci_host *in = inner(opaque);

	return in->ops->commit_routes(in->opaque);
}

static int sh_add_intx(void *opaque, uint32_t devid, uint32_t pin,
		       int trigger_fd, int resample_fd, uint32_t *route)
{
	const struct vmpci_host *in = inner(opaque);

	return in->ops->add_intx_route(in->opaque, devid, pin, trigger_fd,
				       resample_fd, route);
}

static int sh_remove_intx(void *opaque, uint32_t route)
{
	const struct vmpci_host *in = inner(opaque);

	return in->ops->remove_intx_route(in->opaque, route);
}

static const struct vmpci_host_ops recording_ops = {
	.log = sh_log,
	.map_memory = sh_map,
	.unmap_memory = sh_unmap,
	.add_msi_route = sh_add_msi,
	.update_msi_route = sh_update_msi,
	.mask_msi_route = sh_mask_msi,
	.remove_msi_route = sh_remove_msi,
	.commit_routes = sh_commit,
	.add_intx_route = sh_add_intx,
	.remove_intx_route = sh_remove_intx,
};

void st_host_init(struct st_host *h, bool verbose)
{
	memset(h, 0, sizeof(*h));
	null_host_init(&h->inner, verbose);
	h->host = (struct vmpci_host){ &recording_ops, h };
}

const struct st_mapping *st_host_find(const struct st_host *h, uint64_t gpa,
				      uint64_t size)
{
	const struct st_mapping *m;
	unsigned i;

	for (i = 0; i < ST_HOST_MAX_MAPS; i++) {
		m = &h->maps[i];
		if (m->live && gpa >= m->gpa && gpa - m->gpa < m->size &&
		    size <= m->size - (gpa - m->gpa))
			return m;
	}
	return NULL;
}

unsigned st_host_live(const struct st_host *h)
{
	unsigned i, n = 0;

	for (i = 0; i < ST_HOST_MAX_MAPS; i++)
		n += h->maps[i].live;
	return n;
}
