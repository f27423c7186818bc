/* MSI-X snapshot and restore, and reset: the guest-visible state as a plain
 * struct, validated whole before anything changes. */
#include <errno.h>
#include <linux/pci_regs.h>
#include <string.h>

#include "interrupts/msix_internal.h"
#include "interrupts/state_check.h"
#include "vmpci_why.h"

int vmpci_msix_state_get(struct vmpci_msix *m, struct vmpci_msix_state *out)
{
	if (!m || !out)
		return -EINVAL;
	vmpci__msix_collect(m, 0, m->nr);
	memset(out, 0, sizeof(*out));
	out->control = m->control;
	out->nr_entries = m->nr;
	for (uint32_t i = 0; i < m->nr; i++) {
		const uint32_t *e = &m->table[i * MSIX_WORDS];

		out->entries[i].address =
			(uint64_t)e[MSIX_ADDR_HI] << 32 | e[MSIX_ADDR_LO];
		out->entries[i].data = e[MSIX_DATA];
		out->entries[i].control = e[MSIX_CTRL];
	}
	memcpy(out->pba, m->vs.pending, (m->nr + 63) / 64 * sizeof(uint64_t));
	return 0;
}

int vmpci__msix_state_explain(uint16_t cap_control,
			      const struct vmpci_msix_state *in, char *why,
			      size_t len)
{
	uint16_t guest = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;
	uint32_t nr = (cap_control & PCI_MSIX_FLAGS_QSIZE) + 1u;

	if (!in)
		return vmpci__why(why, len, -EINVAL, "no state");
	if (in->nr_entries != nr)
		return vmpci__why(why, len, -EINVAL,
				  "nr_entries: %u, but the capability's table has %u",
				  in->nr_entries, nr);
	if ((in->control & ~guest) != (cap_control & PCI_MSIX_FLAGS_QSIZE))
		return vmpci__why(why, len, -EINVAL,
				  "control: 0x%04x, but the capability's read-only bits are 0x%04x",
				  in->control, cap_control & PCI_MSIX_FLAGS_QSIZE);
	for (uint32_t i = 0; i < nr; i++) {
		const struct vmpci_msix_entry *e = &in->entries[i];

		if ((uint32_t)e->address & ~vmpci__msix_entry_wmask[MSIX_ADDR_LO])
			return vmpci__why(why, len, -EINVAL,
					  "entries[%u].address: 0x%llx has reserved bits 1:0 set",
					  i, (unsigned long long)e->address);
		if (e->control & ~vmpci__msix_entry_wmask[MSIX_CTRL])
			return vmpci__why(why, len, -EINVAL,
					  "entries[%u].control: 0x%x has reserved bits 31:1 set",
					  i, e->control);
	}
	for (uint32_t w = nr / 64; w < VMPCI_MSIX_MAX_VECTORS / 64; w++) {
		uint64_t valid = w == nr / 64 ? (1ull << (nr % 64)) - 1 : 0;

		if (in->pba[w] & ~valid)
			return vmpci__why(why, len, -EINVAL,
					  "pba[%u]: 0x%llx names vectors past the table's %u entries",
					  w, (unsigned long long)in->pba[w], nr);
	}
	return 0;
}

int vmpci_msix_state_check(uint16_t cap_control,
			   const struct vmpci_msix_state *in)
{
	return vmpci__msix_state_explain(cap_control, in, NULL, 0);
}

/* Drop routes (a DISABLE if enabled) and take the function mask from
 * `control`; the caller then loads the table and the PBA and enables the
 * function again if it should be. */
static int unload(struct vmpci_msix *m, uint16_t control)
{
	int err = vmpci__msix_set_control(m, m->control & ~PCI_MSIX_FLAGS_ENABLE);

	m->control = (uint16_t)((m->control & PCI_MSIX_FLAGS_QSIZE) |
				(control & PCI_MSIX_FLAGS_MASKALL));
	return err;
}

int vmpci_msix_state_set(struct vmpci_msix *m,
			 const struct vmpci_msix_state *in)
{
	int err;

	if (!m || vmpci_msix_state_check(m->control, in))
		return -EINVAL;
	err = unload(m, in->control);
	for (uint32_t i = 0; i < m->nr; i++) {
		uint32_t *e = &m->table[i * MSIX_WORDS];

		e[MSIX_ADDR_LO] = (uint32_t)in->entries[i].address;
		e[MSIX_ADDR_HI] = (uint32_t)(in->entries[i].address >> 32);
		e[MSIX_DATA] = in->entries[i].data;
		e[MSIX_CTRL] = in->entries[i].control;
	}
	memcpy(m->vs.pending, in->pba, (m->nr + 63) / 64 * sizeof(uint64_t));
	if (in->control & PCI_MSIX_FLAGS_ENABLE)
		err = irq_first_err(err, vmpci__msix_set_control(m, in->control));
	return err;
}

int vmpci_msix_reset(struct vmpci_msix *m)
{
	int err;

	if (!m)
		return -EINVAL;
	err = unload(m, 0);
	memset(m->table, 0, (size_t)m->nr * MSIX_WORDS * sizeof(uint32_t));
	for (uint32_t i = 0; i < m->nr; i++)
		m->table[i * MSIX_WORDS + MSIX_CTRL] =
			PCI_MSIX_ENTRY_CTRL_MASKBIT;
	memset(m->vs.pending, 0, (m->nr + 63) / 64 * sizeof(uint64_t));
	return err;
}
