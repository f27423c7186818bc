/* The backend wrapper that counts calls, a host that accepts everything,
 * and the VMM side of a device (pools, creation) for the benchmarks. */
#include <string.h>

#include <linux/vfio.h>

#include "bench/bench.h"

#define INNER(o) (((struct bench_counted *)(o))->inner)
#define COUNT(o) (((struct bench_counted *)(o))->calls++)
#define FORWARD(o, op, ...) \
	(COUNT(o), INNER(o)->ops->op(INNER(o)->opaque, __VA_ARGS__))

static int c_device_info(void *o, struct vmpci_vfio_device_info *out)
{
	return FORWARD(o, device_info, out);
}

static int c_region_info(void *o, uint32_t index, struct vmpci_vfio_region *out)
{
	return FORWARD(o, region_info, index, out);
}

static void note_config(void *o, uint32_t index, uint64_t offset)
{
	if (index == VFIO_PCI_CONFIG_REGION_INDEX && offset < 4096)
		((struct bench_counted *)o)->config_dword[offset / 4]++;
}

static int c_region_read(void *o, uint32_t index, uint64_t offset, void *data,
			 uint64_t size)
{
	note_config(o, index, offset);
	return FORWARD(o, region_read, index, offset, data, size);
}

static int c_region_write(void *o, uint32_t index, uint64_t offset,
			  const void *data, uint64_t size)
{
	note_config(o, index, offset);
	return FORWARD(o, region_write, index, offset, data, size);
}

static int c_region_mmap_fd(void *o, uint32_t index, int *fd, uint64_t *offset)
{
	return FORWARD(o, region_mmap_fd, index, fd, offset);
}

static int c_irq_info(void *o, uint32_t index, struct vmpci_vfio_irq_info *out)
{
	return FORWARD(o, irq_info, index, out);
}

static int c_set_irqs(void *o, uint32_t index, uint32_t flags, uint32_t start,
		      uint32_t count, const void *data)
{
	return FORWARD(o, set_irqs, index, flags, start, count, data);
}

static int c_reset(void *o)
{
	COUNT(o);
	return INNER(o)->ops->reset(INNER(o)->opaque);
}

static int c_dma_map(void *o, uint64_t iova, uint64_t size, void *vaddr,
		     uint32_t flags)
{
	return FORWARD(o, dma_map, iova, size, vaddr, flags);
}

static int c_dma_unmap(void *o, uint64_t iova, uint64_t size,
		       uint64_t *unmapped)
{
	return FORWARD(o, dma_unmap, iova, size, unmapped);
}

static int c_device_feature(void *o, uint32_t flags, void *data, size_t size)
{
	return FORWARD(o, device_feature, flags, data, size);
}

void bench_counted_init(struct bench_counted *c,
			const struct vmpci_vfio_backend *inner)
{
	static const struct vmpci_vfio_backend_ops ops = {
		c_device_info, c_region_info, c_region_read, c_region_write,
		c_region_mmap_fd, c_irq_info, c_set_irqs, c_reset,
		c_dma_map, c_dma_unmap, c_device_feature,
	};

	c->ops = ops;
	c->inner = inner;
	c->calls = 0;
	memset(c->config_dword, 0, sizeof(c->config_dword));
	c->be.ops = &c->ops;
	c->be.opaque = c;
}

/* The null host hands out increasing handles and remembers nothing. */
static uint32_t next_handle;

static int n_map(void *o, uint64_t gpa, uint64_t size, void *addr, bool ro,
		 uint32_t *slot)
{
	(void)o, (void)gpa, (void)size, (void)addr, (void)ro;
	*slot = next_handle++;
	return 0;
}

static int n_handle(void *o, uint32_t handle)
{
	(void)o, (void)handle;
	return 0;
}

static int n_add_msi(void *o, int fd, const struct vmpci_msi_msg *msg,
		     uint32_t *route)
{
	(void)o, (void)fd, (void)msg;
	*route = next_handle++;
	return 0;
}

static int n_update_msi(void *o, uint32_t route, const struct vmpci_msi_msg *m)
{
	(void)o, (void)route, (void)m;
	return 0;
}

static int n_mask_msi(void *o, uint32_t route, bool masked)
{
	(void)o, (void)route, (void)masked;
	return 0;
}

static int n_commit(void *o)
{
	(void)o;
	return 0;
}

static int n_add_intx(void *o, uint32_t devid, uint32_t pin, int trigger,
		      int resample, uint32_t *route)
{
	(void)o, (void)devid, (void)pin, (void)trigger, (void)resample;
	*route = next_handle++;
	return 0;
}

const struct vmpci_host *bench_null_host(void)
{
	static const struct vmpci_host_ops ops = {
		.map_memory = n_map,
		.unmap_memory = n_handle,
		.add_msi_route = n_add_msi,
		.update_msi_route = n_update_msi,
		.mask_msi_route = n_mask_msi,
		.remove_msi_route = n_handle,
		.commit_routes = n_commit,
		.add_intx_route = n_add_intx,
		.remove_intx_route = n_handle,
	};
	static const struct vmpci_host host = { &ops, NULL };

	return &host;
}

void bench_pools_new(struct bench_pools *p)
{
	bench_check(vmpci_alloc_new(0xc000, 0x4000, &p->io), "io pool");
	bench_check(vmpci_alloc_new(0xc0000000, 0x30000000, &p->mmio32),
		    "mmio32 pool");
	bench_check(vmpci_alloc_new(1ull << 36, 1ull << 36, &p->mmio64),
		    "mmio64 pool");
}

void bench_pools_free(struct bench_pools *p)
{
	vmpci_alloc_free(p->io);
	vmpci_alloc_free(p->mmio32);
	vmpci_alloc_free(p->mmio64);
}

int bench_device_new(const struct vmpci_vfio_backend *be,
		     const struct vmpci_host *host, struct bench_pools *pools,
		     uint64_t page_size, uint32_t trapped,
		     struct vmpci_device **out)
{
	struct vmpci_device_params c;

	vmpci_device_params_init(&c, be, host);
	c.name = "bench";
	c.pools.io = pools->io;
	c.pools.mmio32 = pools->mmio32;
	c.pools.mmio64 = pools->mmio64;
	c.page_size = page_size;
	c.no_mmap_bars = trapped;
	return vmpci_device_new(&c, out);
}
