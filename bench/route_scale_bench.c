/* Figure 3b: interrupt routes at the scale of a whole VM, on a real KVM VM
 * with the bundled KVM host shared by every function (a VM has one
 * routing table):
 *  - the cost of one route update (a live vector's message changes: one
 *    KVM_SET_GSI_ROUTING) while other functions hold R routes;
 *  - eight functions of 2048 MSI-X vectors each brought up one after the
 *    other with Linux's sequence (enable behind the function mask, program
 *    every entry, unmask the function, unmask every entry): how many
 *    routes the VM holds against KVM's limit, how the functions fare and
 *    what the log says.
 * The functions are MSI-X models (vmpci_msix_*) without VFIO behind them:
 * routes are the subject, not SET_IRQS. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/pci_regs.h>

#include "bench/bench.h"
#include "host/host.h"
#include "interrupts/msix.h"
#include "kvm/kvm_host.h"

#define FUNCS 8
#define VECTORS 2048
#define UPDATES 21

struct logs {
	int warnings;
	char first[256];
};

static void log_line(void *opaque, enum vmpci_log_level level,
		     const char *msg)
{
	struct logs *l = opaque;

	if (level > VMPCI_LOG_WARN)
		return;
	if (!l->warnings++)
		snprintf(l->first, sizeof(l->first), "%s", msg);
}

static struct vmpci_msix *function(struct vmpci_kvm_host *h, uint32_t n,
				   const char *name)
{
	struct vmpci_msix_params c = { 0 };
	struct vmpci_msix *m;

	c.control = (uint16_t)(n - 1);
	c.pba = 0x1000;
	c.name = name;
	bench_check(vmpci_msix_new(vmpci_kvm_host_ops(h), &c, &m), "MSI-X");
	return m;
}

static void entry_write(struct vmpci_msix *m, uint32_t i, uint32_t word,
			uint32_t v)
{
	vmpci_msix_table_write(m, i * 16ull + word * 4, 4, &v);
}

static void ctl(struct vmpci_msix *m, uint16_t v)
{
	vmpci_msix_cap_write(m, PCI_MSIX_FLAGS, 2, v);
}

/* Every entry programmed and unmasked, then one enable: n live routes in
 * one commit. */
static void burst(struct vmpci_msix *m, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		entry_write(m, i, 0, 0xfee00000u | (i % 8) << 12);
		entry_write(m, i, 2, 0x30 + i % 200);
		entry_write(m, i, 3, 0);
	}
	ctl(m, PCI_MSIX_FLAGS_ENABLE);
}

static void linux_bring_up(struct vmpci_msix *m, uint32_t n)
{
	ctl(m, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (uint32_t i = 0; i < n; i++) {
		entry_write(m, i, 0, 0xfee00000u | (i % 8) << 12);
		entry_write(m, i, 2, 0x30 + i % 200);
	}
	ctl(m, PCI_MSIX_FLAGS_ENABLE);
	for (uint32_t i = 0; i < n; i++)
		entry_write(m, i, 3, 0);
}

static void raise_fd_limit(void)
{
	struct rlimit r;

	/* 8 x 2048 eventfds; root may raise the hard limit too. */
	getrlimit(RLIMIT_NOFILE, &r);
	if (r.rlim_cur < 20000) {
		r.rlim_cur = 20000;
		if (r.rlim_max < r.rlim_cur)
			r.rlim_max = r.rlim_cur;
		bench_check(setrlimit(RLIMIT_NOFILE, &r), "RLIMIT_NOFILE 20000");
	}
}

/* Median time of one route update of a live vector while fillers hold
 * `held` other routes. */
static double update_cost(int vm, uint32_t held, uint32_t *live)
{
	struct vmpci_kvm_host_params hc;
	struct vmpci_kvm_host_stats st;
	struct vmpci_kvm_host *h;
	struct vmpci_msix *fill[FUNCS] = { 0 }, *m;
	double us[UPDATES];
	uint32_t left = held;

	vmpci_kvm_host_params_init(&hc, vm);
	bench_check(vmpci_kvm_host_new(&hc, &h), "KVM host");
	for (int f = 0; left; f++) {
		uint32_t n = left < VECTORS ? left : VECTORS;

		fill[f] = function(h, n, "filler");
		burst(fill[f], n);
		left -= n;
	}
	m = function(h, 1, "measured");
	burst(m, 1);
	vmpci_kvm_host_stats_get(h, &st);
	*live = st.msi_routes;
	for (int r = 0; r < UPDATES; r++) {
		double t0 = bench_now_ns();

		entry_write(m, 0, 2, 0x40 + (uint32_t)r % 2);
		us[r] = (bench_now_ns() - t0) / 1e3;
	}
	vmpci_msix_free(m);
	for (int f = 0; f < FUNCS; f++)
		vmpci_msix_free(fill[f]);
	vmpci_kvm_host_free(h);
	return bench_median(us, UPDATES);
}

static void update_table(int vm, uint32_t limit)
{
	const uint32_t held[] = { 0, 512, 1024, 2048, limit - 40 - 1 };
	double first = 0, last = 0;
	uint32_t live = 0, first_live = 0;

	printf("| MSI routes in the VM | routing table entries | one route update (us) |\n");
	printf("|---:|---:|---:|\n");
	for (size_t k = 0; k < sizeof(held) / sizeof(held[0]); k++) {
		double us = update_cost(vm, held[k], &live);

		printf("| %u | %u | %.0f |\n", live, live + 40, us);
		if (k == 0) {
			first = us;
			first_live = live;
		}
		last = us;
	}
	printf("\n- Cost per route held: %.2f us per 1000 routes (%.0f us at %u routes, %.0f us at %u).\n",
	       (last - first) / ((double)(live - first_live) / 1000.0), first,
	       first_live, last, live);
}

static void eight_functions(int vm, uint32_t limit)
{
	struct vmpci_kvm_host_params hc;
	struct vmpci_kvm_host_stats st;
	struct vmpci_kvm_host *h;
	struct vmpci_msix *m[FUNCS];
	struct logs logs = { 0 };
	uint64_t updates;
	double t0, us;
	int enabled = 0, full = 0, some = 0;

	vmpci_kvm_host_params_init(&hc, vm);
	hc.log = log_line;
	hc.log_opaque = &logs;
	bench_check(vmpci_kvm_host_new(&hc, &h), "KVM host");
	for (int f = 0; f < FUNCS; f++) {
		char name[16];

		snprintf(name, sizeof(name), "0000:00:%02x.0", f + 1);
		m[f] = function(h, VECTORS, name);
	}
	vmpci_kvm_host_stats_get(h, &st);
	updates = st.routing_updates;
	t0 = bench_now_ns();
	for (int f = 0; f < FUNCS; f++)
		linux_bring_up(m[f], VECTORS);
	us = (bench_now_ns() - t0) / 1e3;
	vmpci_kvm_host_stats_get(h, &st);
	for (int f = 0; f < FUNCS; f++) {
		uint32_t routed = 0;

		enabled += vmpci_msix_enabled(m[f]);
		/* A vector is routed when its PBA bit stays clear after a
		 * signal: its route consumed it. */
		for (uint32_t i = 0; i < VECTORS; i++) {
			int fd = vmpci_msix_vector_eventfd(m[f], i);
			uint64_t one = 1, pba = 0;

			if (fd >= 0 && write(fd, &one, 8) == 8) {
				vmpci_msix_pba_read(m[f], i / 64 * 8, 8, &pba);
				routed += !(pba >> (i % 64) & 1);
			}
		}
		full += routed == VECTORS;
		some += routed > 0 && routed < VECTORS;
	}
	printf("| functions x vectors | KVM_MAX_IRQ_ROUTES | routes held | routing updates | functions enabled | all vectors routed | some routed | none routed | warnings logged | time (ms) |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	printf("| %d x %d | %u | %u | %llu | %d | %d | %d | %d | %d | %.0f |\n\n",
	       FUNCS, VECTORS, limit, st.msi_routes,
	       (unsigned long long)(st.routing_updates - updates), enabled,
	       full, some, FUNCS - full - some, logs.warnings, us / 1e3);
	printf("First warning: `%s`\n\n", logs.first);
	printf("- Goal: routes within KVM's limit (%u entries with the 40 irqchip ones): %u + 40 — %s.\n",
	       limit, st.msi_routes,
	       bench_verdict(st.msi_routes + 40 <= limit));
	printf("- Goal: every function stays enabled and a short VM logs it (one line per function at most): %d of %d enabled, %d lines — %s.\n\n",
	       enabled, FUNCS, logs.warnings,
	       bench_verdict(enabled == FUNCS && logs.warnings <= FUNCS));
	for (int f = 0; f < FUNCS; f++)
		vmpci_msix_free(m[f]);
	vmpci_kvm_host_free(h);
}

int main(void)
{
	int kvm, vm, limit;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("Not measured: /dev/kvm is not available on this machine.\n");
		return 0;
	}
	raise_fd_limit();
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	bench_check(vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0) ? -1 : 0,
		    "KVM VM with irqchip");
	limit = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING);
	bench_check(limit > 64 ? 0 : -1, "KVM_CAP_IRQ_ROUTING");
	eight_functions(vm, (uint32_t)limit);
	update_table(vm, (uint32_t)limit);
	close(vm);
	close(kvm);
	return 0;
}
