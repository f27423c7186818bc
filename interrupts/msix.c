/* MSI-X model: capability registers, table and PBA as the guest sees them,
 * and which vectors hold host routes.
 *
 * A vector delivers only while the function is enabled and unmasked and
 * its entry is unmasked. Routes are a cheap host resource (a KVM GSI route
 * is a table entry; host IRQs, i.e. VFIO vectors, are what is scarce), so
 * when a whole-table change commits anyway (enable, function mask or
 * unmask, restore) every programmed but masked entry gets a masked route
 * too: Linux programs every entry behind the function mask and unmasks
 * them one by one in request_irq, and each of those unmasks is then an
 * irqfd assign, not a routing commit. A masked route has no irqfd, so its
 * signals wait in the eventfd and become pending bits. A single table
 * write never adds a masked route (that would be one commit per write);
 * an entry reprogrammed while masked keeps its old masked route until the
 * unmask, which updates it in one commit. VFIO vectors still follow the
 * unmasks: the device wires [0, highest unmasked entry]. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>

#include "interrupts/msix_internal.h"

const uint32_t vmpci__msix_entry_wmask[MSIX_WORDS] = {
	[MSIX_ADDR_LO] = 0xfffffffc, /* bits 1:0 keep the DWORD alignment */
	[MSIX_ADDR_HI] = 0xffffffff,
	[MSIX_DATA] = 0xffffffff,
	[MSIX_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT,
};

/* Capability bytes [0, 12): header, Message Control, Table, PBA. Only the
 * enable and function-mask bits are the guest's. */
enum { MSIX_CAP_LEN = PCI_MSIX_PBA + 4 };
static const uint8_t msix_cap_wmask[MSIX_CAP_LEN] = {
	[PCI_MSIX_FLAGS + 1] =
		(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8,
};

static bool enabled(const struct vmpci_msix *m)
{
	return m->control & PCI_MSIX_FLAGS_ENABLE;
}

static bool function_masked(const struct vmpci_msix *m)
{
	return m->control & PCI_MSIX_FLAGS_MASKALL;
}

static bool entry_masked(const struct vmpci_msix *m, uint32_t i)
{
	return m->table[i * MSIX_WORDS + MSIX_CTRL] &
	       PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

static struct vmpci_msi_msg entry_msg(const struct vmpci_msix *m, uint32_t i)
{
	const uint32_t *e = &m->table[i * MSIX_WORDS];
	struct vmpci_msi_msg msg = {
		.address = (uint64_t)e[MSIX_ADDR_HI] << 32 | e[MSIX_ADDR_LO],
		.data = e[MSIX_DATA],
		.devid = m->devid,
	};

	return msg;
}

/* Entries the guest has given a message: x86 and ARM never put an MSI
 * doorbell at address 0, and every entry starts there. */
static bool entry_programmed(const struct vmpci_msix *m, uint32_t i)
{
	const uint32_t *e = &m->table[i * MSIX_WORDS];

	return e[MSIX_ADDR_LO] | e[MSIX_ADDR_HI];
}

/* Wire vectors [0, n) (the device hands their eventfds to VFIO), telling
 * the device when the count grows while enabled so it can wire the new
 * ones. */
static int use(struct vmpci_msix *m, uint32_t n, bool report)
{
	int rc = vmpci__irq_vectors_grow(&m->vs, n);

	if (rc || n <= m->used)
		return rc;
	m->used = n;
	if (report)
		vmpci__irq_vectors_notify(&m->vs, VMPCI_IRQ_RESIZE, m->used);
	return 0;
}

/* Vectors the device must wire: up to the highest unmasked entry. */
static uint32_t vectors_in_use(const struct vmpci_msix *m)
{
	for (uint32_t i = m->nr; i > 0; i--)
		if (!entry_masked(m, i - 1))
			return i;
	return 1;
}

/* Eventfds for the masked routes of a whole-table change: up to the
 * highest programmed entry. Best effort: a vector left without one gets
 * its route at its unmask, as it would without masked routes. */
static void prepare_masked_routes(struct vmpci_msix *m)
{
	for (uint32_t i = m->nr; i > m->vs.nr_fds; i--)
		if (entry_programmed(m, i - 1)) {
			vmpci__irq_vectors_grow(&m->vs, i);
			return;
		}
}

/* Host state of vector i after a guest change. `whole_table`: the change
 * commits the whole table anyway, so masked, programmed entries get masked
 * routes (see the top of the file). A host out of routes leaves the vector
 * unrouted and the function working with the vectors it has. */
static int sync_vector(struct vmpci_msix *m, uint32_t i, bool whole_table)
{
	struct vmpci_msi_msg msg = entry_msg(m, i);
	int rc;

	if (!enabled(m))
		return vmpci__irq_vectors_unroute(&m->vs, i);
	if (function_masked(m) || entry_masked(m, i) || i >= m->used) {
		if (!whole_table || !entry_programmed(m, i) ||
		    i >= m->vs.nr_fds)
			return vmpci__irq_vectors_mask(&m->vs, i);
		/* Nothing is lost without it: unmasking routes it then. */
		vmpci__irq_vectors_route_masked(&m->vs, i, &msg);
		return 0;
	}
	rc = vmpci__irq_vectors_route(&m->vs, i, &msg);
	return rc == -ENOSPC ? 0 : rc;
}

static int sync_all(struct vmpci_msix *m, int err)
{
	if (enabled(m))
		prepare_masked_routes(m);
	for (uint32_t i = 0; i < m->nr; i++)
		err = irq_first_err(err, sync_vector(m, i, true));
	return vmpci__irq_vectors_finish(&m->vs, 0, m->nr, err);
}

static int disable(struct vmpci_msix *m)
{
	int err;

	memset(m->vs.pending, 0, (m->nr + 63) / 64 * sizeof(uint64_t));
	err = sync_all(m, 0);
	vmpci__irq_vectors_notify(&m->vs, VMPCI_IRQ_DISABLE, 0);
	return err;
}

static int enable(struct vmpci_msix *m)
{
	uint32_t used_before = m->used;
	int rc = use(m, vectors_in_use(m), false);

	if (!rc) {
		/* Signals from an earlier enable are not this one's. Eventfds
		 * never wired were never handed out: nothing to drain (a
		 * restore of 2048 vectors saves 2048 reads). */
		vmpci__irq_vectors_drain(&m->vs, used_before);
		rc = vmpci__irq_vectors_notify(&m->vs, VMPCI_IRQ_ENABLE, m->used);
	}
	if (rc) {
		m->control &= (uint16_t)~PCI_MSIX_FLAGS_ENABLE;
		return rc;
	}
	rc = sync_all(m, 0);
	if (rc) {
		/* The host could not route the vectors: refuse the enable as
		 * a vetoed one is refused (the guest reads it clear, the
		 * device wires INTx again) instead of leaving an enabled
		 * function whose messages go nowhere. */
		m->control &= (uint16_t)~PCI_MSIX_FLAGS_ENABLE;
		disable(m);
	}
	return rc;
}

int vmpci__msix_set_control(struct vmpci_msix *m, uint16_t value)
{
	uint16_t old = m->control;
	uint16_t guest = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

	m->control = (uint16_t)((old & ~guest) | (value & guest));
	if (!(old & PCI_MSIX_FLAGS_ENABLE) && enabled(m))
		return enable(m);
	if ((old & PCI_MSIX_FLAGS_ENABLE) && !enabled(m))
		return disable(m);
	if (enabled(m) && (old ^ m->control) & PCI_MSIX_FLAGS_MASKALL)
		return sync_all(m, use(m, vectors_in_use(m), true));
	return 0;
}

void vmpci__msix_collect(struct vmpci_msix *m, uint32_t lo, uint32_t hi)
{
	if (!enabled(m))
		return;
	for (uint32_t i = lo; i < hi && i < m->nr; i++)
		vmpci__irq_vectors_collect(&m->vs, i);
}

int vmpci_msix_new(const struct vmpci_host *host,
		   const struct vmpci_msix_params *params,
		   struct vmpci_msix **out)
{
	struct vmpci_msix *m;
	int rc;

	if (!host || !params || !out ||
	    (params->table & PCI_MSIX_TABLE_BIR) > 5 ||
	    (params->pba & PCI_MSIX_PBA_BIR) > 5)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nr = (params->control & PCI_MSIX_FLAGS_QSIZE) + 1u;
	m->control = params->control & PCI_MSIX_FLAGS_QSIZE;
	m->table_reg = params->table;
	m->pba_reg = params->pba;
	m->devid = params->devid;
	rc = vmpci__irq_vectors_init(&m->vs, host, params->name, params->notify,
			      params->opaque, m->nr);
	if (rc)
		goto fail;
	m->table = calloc(m->nr, MSIX_WORDS * sizeof(uint32_t));
	if (!m->table) {
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < m->nr; i++)
		m->table[i * MSIX_WORDS + MSIX_CTRL] =
			PCI_MSIX_ENTRY_CTRL_MASKBIT;
	*out = m;
	return 0;
fail:
	vmpci_msix_free(m);
	return rc;
}

void vmpci_msix_free(struct vmpci_msix *m)
{
	if (!m)
		return;
	vmpci__irq_vectors_destroy(&m->vs);
	free(m->table);
	free(m);
}

void vmpci_msix_layout_get(const struct vmpci_msix *m,
		       struct vmpci_msix_layout *out)
{
	if (!m || !out)
		return;
	out->nr_entries = m->nr;
	out->table_bar = m->table_reg & PCI_MSIX_TABLE_BIR;
	out->table_offset = m->table_reg & PCI_MSIX_TABLE_OFFSET;
	out->table_size = (uint64_t)m->nr * PCI_MSIX_ENTRY_SIZE;
	out->pba_bar = m->pba_reg & PCI_MSIX_PBA_BIR;
	out->pba_offset = m->pba_reg & PCI_MSIX_PBA_OFFSET;
	out->pba_size = (uint64_t)(m->nr + 63) / 64 * 8;
}

static void cap_image(const struct vmpci_msix *m, uint8_t *img)
{
	memset(img, 0, MSIX_CAP_LEN);
	vmpci__irq_le_put(img + PCI_MSIX_FLAGS, 2, m->control);
	vmpci__irq_le_put(img + PCI_MSIX_TABLE, 4, m->table_reg);
	vmpci__irq_le_put(img + PCI_MSIX_PBA, 4, m->pba_reg);
}

int vmpci_msix_cap_read(struct vmpci_msix *m, uint32_t offset, uint32_t size,
			uint32_t *value)
{
	uint8_t img[MSIX_CAP_LEN];

	if (!m)
		return -EINVAL;
	cap_image(m, img);
	return vmpci__irq_cap_read(img, MSIX_CAP_LEN, offset, size, value);
}

int vmpci_msix_cap_write(struct vmpci_msix *m, uint32_t offset, uint32_t size,
			 uint32_t value)
{
	uint8_t img[MSIX_CAP_LEN];
	int rc;

	if (!m)
		return -EINVAL;
	cap_image(m, img);
	rc = vmpci__irq_cap_write(img, msix_cap_wmask, MSIX_CAP_LEN, offset, size,
			   value);
	if (rc)
		return rc;
	return vmpci__msix_set_control(m, (uint16_t)vmpci__irq_le_get(img + PCI_MSIX_FLAGS,
							2));
}

/* Table and PBA accesses the model serves: 4 or 8 bytes, naturally
 * aligned, inside the range. */
static bool bar_access_ok(uint64_t offset, uint32_t size, uint64_t len)
{
	return (size == 4 || size == 8) && offset % size == 0 &&
	       offset < len && size <= len - offset;
}

int vmpci_msix_table_read(struct vmpci_msix *m, uint64_t offset,
			  uint32_t size, void *data)
{
	uint8_t *out = data;

	if (!m || !data)
		return -EINVAL;
	if (!bar_access_ok(offset, size, (uint64_t)m->nr * PCI_MSIX_ENTRY_SIZE)) {
		memset(out, 0xff, size);
		return 0;
	}
	for (uint32_t w = 0; w < size / 4; w++)
		vmpci__irq_le_put(out + 4 * w, 4, m->table[offset / 4 + w]);
	return 0;
}

int vmpci_msix_table_write(struct vmpci_msix *m, uint64_t offset,
			   uint32_t size, const void *data)
{
	const uint8_t *in = data;
	uint32_t i;
	int err;

	if (!m || !data)
		return -EINVAL;
	if (!bar_access_ok(offset, size, (uint64_t)m->nr * PCI_MSIX_ENTRY_SIZE))
		return 0;
	i = (uint32_t)(offset / PCI_MSIX_ENTRY_SIZE);
	for (uint32_t w = 0; w < size / 4; w++) {
		uint64_t word = offset / 4 + w;

		m->table[word] = vmpci__irq_le_get(in + 4 * w, 4) &
				 vmpci__msix_entry_wmask[word % MSIX_WORDS];
	}
	if (!enabled(m))
		return 0;
	err = entry_masked(m, i) ? 0 : use(m, i + 1, true);
	return vmpci__irq_vectors_finish(&m->vs, i, i + 1,
				  irq_first_err(err, sync_vector(m, i, false)));
}

int vmpci_msix_pba_read(struct vmpci_msix *m, uint64_t offset, uint32_t size,
			void *data)
{
	uint8_t *out = data;
	struct vmpci_msix_layout l;
	uint32_t first;

	if (!m || !data)
		return -EINVAL;
	vmpci_msix_layout_get(m, &l);
	if (!bar_access_ok(offset, size, l.pba_size)) {
		memset(out, 0xff, size);
		return 0;
	}
	first = (uint32_t)offset * 8;
	vmpci__msix_collect(m, first, first + size * 8);
	for (uint32_t b = 0; b < size; b++) {
		uint64_t byte = offset + b;

		out[b] = (uint8_t)(m->vs.pending[byte / 8] >> (8 * (byte % 8)));
	}
	return 0;
}

bool vmpci_msix_enabled(const struct vmpci_msix *m)
{
	return m && enabled(m);
}

int vmpci_msix_set_devid(struct vmpci_msix *m, uint32_t devid)
{
	return m ? irq_devid_set(&m->devid, enabled(m), devid) : -EINVAL;
}

bool vmpci_msix_function_masked(const struct vmpci_msix *m)
{
	return m && function_masked(m);
}

uint32_t vmpci_msix_nr_vectors(const struct vmpci_msix *m)
{
	return m ? m->used : 0;
}

int vmpci_msix_vector_eventfd(const struct vmpci_msix *m, uint32_t vector)
{
	if (!m || vector >= m->nr)
		return -EINVAL;
	return vector < m->vs.nr_fds ? m->vs.v[vector].fd : -ENOENT;
}

int vmpci_msix_prepare(struct vmpci_msix *m, uint32_t n)
{
	if (!m || n > m->nr)
		return -EINVAL;
	/* Never wired, so the enable neither drains nor collects them. */
	return vmpci__irq_vectors_grow(&m->vs, n);
}
