/* MSI model: the capability's registers as an image plus a per-byte mask
 * of the bits the guest may write, and the routes of its vectors.
 *
 * Multi-message MSI is first-class: the guest may enable every vector the
 * capability advertises (up to 32) and each enabled vector gets its own
 * eventfd and route, its message data carrying the vector number in the low
 * bits as the function would send it. A vector masked through the
 * per-vector mask register keeps its route masked (eventfd detached); its
 * signals show in Pending Bits and are delivered on unmask. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>

#include "interrupts/msi.h"
#include "interrupts/state_check.h"
#include "interrupts/vectors.h"
#include "vmpci_why.h"

enum { MSI_CAP_MAX = PCI_MSI_PENDING_64 + 4 };

/* Where the registers are, by [64-bit][per-vector mask]. */
static const struct msi_layout {
	uint32_t len, data, mask, pending;
} msi_layouts[2][2] = {
	{ { PCI_MSI_DATA_32 + 2, PCI_MSI_DATA_32, 0, 0 },
	  { PCI_MSI_PENDING_32 + 4, PCI_MSI_DATA_32, PCI_MSI_MASK_32,
	    PCI_MSI_PENDING_32 } },
	{ { PCI_MSI_DATA_64 + 2, PCI_MSI_DATA_64, 0, 0 },
	  { PCI_MSI_PENDING_64 + 4, PCI_MSI_DATA_64, PCI_MSI_MASK_64,
	    PCI_MSI_PENDING_64 } },
};

/* The Message Control bits we model; the rest (extended message data and
 * newer fields we do not implement) read 0. */
#define MSI_CONTROL_BITS                                                  \
	(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_QSIZE | \
	 PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT)
#define MSI_GUEST_BITS (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)

struct vmpci_msi {
	struct irq_vectors vs;
	struct msi_layout l;
	bool is64;
	uint32_t capable;    /* vectors the capability advertises */
	uint32_t nr_vectors; /* vectors of the last ENABLE / RESIZE */
	uint32_t devid;
	uint8_t img[MSI_CAP_MAX];
	uint8_t wmask[MSI_CAP_MAX];
};

static uint16_t control(const struct vmpci_msi *m)
{
	return (uint16_t)vmpci__irq_le_get(m->img + PCI_MSI_FLAGS, 2);
}

static bool enabled(const struct vmpci_msi *m)
{
	return control(m) & PCI_MSI_FLAGS_ENABLE;
}

/* Vectors the guest asked for in Multiple Message Enable. */
static uint32_t requested(const struct vmpci_msi *m)
{
	return 1u << ((control(m) & PCI_MSI_FLAGS_QSIZE) >> 4);
}

/* The read-only Message Control bits the model keeps of the function's
 * register. Reserved MMC encodings (6, 7) mean no more than 32 vectors. */
static uint16_t cap_bits(uint16_t control)
{
	uint16_t ctl = control & MSI_CONTROL_BITS & ~MSI_GUEST_BITS;

	if (((ctl & PCI_MSI_FLAGS_QMASK) >> 1) > 5)
		ctl = (uint16_t)((ctl & ~PCI_MSI_FLAGS_QMASK) | 5 << 1);
	return ctl;
}

static uint32_t all_vectors(uint32_t n)
{
	return n == 32 ? 0xffffffffu : (1u << n) - 1;
}

static uint32_t mask_bits(const struct vmpci_msi *m)
{
	return m->l.mask ? vmpci__irq_le_get(m->img + m->l.mask, 4) : 0;
}

static uint64_t address(const struct vmpci_msi *m)
{
	uint64_t hi = m->is64 ? vmpci__irq_le_get(m->img + PCI_MSI_ADDRESS_HI, 4) : 0;

	return hi << 32 | vmpci__irq_le_get(m->img + PCI_MSI_ADDRESS_LO, 4);
}

/* With n vectors enabled the function puts the vector number in the low
 * log2(n) bits of the data it sends (PCI spec, MSI Message Data). */
static struct vmpci_msi_msg vector_msg(const struct vmpci_msi *m, uint32_t i)
{
	uint32_t data = vmpci__irq_le_get(m->img + m->l.data, 2);
	struct vmpci_msi_msg msg = {
		.address = address(m),
		.data = (data & ~(m->nr_vectors - 1)) | i,
		.devid = m->devid,
	};

	return msg;
}

/* Multiple Message Enable past Multiple Message Capable (or a reserved
 * encoding) gets what the capability has, as the guest then reads back. */
static void clamp_mme(struct vmpci_msi *m)
{
	uint16_t c = control(m);
	uint16_t mmc = (c & PCI_MSI_FLAGS_QMASK) >> 1;

	if (((c & PCI_MSI_FLAGS_QSIZE) >> 4) > mmc)
		vmpci__irq_le_put(m->img + PCI_MSI_FLAGS, 2,
			   (uint16_t)((c & ~PCI_MSI_FLAGS_QSIZE) | mmc << 4));
}

static void set_control_bit(struct vmpci_msi *m, uint16_t bit, bool on)
{
	uint16_t c = control(m);

	vmpci__irq_le_put(m->img + PCI_MSI_FLAGS, 2,
		   on ? (uint16_t)(c | bit) : (uint16_t)(c & ~bit));
}

static int sync_all(struct vmpci_msi *m, int err)
{
	bool en = enabled(m);
	uint32_t masked = mask_bits(m);

	for (uint32_t i = 0; i < m->capable; i++) {
		struct vmpci_msi_msg msg = vector_msg(m, i);
		int rc;

		if (!en || i >= m->nr_vectors)
			rc = vmpci__irq_vectors_unroute(&m->vs, i);
		else if (masked >> i & 1 || i >= m->vs.nr_fds)
			rc = vmpci__irq_vectors_mask(&m->vs, i);
		else
			rc = vmpci__irq_vectors_route(&m->vs, i, &msg);
		err = irq_first_err(err, rc);
	}
	return vmpci__irq_vectors_finish(&m->vs, 0, m->capable, err);
}

/* Eventfds for what the guest enabled; on failure as many as we have. */
static int take_vectors(struct vmpci_msi *m)
{
	int rc = vmpci__irq_vectors_grow(&m->vs, requested(m));

	m->nr_vectors = requested(m) < m->vs.nr_fds ? requested(m)
						     : m->vs.nr_fds;
	return rc;
}

static int disable(struct vmpci_msi *m)
{
	int err;

	m->vs.pending[0] = 0;
	err = sync_all(m, 0);
	vmpci__irq_vectors_notify(&m->vs, VMPCI_IRQ_DISABLE, 0);
	return err;
}

static int enable(struct vmpci_msi *m)
{
	uint32_t used_before = m->vs.nr_fds;
	int rc = take_vectors(m);

	if (!rc) {
		/* Signals from an earlier enable are not this one's; eventfds
		 * take_vectors just made were never handed out. */
		vmpci__irq_vectors_drain(&m->vs, used_before < m->nr_vectors
						  ? used_before
						  : m->nr_vectors);
		rc = vmpci__irq_vectors_notify(&m->vs, VMPCI_IRQ_ENABLE,
					m->nr_vectors);
	}
	if (rc) {
		set_control_bit(m, PCI_MSI_FLAGS_ENABLE, false);
		return rc;
	}
	rc = sync_all(m, 0);
	if (rc) {
		/* The host could not route the vectors: refuse the enable as
		 * MSI-X does (msix.c enable), so no route stays and the device
		 * wires INTx again. */
		set_control_bit(m, PCI_MSI_FLAGS_ENABLE, false);
		disable(m);
	}
	return rc;
}

/* Act on a new register image whose previous Message Control was `old`. */
static int apply(struct vmpci_msi *m, uint16_t old)
{
	bool was = old & PCI_MSI_FLAGS_ENABLE;
	int err = 0;

	clamp_mme(m);
	if (!was && enabled(m))
		return enable(m);
	if (was && !enabled(m))
		return disable(m);
	if (!enabled(m))
		return 0;
	if (requested(m) != m->nr_vectors) {
		err = take_vectors(m);
		vmpci__irq_vectors_notify(&m->vs, VMPCI_IRQ_RESIZE, m->nr_vectors);
	}
	return sync_all(m, err);
}

static void init_image(struct vmpci_msi *m, uint16_t ctl)
{
	vmpci__irq_le_put(m->img + PCI_MSI_FLAGS, 2, ctl);
	m->wmask[PCI_MSI_FLAGS] = MSI_GUEST_BITS;
	vmpci__irq_le_put(m->wmask + PCI_MSI_ADDRESS_LO, 4, 0xfffffffc);
	if (m->is64)
		vmpci__irq_le_put(m->wmask + PCI_MSI_ADDRESS_HI, 4, 0xffffffff);
	vmpci__irq_le_put(m->wmask + m->l.data, 2, 0xffff);
	if (m->l.mask)
		vmpci__irq_le_put(m->wmask + m->l.mask, 4, all_vectors(m->capable));
}

int vmpci_msi_new(const struct vmpci_host *host,
		  const struct vmpci_msi_params *params, struct vmpci_msi **out)
{
	struct vmpci_msi *m;
	uint16_t ctl;
	int rc;

	if (!host || !params || !out)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	ctl = cap_bits(params->control);
	m->is64 = ctl & PCI_MSI_FLAGS_64BIT;
	m->l = msi_layouts[m->is64][!!(ctl & PCI_MSI_FLAGS_MASKBIT)];
	m->devid = params->devid;
	m->capable = 1u << ((ctl & PCI_MSI_FLAGS_QMASK) >> 1);
	m->nr_vectors = 1;
	init_image(m, ctl);
	rc = vmpci__irq_vectors_init(&m->vs, host, params->name, params->notify,
			      params->opaque, m->capable);
	if (rc) {
		vmpci_msi_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void vmpci_msi_free(struct vmpci_msi *m)
{
	if (!m)
		return;
	vmpci__irq_vectors_destroy(&m->vs);
	free(m);
}

uint32_t vmpci_msi_cap_size(const struct vmpci_msi *m)
{
	return m ? m->l.len : 0;
}

static void collect(struct vmpci_msi *m)
{
	if (!enabled(m))
		return;
	for (uint32_t i = 0; i < m->nr_vectors; i++)
		vmpci__irq_vectors_collect(&m->vs, i);
}

int vmpci_msi_read(struct vmpci_msi *m, uint32_t offset, uint32_t size,
		   uint32_t *value)
{
	if (!m)
		return -EINVAL;
	if (m->l.pending && offset < m->l.pending + 4 &&
	    (uint64_t)offset + size > m->l.pending) {
		collect(m);
		vmpci__irq_le_put(m->img + m->l.pending, 4, (uint32_t)m->vs.pending[0]);
	}
	return vmpci__irq_cap_read(m->img, m->l.len, offset, size, value);
}

int vmpci_msi_write(struct vmpci_msi *m, uint32_t offset, uint32_t size,
		    uint32_t value)
{
	uint16_t old;
	int rc;

	if (!m)
		return -EINVAL;
	old = control(m);
	rc = vmpci__irq_cap_write(m->img, m->wmask, m->l.len, offset, size, value);
	return rc ? rc : apply(m, old);
}

bool vmpci_msi_enabled(const struct vmpci_msi *m)
{
	return m && enabled(m);
}

int vmpci_msi_set_devid(struct vmpci_msi *m, uint32_t devid)
{
	return m ? irq_devid_set(&m->devid, enabled(m), devid) : -EINVAL;
}

uint32_t vmpci_msi_nr_vectors(const struct vmpci_msi *m)
{
	return m ? m->nr_vectors : 0;
}

int vmpci_msi_vector_eventfd(const struct vmpci_msi *m, uint32_t vector)
{
	if (!m || vector >= VMPCI_MSI_MAX_VECTORS)
		return -EINVAL;
	return vector < m->vs.nr_fds ? m->vs.v[vector].fd : -ENOENT;
}

int vmpci_msi_state_get(struct vmpci_msi *m, struct vmpci_msi_state *out)
{
	if (!m || !out)
		return -EINVAL;
	collect(m);
	out->control = control(m);
	out->address = address(m);
	out->data = (uint16_t)vmpci__irq_le_get(m->img + m->l.data, 2);
	out->mask = mask_bits(m);
	out->pending = (uint32_t)m->vs.pending[0];
	return 0;
}

int vmpci__msi_state_explain(uint16_t cap_control,
			     const struct vmpci_msi_state *in, char *why,
			     size_t len)
{
	uint16_t ro = (uint16_t)~MSI_GUEST_BITS;
	uint16_t ctl = cap_bits(cap_control);
	unsigned mmc = (ctl & PCI_MSI_FLAGS_QMASK) >> 1;
	uint32_t vectors =
		ctl & PCI_MSI_FLAGS_MASKBIT ? all_vectors(1u << mmc) : 0;

	if (!in)
		return vmpci__why(why, len, -EINVAL, "no state");
	if ((in->control & ro) != ctl)
		return vmpci__why(why, len, -EINVAL,
				  "control: 0x%04x, but the capability's read-only bits are 0x%04x",
				  in->control, ctl);
	if (((in->control & PCI_MSI_FLAGS_QSIZE) >> 4) > mmc)
		return vmpci__why(why, len, -EINVAL,
				  "control: Multiple Message Enable %u exceeds Multiple Message Capable %u",
				  (in->control & PCI_MSI_FLAGS_QSIZE) >> 4, mmc);
	if (in->address & 3)
		return vmpci__why(why, len, -EINVAL,
				  "address: 0x%llx is not dword aligned",
				  (unsigned long long)in->address);
	if (!(ctl & PCI_MSI_FLAGS_64BIT) && in->address >> 32)
		return vmpci__why(why, len, -EINVAL,
				  "address: 0x%llx needs 64 bits, the capability has 32",
				  (unsigned long long)in->address);
	/* Without per-vector masking no vector has mask or pending bits. */
	if (in->mask & ~vectors)
		return vmpci__why(why, len, -EINVAL,
				  "mask: 0x%x names vectors the capability lacks (valid 0x%x)",
				  in->mask, vectors);
	if (in->pending & ~vectors)
		return vmpci__why(why, len, -EINVAL,
				  "pending: 0x%x names vectors the capability lacks (valid 0x%x)",
				  in->pending, vectors);
	return 0;
}

int vmpci_msi_state_check(uint16_t cap_control,
			  const struct vmpci_msi_state *in)
{
	return vmpci__msi_state_explain(cap_control, in, NULL, 0);
}

int vmpci_msi_state_set(struct vmpci_msi *m, const struct vmpci_msi_state *in)
{
	int err = 0;

	if (!m || vmpci_msi_state_check(control(m), in))
		return -EINVAL;
	if (enabled(m)) {
		set_control_bit(m, PCI_MSI_FLAGS_ENABLE, false);
		err = disable(m);
	}
	vmpci__irq_le_put(m->img + PCI_MSI_FLAGS, 2,
		   in->control & (uint16_t)~PCI_MSI_FLAGS_ENABLE);
	vmpci__irq_le_put(m->img + PCI_MSI_ADDRESS_LO, 4, (uint32_t)in->address);
	if (m->is64)
		vmpci__irq_le_put(m->img + PCI_MSI_ADDRESS_HI, 4,
			   (uint32_t)(in->address >> 32));
	vmpci__irq_le_put(m->img + m->l.data, 2, in->data);
	if (m->l.mask)
		vmpci__irq_le_put(m->img + m->l.mask, 4, in->mask);
	m->vs.pending[0] = in->pending;
	if (in->control & PCI_MSI_FLAGS_ENABLE) {
		set_control_bit(m, PCI_MSI_FLAGS_ENABLE, true);
		err = irq_first_err(err, enable(m));
	}
	return err;
}

int vmpci_msi_reset(struct vmpci_msi *m)
{
	struct vmpci_msi_state zero = { 0 };

	if (!m)
		return -EINVAL;
	zero.control = control(m) & (uint16_t)~MSI_GUEST_BITS;
	return vmpci_msi_state_set(m, &zero);
}
