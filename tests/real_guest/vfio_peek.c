/* vfio_peek: what a function's registers hold on the host side, read
 * through VFIO while no VMM has it open: the BAR registers of the config
 * region and every MSI-X table entry (through an mmap of its BAR, since a
 * region read of the table gives all-ones).
 *
 * usage: vfio_peek BDF...
 * Prints per function
 *     PEEK <bdf> bars <bar0> ... <bar5>
 *     PEEK <bdf> msix <n> host-only|GUEST <entries that are not the host's>
 * An MSI-X entry is the host's when its address is zero or in the host's
 * own MSI window (0xfee00000-0xfeefffff, upper half zero): the L1 kernel
 * programs the real table; a guest value there would mean vmpci let a guest
 * write reach it. Exit status: 0 when every table holds only host values,
 * 1 otherwise, 2 when a function cannot be opened. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

static int open_function(const char *bdf, int *container, int *group)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct vfio_group_status st = { .argsz = sizeof(st) };
	ssize_t n;
	int dev;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));
	*container = open("/dev/vfio/vfio", O_RDWR);
	*group = open(path, O_RDWR);
	if (*container < 0 || *group < 0)
		return -errno;
	if (ioctl(*group, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(*group, VFIO_GROUP_SET_CONTAINER, container) ||
	    ioctl(*container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;
	dev = ioctl(*group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	return dev < 0 ? -errno : dev;
}

static int region(int dev, uint32_t index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

static uint32_t cfg_read(int dev, const struct vfio_region_info *cfg,
			 uint32_t off, unsigned size)
{
	uint32_t v = 0;

	if (pread(dev, &v, size, (off_t)(cfg->offset + off)) != (ssize_t)size)
		return 0xffffffff;
	return v;
}

/* The MSI-X capability's offset, or 0. */
static uint32_t find_msix(int dev, const struct vfio_region_info *cfg)
{
	uint32_t off = cfg_read(dev, cfg, PCI_CAPABILITY_LIST, 1) & 0xfc;

	for (int guard = 0; off >= 0x40 && guard < 48; guard++) {
		if ((cfg_read(dev, cfg, off, 1) & 0xff) == PCI_CAP_ID_MSIX)
			return off;
		off = cfg_read(dev, cfg, off + 1, 1) & 0xfc;
	}
	return 0;
}

static int peek(const char *bdf)
{
	struct vfio_region_info cfg, bar;
	int container = -1, group = -1, dev, foreign = 0;
	uint32_t cap, table, entries;
	long page = sysconf(_SC_PAGESIZE);

	dev = open_function(bdf, &container, &group);
	if (dev < 0 || region(dev, VFIO_PCI_CONFIG_REGION_INDEX, &cfg)) {
		fprintf(stderr, "vfio_peek: %s: cannot open through VFIO: %s\n", bdf,
			strerror(dev < 0 ? -dev : errno));
		return 2;
	}
	printf("PEEK %s bars", bdf);
	for (uint32_t i = 0; i < 6; i++)
		printf(" %08x", cfg_read(dev, &cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4));
	printf("\n");

	cap = find_msix(dev, &cfg);
	if (!cap) {
		printf("PEEK %s msix 0 host-only\n", bdf);
		goto out;
	}
	entries = (cfg_read(dev, &cfg, cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
	table = cfg_read(dev, &cfg, cap + PCI_MSIX_TABLE, 4);
	if (region(dev, table & PCI_MSIX_TABLE_BIR, &bar) ||
	    !(bar.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		printf("PEEK %s msix %u unreadable (BAR not mmappable)\n", bdf, entries);
		goto out;
	}
	{
		uint64_t start = (table & PCI_MSIX_TABLE_OFFSET) & ~(uint64_t)(page - 1);
		uint64_t skip = (table & PCI_MSIX_TABLE_OFFSET) - start;
		size_t len = (size_t)((skip + 16ull * entries + page - 1) & ~(uint64_t)(page - 1));
		volatile uint32_t *t;
		void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, dev,
			       (off_t)(bar.offset + start));

		if (m == MAP_FAILED) {
			printf("PEEK %s msix %u unreadable (%s)\n", bdf, entries, strerror(errno));
			goto out;
		}
		t = (volatile uint32_t *)((char *)m + skip);
		printf("PEEK %s msix %u", bdf, entries);
		for (uint32_t i = 0; i < entries; i++) {
			uint32_t lo = t[4 * i], hi = t[4 * i + 1];

			if ((lo == 0 && hi == 0) || (hi == 0 && (lo & 0xfff00000) == 0xfee00000))
				continue;
			printf("%s %u:%08x:%08x:%08x", foreign ? "" : " GUEST", i, hi, lo, t[4 * i + 2]);
			foreign++;
		}
		printf("%s\n", foreign ? "" : " host-only");
		munmap(m, len);
	}
out:
	close(dev);
	close(group);
	close(container);
	return foreign ? 1 : 0;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: vfio_peek BDF...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int s = peek(argv[i]);

		status = s > status ? s : status;
	}
	return status;
}
