/* Opening a host function through Linux VFIO: from its PCI address (sysfs ->
 * IOMMU group -> /dev/vfio/N), an open group fd or an open device fd. Each
 * failure is diagnosed (no IOMMU, not bound to vfio-pci, group not viable)
 * and logged with the errno. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>
#include <unistd.h>

#include "vfio/kernel_internal.h"
#include "vfio/vfio_internal.h"

void vmpci_vfio_kernel_params_init(struct vmpci_vfio_kernel_params *params,
				   const char *bdf)
{
	memset(params, 0, sizeof(*params));
	params->bdf = bdf;
	params->group_fd = -1;
	params->device_fd = -1;
}

/* The last path component of a symlink's target, e.g. "7" for
 * ../../../kernel/iommu_groups/7. */
static int link_name(const char *path, char *out, size_t size)
{
	char target[PATH_MAX];
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	snprintf(out, size, "%s", basename(target));
	return 0;
}

static int parse_group_id(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

/* sysfs checks for `bdf`: the device exists, is bound to a VFIO driver and
 * has an IOMMU group. Stores the group id. */
static int resolve_group(struct vmpci_vfio_kernel *k, const char *sysfs,
			 const char *bdf, int *id)
{
	char path[PATH_MAX], name[256];
	int err;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", sysfs, bdf);
	if (access(path, F_OK)) {
		err = -errno;
		vmpci_vfio_log(&k->host, VMPCI_LOG_ERROR, k->name,
			       "no PCI device %s: %s", path, strerror(-err));
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", sysfs,
		 bdf);
	err = link_name(path, name, sizeof(name));
	if (err || !strstr(name, "vfio")) {
		vmpci_vfio_log(&k->host, VMPCI_LOG_ERROR, k->name,
			       "device not bound to vfio-pci (driver: %s); bind "
			       "it: echo vfio-pci > .../driver_override, echo "
			       "%s > /sys/bus/pci/drivers_probe",
			       err ? "none" : name, bdf);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group",
		 sysfs, bdf);
	err = link_name(path, name, sizeof(name));
	if (err) {
		vmpci_vfio_log(&k->host, VMPCI_LOG_ERROR, k->name,
			       "no IOMMU group (%s): the host has no IOMMU "
			       "enabled (intel_iommu=on, amd_iommu=on) or the "
			       "device is not behind one",
			       strerror(-err));
		return -ENODEV;
	}
	*id = parse_group_id(name);
	if (*id < 0) {
		vmpci_vfio_log(&k->host, VMPCI_LOG_ERROR, k->name,
			       "unexpected IOMMU group name '%s'", name);
		return -ENODEV;
	}
	return 0;
}

/* The id of an open group fd, from its /dev/vfio/N path, so two devices of
 * one passed group share it; -1 when it cannot be told. */
static int passed_group_id(int fd)
{
	char path[64], name[256];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (link_name(path, name, sizeof(name)))
		return -1;
	return parse_group_id(name);
}

static int open_device(struct vmpci_vfio_kernel *k, const char *bdf)
{
	int err;

	k->device_fd = ioctl(k->group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (k->device_fd < 0) {
		err = -errno;
		vmpci_vfio_log(&k->host, VMPCI_LOG_ERROR, k->name,
			       "VFIO_GROUP_GET_DEVICE_FD: %s%s", strerror(-err),
			       err == -EBUSY ? " (already open elsewhere)" : "");
		return err;
	}
	return 0;
}

/* Join the function's group to the container and get the device fd. `id`
 * is the group resolved from sysfs, unused when a group fd was passed. */
static int open_through_group(struct vmpci_vfio_kernel *k,
			      const struct vmpci_vfio_kernel_params *cfg, int id)
{
	const char *dev = cfg->dev_dir ? cfg->dev_dir : "/dev/vfio";
	char path[PATH_MAX];
	int err;

	if (cfg->group_fd >= 0) {
		err = vmpci_vfio_container_add_group(
			k->container, passed_group_id(cfg->group_fd), NULL,
			cfg->group_fd, k->name, &k->group_fd);
	} else {
		snprintf(path, sizeof(path), "%s/%d", dev, id);
		err = vmpci_vfio_container_add_group(k->container, id, path,
						     -1, k->name, &k->group_fd);
	}
	if (err) {
		k->group_fd = -1;
		return err;
	}
	return open_device(k, cfg->bdf);
}

static int check_config(const struct vmpci_vfio_kernel_params *cfg)
{
	if (cfg->device_fd >= 0)
		return cfg->group_fd >= 0 ? -EINVAL : 0;
	if (!cfg->bdf || !*cfg->bdf || strchr(cfg->bdf, '/'))
		return -EINVAL;
	return 0;
}

int vmpci_vfio_kernel_open(const struct vmpci_vfio_kernel_params *cfg,
			   struct vmpci_vfio_kernel **out)
{
	struct vmpci_vfio_kernel *k;
	int err, id = -1;

	if (!cfg || !out)
		return -EINVAL;
	*out = NULL;
	err = check_config(cfg);
	if (err)
		return err;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->device_fd = -1;
	k->group_fd = -1;
	k->backend.ops = &vmpci_vfio_kernel_ops;
	k->backend.opaque = k;
	if (cfg->host)
		k->host = *cfg->host;
	snprintf(k->name, sizeof(k->name), "%s",
		 cfg->bdf ? cfg->bdf : "device");
	/* Diagnose the function (bound? IOMMU group?) before any VFIO
	 * node is touched: that is what usually needs fixing. */
	if (cfg->device_fd < 0 && cfg->group_fd < 0) {
		err = resolve_group(k, cfg->sysfs_dir ? cfg->sysfs_dir : "/sys",
				    cfg->bdf, &id);
		if (err)
			goto fail;
	}
	if (cfg->container) {
		k->container = cfg->container;
		vmpci_vfio_container_ref(k->container);
	} else if (cfg->device_fd < 0) {
		err = vmpci_vfio_container_new(&k->host, cfg->dev_dir,
					       &k->container);
		if (err)
			goto fail;
	}
	if (cfg->device_fd >= 0) {
		k->device_fd = fcntl(cfg->device_fd, F_DUPFD_CLOEXEC, 0);
		err = k->device_fd < 0 ? -errno : 0;
	} else {
		err = open_through_group(k, cfg, id);
	}
	if (err)
		goto fail;
	err = vmpci_vfio_kernel_cache_regions(k);
	if (err)
		goto fail;
	*out = k;
	return 0;
fail:
	vmpci_vfio_kernel_free(k);
	return err;
}

void vmpci_vfio_kernel_free(struct vmpci_vfio_kernel *k)
{
	if (!k)
		return;
	if (k->device_fd >= 0)
		close(k->device_fd);
	if (k->group_fd >= 0)
		vmpci_vfio_container_put_group(k->container, k->group_fd);
	vmpci_vfio_container_free(k->container);
	free(k->regions);
	free(k);
}

const struct vmpci_vfio_backend *
vmpci_vfio_kernel_backend(struct vmpci_vfio_kernel *k)
{
	return k ? &k->backend : NULL;
}

int vmpci_vfio_kernel_device_fd(const struct vmpci_vfio_kernel *k)
{
	return k ? k->device_fd : -EINVAL;
}
