/* The device object's parts, shared by vfio/device*.c. Internal. */
#ifndef VMPCI_DEVICE_INTERNAL_H
#define VMPCI_DEVICE_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>

#include "allocator/allocator.h"
#include "device/device.h"
#include "device/log.h"
#include "device/state.h"
#include "host/host.h"
#include "interrupts/intx.h"
#include "interrupts/msi.h"
#include "interrupts/msix.h"
#include "pci/config.h"
#include "vfio/backend.h"
#include "vfio/bar_map.h"
#include "vfio/mig_v2.h"
#include "vfio/sparse.h"

struct device_bar {
	uint32_t type; /* VMPCI_BAR_*; 0 unimplemented */
	uint64_t size;
	uint64_t addr;
	bool placed;
	struct vmpci_alloc *pool; /* where addr was taken from; NULL when
				     the guest moved it outside the pools */
	uint64_t held; /* bytes taken at addr: size, or a mapped sub-page
			  BAR's whole host page */
	bool live; /* decoding at addr: mapped, and the VMM told */
	struct vmpci_vfio_region region;
	struct vmpci_vfio_sparse sparse;
	struct vmpci_vfio_bar_map *map; /* NULL: trapped whole */
	/* MSI-X structures inside this BAR (size 0: none). */
	uint64_t table_offset, table_size;
	uint64_t pba_offset, pba_size;
};

struct vmpci_device {
	pthread_mutex_t lock;
	char name[64];
	struct vmpci_device_params cfg;
	struct vmpci_vfio_backend be;
	struct vmpci_host host;
	struct vmpci_device_identity id;
	uint64_t page_size;
	struct vmpci_config *config;
	/* BAR registers as the function reported them at creation (the
	 * model shows the guest its own): their type bits. */
	uint32_t bar_regs[6];
	struct device_bar bars[VMPCI_BAR_COUNT];
	struct vmpci_msi *msi;
	uint16_t msi_cap;
	struct vmpci_msix *msix;
	uint16_t msix_cap;
	struct vmpci_intx *intx;
	bool intx_wired; /* INTx eventfds attached through SET_IRQS */
	/* MSI / MSI-X vectors attached through SET_IRQS (0 while off). */
	uint32_t irq_wired;
	/* MSI-X has no NORESIZE: vectors are added while it is on. */
	bool msix_resizable;
	/* The config space as created: what a reset brings back. */
	struct vmpci_config_state *initial;
	/* Registers whose FLR bit starts a reset (0: none), and whether the
	 * write in progress set one. */
	uint16_t flr_devctl, flr_af;
	bool flr_started;
	/* Scratch for SET_IRQS eventfd arrays: no allocation on an enable. */
	int32_t irq_fds[VMPCI_MSIX_MAX_VECTORS];
	/* The last error logged (with the name prefix): vmpci_device_errmsg. */
	char errmsg[512];
};

/* device.c: VFIO_DEVICE_RESET where the function has it (and the device
 * was not told not to); a failure is logged, not returned. */
int vmpci__device_function_reset(struct vmpci_device *dev);

/* device_reset.c: keep what a reset brings back; see a guest's FLR go to
 * the function (watch, from the pass-through write) and put the model out
 * of reset once the guest's config write is done (finish). */
int vmpci__device_reset_prepare(struct vmpci_device *dev);
void vmpci__device_flr_watch(struct vmpci_device *dev, uint16_t offset,
		      unsigned size, uint32_t val);
int vmpci__device_flr_finish(struct vmpci_device *dev);

/* device_regs.c: the pass-through registers a snapshot carries. check:
 * -ENODEV when the state's capabilities are not this device's. */
int vmpci__device_regs_save(struct vmpci_device *dev, struct vmpci_device_regs *r);
int vmpci__device_regs_check(struct vmpci_device *dev,
		      const struct vmpci_device_regs *r);
int vmpci__device_regs_restore(struct vmpci_device *dev,
			const struct vmpci_device_regs *r);

/* device_config.c: config space construction and guest access glue. */
/* Write COMMAND of the function itself. */
int vmpci__device_write_command(struct vmpci_device *dev, uint16_t cmd);
int vmpci__device_config_build(struct vmpci_device *dev);
/* The image at `off` (0 if out of range): a cached or emulated value. */
uint32_t vmpci__device_peek(const struct vmpci_device *dev, uint16_t off,
		     unsigned size);

/* device_irq.c: interrupt models and their VFIO wiring. */
int vmpci__device_irq_setup(struct vmpci_device *dev);
void vmpci__device_irq_teardown(struct vmpci_device *dev);
int vmpci__device_intx_wire(struct vmpci_device *dev);
int vmpci__device_intx_unwire(struct vmpci_device *dev);

/* device_bars.c: sizing, placement, mapping, moves, trapped access. */
int vmpci__device_bars_probe(struct vmpci_device *dev);
int vmpci__device_bars_prepare_maps(struct vmpci_device *dev);
void vmpci__device_bars_teardown(struct vmpci_device *dev);
int vmpci__device_bar_place_at(struct vmpci_device *dev, unsigned index,
			uint64_t addr);
/* Place BAR `index` where a snapshot says the guest had it: in the pools,
 * or outside them (unmapped) when no pool holds that address. */
int vmpci__device_bar_restore_at(struct vmpci_device *dev, unsigned index,
			  uint64_t addr);
void vmpci__device_bar_unplace(struct vmpci_device *dev, unsigned index);
/* The config model's BAR hook. */
void vmpci__device_bars_changed(void *opaque, const struct vmpci_bar_move *moves,
			 unsigned count);
/* Map or detach every BAR as its decode now says, telling the VMM (after
 * the config state was replaced without events). */
void vmpci__device_bars_sync(struct vmpci_device *dev);

#endif
