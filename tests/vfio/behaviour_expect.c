/* The QEMU 7.2 devices of the guest suite as the 6.1 kernel's vfio-pci
 * reports them (measured with the reference probe; notes/vfio-guest.md),
 * which are also the devices of tests/data/pci-config/qemu-emulated. */
#include <linux/vfio.h>
#include <stddef.h>

#include "tests/vfio/behaviour.h"

#define RW (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)
#define MEM (RW | VFIO_REGION_INFO_FLAG_MMAP)
#define MSIX_BAR (MEM | VFIO_REGION_INFO_FLAG_CAPS)
#define MAPPABLE VMPCI_VFIO_CAP_MSIX_MAPPABLE

const struct vb_expect vb_devices[] = {
	{
		.vendor = 0x1234, .device = 0x11e8, .name = "edu",
		.config_size = 256, .reset = false,
		.bar = { [0] = { 0x100000, MEM, 0 } },
		.irq_count = { 1, 1, 0, -1, 1 },
		.nr_areas = { [0] = 1 },
		.areas = { [0] = { { 0, 0x100000 } } },
		.scratch_bar = -1,
	},
	{
		/* MSI-X table at 0x2000 (65 entries), PBA at 0x3000: the
		 * last two pages are trapped. */
		.vendor = 0x1b36, .device = 0x0010, .name = "nvme",
		.config_size = 4096, .reset = true,
		.bar = { [0] = { 0x4000, MSIX_BAR, MAPPABLE } },
		.irq_count = { 1, 0, 65, 1, 1 },
		.nr_areas = { [0] = 1 },
		.areas = { [0] = { { 0, 0x2000 } } },
		.scratch_bar = -1,
	},
	{
		/* MSI-X table at BAR3 0x0 and PBA at 0x2000: pages 1 and 3
		 * stay mappable. BAR2 is I/O: trapped. */
		.vendor = 0x8086, .device = 0x10d3, .name = "e1000e",
		.config_size = 4096, .reset = true,
		.bar = { [0] = { 0x20000, MEM, 0 },
			 [1] = { 0x20000, MEM, 0 },
			 [2] = { 0x20, RW, 0 },
			 [3] = { 0x4000, MSIX_BAR, MAPPABLE } },
		.irq_count = { 1, 1, 5, 1, 1 },
		.nr_areas = { [0] = 1, [1] = 1, [3] = 2 },
		.areas = { [0] = { { 0, 0x20000 } },
			   [1] = { { 0, 0x20000 } },
			   [3] = { { 0x1000, 0x1000 }, { 0x3000, 0x1000 } } },
		.scratch_bar = -1,
	},
	{
		/* Transitional virtio-net: legacy I/O BAR0, MSI-X table and
		 * PBA share BAR1's only page, 64-bit BAR4. */
		.vendor = 0x1af4, .device = 0x1000, .name = "virtio-net",
		.config_size = 256, .reset = false,
		.bar = { [0] = { 0x20, RW, 0 },
			 [1] = { 0x1000, MSIX_BAR, MAPPABLE },
			 [4] = { 0x4000, MEM, 0 } },
		.irq_count = { 1, 0, 4, -1, 1 },
		.nr_areas = { [4] = 1 },
		.areas = { [4] = { { 0, 0x4000 } } },
		.scratch_bar = -1,
	},
	{
		/* BAR0 registers are smaller than a page: vfio-pci reserves
		 * the rest of the page and maps it whole. BAR2 is the shared
		 * RAM. No interrupt pin. */
		.vendor = 0x1af4, .device = 0x1110, .name = "ivshmem",
		.config_size = 256, .reset = false,
		.bar = { [0] = { 0x100, MEM, 0 },
			 [2] = { 0x100000, MEM, 0 } },
		.irq_count = { 0, 0, 0, -1, 1 },
		.nr_areas = { [0] = 1, [2] = 1 },
		.areas = { [0] = { { 0, 0x1000 } }, [2] = { { 0, 0x100000 } } },
		.scratch_bar = 2,
	},
};

const unsigned vb_nr_devices = sizeof(vb_devices) / sizeof(vb_devices[0]);

const struct vb_expect *vb_expect_find(uint16_t vendor, uint16_t device)
{
	unsigned i;

	for (i = 0; i < vb_nr_devices; i++)
		if (vb_devices[i].vendor == vendor &&
		    vb_devices[i].device == device)
			return &vb_devices[i];
	return NULL;
}
