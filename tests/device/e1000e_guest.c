/* The device object on a real e1000e behind vfio-pci (run in the QEMU
 * guest), for what only the kernel can show:
 *  - growing MSI-X: the guest unmasks vectors 1-4 one by one while vector 0
 *    is live, as Linux does when a driver requests more queues. After each
 *    unmask the device's interrupts on every live vector still reach their
 *    eventfds, and the SET_IRQS calls are what the kernel calls for: with
 *    NORESIZE (6.1) disable + enable with the new count, with dynamic MSI-X
 *    (6.2+) one call adding just the new vector;
 *  - vmpci_device_reset: VFIO_DEVICE_RESET reaches the function, the guest
 *    sees COMMAND 0 and MSI-X off, and can set MSI-X up again.
 * Prints PASS/FAIL lines and "N passed, M failed"; exits 1 on a failure. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "device/device.h"
#include "tests/device/guest_report.h"
#include "tools/e1000e_regs.h"
#include "tools/null_host.h"
#include "vfio/backend.h"
#include "vfio/kernel.h"
#include "vmpci.h"

#define MSIX_CAP 0xa0
#define MSIX_BAR 3 /* table at 0, PBA at 0x2000 */
#define VECTORS 5

/* The kernel backend with SET_IRQS(MSI-X) and reset calls recorded. */
struct call {
	uint32_t flags, start, count;
};

static struct {
	const struct vmpci_vfio_backend *inner;
	struct vmpci_vfio_backend_ops ops;
	struct vmpci_vfio_backend be;
	struct call calls[16];
	unsigned nr;
	unsigned resets;
	int reset_rc;
} rec;

static int rec_reset(void *opaque)
{
	(void)opaque;
	rec.resets++;
	rec.reset_rc = rec.inner->ops->reset(rec.inner->opaque);
	return rec.reset_rc;
}

static int rec_set_irqs(void *opaque, uint32_t index, uint32_t flags,
			uint32_t start, uint32_t count, const void *data)
{
	(void)opaque;
	if (index == VFIO_PCI_MSIX_IRQ_INDEX && rec.nr < 16)
		rec.calls[rec.nr++] = (struct call){ flags, start, count };
	return rec.inner->ops->set_irqs(rec.inner->opaque, index, flags,
					start, count, data);
}

static void wrap(const struct vmpci_vfio_backend *inner)
{
	rec.inner = inner;
	rec.ops = *inner->ops;
	rec.ops.set_irqs = rec_set_irqs;
	rec.ops.reset = rec_reset;
	rec.be.ops = &rec.ops;
	rec.be.opaque = inner->opaque;
}

static void reg_write(struct vmpci_device *dev, uint64_t off, uint32_t v)
{
	vmpci_device_bar_write(dev, 0, off, 4, &v);
}

static uint32_t reg_read(struct vmpci_device *dev, uint64_t off)
{
	uint32_t v = ~0u;

	vmpci_device_bar_read(dev, 0, off, 4, &v);
	return v;
}

static void entry_write(struct vmpci_device *dev, unsigned v, bool masked)
{
	uint32_t e[4] = { 0xfee00000u, 0, 0x40 + v, masked };

	for (unsigned i = 0; i < 4; i++)
		vmpci_device_bar_write(dev, MSIX_BAR, v * 16 + i * 4, 4, &e[i]);
}

static uint64_t take(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t c = 0;

	if (poll(&p, 1, ms) != 1 || read(fd, &c, sizeof(c)) != sizeof(c))
		return 0;
	return c;
}

/* The function raises its "other" cause on vector `v`: does the eventfd
 * vmpci gave VFIO for `v` count it? */
static bool fires(struct vmpci_device *dev, unsigned v)
{
	int fd = vmpci_device_irq_eventfd(dev, VFIO_PCI_MSIX_IRQ_INDEX, v);
	uint64_t got;

	if (fd < 0)
		return false;
	take(fd, 0);
	reg_write(dev, E1000_IMC, ~0u);
	reg_read(dev, E1000_ICR);
	reg_write(dev, E1000_IVAR, E1000_IVAR_OTHER(v));
	reg_write(dev, E1000_IMS, E1000_ICR_OTHER | E1000_ICR_LSC);
	reg_write(dev, E1000_ICS, E1000_ICR_LSC);
	got = take(fd, 5000);
	reg_write(dev, E1000_IMC, ~0u);
	reg_read(dev, E1000_ICR);
	usleep(E1000E_QUIESCE_US);
	return got > 0;
}

static bool is_add_of(unsigned v)
{
	return rec.nr == 1 && rec.calls[0].start == v &&
	       rec.calls[0].count == 1 &&
	       (rec.calls[0].flags & VFIO_IRQ_SET_DATA_EVENTFD);
}

static bool is_reenable_with(unsigned n)
{
	return rec.nr == 2 && rec.calls[0].count == 0 &&
	       rec.calls[1].start == 0 && rec.calls[1].count == n;
}

static uint32_t cfg(struct vmpci_device *dev, uint16_t off)
{
	uint32_t v = ~0u;

	vmpci_device_config_read(dev, off, 2, &v);
	return v;
}

static void check_reset(struct vmpci_device *dev)
{
	int err;

	rec.resets = 0;
	err = vmpci_device_reset(dev);
	guest_check(!err && rec.resets == 1 && rec.reset_rc == 0,
	      "vmpci_device_reset: %d; VFIO_DEVICE_RESET calls %u, last %d", err,
	      rec.resets, rec.reset_rc);
	guest_check(cfg(dev, PCI_COMMAND) == 0 &&
		      !(cfg(dev, MSIX_CAP + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE),
	      "after the reset COMMAND reads %#x, MSI-X control %#x",
	      cfg(dev, PCI_COMMAND), cfg(dev, MSIX_CAP + PCI_MSIX_FLAGS));
	vmpci_device_config_write(dev, PCI_COMMAND, 2,
				  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	entry_write(dev, 0, false);
	vmpci_device_config_write(dev, MSIX_CAP + PCI_MSIX_FLAGS, 2,
				  PCI_MSIX_FLAGS_ENABLE);
	guest_check(fires(dev, 0), "after the reset the guest sets MSI-X up again and vector 0 fires");
	vmpci_device_config_write(dev, MSIX_CAP + PCI_MSIX_FLAGS, 2, 0);
}

static int run(const char *bdf)
{
	struct vmpci_vfio_kernel_params kc;
	struct vmpci_vfio_irq_info info;
	struct vmpci_device_params dc;
	struct vmpci_vfio_kernel *fn = NULL;
	struct vmpci_device *dev = NULL;
	struct null_host host;
	bool dynamic;
	int err;

	null_host_init(&host, false);
	vmpci_vfio_kernel_params_init(&kc, bdf);
	kc.host = &host.host;
	err = vmpci_vfio_kernel_open(&kc, &fn);
	if (err) {
		guest_check(false, "open %s: %s", bdf, strerror(-err));
		return 1;
	}
	wrap(vmpci_vfio_kernel_backend(fn));
	err = rec.inner->ops->irq_info(rec.inner->opaque,
				       VFIO_PCI_MSIX_IRQ_INDEX, &info);
	dynamic = !err && !(info.flags & VFIO_IRQ_INFO_NORESIZE);
	printf("kernel MSI-X: %s\n", dynamic ? "dynamic" : "NORESIZE");
	vmpci_device_params_init(&dc, &rec.be, &host.host);
	dc.name = "e1000e";
	err = vmpci_device_new(&dc, &dev);
	if (err) {
		guest_check(false, "device: %s", strerror(-err));
		goto out;
	}
	vmpci_device_config_write(dev, PCI_COMMAND, 2,
				  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	for (unsigned v = 0; v < VECTORS; v++)
		entry_write(dev, v, v != 0);
	vmpci_device_config_write(dev, MSIX_CAP + PCI_MSIX_FLAGS, 2,
				  PCI_MSIX_FLAGS_ENABLE);
	guest_check(fires(dev, 0), "vector 0 fires once MSI-X is on");
	for (unsigned v = 1; v < VECTORS; v++) {
		rec.nr = 0;
		entry_write(dev, v, false);
		if (dynamic)
			guest_check(is_add_of(v),
			      "unmasking vector %u adds it alone: %u SET_IRQS, first start %u count %u",
			      v, rec.nr, rec.nr ? rec.calls[0].start : 0,
			      rec.nr ? rec.calls[0].count : 0);
		else
			guest_check(is_reenable_with(v + 1),
			      "unmasking vector %u re-enables with %u vectors: %u SET_IRQS",
			      v, v + 1, rec.nr);
		for (unsigned live = 0; live <= v; live++)
			guest_check(fires(dev, live),
			      "after unmasking vector %u, vector %u still counts the device's interrupt",
			      v, live);
	}
	usleep(E1000E_QUIESCE_US);
	check_reset(dev);
out:
	vmpci_device_free(dev);
	vmpci_vfio_kernel_free(fn);
	return 0;
}

int main(void)
{
	char bdf[32];

	if (guest_first_bdf(bdf, sizeof(bdf)))
		run(bdf);
	return guest_finish();
}
