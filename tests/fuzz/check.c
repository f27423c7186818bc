/* The invariants every fuzz target checks. Each compares two views that
 * must agree: what the guest can read back, what the recording host was
 * asked for, and what the simulated function was told (SET_IRQS, BAR
 * registers, its own config space). */
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "device/device.h"
#include "interrupts/msi.h"
#include "interrupts/msix.h"
#include "migration/migration.h"
#include "pci/config.h"
#include "sim/sim.h"
#include "tests/fuzz/fuzz.h"
#include "vfio/backend.h"

static uint32_t cfg(struct fuzz_world *w, uint16_t off, unsigned size)
{
	uint32_t v = 0;
	int err = vmpci_device_config_read(w->dev, off, size, &v);

	if (err)
		fuzz_fail("guest config read at %#x size %u: %d", off, size,
			  err);
	return v;
}

static uint32_t bar32(struct fuzz_world *w, unsigned bar, uint64_t off)
{
	uint32_t v = 0;
	int err = vmpci_device_bar_read(w->dev, bar, off, 4, &v);

	if (err)
		fuzz_fail("guest read of BAR%u at %#llx: %d", bar,
			  (unsigned long long)off, err);
	return v;
}

/* The simulated function's own config space, as the host sees it. */
static uint32_t sim_cfg(struct fuzz_world *w, uint16_t off, unsigned size)
{
	const struct vmpci_vfio_backend *be = vmpci_vfio_sim_backend(w->sim);
	uint8_t b[4] = { 0 };

	if (be->ops->region_read(be->opaque, VFIO_PCI_CONFIG_REGION_INDEX, off,
				 b, size))
		fuzz_fail("simulated config read at %#x", off);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static struct vmpci_vfio_sim_irq_state sim_irq(struct fuzz_world *w,
					       uint32_t index)
{
	struct vmpci_vfio_sim_irq_state st;

	memset(&st, 0, sizeof(st));
	if (vmpci_vfio_sim_irq_state_get(w->sim, index, &st))
		st.enabled = false;
	return st;
}

static void check_bar_registers(struct fuzz_world *w)
{
	uint64_t writes;
	uint32_t last, reg;

	for (reg = 0; reg < VMPCI_BAR_COUNT; reg++) {
		if (vmpci_vfio_sim_bar_writes(w->sim, reg, &writes, &last))
			fuzz_fail("bar_writes(%u)", reg);
		if (writes)
			fuzz_fail("the guest wrote the function's BAR register %u (%llu times, last %#x)",
				  reg, (unsigned long long)writes, last);
	}
}

void fuzz_check_access(struct fuzz_world *w)
{
	check_bar_registers(w);
	if (w->rec.uncommitted)
		fuzz_fail("a guest access left route changes uncommitted");
}

/* A route the guest-visible state asks for. */
struct want {
	int fd;
	uint64_t address;
	uint32_t data;
};

#define MAX_WANTS (VMPCI_MSIX_MAX_VECTORS + VMPCI_MSI_MAX_VECTORS)

static void want(struct fuzz_world *w, struct want *wants, uint32_t *n,
		 uint32_t index, uint32_t v, uint64_t address, uint32_t data)
{
	int fd = vmpci_device_irq_eventfd(w->dev, index, v);

	if (fd < 0)
		fuzz_fail("unmasked vector %u of IRQ index %u has no eventfd (%d)",
			  v, index, fd);
	wants[(*n)++] = (struct want){ fd, address, data };
}

static bool msix_enabled(struct fuzz_world *w, bool *fmask)
{
	uint32_t ctl;

	*fmask = false;
	if (!w->msix_cap)
		return false;
	ctl = cfg(w, w->msix_cap + PCI_MSIX_FLAGS, 2);
	*fmask = ctl & PCI_MSIX_FLAGS_MASKALL;
	return ctl & PCI_MSIX_FLAGS_ENABLE;
}

static uint32_t msi_vectors(struct fuzz_world *w)
{
	uint32_t flags;

	if (!w->msi_cap)
		return 0;
	flags = cfg(w, w->msi_cap + PCI_MSI_FLAGS, 2);
	if (!(flags & PCI_MSI_FLAGS_ENABLE))
		return 0;
	return 1u << ((flags & PCI_MSI_FLAGS_QSIZE) >> 4);
}

/* MSI-X: enabled, function unmasked, entry unmasked: a route with the
 * entry's message. The PBA never shows an unmasked vector pending. */
static void msix_wants(struct fuzz_world *w, struct want *wants, uint32_t *n)
{
	uint64_t e, pba, bit, addr;
	uint32_t v, ctrl;
	bool fmask;

	if (!msix_enabled(w, &fmask) || fmask)
		return;
	for (v = 0; v < w->msix_entries; v++) {
		e = w->table_off + (uint64_t)v * PCI_MSIX_ENTRY_SIZE;
		ctrl = bar32(w, w->table_bar, e + PCI_MSIX_ENTRY_VECTOR_CTRL);
		if (v % 64 == 0) {
			if (vmpci_device_bar_read(w->dev, w->pba_bar,
						  w->pba_off + v / 8, 8, &pba))
				fuzz_fail("guest PBA read at vector %u", v);
		}
		bit = pba >> (v % 64) & 1;
		if (ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT)
			continue;
		if (bit)
			fuzz_fail("MSI-X vector %u is unmasked but pending", v);
		addr = (uint64_t)bar32(w, w->table_bar,
				       e + PCI_MSIX_ENTRY_UPPER_ADDR) << 32 |
		       bar32(w, w->table_bar, e + PCI_MSIX_ENTRY_LOWER_ADDR);
		want(w, wants, n, VFIO_PCI_MSIX_IRQ_INDEX, v, addr,
		     bar32(w, w->table_bar, e + PCI_MSIX_ENTRY_DATA));
	}
}

/* MSI: enabled, vector below the enabled count, mask bit clear: a route
 * whose data carries the vector number in its low bits. */
static void msi_wants(struct fuzz_world *w, struct want *wants, uint32_t *n)
{
	uint32_t nv = msi_vectors(w), flags, data, mask = 0, v;
	uint16_t p = w->msi_cap;
	uint64_t addr;
	bool is64;

	if (!nv)
		return;
	flags = cfg(w, p + PCI_MSI_FLAGS, 2);
	is64 = flags & PCI_MSI_FLAGS_64BIT;
	addr = cfg(w, p + PCI_MSI_ADDRESS_LO, 4);
	if (is64)
		addr |= (uint64_t)cfg(w, p + PCI_MSI_ADDRESS_HI, 4) << 32;
	data = cfg(w, p + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2);
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		mask = cfg(w, p + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32),
			   4);
	for (v = 0; v < nv; v++)
		if (!(mask >> v & 1))
			want(w, wants, n, VFIO_PCI_MSI_IRQ_INDEX, v, addr,
			     (data & ~(nv - 1)) | v);
}

/* Live, unmasked routes are exactly the wanted ones. */
static void check_routes(struct fuzz_world *w)
{
	static struct want wants[MAX_WANTS];
	const struct vmpci_test_held *r;
	uint32_t n = 0, i, j, live = 0;

	msix_wants(w, wants, &n);
	msi_wants(w, wants, &n);
	for (i = 0; i < w->rec.nr; i++) {
		r = &w->rec.held[i];
		if (!vmpci_test_held_now(r) || r->kind != VMPCI_TEST_ROUTE ||
		    r->masked)
			continue;
		live++;
		for (j = 0; j < n && wants[j].fd != r->fd; j++)
			;
		if (j == n)
			fuzz_fail("route %u (eventfd %d, data %#x) delivers for a masked, disabled or unknown vector",
				  r->handle, r->fd, r->msg.data);
		if (wants[j].address != r->msg.address ||
		    wants[j].data != r->msg.data ||
		    r->msg.devid != FUZZ_SLOT << 3)
			fuzz_fail("route %u delivers %#llx/%#x, the guest programmed %#llx/%#x",
				  r->handle, (unsigned long long)r->msg.address,
				  r->msg.data,
				  (unsigned long long)wants[j].address,
				  wants[j].data);
	}
	if (live != n)
		fuzz_fail("%u unmasked vectors but %u live routes", n, live);
}

/* The eventfds SET_IRQS gave the function are the models' ones. */
static void check_irq_fds(struct fuzz_world *w, uint32_t index,
			  const struct vmpci_vfio_sim_irq_state *st)
{
	int32_t fd;
	uint32_t v;

	for (v = 0; v < st->count; v++) {
		if (vmpci_vfio_sim_irq_eventfd(w->sim, index, v, &fd))
			fuzz_fail("sim eventfd of %u/%u", index, v);
		if (fd != vmpci_device_irq_eventfd(w->dev, index, v))
			fuzz_fail("IRQ %u vector %u: the function signals fd %d, the model reads %d",
				  index, v, fd,
				  vmpci_device_irq_eventfd(w->dev, index, v));
	}
}

/* The guest sees MSI / MSI-X enabled exactly when the function's index is
 * on through SET_IRQS; the function's own enable bits never run ahead of
 * SET_IRQS; INTx is wired exactly when neither message kind is on. */
static void check_irq_modes(struct fuzz_world *w)
{
	struct vmpci_vfio_sim_irq_state msi = sim_irq(w, VFIO_PCI_MSI_IRQ_INDEX);
	struct vmpci_vfio_sim_irq_state msix =
		sim_irq(w, VFIO_PCI_MSIX_IRQ_INDEX);
	struct vmpci_vfio_sim_irq_state intx =
		sim_irq(w, VFIO_PCI_INTX_IRQ_INDEX);
	uint32_t nv = msi_vectors(w);
	bool fmask, xen = msix_enabled(w, &fmask);
	bool wired = vmpci_device_irq_eventfd(w->dev, VFIO_PCI_INTX_IRQ_INDEX,
					      0) >= 0;
	struct vmpci_cap cap;
	size_t i;

	if (xen != msix.enabled)
		fuzz_fail("guest MSI-X enable %d, SET_IRQS(MSIX) enabled %d",
			  xen, msix.enabled);
	if ((nv != 0) != msi.enabled || (nv && msi.count != nv))
		fuzz_fail("guest MSI vectors %u, SET_IRQS(MSI) enabled %d count %u",
			  nv, msi.enabled, msi.count);
	if (xen)
		check_irq_fds(w, VFIO_PCI_MSIX_IRQ_INDEX, &msix);
	if (nv)
		check_irq_fds(w, VFIO_PCI_MSI_IRQ_INDEX, &msi);
	if (wired != intx.enabled || (wired && (xen || nv)))
		fuzz_fail("INTx wired %d, SET_IRQS(INTx) enabled %d, MSI %u, MSI-X %d",
			  wired, intx.enabled, nv, xen);
	for (i = 0; !vmpci_device_cap_get(w->dev, i, &cap); i++) {
		if (cap.flags & (VMPCI_CAP_EXTENDED | VMPCI_CAP_HEADER))
			continue;
		if (cap.id == PCI_CAP_ID_MSI &&
		    (sim_cfg(w, cap.offset + PCI_MSI_FLAGS, 2) &
		     PCI_MSI_FLAGS_ENABLE) && !msi.enabled)
			fuzz_fail("the function's MSI enable bit is set without SET_IRQS(MSI)");
		if (cap.id == PCI_CAP_ID_MSIX &&
		    (sim_cfg(w, cap.offset + PCI_MSIX_FLAGS, 2) &
		     PCI_MSIX_FLAGS_ENABLE) && !msix.enabled)
			fuzz_fail("the function's MSI-X enable bit is set without SET_IRQS(MSIX)");
	}
}

static bool hidden_std(const struct fuzz_world *w, uint8_t id)
{
	uint32_t i;

	for (i = 0; i < w->nr_hidden; i++)
		if (w->hidden[i] == id)
			return true;
	return false;
}

static bool hidden_ext(const struct fuzz_world *w, uint16_t id)
{
	uint32_t i;

	for (i = 0; i < w->nr_hidden_ext; i++)
		if (w->hidden_ext[i] == id)
			return true;
	return false;
}

/* Walk the lists as a guest does: no hidden id shows up, both lists end.
 * Every byte of a hidden capability reads 0 (but the empty header left at
 * 0x100, which links the extended list on). */
static void check_hidden_caps(struct fuzz_world *w)
{
	uint32_t ptr, hdr, steps = 0, b;
	struct vmpci_device_identity id;
	struct vmpci_cap cap;
	size_t i;

	if (cfg(w, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) {
		for (ptr = cfg(w, PCI_CAPABILITY_LIST, 1) & ~3u; ptr >= 0x40;
		     ptr = cfg(w, (uint16_t)(ptr + PCI_CAP_LIST_NEXT), 1) & ~3u) {
			if (++steps > 48)
				fuzz_fail("the guest-visible capability list loops");
			if (hidden_std(w, (uint8_t)cfg(w, (uint16_t)ptr, 1)))
				fuzz_fail("hidden capability %#x visible at %#x",
					  cfg(w, (uint16_t)ptr, 1), ptr);
		}
	}
	vmpci_device_identity_get(w->dev, &id);
	for (ptr = id.config_size > 256 ? 0x100 : 0, steps = 0; ptr >= 0x100;
	     ptr = hdr >> 20 & ~3u) {
		hdr = cfg(w, (uint16_t)ptr, 4);
		if (hdr == 0 || hdr == 0xffffffffu)
			break;
		if (++steps > 1024)
			fuzz_fail("the guest-visible extended list loops");
		if ((hdr & 0xffff) && hidden_ext(w, hdr & 0xffff))
			fuzz_fail("hidden extended capability %#x visible at %#x",
				  hdr & 0xffff, ptr);
	}
	for (i = 0; !vmpci_device_cap_get(w->dev, i, &cap); i++) {
		bool configured = cap.flags & VMPCI_CAP_EXTENDED
					  ? hidden_ext(w, cap.id)
					  : hidden_std(w, (uint8_t)cap.id);

		if (configured && !(cap.flags & VMPCI_CAP_HIDDEN))
			fuzz_fail("capability %#x at %#x is configured hidden but is not",
				  cap.id, cap.offset);
		if (!(cap.flags & VMPCI_CAP_HIDDEN))
			continue;
		for (b = cap.offset == 0x100 ? 4 : 0; b < cap.length; b++)
			if (cfg(w, (uint16_t)(cap.offset + b), 1))
				fuzz_fail("byte %#x of hidden capability %#x at %#x reads %#x",
					  b, cap.id, cap.offset,
					  cfg(w, (uint16_t)(cap.offset + b), 1));
	}
}

/* Whether the guest-visible config space decodes BAR `i` (its register's
 * space enabled in COMMAND, and the ROM's enable bit). */
static bool guest_decodes(struct fuzz_world *w, unsigned i,
			  const struct vmpci_device_bar *bar)
{
	uint16_t cmd = (uint16_t)cfg(w, PCI_COMMAND, 2);

	if (bar->type & VMPCI_BAR_IO)
		return cmd & PCI_COMMAND_IO;
	if (!(cmd & PCI_COMMAND_MEMORY))
		return false;
	return i != VMPCI_BAR_ROM_INDEX ||
	       (cfg(w, PCI_ROM_ADDRESS, 4) & PCI_ROM_ADDRESS_ENABLE);
}

/* The BAR register, the decode and what the VMM was told agree: a BAR is
 * reached exactly when it is placed inside the pools with its decode on,
 * then at the address its register holds (bar_moved said so too); with
 * decode off nothing of it is mapped. */
static void check_decode(struct fuzz_world *w, unsigned i,
			 const struct vmpci_device_bar *bar)
{
	bool want = bar->placed && !bar->outside && guest_decodes(w, i, bar);

	if (bar->reached != want)
		fuzz_fail("BAR%u reached %d, placed %d outside %d decode %d",
			  i, bar->reached, bar->placed, bar->outside,
			  guest_decodes(w, i, bar));
	if (w->vmm_bar[i] != (bar->reached ? bar->addr
					    : VMPCI_DEVICE_BAR_UNMAPPED))
		fuzz_fail("BAR%u: the VMM traps %#llx, the device reaches %#llx (reached %d)",
			  i, (unsigned long long)w->vmm_bar[i],
			  (unsigned long long)bar->addr, bar->reached);
}

/* Memory slots are exactly the mapped areas of reached BARs, and the pools
 * hold exactly the ranges of BARs placed inside them. */
static void check_slots(struct fuzz_world *w)
{
	struct vmpci_device_bar bar;
	uint32_t want_slots = 0, a, held = 0;
	const struct vmpci_test_held *sl;
	uint64_t gpa;
	unsigned i;

	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		if (vmpci_device_bar_get(w->dev, i, &bar))
			fuzz_fail("bar_get(%u)", i);
		if (!bar.type)
			continue;
		check_decode(w, i, &bar);
		if (bar.placed && !bar.outside)
			held++;
		if (!bar.reached)
			continue;
		for (a = 0; a < bar.nr_mapped; a++, want_slots++) {
			gpa = bar.addr + bar.mapped[a].offset;
			sl = vmpci_test_host_slot_at(&w->rec, gpa);
			if (!sl || sl->gpa != gpa ||
			    sl->size != bar.mapped[a].size)
				fuzz_fail("BAR%u area %u at %#llx has no memory slot",
					  i, a, (unsigned long long)gpa);
		}
	}
	if (vmpci_test_host_count(&w->rec, VMPCI_TEST_SLOT) != want_slots)
		fuzz_fail("%u memory slots for %u mapped BAR areas",
			  vmpci_test_host_count(&w->rec, VMPCI_TEST_SLOT),
			  want_slots);
	if (vmpci_alloc_count(w->io) + vmpci_alloc_count(w->mmio32) +
		    vmpci_alloc_count(w->mmio64) !=
	    held)
		fuzz_fail("%u BARs inside the pools but %llu ranges allocated",
			  held,
			  (unsigned long long)(vmpci_alloc_count(w->io) +
					       vmpci_alloc_count(w->mmio32) +
					       vmpci_alloc_count(w->mmio64)));
}

void fuzz_check_all(struct fuzz_world *w)
{
	fuzz_check_access(w);
	check_irq_modes(w);
	check_routes(w);
	check_hidden_caps(w);
	check_slots(w);
}

void fuzz_check_migrates(struct fuzz_world *w, unsigned fixture, uint8_t hide)
{
	char *doc = NULL, *doc2 = NULL;
	struct fuzz_world fresh;
	int rc;

	if (vmpci_snapshot_save(w->dev, &doc))
		fuzz_fail("saving a state the guest reached");
	fuzz_world_new(&fresh, fixture, hide);
	rc = vmpci_snapshot_restore(fresh.dev, doc, strlen(doc));
	if (rc)
		fuzz_fail("the snapshot of a state the guest reached does not restore (%d: %s):\n%s",
			  rc, vmpci_device_errmsg(fresh.dev), doc);
	fuzz_check_all(&fresh);
	if (vmpci_snapshot_save(fresh.dev, &doc2))
		fuzz_fail("saving the restored device");
	if (strcmp(doc, doc2))
		fuzz_fail("a restored device saves differently:\n%s\n%s", doc,
			  doc2);
	free(doc);
	free(doc2);
	fuzz_world_free(&fresh);
}
