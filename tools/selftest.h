/* `vmpci selftest`: one real function driven as a VMM and its guest would.
 * Shared by tools/cmd_selftest.c (the runner) and tools/selftest_*.c (the
 * steps, the guest's view, the recording host and the device recipes). */
#ifndef VMPCI_TOOLS_SELFTEST_H
#define VMPCI_TOOLS_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device/device.h"
#include "pci/bus.h"
#include "tools/selftest_host.h"
#include "vfio/backend.h"
#include "vfio/kernel.h"
#include "vmpci.h"

/* ---- The run ---- */

enum st_recipe {
	ST_GENERIC = 0,
	ST_EDU,	   /* 1234:11e8 */
	ST_NVME,   /* 1b36:0010 */
	ST_E1000E, /* 8086:10d3 */
};

enum st_result { ST_PASS, ST_FAIL, ST_SKIP };

/* A BAR as the guest found and placed it, and as the VMM's bus routes it
 * (from the device's bar_moved notifications). */
struct st_bar {
	uint32_t type; /* VMPCI_BAR_*, 0 unimplemented */
	uint64_t size;
	uint64_t guest_addr; /* what the guest programmed */
	bool vmm_valid;	     /* the VMM routes [vmm_addr, +size) here */
	uint64_t vmm_addr;
	unsigned moves; /* bar_moved notifications */
};

/* Guest address pools: one per kind, the device's allocators over them. */
enum { ST_POOL_IO, ST_POOL_MMIO32, ST_POOL_MMIO64, ST_NR_POOLS };

struct selftest {
	const char *bdf;
	struct st_host host;
	struct vmpci_vfio_kernel *kernel;
	const struct vmpci_vfio_backend *be;
	struct vmpci_alloc *pools[ST_NR_POOLS];
	uint64_t cursor[ST_NR_POOLS]; /* the guest's next free address */
	struct vmpci_device *dev;
	struct vmpci_bus *bus;
	uint8_t slot;
	struct vmpci_device_identity sysfs_id; /* from sysfs, the truth */
	enum st_recipe recipe;
	const char *recipe_name;
	struct st_bar bars[VMPCI_BAR_COUNT];
	struct vmpci_vfio_region regions[VMPCI_BAR_COUNT];
	bool enumerated; /* BARs placed and decode on */
	uint16_t msi_cap, msix_cap;
	uint32_t irq_index; /* VFIO_PCI_*_IRQ_INDEX the guest enabled */
	bool irq_on;
	uint64_t page_size;
	int fds_at_start; /* open fds before the function was opened */
	char msg[512];
};

/* Set st->msg and return `r`: a step ends with `return st_fail(st, ...)`. */
enum st_result st_say(struct selftest *st, enum st_result r, const char *fmt,
		      ...) __attribute__((format(printf, 3, 4)));
#define st_pass(st, ...) st_say(st, ST_PASS, __VA_ARGS__)
#define st_fail(st, ...) st_say(st, ST_FAIL, __VA_ARGS__)
#define st_skip(st, ...) st_say(st, ST_SKIP, __VA_ARGS__)

double st_now_ms(void);

/* Wait up to `ms` for `fd` (an eventfd) to be signalled; drain it. 1 when
 * signalled (count in *count, may be NULL), 0 on timeout, negative errno. */
int st_wait_eventfd(int fd, int ms, uint64_t *count);
/* Read away pending signals of `fd`. */
void st_drain_eventfd(int fd);

/* ---- The guest (selftest_guest.c) ----
 * Config accesses go through the bus's CF8/CFC decoder; memory and I/O
 * accesses are dispatched as a VMM would: a live mapping of the host is
 * accessed directly (a vCPU would not exit), anything else inside a BAR
 * the VMM routes is a trapped access (vmpci_device_bar_*), anything else
 * reads all-ones. Values are little-endian, size 1, 2 or 4 (8 for trapped
 * memory). */
uint32_t st_cfg_read(struct selftest *st, uint16_t reg, unsigned size);
uint32_t st_cfg_read_slot(struct selftest *st, uint8_t slot, uint16_t reg,
			  unsigned size);
void st_cfg_write(struct selftest *st, uint16_t reg, unsigned size,
		  uint32_t val);

enum st_path { ST_ANY, ST_TRAPPED };

/* 0, or -ENXIO when no BAR and no mapping holds the address (reads give
 * all-ones), or the device's error. */
int st_mmio_read(struct selftest *st, uint64_t gpa, unsigned size,
		 enum st_path path, uint64_t *val);
int st_mmio_write(struct selftest *st, uint64_t gpa, unsigned size,
		  enum st_path path, uint64_t val);
int st_pio_read(struct selftest *st, uint64_t port, unsigned size,
		uint64_t *val);

/* 32-bit register `off` of BAR `bar` at the guest's address for it. */
uint32_t st_bar_read32(struct selftest *st, unsigned bar, uint64_t off);
void st_bar_write32(struct selftest *st, unsigned bar, uint64_t off,
		    uint32_t val);

/* The device's bar_moved callback (opaque: the selftest). */
void st_on_bar_moved(void *opaque, unsigned index, uint64_t old_addr,
		     uint64_t new_addr, uint64_t size);

/* Program the guest's BAR registers (sizing probes first) and turn decode
 * and bus mastering on, like a guest's PCI enumeration. */
enum st_result st_step_enumerate(struct selftest *st);
/* Move one BAR with decode on and check the device followed. */
enum st_result st_step_move(struct selftest *st);

/* The MSI-X layout the guest reads from the capability (selftest_map.c). */
struct st_msix {
	bool present;
	unsigned nr;
	unsigned table_bar, pba_bar;
	uint64_t table_off, table_size;
	uint64_t pba_off, pba_size;
};

void st_msix_get(struct selftest *st, struct st_msix *out);

/* ---- Steps in their own files ---- */
enum st_result st_step_map(struct selftest *st);	/* selftest_map.c */
enum st_result st_step_interrupt(struct selftest *st); /* selftest_irq.c */
enum st_result st_step_dma(struct selftest *st);	/* selftest_dma.c */
enum st_result st_step_snapshot(struct selftest *st);	/* selftest_snap.c */

/* Make the device raise vector 0 of the enabled interrupt and wait for it
 * on the device's eventfd (selftest_irq.c). `how` gets what raised it. */
int st_raise_and_wait(struct selftest *st, char *how, size_t len);

/* nvme: enable the controller with an admin queue in DMA memory and
 * submit Identify; its completion raises MSI-X vector 0. Waits on `fd`;
 * *ms gets the time from the doorbell to the interrupt. 0 when the
 * interrupt and the Identify data arrived (selftest_nvme.c). */
int st_nvme_identify(struct selftest *st, int fd, double *ms, char *why,
		     size_t len);

/* Create the device on st->be with the selftest's pools and host. */
int st_device_create(struct selftest *st, struct vmpci_device **out);
/* Take the device off the bus, free it, forget its BAR routes (what a VMM
 * does when a device goes away). */
void st_drop_device(struct selftest *st);
/* PASS when the host holds no mapping or route of a freed device. */
enum st_result st_check_released(struct selftest *st);

#endif
