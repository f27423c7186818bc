/* Figure 4: snapshot and restore of a device with 2048 MSI-X vectors (the
 * nvme fixture with its MSI-X capability resized, every entry programmed
 * and unmasked, MSI-X enabled, BARs placed), on the simulated backend and a
 * host that accepts routes for free (the library's cost alone):
 *  - save: vmpci_device_state_get + vmpci__snapshot_write (the JSON document);
 *  - parse + validate: vmpci__snapshot_parse;
 *  - apply: vmpci_device_state_set into a fresh device on a fresh function
 *    (creating them is not timed), after vmpci_device_state_prepare
 *    made the eventfds before the downtime (timed on its own), and
 *    without it (the eventfds made in the downtime). */
#include <stdio.h>
#include <stdlib.h>

#include <linux/pci_regs.h>

#include "bench/bench.h"
#include "device/device.h"
#include "device/state.h"
#include "migration/document.h"
#include "pci/config.h"
#include "sim/sim.h"

#define VECTORS 2048
/* Each run takes milliseconds: more runs than BENCH_RUNS keep one burst
 * of this shared machine's load out of the medians. */
#define RUNS 11

/* A device on `sim` with BARs placed. */
static struct vmpci_device *device(struct vmpci_vfio_sim *sim,
				   struct bench_pools *pools)
{
	struct vmpci_device *dev;

	bench_check(bench_device_new(vmpci_vfio_sim_backend(sim),
				     bench_null_host(), pools, 0, 0, &dev),
		    "device");
	return dev;
}

static void program_all(struct vmpci_device *dev)
{
	struct vmpci_cap c;
	uint16_t cap = 0;

	for (size_t i = 0; !vmpci_device_cap_get(dev, i, &c); i++)
		if (c.id == PCI_CAP_ID_MSIX && !(c.flags & VMPCI_CAP_EXTENDED))
			cap = c.offset;
	for (uint32_t i = 0; i < VECTORS; i++) {
		uint32_t e[4] = { 0xfee00000u | (i % 8) << 12, 0, 0x30 + i % 200, 0 };

		for (int w = 0; w < 4; w++)
			vmpci_device_bar_write(dev, 0, i * 16ull + 4 * w, 4, &e[w]);
	}
	vmpci_device_config_write(dev, PCI_COMMAND, 2,
				  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	vmpci_device_config_write(dev, cap + PCI_MSIX_FLAGS, 2,
				  PCI_MSIX_FLAGS_ENABLE);
}

int main(void)
{
	struct bench_fixture nvme, f;
	struct bench_pools pools, pools2;
	struct vmpci_vfio_sim *sim;
	struct vmpci_device *dev;
	struct vmpci_device_state *st = calloc(1, sizeof(*st));
	double save[RUNS], parse[RUNS], apply[RUNS];
	double prep[RUNS], cold[RUNS];
	char err[VMPCI__SNAPSHOT_ERR_MAX];
	size_t len = 0;
	double s, p, a, pr, c;

	bench_check(bench_fixture_load(BENCH_NVME, &nvme), BENCH_NVME);
	bench_check(bench_fixture_synth(&nvme, 1, VECTORS, &f), "synth");
	bench_check(bench_sim_new(&f, &sim), "sim");
	bench_pools_new(&pools);
	dev = device(sim, &pools);
	bench_check(vmpci_device_place_bars(dev), "place BARs");
	program_all(dev);
	for (int r = 0; r < RUNS; r++) {
		struct vmpci_vfio_sim *sim2;
		struct vmpci_device *dev2;
		char *json = NULL;
		double t0 = bench_now_ns();

		bench_check(vmpci_device_state_get(dev, st), "save");
		bench_check(vmpci__snapshot_write(st, &json, &len, err, sizeof(err)),
			    "write");
		vmpci_device_state_release(st);
		save[r] = (bench_now_ns() - t0) / 1e3;
		t0 = bench_now_ns();
		bench_check(vmpci__snapshot_parse(json, len, st, err, sizeof(err)),
			    "parse");
		parse[r] = (bench_now_ns() - t0) / 1e3;
		free(json);
		for (int prepared = 0; prepared < 2; prepared++) {
			bench_check(bench_sim_new(&f, &sim2), "sim");
			bench_pools_new(&pools2);
			dev2 = device(sim2, &pools2);
			if (prepared) {
				t0 = bench_now_ns();
				bench_check(vmpci_device_state_prepare(dev2),
					    "prepare");
				prep[r] = (bench_now_ns() - t0) / 1e3;
			}
			t0 = bench_now_ns();
			bench_check(vmpci_device_state_set(dev2, st), "restore");
			*(prepared ? &apply[r] : &cold[r]) =
				(bench_now_ns() - t0) / 1e3;
			vmpci_device_free(dev2);
			bench_pools_free(&pools2);
			vmpci_vfio_sim_free(sim2);
		}
		vmpci_device_state_release(st);
	}
	s = bench_median(save, RUNS);
	p = bench_median(parse, RUNS);
	a = bench_median(apply, RUNS);
	pr = bench_median(prep, RUNS);
	c = bench_median(cold, RUNS);
	printf("| step | time (us) |\n|---|---:|\n");
	printf("| save (device state + JSON document) | %.0f |\n", s);
	printf("| parse + validate | %.0f |\n", p);
	printf("| prepare the destination before the downtime (vmpci_device_state_prepare: %d eventfds) | %.0f |\n",
	       VECTORS, pr);
	printf("| apply (restore into the prepared device) | %.0f |\n", a);
	printf("| apply without preparing (the eventfds made in the downtime) | %.0f |\n\n",
	       c);
	printf("- Medians of %d runs. Document: %zu bytes.\n", RUNS, len);
	printf("- Goal: each step under 1 ms: save %.2f ms, parse %.2f ms, apply %.2f ms — %s.\n",
	       s / 1e3, p / 1e3, a / 1e3, bench_verdict(s < 1e3 && p < 1e3 && a < 1e3));
	printf("- Goal: document under 200 KB (200000 bytes): %zu bytes — %s.\n",
	       len, bench_verdict(len < 200000));
	vmpci_device_free(dev);
	bench_pools_free(&pools);
	vmpci_vfio_sim_free(sim);
	free(st);
	return 0;
}
