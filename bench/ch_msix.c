/* cloud-hypervisor's MSI-X path (pci/src/msix.rs MsixConfig and
 * vmm/src/interrupt.rs MsiInterruptGroup, as VfioPciDevice uses them at
 * 6f8bd27) replayed on a real KVM VM:
 *  - write_table stores the word; if the entry changed and MSI-X is enabled,
 *    the function unmasked and the entry unmasked, the group's update()
 *    rewrites the whole routing table (one KVM_SET_GSI_ROUTING carrying
 *    every unmasked MSI route) and assigns the vector's irqfd;
 *  - set_msg_ctl, when MSI-X becomes enabled and unmasked, calls update()
 *    for every table entry, each one a full KVM_SET_GSI_ROUTING (a masked
 *    entry deassigns its irqfd first and is left out of the table); when
 *    it becomes disabled or masked, the group's irqfds are deassigned;
 *  - the VFIO side: SET_IRQS(MSIX) with every vector's eventfd on enable,
 *    disabled on disable.
 * The routing table also carries KVM's default irqchip routes, as vmpci's
 * KVM host does, so both sides hand KVM tables of the same size. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "bench/ch_msix.h"

#define FIRST_GSI 24
#define IRQCHIP_ROUTES 40 /* GSI 0-15 on PIC and IOAPIC, 16-23 IOAPIC */

struct vector {
	uint32_t entry[4]; /* address lo, hi, data, vector control */
	int fd;
	bool routed;	/* in gsi_msi_routes */
	bool masked;	/* the route's masked flag */
	bool irqfd;	/* KVM_IRQFD assigned */
};

struct ch_msix {
	int vm_fd;
	const struct vmpci_vfio_backend *be;
	uint32_t n;
	bool enabled, masked;
	uint64_t updates;
	struct vector *v;
	int32_t *fds;
	struct kvm_irq_routing *table;
};

static void irqfd(struct ch_msix *m, uint32_t i, bool assign)
{
	struct kvm_irqfd f = {
		.fd = (uint32_t)m->v[i].fd,
		.gsi = FIRST_GSI + i,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (m->v[i].irqfd != assign && !ioctl(m->vm_fd, KVM_IRQFD, &f))
		m->v[i].irqfd = assign;
}

static void set_gsi_routes(struct ch_msix *m)
{
	struct kvm_irq_routing_entry *e = m->table->entries;
	uint32_t n = 0;

	for (uint32_t gsi = 0; gsi < 24; gsi++) {
		if (gsi < 16) {
			e[n].gsi = gsi;
			e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			e[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
							 : KVM_IRQCHIP_PIC_SLAVE;
			e[n++].u.irqchip.pin = gsi % 8;
		}
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e[n++].u.irqchip.pin = gsi;
	}
	for (uint32_t i = 0; i < m->n; i++) {
		if (!m->v[i].routed || m->v[i].masked)
			continue;
		memset(&e[n], 0, sizeof(e[n]));
		e[n].gsi = FIRST_GSI + i;
		e[n].type = KVM_IRQ_ROUTING_MSI;
		e[n].u.msi.address_lo = m->v[i].entry[0];
		e[n].u.msi.address_hi = m->v[i].entry[1];
		e[n++].u.msi.data = m->v[i].entry[2];
	}
	m->table->nr = n;
	m->table->flags = 0;
	ioctl(m->vm_fd, KVM_SET_GSI_ROUTING, m->table);
	m->updates++;
}

/* MsiInterruptGroup::update(index, config, masked, set_gsi = true). */
static void update(struct ch_msix *m, uint32_t i)
{
	bool masked = m->v[i].entry[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT;

	if (masked)
		irqfd(m, i, false);
	m->v[i].routed = true;
	m->v[i].masked = masked;
	set_gsi_routes(m);
	if (!masked)
		irqfd(m, i, true);
}

void ch_msix_table_write(struct ch_msix *m, uint64_t offset, uint32_t val)
{
	uint32_t i = (uint32_t)(offset / 16), w = (uint32_t)(offset % 16) / 4;
	uint32_t old[4];

	if (i >= m->n)
		return;
	memcpy(old, m->v[i].entry, sizeof(old));
	m->v[i].entry[w] = w == 3 ? val & PCI_MSIX_ENTRY_CTRL_MASKBIT : val;
	if (!memcmp(old, m->v[i].entry, sizeof(old)))
		return;
	if (m->enabled && !m->masked &&
	    !(m->v[i].entry[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT))
		update(m, i);
}

uint32_t ch_msix_table_read(struct ch_msix *m, uint64_t offset)
{
	uint32_t i = (uint32_t)(offset / 16);

	return i < m->n ? m->v[i].entry[(offset % 16) / 4] : ~0u;
}

void ch_msix_control(struct ch_msix *m, uint16_t ctl)
{
	bool old_enabled = m->enabled, old_masked = m->masked;

	m->masked = ctl & PCI_MSIX_FLAGS_MASKALL;
	m->enabled = ctl & PCI_MSIX_FLAGS_ENABLE;
	if (old_masked != m->masked || old_enabled != m->enabled) {
		if (m->enabled && !m->masked) {
			for (uint32_t i = 0; i < m->n; i++)
				update(m, i);
		} else if (old_enabled || !old_masked) {
			for (uint32_t i = 0; i < m->n; i++)
				irqfd(m, i, false);
		}
	}
	/* VfioCommon::update_msix_capabilities */
	if (!old_enabled && m->enabled)
		vmpci_vfio_irq_set_eventfds(m->be, VFIO_PCI_MSIX_IRQ_INDEX, 0,
					    m->n, m->fds);
	else if (old_enabled && !m->enabled)
		vmpci_vfio_irq_disable(m->be, VFIO_PCI_MSIX_IRQ_INDEX);
}

uint64_t ch_msix_routing_updates(const struct ch_msix *m)
{
	return m->updates;
}

int ch_msix_new(int vm_fd, const struct vmpci_vfio_backend *be, uint32_t n,
		struct ch_msix **out)
{
	struct ch_msix *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->vm_fd = vm_fd;
	m->be = be;
	m->n = n;
	m->v = calloc(n, sizeof(*m->v));
	m->fds = calloc(n, sizeof(*m->fds));
	m->table = calloc(1, sizeof(*m->table) +
				     (IRQCHIP_ROUTES + n) *
					     sizeof(struct kvm_irq_routing_entry));
	if (!m->v || !m->fds || !m->table) {
		ch_msix_free(m);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		m->v[i].entry[3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
		m->v[i].fd = m->fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (m->v[i].fd < 0) {
			ch_msix_free(m);
			return -errno;
		}
	}
	*out = m;
	return 0;
}

void ch_msix_free(struct ch_msix *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; m->v && i < m->n; i++) {
		irqfd(m, i, false);
		if (m->v[i].fd > 0)
			close(m->v[i].fd);
	}
	free(m->v);
	free(m->fds);
	free(m->table);
	free(m);
}
