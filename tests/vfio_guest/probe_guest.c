/*
 * probe_guest: the guest harness's own smoke test. run-in-guest.sh runs it as
 * root in the QEMU guest; it opens every device of $VFIO_BDFS through one
 * type1v2 container (group -> container -> device fd) and checks facts only
 * the real vfio-pci driver produces, so a pass proves the harness really put
 * the devices under the kernel's VFIO. One PASS/FAIL line per check, then
 * "N passed, M failed"; exits 1 if anything failed or nothing was checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define EDU_BAR0_SIZE 0x100000u
#define EDU_IDENT 0x00        /* reads 0x010000ed: version 1.0, "ed" */
#define EDU_IDENT_VALUE 0x010000edu
#define EDU_LIVENESS 0x04     /* reads back the bitwise inverse of a write */
#define NVME_BAR0_SIZE 0x4000u
#define CAP_WALK_LIMIT 48     /* capabilities fit 48 times in 192 bytes */
#define MAX_DEVICES 32        /* run-in-guest.sh gives at most 28 */

struct tally {
	unsigned passed, failed;
};

/* One device under test: its names for the report and its VFIO handles. */
struct probe_dev {
	const char *bdf, *type;
	int fd;
	uint64_t cfg_off; /* file offset of the config region */
};

struct known_id {
	const char *type;
	uint16_t vendor, device;
};

/* IDs QEMU 7.2 gives the devices run-in-guest.sh knows by name. */
static const struct known_id known_ids[] = {
	{ "edu", 0x1234, 0x11e8 },
	{ "nvme", 0x1b36, 0x0010 },
	{ "e1000e", 0x8086, 0x10d3 },
	{ "virtio-net", 0x1af4, 0x1000 }, /* transitional on pcie.0 */
	{ "ivshmem", 0x1af4, 0x1110 },
};

__attribute__((format(printf, 4, 5)))
static bool check(struct tally *t, const struct probe_dev *d, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s %s: ", ok ? "PASS" : "FAIL", d ? d->type : "vfio",
	       d ? d->bdf : "container");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		t->passed++;
	else
		t->failed++;
	return ok;
}

/* Why a call returned r: call it after the call, never in the same expression. */
static const char *why(long r)
{
	return r < 0 ? strerror(errno) : "ok";
}

static int cfg_read(const struct probe_dev *d, unsigned off, void *buf, size_t len)
{
	return pread(d->fd, buf, len, (off_t)(d->cfg_off + off)) == (ssize_t)len ? 0 : -1;
}

static ssize_t cfg_write16(const struct probe_dev *d, unsigned off, unsigned v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return pwrite(d->fd, b, 2, (off_t)(d->cfg_off + off));
}

static unsigned cfg_u8(const struct probe_dev *d, unsigned off)
{
	uint8_t v = 0xff;

	cfg_read(d, off, &v, 1);
	return v;
}

static unsigned cfg_u16(const struct probe_dev *d, unsigned off)
{
	uint8_t b[2] = { 0xff, 0xff };

	cfg_read(d, off, b, 2);
	return (unsigned)b[0] | (unsigned)b[1] << 8;
}

static bool has_pcie_cap(const struct probe_dev *d)
{
	unsigned pos;
	int n;

	if (!(cfg_u16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return false;
	pos = cfg_u8(d, PCI_CAPABILITY_LIST) & ~3u;
	for (n = 0; pos >= PCI_STD_HEADER_SIZEOF && n < CAP_WALK_LIMIT; n++) {
		if (cfg_u8(d, pos + PCI_CAP_LIST_ID) == PCI_CAP_ID_EXP)
			return true;
		pos = cfg_u8(d, pos + PCI_CAP_LIST_NEXT) & ~3u;
	}
	return false;
}

/* GET_REGION_INFO with room for the capability chain; free() the result. */
static struct vfio_region_info *region_info(const struct probe_dev *d, unsigned index)
{
	struct vfio_region_info *info = calloc(1, sizeof(*info));
	struct vfio_region_info *bigger;
	uint32_t argsz;

	if (!info)
		return NULL;
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, info) < 0)
		goto fail;
	if (info->argsz <= sizeof(*info))
		return info;
	argsz = info->argsz;
	bigger = realloc(info, argsz);
	if (!bigger)
		goto fail;
	info = bigger;
	memset(info, 0, argsz);
	info->argsz = argsz;
	info->index = index;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, info) < 0)
		goto fail;
	return info;
fail:
	free(info);
	return NULL;
}

static bool region_has_cap(const struct vfio_region_info *info, uint16_t id)
{
	uint32_t off = info->cap_offset;
	int n;

	if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return false;
	for (n = 0; off >= sizeof(*info) && off + sizeof(struct vfio_info_cap_header) <= info->argsz &&
		    n < CAP_WALK_LIMIT; n++) {
		const struct vfio_info_cap_header *h =
			(const void *)((const char *)info + off);

		if (h->id == id)
			return true;
		off = h->next;
	}
	return false;
}

static void check_ids(struct tally *t, const struct probe_dev *d)
{
	unsigned vendor = cfg_u16(d, PCI_VENDOR_ID), device = cfg_u16(d, PCI_DEVICE_ID);
	size_t i;

	for (i = 0; i < sizeof(known_ids) / sizeof(known_ids[0]); i++)
		if (strcmp(known_ids[i].type, d->type) == 0)
			check(t, d, vendor == known_ids[i].vendor && device == known_ids[i].device,
			      "config region IDs %04x:%04x (want %04x:%04x)", vendor, device,
			      known_ids[i].vendor, known_ids[i].device);
}

/* Config space is 256 bytes for conventional functions, 4 KiB with PCIe. */
static void check_config_region(struct tally *t, struct probe_dev *d)
{
	struct vfio_region_info *info = region_info(d, VFIO_PCI_CONFIG_REGION_INDEX);
	uint64_t want;

	if (!check(t, d, info != NULL, "GET_REGION_INFO(CONFIG): %s", why(info ? 0 : -1)))
		return;
	d->cfg_off = info->offset;
	want = has_pcie_cap(d) ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;
	check(t, d, info->size == want, "config region size %llu (want %llu)",
	      (unsigned long long)info->size, (unsigned long long)want);
	free(info);
	check_ids(t, d);
}

/* The kernel reports one INTx line exactly when the Interrupt Pin is set. */
static void check_intx(struct tally *t, const struct probe_dev *d)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = VFIO_PCI_INTX_IRQ_INDEX };
	unsigned want = cfg_u8(d, PCI_INTERRUPT_PIN) ? 1 : 0;
	int r = ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq);

	if (!check(t, d, r == 0, "GET_IRQ_INFO(INTX): %s", why(r)))
		return;
	check(t, d, irq.count == want, "INTx count %u (want %u)", irq.count, want);
}

static void check_edu(struct tally *t, const struct probe_dev *d)
{
	struct vfio_region_info *bar0 = region_info(d, VFIO_PCI_BAR0_REGION_INDEX);
	unsigned cmd = cfg_u16(d, PCI_COMMAND);
	uint32_t ident = 0, live = 0, probe = 0x12345678;
	unsigned flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			 VFIO_REGION_INFO_FLAG_MMAP;
	ssize_t r;

	if (!check(t, d, bar0 != NULL, "GET_REGION_INFO(BAR0): %s", why(bar0 ? 0 : -1)))
		return;
	check(t, d, bar0->size == EDU_BAR0_SIZE && (bar0->flags & flags) == flags,
	      "BAR0 size 0x%llx flags 0x%x (want 0x%x, read|write|mmap)",
	      (unsigned long long)bar0->size, bar0->flags, EDU_BAR0_SIZE);
	/* Opening the device enables it; BAR accesses need memory decode. */
	check(t, d, cmd & PCI_COMMAND_MEMORY, "COMMAND 0x%04x has MEMORY after open", cmd);
	r = cfg_write16(d, PCI_COMMAND, cmd & ~PCI_COMMAND_MEMORY);
	if (r == 2)
		r = pread(d->fd, &ident, 4, (off_t)(bar0->offset + EDU_IDENT));
	check(t, d, r < 0 && errno == EIO, "BAR0 read with MEMORY clear fails with EIO (%s)",
	      why(r));
	r = cfg_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
	check(t, d, r == 2, "config write sets COMMAND.MEMORY again: %s", why(r));
	r = pread(d->fd, &ident, 4, (off_t)(bar0->offset + EDU_IDENT));
	check(t, d, r == 4 && ident == EDU_IDENT_VALUE,
	      "ident register via BAR0 region read: 0x%08x (want 0x%08x; %s)", ident,
	      EDU_IDENT_VALUE, why(r));
	r = pwrite(d->fd, &probe, 4, (off_t)(bar0->offset + EDU_LIVENESS));
	if (r == 4)
		r = pread(d->fd, &live, 4, (off_t)(bar0->offset + EDU_LIVENESS));
	check(t, d, r == 4 && live == ~probe,
	      "liveness register inverts a region write: 0x%08x (want 0x%08x; %s)", live, ~probe,
	      why(r));
	free(bar0);
}

static void check_nvme(struct tally *t, const struct probe_dev *d, const struct vfio_device_info *di)
{
	struct vfio_region_info *bar0 = region_info(d, VFIO_PCI_BAR0_REGION_INDEX);

	check(t, d, di->flags & VFIO_DEVICE_FLAGS_RESET, "device flags 0x%x include RESET", di->flags);
	if (!check(t, d, bar0 != NULL, "GET_REGION_INFO(BAR0): %s", why(bar0 ? 0 : -1)))
		return;
	/* BAR0 holds the MSI-X table, which the kernel lets userspace mmap. */
	check(t, d, bar0->size == NVME_BAR0_SIZE &&
		    region_has_cap(bar0, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE),
	      "BAR0 size 0x%llx (want 0x%x) with the MSIX_MAPPABLE capability",
	      (unsigned long long)bar0->size, NVME_BAR0_SIZE);
	free(bar0);
}

static int open_group(const char *bdf)
{
	char link[PATH_MAX], target[PATH_MAX], node[32];
	const char *slash;
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	slash = strrchr(target, '/');
	snprintf(node, sizeof(node), "/dev/vfio/%lu", strtoul(slash ? slash + 1 : target, NULL, 10));
	return open(node, O_RDWR);
}

/*
 * Attaches the device's group to the container and runs every check. Returns
 * the group fd, for the caller to keep open: when the last group leaves a
 * container, the kernel drops the container's IOMMU model.
 */
static int probe_device(struct tally *t, int container, bool *iommu_set, struct probe_dev *d)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info di = { .argsz = sizeof(di) };
	int group = open_group(d->bdf);
	int r;

	if (!check(t, d, group >= 0, "open its /dev/vfio group: %s", why(group)))
		return -1;
	r = ioctl(group, VFIO_GROUP_GET_STATUS, &status);
	if (!check(t, d, r == 0 && (status.flags & VFIO_GROUP_FLAGS_VIABLE),
		   "group is viable: flags 0x%x (%s)", status.flags, why(r)))
		goto out;
	r = ioctl(group, VFIO_GROUP_SET_CONTAINER, &container);
	if (!check(t, d, r == 0, "GROUP_SET_CONTAINER: %s", why(r)))
		goto out;
	/* The IOMMU model can be chosen only once a group is in the container. */
	if (!*iommu_set) {
		r = ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
		*iommu_set = check(t, d, r == 0, "SET_IOMMU(TYPE1v2): %s", why(r));
		if (!*iommu_set)
			goto out;
	}
	d->fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);
	if (!check(t, d, d->fd >= 0, "GROUP_GET_DEVICE_FD: %s", why(d->fd)))
		goto out;
	r = ioctl(d->fd, VFIO_DEVICE_GET_INFO, &di);
	if (check(t, d, r == 0 && (di.flags & VFIO_DEVICE_FLAGS_PCI) &&
			    di.num_regions >= VFIO_PCI_NUM_REGIONS && di.num_irqs >= VFIO_PCI_NUM_IRQS,
		  "DEVICE_GET_INFO: flags 0x%x, %u regions, %u irqs (%s)", di.flags,
		  di.num_regions, di.num_irqs, why(r))) {
		check_config_region(t, d);
		check_intx(t, d);
		if (strcmp(d->type, "edu") == 0)
			check_edu(t, d);
		else if (strcmp(d->type, "nvme") == 0)
			check_nvme(t, d, &di);
	}
	close(d->fd);
	return group;
out:
	close(group);
	return -1;
}

/* Splits a space-separated list in place: the next word, or NULL at the end. */
static char *next_word(char **cursor)
{
	char *word = *cursor + strspn(*cursor, " ");
	char *end = word + strcspn(word, " ");

	if (*word == '\0')
		return NULL;
	*cursor = *end ? end + 1 : end;
	*end = '\0';
	return word;
}

int main(void)
{
	const char *env_bdfs = getenv("VFIO_BDFS"), *env_types = getenv("VFIO_DEVICES");
	char *bdfs = strdup(env_bdfs ? env_bdfs : ""), *types = strdup(env_types ? env_types : "");
	char *bdf_cursor = bdfs, *type_cursor = types, *bdf;
	struct tally t = { 0, 0 };
	bool iommu_set = false;
	int groups[MAX_DEVICES];
	unsigned n = 0, i;
	int container, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!bdfs || !types)
		return 1;
	container = open("/dev/vfio/vfio", O_RDWR);
	if (!check(&t, NULL, container >= 0, "open /dev/vfio/vfio: %s", why(container)))
		goto out;
	r = ioctl(container, VFIO_GET_API_VERSION);
	if (!check(&t, NULL, r == VFIO_API_VERSION, "API version %d (want %d)", r, VFIO_API_VERSION))
		goto out;
	r = ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
	if (!check(&t, NULL, r > 0, "CHECK_EXTENSION(TYPE1v2): %d", r))
		goto out;
	while (n < MAX_DEVICES && (bdf = next_word(&bdf_cursor))) {
		char *type = next_word(&type_cursor);
		struct probe_dev d = { .bdf = bdf, .type = type ? type : "?", .fd = -1 };

		groups[n++] = probe_device(&t, container, &iommu_set, &d);
	}
	check(&t, NULL, n > 0 && !next_word(&bdf_cursor) && !next_word(&type_cursor),
	      "VFIO_BDFS names %u devices (1 to %d), VFIO_DEVICES as many types", n,
	      MAX_DEVICES);
	for (i = 0; i < n; i++)
		if (groups[i] >= 0)
			close(groups[i]);
out:
	if (container >= 0)
		close(container);
	free(bdfs);
	free(types);
	printf("%u passed, %u failed\n", t.passed, t.failed);
	return t.failed == 0 && t.passed > 0 ? 0 : 1;
}
