/* What every benchmark in bench/ shares: timing and medians, allocation
 * and memory counters, fixtures (real and synthesized), a backend wrapper
 * that counts calls, a host that accepts everything, and the VMM's pools.
 * Benchmarks print Markdown; bench/run.sh collects it into
 * docs/PERFORMANCE.md. */
#ifndef VMPCI_BENCH_H
#define VMPCI_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device/device.h"
#include "host/host.h"
#include "sim/sim.h"
#include "vfio/backend.h"
#include "vmpci.h"

/* ---- timing.c: clocks, medians, allocation and memory counters ---- */

/* Runs per figure: medians of this many. */
#define BENCH_RUNS 5

double bench_now_ns(void);
/* Sorts v[0..n) and returns its median. */
double bench_median(double *v, size_t n);
/* malloc + calloc + realloc calls made so far by code linked into the
 * binary (the library's and the replays'; -Wl,--wrap in BUILD.bazel). */
uint64_t bench_mallocs(void);
/* Heap bytes in use (mallinfo2) and resident set size. */
size_t bench_heap_bytes(void);
size_t bench_rss_bytes(void);
/* "met" or "**missed**", for the goal lines the programs print. */
const char *bench_verdict(bool met);
/* Exit with a message naming what failed (benchmarks do not limp on). */
void bench_check(int err, const char *what);

/* ---- fixture.c: config images and resource text ---- */

#define BENCH_NVME "tests/data/pci-config/qemu-emulated/1b36-0010-0000_00_04.0"

struct bench_fixture {
	uint8_t image[4096];
	size_t image_size;
	char resource[1024];
};

/* Read `<base>.bin` and `<base>.resource`. */
int bench_fixture_load(const char *base, struct bench_fixture *f);

/* A copy of `f` (a function with an MSI-X capability) rewritten to have
 * `nr_bars` 32-bit memory BARs (BAR0.. in order, 4 KiB each except the
 * last) and an MSI-X table of `vectors` entries at offset 0 of the last
 * BAR with its PBA on the next page, that BAR sized to hold both. */
int bench_fixture_synth(const struct bench_fixture *f, unsigned nr_bars,
			uint32_t vectors, struct bench_fixture *out);

int bench_sim_new(const struct bench_fixture *f, struct vmpci_vfio_sim **out);

/* ---- host.c: a backend that counts, a host that accepts, pools ---- */

/* Forwards every op to `inner`, counting the calls (one call = one syscall
 * on the kernel backend). */
struct bench_counted {
	struct vmpci_vfio_backend be;
	struct vmpci_vfio_backend_ops ops;
	const struct vmpci_vfio_backend *inner;
	uint64_t calls;
	/* Config region reads and writes per dword, to say where calls go. */
	uint64_t config_dword[1024];
};

void bench_counted_init(struct bench_counted *c,
			const struct vmpci_vfio_backend *inner);

/* Host ops that succeed without a VM behind them. */
const struct vmpci_host *bench_null_host(void);

/* The VMM's address pools (32-bit MMIO below 4 GiB, 64-bit above, I/O). */
struct bench_pools {
	struct vmpci_alloc *io, *mmio32, *mmio64;
};

void bench_pools_new(struct bench_pools *p);
void bench_pools_free(struct bench_pools *p);

/* A device on `be` with default options, the page size given (0 for the
 * host's), the BARs of `trapped` (bit i: BAR i) trapped whole, BARs not
 * placed. */
int bench_device_new(const struct vmpci_vfio_backend *be,
		     const struct vmpci_host *host, struct bench_pools *pools,
		     uint64_t page_size, uint32_t trapped,
		     struct vmpci_device **out);

#endif
