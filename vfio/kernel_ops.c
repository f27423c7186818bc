/* The backend ops on a Linux VFIO device fd: thin wrappers over the
 * ioctls and pread/pwrite at the regions' offsets. */
#include <errno.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio/kernel_internal.h"
#include "vfio/vfio_internal.h"

static int device_info(void *opaque, struct vmpci_vfio_device_info *out)
{
	struct vmpci_vfio_kernel *k = opaque;
	struct vfio_device_info di = { .argsz = sizeof(di) };

	if (ioctl(k->device_fd, VFIO_DEVICE_GET_INFO, &di))
		return -errno;
	out->flags = di.flags;
	out->num_regions = di.num_regions;
	out->num_irqs = di.num_irqs;
	return 0;
}

/* Most regions need no chain; an MSI-X BAR needs 8 bytes of it; a sparse
 * chain grows with its areas. Ask again with the size the kernel wants. */
static int region_info(void *opaque, uint32_t index,
		       struct vmpci_vfio_region *out)
{
	struct vmpci_vfio_kernel *k = opaque;
	struct vfio_region_info *ri;
	uint32_t size = 512;
	int err, tries;

	for (tries = 0; tries < 2; tries++) {
		ri = calloc(1, size);
		if (!ri)
			return -ENOMEM;
		ri->argsz = size;
		ri->index = index;
		if (ioctl(k->device_fd, VFIO_DEVICE_GET_REGION_INFO, ri)) {
			err = -errno;
			free(ri);
			return err;
		}
		if (ri->argsz <= size) {
			err = vmpci_vfio_region_parse(ri, size, out);
			free(ri);
			return err;
		}
		size = ri->argsz;
		free(ri);
	}
	return -EIO;
}

int vmpci_vfio_kernel_cache_regions(struct vmpci_vfio_kernel *k)
{
	struct vmpci_vfio_device_info di = { 0 };
	struct vmpci_vfio_region r;
	uint32_t i;
	int err;

	err = device_info(k, &di);
	if (err) {
		vmpci_vfio_log(&k->host, VMPCI_LOG_ERROR, k->name,
			       "VFIO_DEVICE_GET_INFO: %s", strerror(-err));
		return err;
	}
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI)) {
		vmpci_vfio_log(&k->host, VMPCI_LOG_ERROR, k->name,
			       "not a vfio-pci device (flags 0x%x)", di.flags);
		return -ENODEV;
	}
	k->regions = calloc(di.num_regions ? di.num_regions : 1,
			    sizeof(*k->regions));
	if (!k->regions)
		return -ENOMEM;
	k->nr_regions = di.num_regions;
	for (i = 0; i < di.num_regions; i++) {
		/* Missing regions (VGA on other functions: EINVAL) stay size
		 * 0; any other failure would leave a region unusable. */
		err = region_info(k, i, &r);
		if (err == -EINVAL)
			continue;
		if (err) {
			vmpci_vfio_log(&k->host, VMPCI_LOG_ERROR, k->name,
				       "VFIO_DEVICE_GET_REGION_INFO %u: %s", i,
				       strerror(-err));
			return err;
		}
		k->regions[i].offset = r.offset;
		k->regions[i].size = r.size;
		k->regions[i].flags = r.flags;
	}
	return 0;
}

static int check_range(struct vmpci_vfio_kernel *k, uint32_t index,
		       uint64_t offset, uint64_t size)
{
	if (index >= k->nr_regions || offset > k->regions[index].size ||
	    size > k->regions[index].size - offset)
		return -EINVAL;
	return 0;
}

/* pread / pwrite until done: the kernel may split a large access. */
static int region_rw(struct vmpci_vfio_kernel *k, uint32_t index,
		     uint64_t offset, void *data, uint64_t size, bool write)
{
	uint64_t done = 0;
	off_t at;
	ssize_t n;
	int err;

	err = check_range(k, index, offset, size);
	if (err)
		return err;
	while (done < size) {
		at = (off_t)(k->regions[index].offset + offset + done);
		n = write ? pwrite(k->device_fd, (char *)data + done,
				   size - done, at) :
			    pread(k->device_fd, (char *)data + done,
				  size - done, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (uint64_t)n;
	}
	return 0;
}

static int region_read(void *opaque, uint32_t index, uint64_t offset,
		       void *data, uint64_t size)
{
	return region_rw(opaque, index, offset, data, size, false);
}

/* pwrite takes const data; region_rw only reads it on this path. */
static int region_write(void *opaque, uint32_t index, uint64_t offset,
			const void *data, uint64_t size)
{
	return region_rw(opaque, index, offset, (void *)(uintptr_t)data, size,
			 true);
}

static int region_mmap_fd(void *opaque, uint32_t index, int *fd,
			  uint64_t *offset)
{
	struct vmpci_vfio_kernel *k = opaque;

	if (index >= k->nr_regions)
		return -EINVAL;
	*fd = k->device_fd;
	*offset = k->regions[index].offset;
	return 0;
}

static int irq_info(void *opaque, uint32_t index,
		    struct vmpci_vfio_irq_info *out)
{
	struct vmpci_vfio_kernel *k = opaque;
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };

	if (ioctl(k->device_fd, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		return -errno;
	out->index = ii.index;
	out->flags = ii.flags;
	out->count = ii.count;
	return 0;
}

static int set_irqs(void *opaque, uint32_t index, uint32_t flags,
		    uint32_t start, uint32_t count, const void *data)
{
	struct vmpci_vfio_kernel *k = opaque;
	struct vfio_irq_set *s;
	size_t each = 0, len;
	int ret;

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		each = sizeof(int32_t);
	else if (flags & VFIO_IRQ_SET_DATA_BOOL)
		each = sizeof(uint8_t);
	/* VFIO caps every index at 2048 vectors (MSI-X). */
	if (count > 2048 || (each && count && !data))
		return -EINVAL;
	len = sizeof(*s) + each * count;
	s = calloc(1, len);
	if (!s)
		return -ENOMEM;
	s->argsz = (uint32_t)len;
	s->flags = flags;
	s->index = index;
	s->start = start;
	s->count = count;
	if (each && count)
		memcpy(s->data, data, each * count);
	ret = ioctl(k->device_fd, VFIO_DEVICE_SET_IRQS, s);
	/* A positive return is vfio-pci's short count: it could allocate only
	 * that many MSI / MSI-X vectors and enabled none. errno is not set
	 * then (it holds whatever an earlier call left), so only a negative
	 * return reads it. */
	if (ret < 0)
		ret = -errno;
	free(s);
	return ret;
}

static int reset(void *opaque)
{
	struct vmpci_vfio_kernel *k = opaque;

	if (ioctl(k->device_fd, VFIO_DEVICE_RESET))
		return -errno;
	return 0;
}

static int dma_map(void *opaque, uint64_t iova, uint64_t size, void *vaddr,
		   uint32_t flags)
{
	struct vmpci_vfio_kernel *k = opaque;

	if (!k->container)
		return -EOPNOTSUPP;
	return vmpci_vfio_container_dma_map(k->container, iova, size, vaddr,
					    flags);
}

static int dma_unmap(void *opaque, uint64_t iova, uint64_t size,
		     uint64_t *unmapped)
{
	struct vmpci_vfio_kernel *k = opaque;

	if (!k->container)
		return -EOPNOTSUPP;
	return vmpci_vfio_container_dma_unmap(k->container, iova, size,
					      unmapped);
}

static int device_feature(void *opaque, uint32_t flags, void *data,
			  size_t size)
{
	struct vmpci_vfio_kernel *k = opaque;
	struct vfio_device_feature *f;
	int err = 0;

	if ((size && !data) || size > 4096)
		return -EINVAL;
	f = calloc(1, sizeof(*f) + size);
	if (!f)
		return -ENOMEM;
	f->argsz = (uint32_t)(sizeof(*f) + size);
	f->flags = flags;
	if (size)
		memcpy(f->data, data, size);
	if (ioctl(k->device_fd, VFIO_DEVICE_FEATURE, f))
		err = -errno;
	else if (size)
		memcpy(data, f->data, size);
	free(f);
	return err;
}

const struct vmpci_vfio_backend_ops vmpci_vfio_kernel_ops = {
	.device_info = device_info,
	.region_info = region_info,
	.region_read = region_read,
	.region_write = region_write,
	.region_mmap_fd = region_mmap_fd,
	.irq_info = irq_info,
	.set_irqs = set_irqs,
	.reset = reset,
	.dma_map = dma_map,
	.dma_unmap = dma_unmap,
	.device_feature = device_feature,
};
