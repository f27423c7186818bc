/* Simulated backend internals, shared by its config, IRQ and region code. */
#ifndef VMPCI_SIM_INTERNAL_H
#define VMPCI_SIM_INTERNAL_H

#include "host/host.h"
#include "sim/sim.h"
#include "vfio/backend.h"

#define SIM_CONFIG_MAX 4096
#define SIM_NR_IRQS 5	     /* INTx, MSI, MSI-X, ERR, REQ */
#define SIM_NR_REGIONS 9     /* BAR0-5, ROM, config, VGA */
#define SIM_NR_BARREGS 7     /* BAR0-5 and the ROM register */
#define SIM_PAGE_MAX 65536   /* the largest host page a BAR is mapped in */

/* Which interrupt mode owns the function, as vfio-pci's irq_type. */
enum sim_irq_mode { SIM_IRQ_NONE, SIM_IRQ_INTX, SIM_IRQ_MSI, SIM_IRQ_MSIX };

struct sim_irq {
	uint32_t max;	    /* what GET_IRQ_INFO reports */
	uint32_t count;	    /* vectors enabled (num_ctx) */
	int32_t *fds;	    /* `max` entries, -1 when none */
	bool masked;	    /* INTx */
	bool pending;	    /* INTx */
	int32_t unmask_fd;  /* INTx resample eventfd, -1 when none */
	uint64_t set_calls;
};

struct sim_dma {
	uint64_t iova;
	uint64_t size;
};

struct vmpci_vfio_sim {
	struct vmpci_vfio_backend backend;
	struct vmpci_host host;

	uint8_t config[SIM_CONFIG_MAX]; /* what the user reads */
	uint8_t wmask[SIM_CONFIG_MAX];	/* plainly writable bits */
	uint32_t config_size;

	/* BAR0-5 and ROM: size, the register's read-only low bits, the raw
	 * value last written and how many writes touched it. */
	uint64_t bar_size[SIM_NR_BARREGS];
	uint32_t bar_flags[SIM_NR_BARREGS];
	bool bar_io[SIM_NR_BARREGS];
	uint32_t bar_raw[SIM_NR_BARREGS];
	uint64_t bar_writes[SIM_NR_BARREGS];
	int memfd[SIM_NR_BARREGS];

	struct vmpci_vfio_region regions[SIM_NR_REGIONS - 1];

	uint32_t msi_cap, msix_cap, pcie_cap, pm_cap;
	uint32_t msix_bar;
	uint64_t msix_table_offset, msix_table_size;

	enum sim_irq_mode mode;
	struct sim_irq irq[SIM_NR_IRQS];
	struct vmpci_vfio_sim_irq_host irq_host;

	bool reset_works;
	uint64_t resets;
	uint64_t flrs; /* started by a Device Control write */

	struct sim_dma *dma;
	uint32_t nr_dma;
};

extern const struct vmpci_vfio_backend_ops vmpci_vfio_sim_ops;

/* Config space: set up the virtual image from the fixture, then serve the
 * user's accesses. */
void vmpci_vfio_sim_config_setup(struct vmpci_vfio_sim *s);
int vmpci_vfio_sim_config_read(struct vmpci_vfio_sim *s, uint64_t offset,
			       void *data, uint64_t size);
int vmpci_vfio_sim_config_write(struct vmpci_vfio_sim *s, uint64_t offset,
				const void *data, uint64_t size);
/* Reflect an interrupt-mode change in the MSI / MSI-X control registers. */
void vmpci_vfio_sim_config_irq_mode(struct vmpci_vfio_sim *s);

/* IRQs: counts from the capabilities, GET_IRQ_INFO and SET_IRQS. */
void vmpci_vfio_sim_irq_setup(struct vmpci_vfio_sim *s);
int vmpci_vfio_sim_irq_info(void *opaque, uint32_t index,
			    struct vmpci_vfio_irq_info *out);
int vmpci_vfio_sim_set_irqs(void *opaque, uint32_t index, uint32_t flags,
			    uint32_t start, uint32_t count, const void *data);

/* DMA bookkeeping. */
int vmpci_vfio_sim_dma_map(void *opaque, uint64_t iova, uint64_t size,
			   void *vaddr, uint32_t flags);
int vmpci_vfio_sim_dma_unmap(void *opaque, uint64_t iova, uint64_t size,
			     uint64_t *unmapped);

static inline uint16_t sim_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t sim_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void sim_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void sim_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif
