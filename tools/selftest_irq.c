/* Step 4: the guest enables MSI-X (or MSI) through config writes and the
 * trapped table, the device wires VFIO and the host route, and the
 * function raises vector 0 into the eventfd vmpci gave VFIO. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "tools/e1000e_regs.h"
#include "tools/selftest.h"

/* What the guest programs: the x86 local APIC window, fixed delivery. */
#define ST_MSI_ADDRESS 0xfee00000u
#define ST_MSI_DATA 0x0041u
#define ST_MSIX_DATA 0x0042u
#define ST_IRQ_WAIT_MS 5000

/* edu: raise / status / acknowledge. */
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

int st_wait_eventfd(int fd, int ms, uint64_t *count)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t c = 0, total = 0;
	int n;

	n = poll(&p, 1, ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	while (read(fd, &c, sizeof(c)) == (ssize_t)sizeof(c))
		total += c;
	if (count)
		*count = total;
	return 1;
}

void st_drain_eventfd(int fd)
{
	uint64_t c;

	while (read(fd, &c, sizeof(c)) == (ssize_t)sizeof(c))
		;
}

static enum st_result enable_msi(struct selftest *st)
{
	uint16_t cap = st->msi_cap;
	uint32_t flags = st_cfg_read(st, cap + PCI_MSI_FLAGS, 2);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;

	st_cfg_write(st, cap + PCI_MSI_ADDRESS_LO, 4, ST_MSI_ADDRESS);
	if (is64)
		st_cfg_write(st, cap + PCI_MSI_ADDRESS_HI, 4, 0);
	st_cfg_write(st, cap + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2,
		     ST_MSI_DATA);
	/* One vector: Multiple Message Enable 0. */
	st_cfg_write(st, cap + PCI_MSI_FLAGS, 2,
		     (flags & ~PCI_MSI_FLAGS_QSIZE) | PCI_MSI_FLAGS_ENABLE);
	flags = st_cfg_read(st, cap + PCI_MSI_FLAGS, 2);
	if (!(flags & PCI_MSI_FLAGS_ENABLE))
		return st_fail(st, "MSI control reads %#x after enabling", flags);
	st->irq_index = VFIO_PCI_MSI_IRQ_INDEX;
	return ST_PASS;
}

/* As Linux does: enable with the function masked, program entry 0
 * through the table (trapped), unmask it, then unmask the function. */
static enum st_result enable_msix(struct selftest *st)
{
	uint16_t cap = st->msix_cap;
	uint32_t flags = st_cfg_read(st, cap + PCI_MSIX_FLAGS, 2);
	struct st_msix x;
	uint64_t entry, data = 0;

	st_msix_get(st, &x);
	entry = st->bars[x.table_bar].guest_addr + x.table_off;
	st_cfg_write(st, cap + PCI_MSIX_FLAGS, 2,
		     flags | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	st_mmio_write(st, entry + PCI_MSIX_ENTRY_LOWER_ADDR, 4, ST_ANY,
		      ST_MSI_ADDRESS);
	st_mmio_write(st, entry + PCI_MSIX_ENTRY_UPPER_ADDR, 4, ST_ANY, 0);
	st_mmio_write(st, entry + PCI_MSIX_ENTRY_DATA, 4, ST_ANY, ST_MSIX_DATA);
	st_mmio_write(st, entry + PCI_MSIX_ENTRY_VECTOR_CTRL, 4, ST_ANY, 0);
	st_cfg_write(st, cap + PCI_MSIX_FLAGS, 2,
		     (flags & ~PCI_MSIX_FLAGS_MASKALL) | PCI_MSIX_FLAGS_ENABLE);
	flags = st_cfg_read(st, cap + PCI_MSIX_FLAGS, 2);
	if ((flags & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)) !=
	    PCI_MSIX_FLAGS_ENABLE)
		return st_fail(st, "MSI-X control reads %#x after enabling", flags);
	st_mmio_read(st, entry + PCI_MSIX_ENTRY_DATA, 4, ST_ANY, &data);
	if (data != ST_MSIX_DATA)
		return st_fail(st, "MSI-X entry 0 data reads %#llx, programmed %#x",
			       (unsigned long long)data, ST_MSIX_DATA);
	st->irq_index = VFIO_PCI_MSIX_IRQ_INDEX;
	return ST_PASS;
}

/* Wait for vector 0; *ms gets the time since `t0`, when the function was
 * asked to raise it. */
static int wait_since(int fd, double t0, double *ms)
{
	int got = st_wait_eventfd(fd, ST_IRQ_WAIT_MS, NULL);

	*ms = st_now_ms() - t0;
	return got;
}

static int edu_raise(struct selftest *st, int fd, double *ms, char *how,
		     size_t len)
{
	double t0 = st_now_ms();
	int got;

	st_bar_write32(st, 0, EDU_IRQ_RAISE, 1);
	got = wait_since(fd, t0, ms);
	st_bar_write32(st, 0, EDU_IRQ_ACK, st_bar_read32(st, 0, EDU_IRQ_STATUS));
	snprintf(how, len, "edu raise-IRQ register 0x60");
	return got;
}

static int e1000e_raise(struct selftest *st, int fd, double *ms, char *how,
			size_t len)
{
	double t0;
	int got;

	st_bar_write32(st, 0, E1000_IMC, ~0u);
	st_bar_read32(st, 0, E1000_ICR); /* read clears the causes */
	st_bar_write32(st, 0, E1000_IVAR, E1000_IVAR_OTHER(0));
	st_bar_write32(st, 0, E1000_IMS, E1000_ICR_OTHER | E1000_ICR_LSC);
	st_drain_eventfd(fd);
	t0 = st_now_ms();
	st_bar_write32(st, 0, E1000_ICS, E1000_ICR_LSC);
	got = wait_since(fd, t0, ms);
	st_bar_write32(st, 0, E1000_IMC, ~0u);
	st_bar_read32(st, 0, E1000_ICR);
	usleep(E1000E_QUIESCE_US);
	snprintf(how, len, "e1000e ICS register (link-status cause on vector 0)");
	return got;
}

static int loopback_raise(struct selftest *st, int fd, double *ms, char *how,
			  size_t len)
{
	double t0 = st_now_ms();
	int err = vmpci_vfio_irq_trigger(st->be, st->irq_index, 0);

	snprintf(how, len, "VFIO loopback trigger (SET_IRQS DATA_NONE|ACTION_TRIGGER; no device recipe)");
	if (err)
		return err;
	return wait_since(fd, t0, ms);
}

int st_raise_and_wait(struct selftest *st, char *how, size_t len)
{
	char why[160];
	int fd = vmpci_device_irq_eventfd(st->dev, st->irq_index, 0), got;
	double ms = 0;

	if (fd < 0) {
		snprintf(how, len, "no eventfd for vector 0: %s", strerror(-fd));
		return fd;
	}
	st_drain_eventfd(fd);
	if (st->recipe == ST_EDU && st->irq_index == VFIO_PCI_MSI_IRQ_INDEX) {
		got = edu_raise(st, fd, &ms, how, len);
	} else if (st->recipe == ST_E1000E &&
		   st->irq_index == VFIO_PCI_MSIX_IRQ_INDEX) {
		got = e1000e_raise(st, fd, &ms, how, len);
	} else if (st->recipe == ST_NVME &&
		   st->irq_index == VFIO_PCI_MSIX_IRQ_INDEX) {
		got = st_nvme_identify(st, fd, &ms, why, sizeof(why)) ? 0 : 1;
		snprintf(how, len, "nvme admin Identify completion%s%s",
			 got ? "" : ": ", got ? "" : why);
	} else {
		got = loopback_raise(st, fd, &ms, how, len);
	}
	if (got < 0)
		return got;
	if (!got)
		return -ETIMEDOUT;
	snprintf(how + strlen(how), len - strlen(how),
		 ", arrived %.1f ms after the request", ms);
	return 0;
}

static enum st_result check_route(struct selftest *st, uint32_t data)
{
	const struct vmpci_msi_msg *m = &st->host.last_msg;

	if (!st->host.have_msg || st->host.inner.msi_routes != 1)
		return st_fail(st, "%u MSI routes asked of the host, want 1",
			       st->host.inner.msi_routes);
	if (m->address != ST_MSI_ADDRESS || m->data != data)
		return st_fail(st, "host route carries %#llx/%#x, guest programmed %#x/%#x",
			       (unsigned long long)m->address, m->data,
			       ST_MSI_ADDRESS, data);
	return ST_PASS;
}

enum st_result st_step_interrupt(struct selftest *st)
{
	char how[256];
	const char *kind;
	enum st_result r;
	int err;

	if (!st->dev || !st->enumerated)
		return st_fail(st, "not enumerated");
	if (st->msix_cap) {
		kind = "MSI-X";
		r = enable_msix(st);
		if (r == ST_PASS)
			r = check_route(st, ST_MSIX_DATA);
	} else if (st->msi_cap) {
		kind = "MSI";
		r = enable_msi(st);
		if (r == ST_PASS)
			r = check_route(st, ST_MSI_DATA);
	} else if (vmpci_device_irq_eventfd(st->dev, VFIO_PCI_INTX_IRQ_INDEX,
					    0) >= 0) {
		kind = "INTx";
		st->irq_index = VFIO_PCI_INTX_IRQ_INDEX;
		r = ST_PASS;
	} else {
		return st_skip(st, "the function has no MSI, MSI-X or INTx");
	}
	if (r != ST_PASS)
		return r;
	st->irq_on = true;
	err = vmpci_device_irq_eventfd(st->dev, st->irq_index, 0);
	if (err < 0)
		return st_fail(st, "%s on, but no eventfd for vector 0: %s", kind,
			       strerror(-err));
	err = st_raise_and_wait(st, how, sizeof(how));
	if (err)
		return st_fail(st, "%s vector 0 never reached its eventfd within %d ms: %s (%s)",
			       kind, ST_IRQ_WAIT_MS, how, strerror(-err));
	if (st->irq_index == VFIO_PCI_INTX_IRQ_INDEX)
		return st_pass(st, "INTx wired at creation; raised by %s", how);
	return st_pass(st, "%s vector 0 enabled by the guest, host route %#x/%#x; raised by %s",
		       kind, ST_MSI_ADDRESS,
		       st->irq_index == VFIO_PCI_MSI_IRQ_INDEX ? ST_MSI_DATA
							       : ST_MSIX_DATA,
		       how);
}
