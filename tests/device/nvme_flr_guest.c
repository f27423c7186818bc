/* A guest-initiated FLR on a real nvme behind vfio-pci (run in the QEMU
 * guest): the guest writes Initiate FLR in Device Control through the
 * device, vfio-pci resets the function, and the model shows the guest a
 * function out of reset (COMMAND 0, MSI-X off, no eventfd left wired).
 * That the function itself was reset shows in its Interrupt Mask Set
 * register, set before and clear after.
 * Prints PASS/FAIL lines and "N passed, M failed"; exits 1 on a failure. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>

#include "device/device.h"
#include "tests/device/guest_report.h"
#include "tools/null_host.h"
#include "vfio/kernel.h"
#include "vmpci.h"

#define MSIX_CAP 0x40
#define DEVCTL (0x80 + PCI_EXP_DEVCTL) /* QEMU nvme's PCIe capability */
#define NVME_INTMS 0x0c		       /* read: the interrupt mask */

static uint32_t cfg(struct vmpci_device *dev, uint16_t off)
{
	uint32_t v = ~0u;

	vmpci_device_config_read(dev, off, 2, &v);
	return v;
}

static uint32_t intms(struct vmpci_device *dev)
{
	uint32_t v = ~0u;

	vmpci_device_bar_read(dev, 0, NVME_INTMS, 4, &v);
	return v;
}

static void run(struct vmpci_device *dev)
{
	uint32_t one = 1, e[4] = { 0xfee00000u, 0, 0x40, 0 };
	int err;

	vmpci_device_config_write(dev, PCI_COMMAND, 2,
				  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* INTMS is the controller's while MSI-X is off. */
	vmpci_device_bar_write(dev, 0, NVME_INTMS, 4, &one);
	guest_check(intms(dev) == 1, "before the FLR INTMS reads %#x", intms(dev));
	for (unsigned i = 0; i < 4; i++)
		vmpci_device_bar_write(dev, 0, 0x2000 + i * 4, 4, &e[i]);
	vmpci_device_config_write(dev, MSIX_CAP + PCI_MSIX_FLAGS, 2,
				  PCI_MSIX_FLAGS_ENABLE);
	guest_check(vmpci_device_irq_eventfd(dev, VFIO_PCI_MSIX_IRQ_INDEX, 0) >= 0,
	      "MSI-X is on before the FLR");

	err = vmpci_device_config_write(dev, DEVCTL, 2,
					cfg(dev, DEVCTL) |
						PCI_EXP_DEVCTL_BCR_FLR);
	guest_check(!err, "the guest's Initiate FLR write: %d", err);
	guest_check(cfg(dev, PCI_COMMAND) == 0 &&
		      !(cfg(dev, MSIX_CAP + PCI_MSIX_FLAGS) &
			PCI_MSIX_FLAGS_ENABLE),
	      "after the FLR COMMAND reads %#x, MSI-X control %#x",
	      cfg(dev, PCI_COMMAND), cfg(dev, MSIX_CAP + PCI_MSIX_FLAGS));
	err = vmpci_device_irq_eventfd(dev, VFIO_PCI_MSIX_IRQ_INDEX, 0);
	guest_check(err == -ENOENT, "no MSI-X eventfd after the FLR: %d", err);
	vmpci_device_config_write(dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	guest_check(intms(dev) == 0, "the controller was reset: INTMS reads %#x",
	      intms(dev));
}

int main(void)
{
	struct vmpci_vfio_kernel_params kc;
	struct vmpci_device_params dc;
	struct vmpci_vfio_kernel *fn = NULL;
	struct vmpci_device *dev = NULL;
	struct null_host host;
	char bdf[32];
	int err;

	if (!guest_first_bdf(bdf, sizeof(bdf)))
		return guest_finish();
	null_host_init(&host, false);
	vmpci_vfio_kernel_params_init(&kc, bdf);
	kc.host = &host.host;
	err = vmpci_vfio_kernel_open(&kc, &fn);
	if (!err) {
		vmpci_device_params_init(&dc, vmpci_vfio_kernel_backend(fn),
					 &host.host);
		dc.name = "nvme";
		err = vmpci_device_new(&dc, &dev);
	}
	guest_check(!err, "open %s and create the device: %d", bdf, err);
	if (!err)
		run(dev);
	vmpci_device_free(dev);
	vmpci_vfio_kernel_free(fn);
	return guest_finish();
}
