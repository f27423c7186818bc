/* The VFIO container: one IOMMU domain (type1v2) shared by the groups of
 * every device a VMM opens on it, and the DMA mappings made in it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio/kernel_internal.h"
#include "vfio/vfio_internal.h"

struct group {
	int id;
	int fd;
	unsigned users;
};

struct vmpci_vfio_container {
	struct vmpci_host host;
	int fd;
	unsigned refs;
	/* The kernel drops the IOMMU type when the last group leaves, so the
	 * next first group sets it again. */
	bool iommu_set;
	bool adopted; /* fd is the VMM's: never closed here */
	struct group *groups;
	size_t nr_groups;
};

static struct vmpci_vfio_container *alloc(const struct vmpci_host *host)
{
	struct vmpci_vfio_container *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->refs = 1;
	c->fd = -1;
	if (host)
		c->host = *host;
	return c;
}

/* The fd is a VFIO container that can take a type1v2 IOMMU. */
static int check_api(struct vmpci_vfio_container *c)
{
	int v = ioctl(c->fd, VFIO_GET_API_VERSION);

	if (v != VFIO_API_VERSION) {
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, "container",
			       "VFIO API version %d, want %d", v,
			       VFIO_API_VERSION);
		return -ENODEV;
	}
	if (ioctl(c->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, "container",
			       "no VFIO_TYPE1v2_IOMMU support: no IOMMU driver "
			       "(vfio_iommu_type1 not loaded or no IOMMU)");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Whether the kernel has an IOMMU type set on the container: only then
 * does it pass VFIO_IOMMU_GET_INFO to the IOMMU driver. */
static bool iommu_already_set(const struct vmpci_vfio_container *c)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };

	return ioctl(c->fd, VFIO_IOMMU_GET_INFO, &info) == 0;
}

int vmpci_vfio_container_new(const struct vmpci_host *host,
			     const char *dev_dir,
			     struct vmpci_vfio_container **out)
{
	struct vmpci_vfio_container *c;
	char path[256];
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	c = alloc(host);
	if (!c)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/vfio", dev_dir ? dev_dir : "/dev/vfio");
	c->fd = open(path, O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		err = -errno;
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, "container",
			       "open %s: %s%s", path, strerror(-err),
			       err == -ENOENT ? " (vfio module not loaded?)" :
						"");
		if (err == -ENOENT)
			err = -ENODEV;
		goto fail;
	}
	err = check_api(c);
	if (err)
		goto fail;
	*out = c;
	return 0;
fail:
	vmpci_vfio_container_free(c);
	return err;
}

int vmpci_vfio_container_adopt(const struct vmpci_host *host, int fd,
			       struct vmpci_vfio_container **out)
{
	struct vmpci_vfio_container *c;
	int err;

	if (!out || fd < 0)
		return -EINVAL;
	*out = NULL;
	c = alloc(host);
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->adopted = true;
	err = check_api(c);
	if (err) {
		vmpci_vfio_container_free(c);
		return err;
	}
	/* The VMM may have put groups of its own in already. */
	c->iommu_set = iommu_already_set(c);
	*out = c;
	return 0;
}

void vmpci_vfio_container_ref(struct vmpci_vfio_container *c)
{
	c->refs++;
}

void vmpci_vfio_container_free(struct vmpci_vfio_container *c)
{
	size_t i;

	if (!c || --c->refs)
		return;
	/* Backends hold references, so no group is left here unless a
	 * caller freed out of order; close them anyway. */
	for (i = 0; i < c->nr_groups; i++)
		close(c->groups[i].fd);
	free(c->groups);
	if (c->fd >= 0 && !c->adopted)
		close(c->fd);
	free(c);
}

int vmpci_vfio_container_fd(const struct vmpci_vfio_container *c)
{
	return c ? c->fd : -EINVAL;
}

static int check_viable(struct vmpci_vfio_container *c, int fd,
			const char *what, const char *name)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int err;

	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st)) {
		err = -errno;
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, name,
			       "VFIO_GROUP_GET_STATUS on %s: %s", what,
			       strerror(-err));
		return err;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, name,
			       "group %s not viable: every device in the IOMMU "
			       "group must be bound to vfio-pci or to no driver",
			       what);
		return -EBUSY;
	}
	if (st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) {
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, name,
			       "group %s is already in another container "
			       "(another user, or open it through one shared "
			       "container)", what);
		return -EBUSY;
	}
	return 0;
}

static int attach(struct vmpci_vfio_container *c, int fd, const char *what,
		  const char *name)
{
	int err;

	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &c->fd)) {
		err = -errno;
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, name,
			       "VFIO_GROUP_SET_CONTAINER for group %s: %s", what,
			       strerror(-err));
		return err;
	}
	if (c->iommu_set)
		return 0;
	if (ioctl(c->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		err = -errno;
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, name,
			       "VFIO_SET_IOMMU(TYPE1v2): %s%s", strerror(-err),
			       err == -EPERM ?
				       " (no interrupt remapping: enable it, or "
				       "vfio_iommu_type1.allow_unsafe_interrupts"
				       "=1)" :
				       "");
		ioctl(fd, VFIO_GROUP_UNSET_CONTAINER);
		return err;
	}
	c->iommu_set = true;
	return 0;
}

int vmpci_vfio_container_add_group(struct vmpci_vfio_container *c, int id,
				   const char *path, int passed_fd,
				   const char *name, int *group_fd)
{
	char what[256];
	struct group *g;
	int fd, err;
	size_t i;

	for (i = 0; id >= 0 && i < c->nr_groups; i++) {
		if (c->groups[i].id == id) {
			c->groups[i].users++;
			*group_fd = c->groups[i].fd;
			return 0;
		}
	}
	if (path)
		snprintf(what, sizeof(what), "%s", path);
	else
		snprintf(what, sizeof(what), "fd %d", passed_fd);
	fd = passed_fd >= 0 ? fcntl(passed_fd, F_DUPFD_CLOEXEC, 0) :
			      open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		vmpci_vfio_log(&c->host, VMPCI_LOG_ERROR, name, "open group %s: %s%s",
			       what, strerror(-err),
			       err == -ENOENT ?
				       " (no device of the group is bound to "
				       "vfio-pci)" :
			       err == -EBUSY ?
				       " (the group is already open: in another "
				       "container or process; share one "
				       "container)" :
				       "");
		return err == -ENOENT ? -ENODEV : err;
	}
	g = realloc(c->groups, (c->nr_groups + 1) * sizeof(*g));
	if (!g) {
		close(fd);
		return -ENOMEM;
	}
	c->groups = g;
	err = check_viable(c, fd, what, name);
	if (!err)
		err = attach(c, fd, what, name);
	if (err) {
		close(fd);
		return err;
	}
	g[c->nr_groups++] = (struct group){ .id = id, .fd = fd, .users = 1 };
	*group_fd = fd;
	return 0;
}

void vmpci_vfio_container_put_group(struct vmpci_vfio_container *c,
				    int group_fd)
{
	size_t i;

	for (i = 0; i < c->nr_groups; i++) {
		if (c->groups[i].fd != group_fd)
			continue;
		if (--c->groups[i].users)
			return;
		ioctl(group_fd, VFIO_GROUP_UNSET_CONTAINER);
		close(group_fd);
		c->groups[i] = c->groups[--c->nr_groups];
		/* An adopted container may hold the VMM's groups too, which
		 * keep the IOMMU type set. */
		if (!c->nr_groups)
			c->iommu_set = c->adopted && iommu_already_set(c);
		return;
	}
}

int vmpci_vfio_container_dma_map(struct vmpci_vfio_container *c, uint64_t iova,
				 uint64_t size, void *vaddr, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = flags,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	if (ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &m))
		return -errno;
	return 0;
}

int vmpci_vfio_container_dma_unmap(struct vmpci_vfio_container *c,
				   uint64_t iova, uint64_t size,
				   uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = iova,
		.size = size,
	};

	if (ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &u))
		return -errno;
	if (unmapped)
		*unmapped = u.size;
	return 0;
}
