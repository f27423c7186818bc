/* Internal: the MSI-X model's state, shared by its guest-access code
 * (msix.c) and its snapshot code (msix_state.c). */
#ifndef VMPCI_INTERRUPTS_MSIX_INTERNAL_H
#define VMPCI_INTERRUPTS_MSIX_INTERNAL_H

#include "interrupts/msix.h"
#include "interrupts/vectors.h"

/* Table entry words, in the order of PCI_MSIX_ENTRY_*. */
enum { MSIX_ADDR_LO, MSIX_ADDR_HI, MSIX_DATA, MSIX_CTRL, MSIX_WORDS };

struct vmpci_msix {
	struct irq_vectors vs;
	uint16_t control; /* table size | function mask | enable */
	uint32_t table_reg;
	uint32_t pba_reg;
	uint32_t nr;	  /* table entries */
	uint32_t used;	  /* vectors [0, used) are wired (ENABLE / RESIZE) */
	uint32_t devid;
	uint32_t *table;  /* nr * MSIX_WORDS */
};

/* Bits of each entry word the guest can set; the rest read 0. */
extern const uint32_t vmpci__msix_entry_wmask[MSIX_WORDS];

/* Apply a new Message Control word (only enable and function mask are
 * taken): enable / disable edges, function mask changes. */
int vmpci__msix_set_control(struct vmpci_msix *m, uint16_t value);

/* Collect detached signals of vectors [lo, hi) into the PBA. */
void vmpci__msix_collect(struct vmpci_msix *m, uint32_t lo, uint32_t hi);

#endif
