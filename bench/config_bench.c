/* Figure 1: config accesses of a Linux guest enumerating and enabling the
 * nvme fixture, on vmpci's device and on cloud-hypervisor's config path
 * replayed (ch_config.c), both over a counting wrapper of the simulated
 * backend: backend calls (syscalls on a real device), ns and allocations
 * per access. */
#include <stdio.h>
#include <string.h>

#include "bench/config_replay.h"

#define REPS 200
#define BAR_BASE 0xd0000000ull

struct side {
	const char *name;
	const struct vmpci_config_ops *ops;
	void *opaque;
	struct bench_counted *counted;
	unsigned accesses;  /* per enumeration */
	double calls;	    /* backend calls per enumeration */
	double mallocs;	    /* per access */
	double ns;	    /* per access, median */
};

static void measure(struct side *s)
{
	double ns[BENCH_RUNS];
	uint64_t calls = 0, mallocs = 0, n = 0;

	/* The first enumeration finds the function fresh; later ones find
	 * it enabled, as a rebooting guest does. Measure the steady state. */
	guest_enumerate(s->ops, s->opaque, BAR_BASE);
	for (int r = 0; r < BENCH_RUNS; r++) {
		uint64_t c0 = s->counted->calls, m0 = bench_mallocs(), k = 0;
		double t0 = bench_now_ns();

		for (int i = 0; i < REPS; i++)
			k += guest_enumerate(s->ops, s->opaque, BAR_BASE);
		ns[r] = (bench_now_ns() - t0) / (double)k;
		calls += s->counted->calls - c0;
		mallocs += bench_mallocs() - m0;
		n += k;
	}
	s->accesses = (unsigned)(n / (BENCH_RUNS * REPS));
	s->calls = (double)calls / (BENCH_RUNS * REPS);
	s->mallocs = (double)mallocs / (double)n;
	s->ns = bench_median(ns, BENCH_RUNS);
}

/* ns per read of one register, repeated: the access path alone. */
static double read_ns(struct side *s, uint16_t offset, unsigned size)
{
	double ns[BENCH_RUNS];
	uint32_t v;

	for (int r = 0; r < BENCH_RUNS; r++) {
		double t0 = bench_now_ns();

		for (int i = 0; i < 100000; i++)
			s->ops->read(s->opaque, offset, size, &v);
		ns[r] = (bench_now_ns() - t0) / 100000;
	}
	return bench_median(ns, BENCH_RUNS);
}

/* Which config dwords still reach the function in one enumeration. */
static void print_passthrough(struct side *s)
{
	uint64_t before[1024];
	const char *sep = "";

	memcpy(before, s->counted->config_dword, sizeof(before));
	guest_enumerate(s->ops, s->opaque, BAR_BASE);
	printf("Config dwords that still reach the function in one vmpci "
	       "enumeration (offset x calls): ");
	for (unsigned i = 0; i < 1024; i++) {
		uint64_t d = s->counted->config_dword[i] - before[i];

		if (d) {
			printf("%s0x%03x x%llu", sep, i * 4, (unsigned long long)d);
			sep = ", ";
		}
	}
	printf(".\n\n");
}

static uint64_t config_calls(const struct bench_counted *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < 1024; i++)
		n += c->config_dword[i];
	return n;
}

/* Device creation on the counting backend: backend calls, how many of
 * them reach the config region, and the median time of BENCH_RUNS. */
static void measure_creation(struct bench_counted *cnt,
			     struct bench_pools *pools)
{
	double ns[BENCH_RUNS];
	uint64_t calls = 0, config = 0;
	struct vmpci_device *dev;

	for (int r = 0; r < BENCH_RUNS; r++) {
		uint64_t c0 = cnt->calls, k0 = config_calls(cnt);
		double t0 = bench_now_ns();

		bench_check(bench_device_new(&cnt->be, bench_null_host(), pools,
					     0, 0, &dev), "device");
		ns[r] = bench_now_ns() - t0;
		calls = cnt->calls - c0;
		config = config_calls(cnt) - k0;
		vmpci_device_free(dev);
	}
	printf("- Device creation (the same function): %llu backend calls, %llu of them on the config region, %.0f us (median of %d).\n",
	       (unsigned long long)calls, (unsigned long long)config,
	       bench_median(ns, BENCH_RUNS) / 1000, BENCH_RUNS);
	printf("- Goal: read the config space at creation in as few calls as the kernel allows (one read of the whole region, as QEMU does): %llu config region call%s — %s.\n",
	       (unsigned long long)config, config == 1 ? "" : "s",
	       bench_verdict(config == 1));
	printf("\n");
}

int main(void)
{
	struct bench_fixture f;
	struct vmpci_vfio_sim *sim_v, *sim_c;
	struct bench_counted cnt_v, cnt_c;
	struct bench_pools pools;
	struct vmpci_device *dev;
	struct ch_config *ch;
	double ratio;

	bench_check(bench_fixture_load(BENCH_NVME, &f), BENCH_NVME);
	bench_check(bench_sim_new(&f, &sim_v), "sim");
	bench_check(bench_sim_new(&f, &sim_c), "sim");
	bench_counted_init(&cnt_v, vmpci_vfio_sim_backend(sim_v));
	bench_counted_init(&cnt_c, vmpci_vfio_sim_backend(sim_c));
	bench_pools_new(&pools);
	bench_check(bench_device_new(&cnt_v.be, bench_null_host(), &pools, 0, 0,
				     &dev), "device");
	bench_check(ch_config_new(&cnt_c.be, &ch), "cloud-hypervisor replay");

	struct side v = { "vmpci", vmpci_device_config_ops(), dev, &cnt_v,
			  0, 0, 0, 0 };
	struct side c = { "cloud-hypervisor replay", ch_config_ops(), ch,
			  &cnt_c, 0, 0, 0, 0 };

	measure(&v);
	measure(&c);
	printf("| | config accesses | backend calls | calls per access | ns per access | allocations per access |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (struct side *s = &v; s; s = s == &v ? &c : NULL)
		printf("| %s | %u | %.0f | %.2f | %.0f | %.3f |\n", s->name,
		       s->accesses, s->calls, s->calls / s->accesses, s->ns,
		       s->mallocs);
	printf("\n");
	print_passthrough(&v);
	ratio = c.calls / (v.calls ? v.calls : 1);
	printf("- Goal: >= 10x fewer backend calls than the anchor: %.1fx fewer — %s.\n",
	       ratio, bench_verdict(ratio >= 10));
	printf("- Goal: no allocation per access: %.3f per access — %s.\n",
	       v.mallocs, bench_verdict(v.mallocs == 0));
	printf("- Time per access: vmpci %.0f ns, anchor %.0f ns (%.1fx), on the simulated backend, where a call costs a memcpy instead of a syscall.\n",
	       v.ns, c.ns, c.ns / v.ns);
	printf("- One register read alone: vendor/device dword (cached by vmpci) %.0f ns vs %.0f ns; STATUS word (live bits, read through by both) %.0f ns vs %.0f ns.\n",
	       read_ns(&v, 0, 4), read_ns(&c, 0, 4), read_ns(&v, 6, 2),
	       read_ns(&c, 6, 2));
	vmpci_device_free(dev);
	measure_creation(&cnt_v, &pools);
	ch_config_free(ch);
	bench_pools_free(&pools);
	vmpci_vfio_sim_free(sim_v);
	vmpci_vfio_sim_free(sim_c);
	return 0;
}
