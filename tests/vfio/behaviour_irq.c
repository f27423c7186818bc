/* Behavioural checks of SET_IRQS: MSI, MSI-X and INTx as vfio-pci handles
 * them (virtual enable bits, NORESIZE, one mode at a time, loopback
 * triggers, INTx mask/unmask). */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <unistd.h>

#include "tests/vfio/behaviour.h"
#include "tests/vfio/behaviour_util.h"

void vb_check_msi(struct vb_report *r, const struct vb_expect *e,
		  const struct vmpci_vfio_backend *be)
{
	uint32_t cap = vb_find_cap(be, PCI_CAP_ID_MSI), ctl0, ctl;
	int32_t fd = vb_eventfd();
	int err, err2;
	uint64_t got;

	if (e->irq_count[VFIO_PCI_MSI_IRQ_INDEX] == 0) {
		err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_MSI_IRQ_INDEX, 0,
						  1, &fd);
		vb_result(r, err == -EINVAL && !cap,
			  "MSI on a function without MSI: %d (want -EINVAL)",
			  err);
		close(fd);
		return;
	}
	ctl0 = vb_cfg_read(be, cap + PCI_MSI_FLAGS, 2);
	err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &fd);
	ctl = vb_cfg_read(be, cap + PCI_MSI_FLAGS, 2);
	vb_result(r, !err && ctl == ctl0 && !(ctl & PCI_MSI_FLAGS_ENABLE),
		  "SET_IRQS(MSI, 1 eventfd): %d; MSI control 0x%04x (was "
		  "0x%04x, enable bit stays 0)", err, ctl, ctl0);
	err = vmpci_vfio_irq_trigger(be, VFIO_PCI_MSI_IRQ_INDEX, 0);
	got = vb_eventfd_take(fd);
	vb_result(r, !err && got == 1,
		  "MSI loopback trigger: %d, eventfd count %llu", err,
		  (unsigned long long)got);
	err = vmpci_vfio_irq_mask(be, VFIO_PCI_MSI_IRQ_INDEX, 0, true);
	vb_result(r, err == -ENOTTY, "MSI mask: %d (want -ENOTTY)", err);
	err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &fd);
	vb_result(r, err == -EINVAL, "INTx enable while MSI is on: %d (want "
		  "-EINVAL)", err);
	if (e->irq_count[VFIO_PCI_MSIX_IRQ_INDEX] > 0) {
		err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_MSIX_IRQ_INDEX,
						  0, 1, &fd);
		vb_result(r, err == -EINVAL, "MSI-X enable while MSI is on: "
			  "%d (want -EINVAL)", err);
	}
	err = vmpci_vfio_irq_disable(be, VFIO_PCI_MSI_IRQ_INDEX);
	err2 = vmpci_vfio_irq_disable(be, VFIO_PCI_MSI_IRQ_INDEX);
	vb_result(r, !err && err2 == -EINVAL,
		  "MSI disable: %d, disable again: %d (want -EINVAL)", err,
		  err2);
	close(fd);
}

void vb_check_msix(struct vb_report *r, const struct vb_expect *e,
		   const struct vmpci_vfio_backend *be)
{
	int32_t count = e->irq_count[VFIO_PCI_MSIX_IRQ_INDEX];
	uint32_t cap = vb_find_cap(be, PCI_CAP_ID_MSIX), ctl0, ctl, table;
	int32_t fds[2] = { vb_eventfd(), vb_eventfd() };
	uint8_t entry[16];
	uint64_t got0, got1;
	int err, err2, i, ones;

	if (count == 0) {
		err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_MSIX_IRQ_INDEX,
						  0, 1, fds);
		vb_result(r, err == -EINVAL && !cap, "MSI-X on a function "
			  "without MSI-X: %d (want -EINVAL)", err);
		goto out;
	}
	ctl0 = vb_cfg_read(be, cap + PCI_MSIX_FLAGS, 2);
	table = vb_cfg_read(be, cap + PCI_MSIX_TABLE, 4);
	err = be->ops->region_read(be->opaque, table & PCI_MSIX_TABLE_BIR,
				   table & PCI_MSIX_TABLE_OFFSET, entry,
				   sizeof(entry));
	for (i = 0, ones = 0; i < 16; i++)
		ones += entry[i] == 0xff;
	vb_result(r, !err && ones == 16, "MSI-X table entry 0 through the "
		  "region: %d, %d of 16 bytes read 0xff", err, ones);

	err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_MSIX_IRQ_INDEX, 0, 1,
					  fds);
	ctl = vb_cfg_read(be, cap + PCI_MSIX_FLAGS, 2);
	vb_result(r, !err && !(ctl0 & PCI_MSIX_FLAGS_ENABLE) &&
			     ctl == (ctl0 | PCI_MSIX_FLAGS_ENABLE),
		  "SET_IRQS(MSIX, 1 eventfd): %d; MSI-X control 0x%04x -> "
		  "0x%04x (enable bit set)", err, ctl0, ctl);
	if (count > 1) {
		err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_MSIX_IRQ_INDEX,
						  1, 1, &fds[1]);
		vb_result(r, err == -EINVAL, "adding MSI-X vector 1 while "
			  "enabled: %d (want -EINVAL, NORESIZE)", err);
	}
	err = vmpci_vfio_irq_disable(be, VFIO_PCI_MSIX_IRQ_INDEX);
	ctl = vb_cfg_read(be, cap + PCI_MSIX_FLAGS, 2);
	vb_result(r, !err && ctl == ctl0, "MSI-X disable: %d; control 0x%04x "
		  "(want 0x%04x)", err, ctl, ctl0);
	if (count > 1) {
		err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_MSIX_IRQ_INDEX,
						  0, 2, fds);
		err2 = vmpci_vfio_irq_trigger(be, VFIO_PCI_MSIX_IRQ_INDEX, 1);
		got0 = vb_eventfd_take(fds[0]);
		got1 = vb_eventfd_take(fds[1]);
		vb_result(r, !err && !err2 && got0 == 0 && got1 == 1,
			  "MSI-X re-enabled with 2 vectors: %d; loopback on "
			  "vector 1: %d, eventfds %llu/%llu (want 0/1)", err,
			  err2, (unsigned long long)got0,
			  (unsigned long long)got1);
		vmpci_vfio_irq_disable(be, VFIO_PCI_MSIX_IRQ_INDEX);
	}
	err = vmpci_vfio_irq_disable(be, VFIO_PCI_MSIX_IRQ_INDEX);
	vb_result(r, err == -EINVAL, "MSI-X disable while off: %d (want "
		  "-EINVAL)", err);
out:
	close(fds[0]);
	close(fds[1]);
}

void vb_check_intx(struct vb_report *r, const struct vb_expect *e,
		   const struct vmpci_vfio_backend *be)
{
	int32_t fd = vb_eventfd(), resample = vb_eventfd();
	int err, err2, err3;
	uint64_t got;

	if (e->irq_count[VFIO_PCI_INTX_IRQ_INDEX] == 0) {
		err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_INTX_IRQ_INDEX,
						  0, 1, &fd);
		vb_result(r, err == -EINVAL, "INTx on a function without a "
			  "pin: %d (want -EINVAL)", err);
		goto out;
	}
	err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &fd);
	err2 = vmpci_vfio_irq_trigger(be, VFIO_PCI_INTX_IRQ_INDEX, 0);
	got = vb_eventfd_take(fd);
	vb_result(r, !err && !err2 && got == 1, "INTx enable: %d; loopback "
		  "trigger: %d, eventfd count %llu", err, err2,
		  (unsigned long long)got);
	err = vmpci_vfio_irq_mask(be, VFIO_PCI_INTX_IRQ_INDEX, 0, true);
	err2 = vmpci_vfio_irq_mask(be, VFIO_PCI_INTX_IRQ_INDEX, 0, false);
	vb_result(r, !err && !err2, "INTx mask: %d, unmask: %d", err, err2);
	err = vmpci_vfio_irq_unmask_eventfd(be, VFIO_PCI_INTX_IRQ_INDEX,
					    resample);
	err2 = vmpci_vfio_irq_unmask_eventfd(be, VFIO_PCI_INTX_IRQ_INDEX, -1);
	vb_result(r, !err && !err2, "INTx unmask eventfd: %d, removed: %d",
		  err, err2);
	if (e->irq_count[VFIO_PCI_MSI_IRQ_INDEX] > 0) {
		err = vmpci_vfio_irq_set_eventfds(be, VFIO_PCI_MSI_IRQ_INDEX,
						  0, 1, &fd);
		vb_result(r, err == -EINVAL, "MSI enable while INTx is on: %d "
			  "(want -EINVAL)", err);
	}
	err = vmpci_vfio_irq_disable(be, VFIO_PCI_INTX_IRQ_INDEX);
	err2 = vmpci_vfio_irq_disable(be, VFIO_PCI_INTX_IRQ_INDEX);
	err3 = vmpci_vfio_irq_mask(be, VFIO_PCI_INTX_IRQ_INDEX, 0, false);
	vb_result(r, !err && err2 == -EINVAL && err3 == -EINVAL,
		  "INTx disable: %d; disable again: %d, unmask while off: %d "
		  "(want -EINVAL)", err, err2, err3);
out:
	close(fd);
	close(resample);
}
