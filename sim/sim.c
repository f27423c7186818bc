/* The simulated function: built from a config image and a sysfs resource
 * file, answering the backend ops as vfio-pci would for the same function.
 * Config and IRQ behaviour live in sim_config.c and sim_irq.c. */
#include <errno.h>
#include <inttypes.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/internal.h"
#include "vfio/vfio_internal.h"

/* vfio-pci places region N at N << 40 in the device fd. */
#define SIM_REGION_OFFSET(i) ((uint64_t)(i) << 40)

void vmpci_vfio_sim_params_init(struct vmpci_vfio_sim_params *params,
				const void *image, size_t image_size,
				const char *resource)
{
	memset(params, 0, sizeof(*params));
	params->config = image;
	params->config_size = image_size;
	params->resource = resource;
	params->msix_mappable = true;
}

/* Sizes of BAR0-5 and the ROM from the first 7 lines of `start end flags`. */
static int parse_resource(struct vmpci_vfio_sim *s, const char *text)
{
	const char *p = text;
	uint64_t start, end, flags, size;
	uint32_t i;
	int used;

	for (i = 0; i < SIM_NR_BARREGS; i++) {
		if (sscanf(p, "%" SCNx64 " %" SCNx64 " %" SCNx64 "%n", &start,
			   &end, &flags, &used) != 3)
			return -EINVAL;
		p += used;
		size = end > start ? end - start + 1 : 0;
		if (end < start || (size & (size - 1)))
			return -EINVAL;
		s->bar_size[i] = size;
	}
	return 0;
}

static int make_memfds(struct vmpci_vfio_sim *s)
{
	char name[32];
	uint32_t i;

	for (i = 0; i < SIM_NR_BARREGS; i++) {
		if (!s->bar_size[i])
			continue;
		snprintf(name, sizeof(name), "vmpci-sim-bar%u", i);
		s->memfd[i] = memfd_create(name, MFD_CLOEXEC);
		if (s->memfd[i] < 0)
			return -errno;
		/* vfio-pci maps a BAR smaller than a page as its whole page
		 * (the rest reserved): back up to the largest host page the
		 * library supports, 64 KiB, so such a mapping is usable. */
		if (ftruncate(s->memfd[i], (off_t)(s->bar_size[i] < SIM_PAGE_MAX ?
							   SIM_PAGE_MAX :
							   s->bar_size[i])))
			return -errno;
	}
	return 0;
}

/* Region info as vfio-pci reports it. */
static void setup_regions(struct vmpci_vfio_sim *s,
			  const struct vmpci_vfio_sim_params *cfg)
{
	struct vmpci_vfio_region *r;
	uint32_t i;

	for (i = 0; i < SIM_NR_REGIONS - 1; i++) {
		r = &s->regions[i];
		r->index = i;
		r->offset = SIM_REGION_OFFSET(i);
	}
	for (i = 0; i < 6; i++) {
		r = &s->regions[i];
		r->size = s->bar_size[i];
		if (!r->size)
			continue;
		r->flags = VFIO_REGION_INFO_FLAG_READ |
			   VFIO_REGION_INFO_FLAG_WRITE;
		if (!s->bar_io[i])
			r->flags |= VFIO_REGION_INFO_FLAG_MMAP;
		if (cfg->sparse[i].nr) {
			r->caps |= VMPCI_VFIO_CAP_SPARSE_MMAP;
			r->nr_sparse = cfg->sparse[i].nr;
			memcpy(r->sparse, cfg->sparse[i].areas,
			       sizeof(r->sparse));
		}
		if (s->msix_cap && i == s->msix_bar && cfg->msix_mappable &&
		    !s->bar_io[i])
			r->caps |= VMPCI_VFIO_CAP_MSIX_MAPPABLE;
		if (r->caps)
			r->flags |= VFIO_REGION_INFO_FLAG_CAPS;
	}
	r = &s->regions[VFIO_PCI_ROM_REGION_INDEX];
	r->size = s->bar_size[6];
	r->flags = r->size ? VFIO_REGION_INFO_FLAG_READ : 0;
	r = &s->regions[VFIO_PCI_CONFIG_REGION_INDEX];
	r->size = s->config_size;
	r->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
}

/* FLR (PCIe Device Capabilities) or a PM reset (D3hot with No_Soft_Reset
 * clear): what pci_probe_reset_function finds on a root-bus function. */
static bool probe_reset(const struct vmpci_vfio_sim *s)
{
	uint32_t pos, n;

	if (s->pcie_cap &&
	    (sim_rd32(s->config + s->pcie_cap + PCI_EXP_DEVCAP) &
	     PCI_EXP_DEVCAP_FLR))
		return true;
	if (!(sim_rd16(s->config + PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return false;
	pos = s->config[PCI_CAPABILITY_LIST] & ~3u;
	for (n = 0; pos >= 0x40 && pos < 0x100 && n < 48; n++) {
		if (s->config[pos] == PCI_CAP_ID_PM)
			return !(sim_rd16(s->config + pos + PCI_PM_CTRL) &
				 PCI_PM_CTRL_NO_SOFT_RESET);
		pos = s->config[pos + 1] & ~3u;
	}
	return false;
}

int vmpci_vfio_sim_new(const struct vmpci_vfio_sim_params *cfg,
		       struct vmpci_vfio_sim **out)
{
	struct vmpci_vfio_sim *s;
	uint32_t i, j;
	int err;

	if (!cfg || !out || !cfg->config || !cfg->resource ||
	    (cfg->config_size != 256 && cfg->config_size != SIM_CONFIG_MAX))
		return -EINVAL;
	for (i = 0; i < 6; i++)
		if (cfg->sparse[i].nr > VMPCI_VFIO_MAX_SPARSE_AREAS)
			return -EINVAL;
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < SIM_NR_BARREGS; i++)
		s->memfd[i] = -1;
	s->backend.ops = &vmpci_vfio_sim_ops;
	s->backend.opaque = s;
	if (cfg->host)
		s->host = *cfg->host;
	memcpy(s->config, cfg->config, cfg->config_size);
	s->config_size = (uint32_t)cfg->config_size;
	err = parse_resource(s, cfg->resource);
	if (err) {
		vmpci_vfio_log(&s->host, VMPCI_LOG_ERROR, "sim",
			       "resource text does not parse");
		goto fail;
	}
	vmpci_vfio_sim_config_setup(s);
	vmpci_vfio_sim_irq_setup(s);
	for (i = 0; i < SIM_NR_IRQS; i++) {
		s->irq[i].unmask_fd = -1;
		s->irq[i].fds = calloc(s->irq[i].max ? s->irq[i].max : 1,
				       sizeof(int32_t));
		if (!s->irq[i].fds) {
			err = -ENOMEM;
			goto fail;
		}
		for (j = 0; j < s->irq[i].max; j++)
			s->irq[i].fds[j] = -1;
	}
	err = make_memfds(s);
	if (err) {
		vmpci_vfio_log(&s->host, VMPCI_LOG_ERROR, "sim",
			       "memory for the BARs: %s", strerror(-err));
		goto fail;
	}
	setup_regions(s, cfg);
	s->reset_works = probe_reset(s);
	*out = s;
	return 0;
fail:
	vmpci_vfio_sim_free(s);
	return err;
}

int vmpci_vfio_sim_new_from_files(const char *base,
				  const struct vmpci_host *host,
				  struct vmpci_vfio_sim **out)
{
	struct vmpci_vfio_sim_params cfg;
	char path[4096];
	char *image = NULL, *resource = NULL;
	size_t image_size, resource_size;
	int err;

	if (!base || !out)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s.bin", base);
	err = vmpci_vfio_read_file(path, &image, &image_size);
	if (!err) {
		snprintf(path, sizeof(path), "%s.resource", base);
		err = vmpci_vfio_read_file(path, &resource, &resource_size);
	}
	if (err) {
		vmpci_vfio_log(host, VMPCI_LOG_ERROR, "sim", "read %s: %s",
			       path, strerror(-err));
		goto out;
	}
	vmpci_vfio_sim_params_init(&cfg, image, image_size, resource);
	cfg.host = host;
	err = vmpci_vfio_sim_new(&cfg, out);
out:
	free(image);
	free(resource);
	return err;
}

void vmpci_vfio_sim_free(struct vmpci_vfio_sim *s)
{
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < SIM_NR_BARREGS; i++)
		if (s->memfd[i] >= 0)
			close(s->memfd[i]);
	for (i = 0; i < SIM_NR_IRQS; i++)
		free(s->irq[i].fds);
	free(s->dma);
	free(s);
}

const struct vmpci_vfio_backend *vmpci_vfio_sim_backend(struct vmpci_vfio_sim *s)
{
	return s ? &s->backend : NULL;
}

static int device_info(void *opaque, struct vmpci_vfio_device_info *out)
{
	struct vmpci_vfio_sim *s = opaque;

	out->flags = VFIO_DEVICE_FLAGS_PCI |
		     (s->reset_works ? VFIO_DEVICE_FLAGS_RESET : 0);
	out->num_regions = SIM_NR_REGIONS;
	out->num_irqs = SIM_NR_IRQS;
	return 0;
}

/* Lay the region out in the kernel's format, chain included, and parse it
 * back: region info reaches the user the way the kernel's does. */
static int region_info(void *opaque, uint32_t index,
		       struct vmpci_vfio_region *out)
{
	struct vmpci_vfio_sim *s = opaque;
	const struct vmpci_vfio_region *r;
	unsigned char buf[sizeof(struct vfio_region_info) +
			  sizeof(struct vfio_region_info_cap_sparse_mmap) +
			  VMPCI_VFIO_MAX_SPARSE_AREAS *
				  sizeof(struct vfio_region_sparse_mmap_area) +
			  sizeof(struct vfio_info_cap_header)];
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	struct vfio_region_info_cap_sparse_mmap sp = { .header = { 0 } };
	struct vfio_info_cap_header mm = { .id = 0 };
	struct vfio_region_sparse_mmap_area a;
	size_t len = sizeof(ri), at;
	uint32_t i;

	if (index >= SIM_NR_REGIONS - 1)
		return -EINVAL;
	r = &s->regions[index];
	ri.index = index;
	ri.flags = r->flags;
	ri.size = r->size;
	ri.offset = r->offset;
	memset(buf, 0, sizeof(buf));
	if (r->caps & VMPCI_VFIO_CAP_SPARSE_MMAP) {
		at = len;
		sp.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
		sp.header.version = 1;
		sp.nr_areas = r->nr_sparse;
		len += sizeof(sp);
		for (i = 0; i < r->nr_sparse; i++) {
			a.offset = r->sparse[i].offset;
			a.size = r->sparse[i].size;
			memcpy(buf + len, &a, sizeof(a));
			len += sizeof(a);
		}
		if (r->caps & VMPCI_VFIO_CAP_MSIX_MAPPABLE)
			sp.header.next = (uint32_t)len;
		memcpy(buf + at, &sp, sizeof(sp));
		ri.cap_offset = (uint32_t)at;
	}
	if (r->caps & VMPCI_VFIO_CAP_MSIX_MAPPABLE) {
		mm.id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE;
		mm.version = 1;
		memcpy(buf + len, &mm, sizeof(mm));
		if (!ri.cap_offset)
			ri.cap_offset = (uint32_t)len;
		len += sizeof(mm);
	}
	ri.argsz = (uint32_t)len;
	memcpy(buf, &ri, sizeof(ri));
	return vmpci_vfio_region_parse(buf, len, out);
}

/* BAR access through the region: the MSI-X table reads all-ones and drops
 * writes (vfio-pci protects it; the VMM emulates it). */
static int bar_rw(struct vmpci_vfio_sim *s, uint32_t bar, uint64_t offset,
		  void *data, uint64_t size, bool write)
{
	uint64_t i, ts = s->msix_table_offset, te = ts + s->msix_table_size;
	bool table = s->msix_cap && bar == s->msix_bar;
	uint8_t *p = data;
	ssize_t n;

	for (i = 0; i < size; i++) {
		uint64_t at = offset + i;

		if (table && at >= ts && at < te) {
			if (!write)
				p[i] = 0xff;
			continue;
		}
		n = write ? pwrite(s->memfd[bar], p + i, 1, (off_t)at) :
			    pread(s->memfd[bar], p + i, 1, (off_t)at);
		if (n != 1)
			return n < 0 ? -errno : -EIO;
	}
	return 0;
}

static int region_rw(void *opaque, uint32_t index, uint64_t offset,
		     void *data, uint64_t size, bool write)
{
	struct vmpci_vfio_sim *s = opaque;
	const struct vmpci_vfio_region *r;

	if (index >= SIM_NR_REGIONS - 1)
		return -EINVAL;
	r = &s->regions[index];
	if (offset > r->size || size > r->size - offset || !r->size)
		return -EINVAL;
	if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		return write ? vmpci_vfio_sim_config_write(s, offset, data, size) :
			       vmpci_vfio_sim_config_read(s, offset, data, size);
	if (index == VFIO_PCI_ROM_REGION_INDEX) {
		if (write)
			return -EINVAL;
		return bar_rw(s, 6, offset, data, size, false);
	}
	return bar_rw(s, index, offset, data, size, write);
}

static int region_read(void *opaque, uint32_t index, uint64_t offset,
		       void *data, uint64_t size)
{
	return region_rw(opaque, index, offset, data, size, false);
}

static int region_write(void *opaque, uint32_t index, uint64_t offset,
			const void *data, uint64_t size)
{
	return region_rw(opaque, index, offset, (void *)(uintptr_t)data, size,
			 true);
}

static int region_mmap_fd(void *opaque, uint32_t index, int *fd,
			  uint64_t *offset)
{
	struct vmpci_vfio_sim *s = opaque;

	if (index >= 6 || s->memfd[index] < 0 ||
	    !(s->regions[index].flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	*fd = s->memfd[index];
	*offset = 0;
	return 0;
}

static int reset(void *opaque)
{
	struct vmpci_vfio_sim *s = opaque;

	if (!s->reset_works)
		return -EINVAL;
	s->resets++;
	return 0;
}

static int device_feature(void *opaque, uint32_t flags, void *data,
			  size_t size)
{
	(void)opaque;
	(void)flags;
	(void)data;
	(void)size;
	return -ENOTTY;
}

const struct vmpci_vfio_backend_ops vmpci_vfio_sim_ops = {
	.device_info = device_info,
	.region_info = region_info,
	.region_read = region_read,
	.region_write = region_write,
	.region_mmap_fd = region_mmap_fd,
	.irq_info = vmpci_vfio_sim_irq_info,
	.set_irqs = vmpci_vfio_sim_set_irqs,
	.reset = reset,
	.dma_map = vmpci_vfio_sim_dma_map,
	.dma_unmap = vmpci_vfio_sim_dma_unmap,
	.device_feature = device_feature,
};

int vmpci_vfio_sim_bar_writes(const struct vmpci_vfio_sim *s, uint32_t reg,
			      uint64_t *writes, uint32_t *last)
{
	if (!s || reg >= SIM_NR_BARREGS)
		return -EINVAL;
	if (writes)
		*writes = s->bar_writes[reg];
	if (last)
		*last = s->bar_raw[reg];
	return 0;
}

uint64_t vmpci_vfio_sim_resets(const struct vmpci_vfio_sim *s)
{
	return s ? s->resets : 0;
}

uint64_t vmpci_vfio_sim_flrs(const struct vmpci_vfio_sim *s)
{
	return s ? s->flrs : 0;
}
