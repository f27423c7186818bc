/* Figure 2: trapped BAR dispatch. Guest reads and writes of MSI-X table
 * entries through vmpci_device_bar_read/write with 1, 6 and 64 trapped
 * regions, against cloud-hypervisor's dispatch replayed in the same run
 * (VfioCommon::read_bar/write_bar at 6f8bd27): find_region scans the
 * device's Vec<MmioRegion> linearly and returns a clone of the match (its
 * Vec of mapped user memory regions is heap-allocated for a BAR with
 * mapped parts, as the MSI-X BAR is), then the table range is checked and
 * the entry read or written (MsixConfig::read_table / write_table with
 * MSI-X off: the entry is stored, no route changes).
 *
 * A vmpci device has at most 6 BARs, so 64 regions are 11 devices with 6,
 * 6, ..., 4 trapped BARs (every BAR trapped whole, the MSI-X table in the
 * last); the VMM's bus hands vmpci (device, BAR) and the accesses go round
 * robin over the devices' tables. The replay keeps all 64 regions in one
 * list, the tables at the end of each device's run of BARs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

#define VECTORS 64
#define OPS 200000
#define MAX_DEV 11
#define REGION_SPAN 0x100000ull

struct user_region {
	uint32_t slot;
	uint64_t start, size, host_addr;
};

struct mmio_region {
	uint64_t start, length;
	uint32_t index;
	uint32_t type;
	size_t nr_user;
	struct user_region *user; /* Vec<UserMemoryRegion> */
};

struct ch_device {
	size_t nr;
	struct mmio_region *regions;
	uint32_t table_bir[MAX_DEV];
	uint32_t entries[MAX_DEV][VECTORS][4];
};

/* find_region: the first region holding addr, cloned. */
static struct mmio_region *find_region(const struct ch_device *d, uint64_t addr)
{
	for (size_t i = 0; i < d->nr; i++) {
		const struct mmio_region *r = &d->regions[i];

		if (addr >= r->start && addr < r->start + r->length) {
			struct mmio_region *c = malloc(sizeof(*c));

			*c = *r;
			if (r->nr_user) {
				c->user = malloc(r->nr_user * sizeof(*c->user));
				memcpy(c->user, r->user,
				       r->nr_user * sizeof(*c->user));
			}
			return c;
		}
	}
	return NULL;
}

static void drop_region(struct mmio_region *r)
{
	if (r && r->nr_user)
		free(r->user);
	free(r);
}

static void ch_access(struct ch_device *d, uint64_t addr, bool write,
		      uint32_t *val)
{
	struct mmio_region *r = find_region(d, addr);
	uint64_t off;
	size_t dev;

	if (!r)
		return;
	off = addr - r->start;
	dev = (size_t)((r->start - 0xe0000000ull) / REGION_SPAN) / 6;
	if (r->index == d->table_bir[dev] && off < VECTORS * 16) {
		uint32_t *e = d->entries[dev][off / 16];

		if (write) {
			uint32_t old[4];

			memcpy(old, e, sizeof(old));
			e[(off % 16) / 4] = *val;
			(void)memcmp(old, e, sizeof(old));
		} else {
			*val = e[(off % 16) / 4];
		}
	}
	drop_region(r);
}

struct setup {
	unsigned nr_dev, bars[MAX_DEV];
	struct vmpci_vfio_sim *sim[MAX_DEV];
	struct vmpci_device *dev[MAX_DEV];
	struct ch_device ch;
	struct user_region table_user;
};

static void build(struct setup *s, unsigned regions, struct bench_pools *pools)
{
	struct bench_fixture nvme, f;
	unsigned k = 0;

	memset(s, 0, sizeof(*s));
	bench_check(bench_fixture_load(BENCH_NVME, &nvme), BENCH_NVME);
	s->nr_dev = (regions + 5) / 6;
	s->ch.regions = calloc(regions, sizeof(*s->ch.regions));
	s->table_user.size = 0x1000;
	for (unsigned d = 0; d < s->nr_dev; d++) {
		s->bars[d] = regions - 6 * d < 6 ? regions - 6 * d : 6;
		bench_check(bench_fixture_synth(&nvme, s->bars[d], VECTORS, &f),
			    "synth");
		bench_check(bench_sim_new(&f, &s->sim[d]), "sim");
		bench_check(bench_device_new(vmpci_vfio_sim_backend(s->sim[d]),
					     bench_null_host(), pools, 0, 0x3f,
					     &s->dev[d]),
			    "device");
		s->ch.table_bir[d] = s->bars[d] - 1;
		for (unsigned b = 0; b < s->bars[d]; b++, k++) {
			struct mmio_region *r = &s->ch.regions[k];

			r->start = 0xe0000000ull + (6 * d + b) * REGION_SPAN;
			r->length = b == s->bars[d] - 1 ? 0x4000 : 0x1000;
			r->index = b;
			if (b == s->bars[d] - 1) {
				r->nr_user = 1;
				r->user = &s->table_user;
			}
		}
	}
	s->ch.nr = k;
}

static void teardown(struct setup *s)
{
	for (unsigned d = 0; d < s->nr_dev; d++) {
		vmpci_device_free(s->dev[d]);
		vmpci_vfio_sim_free(s->sim[d]);
	}
	free(s->ch.regions);
}

/* The op-th access: device, table entry word, read or write. */
static void op_target(const struct setup *s, unsigned op, unsigned *d,
		      uint64_t *off, bool *write)
{
	*d = op % s->nr_dev;
	*off = (uint64_t)((op / s->nr_dev) % VECTORS) * 16 + 8;
	*write = op & 1;
}

static void run(struct setup *s, double *vm_ns, double *ch_ns,
		double *vm_allocs, double *ch_allocs)
{
	double vm[BENCH_RUNS], ch[BENCH_RUNS];
	uint64_t m_vm = 0, m_ch = 0;

	for (int r = 0; r < BENCH_RUNS; r++) {
		uint64_t m0 = bench_mallocs();
		double t0 = bench_now_ns();
		uint32_t v = 0;

		for (unsigned op = 0; op < OPS; op++) {
			unsigned d;
			uint64_t off;
			bool w;

			op_target(s, op, &d, &off, &w);
			if (w)
				vmpci_device_bar_write(s->dev[d], s->bars[d] - 1,
						       off, 4, &op);
			else
				vmpci_device_bar_read(s->dev[d], s->bars[d] - 1,
						      off, 4, &v);
		}
		vm[r] = (bench_now_ns() - t0) / OPS;
		m_vm += bench_mallocs() - m0;
		m0 = bench_mallocs();
		t0 = bench_now_ns();
		for (unsigned op = 0; op < OPS; op++) {
			unsigned d;
			uint64_t off;
			bool w;

			op_target(s, op, &d, &off, &w);
			v = op;
			ch_access(&s->ch,
				  0xe0000000ull + (6 * d + s->bars[d] - 1) * REGION_SPAN + off,
				  w, &v);
		}
		ch[r] = (bench_now_ns() - t0) / OPS;
		m_ch += bench_mallocs() - m0;
	}
	*vm_ns = bench_median(vm, BENCH_RUNS);
	*ch_ns = bench_median(ch, BENCH_RUNS);
	*vm_allocs = (double)m_vm / (BENCH_RUNS * OPS);
	*ch_allocs = (double)m_ch / (BENCH_RUNS * OPS);
}

int main(void)
{
	static const unsigned counts[] = { 1, 6, 64 };
	double vm[3], ch[3], va[3], ca[3], worst = 0;
	struct bench_pools pools;
	struct setup s;

	bench_pools_new(&pools);
	printf("| trapped regions | devices | vmpci ns/access | vmpci allocations/access | linear scan + clone ns/access | its allocations/access | ratio |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int i = 0; i < 3; i++) {
		build(&s, counts[i], &pools);
		run(&s, &vm[i], &ch[i], &va[i], &ca[i]);
		printf("| %u | %u | %.1f | %.2f | %.1f | %.2f | %.1fx |\n",
		       counts[i], s.nr_dev, vm[i], va[i], ch[i], ca[i],
		       ch[i] / vm[i]);
		worst = vm[i] > worst ? vm[i] : worst;
		teardown(&s);
	}
	printf("\n- Goal: flat in the number of regions (64 regions within 1.5x of 1): %.2fx — %s.\n",
	       vm[2] / vm[0], bench_verdict(vm[2] / vm[0] <= 1.5));
	printf("- Goal: under 50 ns per access on the library side: worst %.1f ns — %s.\n",
	       worst, bench_verdict(worst < 50));
	printf("- Goal: no allocation per access: %.2f — %s.\n",
	       va[0] + va[1] + va[2], bench_verdict(va[0] + va[1] + va[2] == 0));
	bench_pools_free(&pools);
	return 0;
}
