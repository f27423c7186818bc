/* `vmpci selftest --vfio BDF`: drive one function bound to vfio-pci as a
 * VMM and its guest would (create, enumerate, map, interrupt, DMA, move,
 * snapshot/restore, destroy), one PASS / FAIL / SKIP line per step and a
 * last line "N passed, M failed". The host is the null host (no VM) with a
 * record of what it was asked (selftest_host.c): guest mappings are reached
 * through their host addresses and interrupts are waited for on the
 * eventfds the device gave VFIO. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools/commands.h"
#include "tools/open_fds.h"
#include "tools/selftest.h"

/* The guest's address space: where the VMM's pools are. */
static const struct {
	uint64_t base, size;
} pool_ranges[ST_NR_POOLS] = {
	[ST_POOL_IO] = { 0xc000, 0x4000 },
	[ST_POOL_MMIO32] = { 0xc0000000, 0x20000000 },
	[ST_POOL_MMIO64] = { 0x8000000000, 0x1000000000 },
};

enum st_result st_say(struct selftest *st, enum st_result r, const char *fmt,
		      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
	return r;
}

double st_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int sysfs_hex(const char *bdf, const char *attr, uint32_t *out)
{
	char path[256];
	unsigned long v;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%lx", &v) == 1;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* Functions with a recipe for raising an interrupt (and DMA, edu). */
static const struct {
	uint16_t vendor, device;
	enum st_recipe recipe;
	const char *name;
} recipes[] = {
	{ 0x1234, 0x11e8, ST_EDU, "edu" },
	{ 0x1b36, 0x0010, ST_NVME, "nvme" },
	{ 0x8086, 0x10d3, ST_E1000E, "e1000e" },
};

/* The function's identity as the host kernel knows it. */
static int read_sysfs_identity(struct selftest *st)
{
	uint32_t vendor, device, cls;
	unsigned i;
	int err = sysfs_hex(st->bdf, "vendor", &vendor);

	if (!err)
		err = sysfs_hex(st->bdf, "device", &device);
	if (!err)
		err = sysfs_hex(st->bdf, "class", &cls);
	if (err)
		return err;
	st->sysfs_id.vendor = (uint16_t)vendor;
	st->sysfs_id.device = (uint16_t)device;
	st->sysfs_id.class_code = cls;
	st->recipe = ST_GENERIC;
	st->recipe_name = "generic";
	for (i = 0; i < sizeof(recipes) / sizeof(recipes[0]); i++) {
		if (recipes[i].vendor == vendor && recipes[i].device == device) {
			st->recipe = recipes[i].recipe;
			st->recipe_name = recipes[i].name;
		}
	}
	return 0;
}

int st_device_create(struct selftest *st, struct vmpci_device **out)
{
	struct vmpci_device_params dc;

	vmpci_device_params_init(&dc, st->be, &st->host.host);
	dc.name = st->bdf;
	dc.pools.io = st->pools[ST_POOL_IO];
	dc.pools.mmio32 = st->pools[ST_POOL_MMIO32];
	dc.pools.mmio64 = st->pools[ST_POOL_MMIO64];
	dc.page_size = st->page_size;
	dc.bar_moved = st_on_bar_moved;
	dc.opaque = st;
	return vmpci_device_new(&dc, out);
}

static enum st_result step_create(struct selftest *st)
{
	struct vmpci_device_identity id;
	unsigned i;
	int err;

	for (i = 0; i < ST_NR_POOLS; i++) {
		err = vmpci_alloc_new(pool_ranges[i].base, pool_ranges[i].size,
				      &st->pools[i]);
		if (err)
			return st_fail(st, "pool %u: %s", i, strerror(-err));
		st->cursor[i] = pool_ranges[i].base;
	}
	err = st_device_create(st, &st->dev);
	if (err)
		return st_fail(st, "vmpci_device_new: %s", strerror(-err));
	err = vmpci_bus_new(VMPCI_BUS_HOST_BRIDGE, &st->bus);
	if (!err)
		err = vmpci_bus_slot_alloc(st->bus, 0, &st->slot);
	if (!err)
		err = vmpci_bus_add_function(st->bus, 0, st->slot, 0,
					     vmpci_device_config_ops(), st->dev);
	if (err)
		return st_fail(st, "putting the device on the bus: %s",
			       strerror(-err));
	vmpci_device_identity_get(st->dev, &id);
	if (id.vendor != st->sysfs_id.vendor || id.device != st->sysfs_id.device ||
	    id.class_code != st->sysfs_id.class_code)
		return st_fail(st, "device identity %04x:%04x class %06x, sysfs %04x:%04x class %06x",
			       id.vendor, id.device, id.class_code,
			       st->sysfs_id.vendor, st->sysfs_id.device,
			       st->sysfs_id.class_code);
	return st_pass(st, "%s %04x:%04x class %06x rev %02x, %u-byte config space, recipe %s; pools io %#llx mmio32 %#llx mmio64 %#llx",
		       st->bdf, id.vendor, id.device, id.class_code, id.revision,
		       id.config_size, st->recipe_name,
		       (unsigned long long)pool_ranges[ST_POOL_IO].base,
		       (unsigned long long)pool_ranges[ST_POOL_MMIO32].base,
		       (unsigned long long)pool_ranges[ST_POOL_MMIO64].base);
}

void st_drop_device(struct selftest *st)
{
	unsigned i;

	if (st->bus && st->dev)
		vmpci_bus_remove_function(st->bus, 0, st->slot, 0);
	vmpci_device_free(st->dev);
	st->dev = NULL;
	for (i = 0; i < VMPCI_BAR_COUNT; i++)
		st->bars[i].vmm_valid = false;
}

/* Free everything: device, bus, pools, backend (its fds). */
static void teardown(struct selftest *st)
{
	unsigned i;

	st_drop_device(st);
	vmpci_bus_free(st->bus);
	st->bus = NULL;
	for (i = 0; i < ST_NR_POOLS; i++) {
		vmpci_alloc_free(st->pools[i]);
		st->pools[i] = NULL;
	}
	vmpci_vfio_kernel_free(st->kernel);
	st->kernel = NULL;
	st->be = NULL;
}

enum st_result st_check_released(struct selftest *st)
{
	const struct null_host *h = &st->host.inner;

	if (st_host_live(&st->host) || h->slots || h->msi_routes ||
	    h->intx_routes)
		return st_fail(st, "the freed device left %u mappings, %u MSI and %u INTx routes with the host",
			       h->slots, h->msi_routes, h->intx_routes);
	return ST_PASS;
}

static enum st_result step_destroy(struct selftest *st)
{
	enum st_result r;
	int fds;

	st_drop_device(st);
	r = st_check_released(st);
	teardown(st);
	if (r != ST_PASS)
		return r;
	fds = open_fds_count();
	if (fds != st->fds_at_start)
		return st_fail(st, "%d fds open after destroy, %d before create",
			       fds, st->fds_at_start);
	return st_pass(st, "device, bus, pools and backend freed; no mapping or route left; %d fds before and after",
		       fds);
}

static const struct {
	const char *name;
	enum st_result (*run)(struct selftest *st);
} steps[] = {
	{ "create", step_create },	 { "enumerate", st_step_enumerate },
	{ "map", st_step_map },		 { "interrupt", st_step_interrupt },
	{ "dma", st_step_dma },		 { "move", st_step_move },
	{ "snapshot", st_step_snapshot }, { "destroy", step_destroy },
};

static int run(struct selftest *st)
{
	static const char *const words[] = { "PASS", "FAIL", "SKIP" };
	unsigned i, passed = 0, failed = 0;
	enum st_result r;
	double t0;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		st->msg[0] = '\0';
		t0 = st_now_ms();
		r = steps[i].run(st);
		printf("%s %s: %s (%.1f ms)\n", words[r], steps[i].name, st->msg,
		       st_now_ms() - t0);
		fflush(stdout);
		passed += r == ST_PASS;
		failed += r == ST_FAIL;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define USAGE_LINE "usage: vmpci selftest --vfio DOMAIN:BUS:SLOT.FN [--verbose]"

static void usage(FILE *out)
{
	fprintf(out, USAGE_LINE "\n"
		     "Drive the function (bound to vfio-pci) as a VMM and its guest would:\n"
		     "create, enumerate, map, interrupt, dma, move, snapshot, destroy.\n"
		     "One PASS / FAIL / SKIP line per step, then \"N passed, M failed\".\n"
		     "Exit 0 when every step passes, 1 when one fails, 2 for bad usage or\n"
		     "a missing function.\n");
}

/* One line, as every usage error gives. */
static int usage_error(const char *why)
{
	fprintf(stderr, "vmpci selftest: %s; " USAGE_LINE "\n", why);
	return 2;
}

/* DDDD:BB:SS.F, as sysfs names functions. */
static bool valid_bdf(const char *s)
{
	static const char pattern[] = "xxxx:xx:xx.x";
	size_t i;

	if (strlen(s) != sizeof(pattern) - 1)
		return false;
	for (i = 0; pattern[i]; i++)
		if (pattern[i] == 'x' ? !isxdigit((unsigned char)s[i])
				      : s[i] != pattern[i])
			return false;
	return s[11] <= '7';
}

/* Open the function; a missing one is a usage-level error (exit 2). */
static int open_function(struct selftest *st)
{
	struct vmpci_vfio_kernel_params kc;
	char path[256];
	struct stat sb;
	int err;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", st->bdf);
	if (stat(path, &sb) || read_sysfs_identity(st)) {
		fprintf(stderr, "vmpci selftest: no PCI function %s (%s)\n",
			st->bdf, path);
		return -ENODEV;
	}
	vmpci_vfio_kernel_params_init(&kc, st->bdf);
	kc.host = &st->host.host;
	st->host.capture = true;
	err = vmpci_vfio_kernel_open(&kc, &st->kernel);
	st->host.capture = false;
	if (err) {
		fprintf(stderr, "vmpci selftest: cannot open %s through VFIO: %s\n",
			st->bdf, st->host.captured[0] ? st->host.captured
						      : strerror(-err));
		return err;
	}
	st->be = vmpci_vfio_kernel_backend(st->kernel);
	return 0;
}

int vmpci_cmd_selftest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vfio", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct selftest *st;
	long page = sysconf(_SC_PAGESIZE);
	const char *bdf = NULL;
	bool verbose = false;
	int c, status;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "d:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': bdf = optarg; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: return usage_error("unknown option or missing argument");
		}
	}
	if (!bdf)
		return usage_error("--vfio is required");
	if (optind < argc)
		return usage_error("unexpected argument");
	if (!valid_bdf(bdf))
		return usage_error("--vfio takes a PCI address like 0000:01:00.0");
	st = calloc(1, sizeof(*st));
	if (!st) {
		fprintf(stderr, "vmpci selftest: out of memory\n");
		return 1;
	}
	st->bdf = bdf;
	st->page_size = page > 0 ? (uint64_t)page : 4096;
	st_host_init(&st->host, verbose);
	st->fds_at_start = open_fds_count();
	if (open_function(st)) {
		free(st);
		return 2;
	}
	status = run(st);
	teardown(st);
	free(st);
	return status;
}
