/* Issue #16 on the real vfio-pci, in the QEMU guest: a VMM that owns its
 * VFIO container and its BARs. $VFIO_BDFS is edu then ivshmem. The VMM
 * opens /dev/vfio/vfio and puts ivshmem's group in it itself (IOMMU type
 * set by the VMM), vmpci adopts the container and opens edu in it; edu's
 * BAR0 goes where the VMM says (the device has no pools); guest memory the
 * VMM adds after the device exists is mapped with
 * vmpci_vfio_container_dma_map and edu's DMA reaches it; after vmpci lets
 * go, the container fd is still the VMM's and still works. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "device/device.h"
#include "tests/device/guest_report.h"
#include "tools/selftest_host.h"
#include "vfio/kernel.h"
#include "vmpci.h"

#define EDU_BAR0 0xfe000000ull /* where the VMM's firmware puts it */
#define EDU_BUFFER 0x40000u    /* edu's DMA buffer, in its own space */
#define EDU_DMA_LEN 2048u      /* QEMU 7.2's edu aborts on 4096 */
#define RAM_IOVA 0x200000ull   /* below edu's 28-bit DMA mask */
#define RAM_SIZE 8192u

/* The VMM: the recording host (guest mappings kept, so the program reaches
 * a mapped BAR as a vCPU would) and where it was told BAR0 is. */
struct vmm {
	struct st_host rec;
	uint64_t bar0; /* last bar_moved new address of BAR0 */
};

static void bar_moved(void *opaque, unsigned index, uint64_t old_addr,
		      uint64_t new_addr, uint64_t size)
{
	struct vmm *v = opaque;

	(void)old_addr, (void)size;
	if (index == 0)
		v->bar0 = new_addr;
}

/* The VMM's own use of its container: ivshmem's group, IOMMU type set. */
static int vmm_container(const char *bdf, int *group)
{
	char link[256], target[256];
	int fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ssize_t n;
	bool ok;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		snprintf(link, sizeof(link), "/dev/vfio/%s", basename(target));
		*group = open(link, O_RDWR | O_CLOEXEC);
	}
	ok = fd >= 0 && *group >= 0 &&
	     !ioctl(*group, VFIO_GROUP_SET_CONTAINER, &fd) &&
	     !ioctl(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
	guest_check(ok, "the VMM's container holds %s's group, IOMMU set%s%s",
		    bdf, ok ? "" : ": ", ok ? "" : strerror(errno));
	return fd;
}

static uint32_t cfg_read(struct vmpci_device *dev, uint16_t off, unsigned size)
{
	uint32_t v = 0;

	vmpci_device_config_read(dev, off, size, &v);
	return v;
}

/* The guest enables edu's MSI (64-bit layout) and bus mastering. */
static int guest_enable_msi(struct vmpci_device *dev)
{
	uint16_t cap = cfg_read(dev, PCI_CAPABILITY_LIST, 1);

	while (cap && cfg_read(dev, cap, 1) != PCI_CAP_ID_MSI)
		cap = cfg_read(dev, cap + 1, 1);
	if (!cap)
		return -ENOENT;
	vmpci_device_config_write(dev, PCI_COMMAND, 2,
				  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	vmpci_device_config_write(dev, cap + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
	vmpci_device_config_write(dev, cap + PCI_MSI_ADDRESS_HI, 4, 0);
	vmpci_device_config_write(dev, cap + PCI_MSI_DATA_64, 2, 0x41);
	vmpci_device_config_write(dev, cap + PCI_MSI_FLAGS, 2,
				  PCI_MSI_FLAGS_ENABLE);
	return vmpci_device_irq_eventfd(dev, VFIO_PCI_MSI_IRQ_INDEX, 0);
}

/* One edu DMA (QEMU docs/specs/edu.txt), driven through the BAR mapping
 * as a vCPU would, finished when its interrupt reaches the eventfd. */
static bool edu_dma(volatile uint8_t *bar, uint64_t src, uint64_t dst,
		    bool to_ram, int irq)
{
	struct pollfd p = { .fd = irq, .events = POLLIN };
	uint64_t count;
	bool fired;

	*(volatile uint64_t *)(bar + 0x80) = src;
	*(volatile uint64_t *)(bar + 0x88) = dst;
	*(volatile uint64_t *)(bar + 0x90) = EDU_DMA_LEN;
	*(volatile uint64_t *)(bar + 0x98) = 1 | (to_ram ? 2 : 0) | 4;
	fired = poll(&p, 1, 5000) == 1 &&
		read(irq, &count, sizeof(count)) == sizeof(count);
	*(volatile uint32_t *)(bar + 0x64) = *(volatile uint32_t *)(bar + 0x24);
	return fired && !(*(volatile uint64_t *)(bar + 0x98) & 1);
}

/* Memory added after the device exists, mapped for DMA, filled by edu. */
static void dma_into_later_memory(struct vmm *v,
				  struct vmpci_vfio_container *c,
				  struct vmpci_device *dev)
{
	int irq = guest_enable_msi(dev), err; /* memory decode on too */
	const struct st_mapping *s = st_host_find(&v->rec, EDU_BAR0, 0x100);
	uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t unmapped = 0;
	bool in, out;
	unsigned i;

	guest_check(s && irq >= 0, "edu BAR0 mapped at %#llx, MSI on: %d",
		    EDU_BAR0, irq);
	guest_check(v->bar0 == EDU_BAR0,
		    "the VMM was told BAR0 is where it put it");
	if (!s || irq < 0 || ram == MAP_FAILED) {
		if (ram != MAP_FAILED)
			munmap(ram, RAM_SIZE);
		return;
	}
	for (i = 0; i < EDU_DMA_LEN; i++)
		ram[i] = (uint8_t)(i * 7 + 3);
	err = vmpci_vfio_container_dma_map(c, RAM_IOVA, RAM_SIZE, ram,
					   VFIO_DMA_MAP_FLAG_READ |
						   VFIO_DMA_MAP_FLAG_WRITE);
	guest_check(!err, "memory added later mapped for DMA: %d", err);
	in = !err && edu_dma(s->host_addr, RAM_IOVA, EDU_BUFFER, false, irq);
	out = in && edu_dma(s->host_addr, EDU_BUFFER, RAM_IOVA + 4096, true,
			    irq);
	guest_check(out && !memcmp(ram, ram + 4096, EDU_DMA_LEN),
		    "edu's DMA read and wrote that memory through the IOMMU (%d %d)",
		    in, out);
	err = vmpci_vfio_container_dma_unmap(c, RAM_IOVA, RAM_SIZE, &unmapped);
	guest_check(!err && unmapped == RAM_SIZE,
		    "memory taken away unmapped: %d, %llu bytes", err,
		    (unsigned long long)unmapped);
	munmap(ram, RAM_SIZE);
}

int main(void)
{
	struct vmm v = { .bar0 = VMPCI_DEVICE_BAR_UNMAPPED };
	struct vmpci_vfio_container *c = NULL;
	struct vmpci_vfio_kernel_params kc;
	struct vmpci_vfio_kernel *k = NULL;
	struct vmpci_device_params dc;
	struct vmpci_device *dev = NULL;
	char edu[32] = "", ivshmem[32] = "";
	const char *env = getenv("VFIO_BDFS");
	int fd, group = -1, err;

	st_host_init(&v.rec, true);
	if (!env || sscanf(env, "%31s %31s", edu, ivshmem) != 2) {
		guest_check(false, "VFIO_BDFS names edu and ivshmem: '%s'",
			    env ? env : "");
		return guest_finish();
	}
	fd = vmm_container(ivshmem, &group);
	err = vmpci_vfio_container_adopt(&v.rec.host, fd, &c);
	guest_check(!err, "container adopted: %d", err);
	vmpci_vfio_kernel_params_init(&kc, edu);
	kc.container = c;
	kc.host = &v.rec.host;
	err = err ? err : vmpci_vfio_kernel_open(&kc, &k);
	guest_check(!err, "edu opened in the VMM's container: %d", err);
	if (!err) {
		vmpci_device_params_init(&dc, vmpci_vfio_kernel_backend(k),
					 &v.rec.host);
		dc.name = edu;
		dc.bar_moved = bar_moved;
		dc.opaque = &v; /* no pools: the VMM places the BARs */
		err = vmpci_device_new(&dc, &dev);
	}
	err = err ? err : vmpci_device_place_bar_at(dev, 0, EDU_BAR0);
	guest_check(!err, "edu BAR0 placed by the VMM: %d", err);
	if (!err)
		dma_into_later_memory(&v, c, dev);
	vmpci_device_free(dev);
	vmpci_vfio_kernel_free(k);
	vmpci_vfio_container_free(c);
	guest_check(fd >= 0 &&
			    ioctl(fd, VFIO_GET_API_VERSION) == VFIO_API_VERSION &&
			    ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0,
		    "the container fd is still the VMM's and open");
	if (group >= 0)
		close(group);
	if (fd >= 0)
		close(fd);
	return guest_finish();
}
