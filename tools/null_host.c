#include "tools/null_host.h"

#include <stdio.h>

static void nh_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	struct null_host *h = opaque;

	if (level <= VMPCI_LOG_WARN || h->verbose)
		fprintf(stderr, "vmpci: %s\n", msg);
}

static int nh_map(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		  bool readonly, uint32_t *slot)
{
	struct null_host *h = opaque;

	(void)gpa, (void)size, (void)host_addr, (void)readonly;
	h->slots++;
	*slot = h->next++;
	return 0;
}

static int nh_unmap(void *opaque, uint32_t slot)
{
	struct null_host *h = opaque;

	(void)slot;
	h->slots--;
	return 0;
}

static int nh_add_msi(void *opaque, int eventfd,
		      const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct null_host *h = opaque;

	(void)eventfd, (void)msg;
	h->msi_routes++;
	*route = h->next++;
	return 0;
}

static int nh_update_msi(void *opaque, uint32_t route,
			 const struct vmpci_msi_msg *msg)
{
	(void)opaque, (void)route, (void)msg;
	return 0;
}

static int nh_mask_msi(void *opaque, uint32_t route, bool masked)
{
	(void)opaque, (void)route, (void)masked;
	return 0;
}

static int nh_remove_msi(void *opaque, uint32_t route)
{
	struct null_host *h = opaque;

	(void)route;
	h->msi_routes--;
	return 0;
}

static int nh_commit(void *opaque)
{
	(void)opaque;
	return 0;
}

static int nh_add_intx(void *opaque, uint32_t devid, uint32_t pin,
		       int trigger_fd, int resample_fd, uint32_t *route)
{
	struct null_host *h = opaque;

	(void)devid, (void)pin, (void)trigger_fd, (void)resample_fd;
	h->intx_routes++;
	*route = h->next++;
	return 0;
}

static int nh_remove_intx(void *opaque, uint32_t route)
{
	struct null_host *h = opaque;

	(void)route;
	h->intx_routes--;
	return 0;
}

static const struct vmpci_host_ops null_ops = {
	.log = nh_log,
	.map_memory = nh_map,
	.unmap_memory = nh_unmap,
	.add_msi_route = nh_add_msi,
	.update_msi_route = nh_update_msi,
	.mask_msi_route = nh_mask_msi,
	.remove_msi_route = nh_remove_msi,
	.commit_routes = nh_commit,
	.add_intx_route = nh_add_intx,
	.remove_intx_route = nh_remove_intx,
};

void null_host_init(struct null_host *h, bool verbose)
{
	*h = (struct null_host){ .host = { &null_ops, h }, .verbose = verbose };
}
