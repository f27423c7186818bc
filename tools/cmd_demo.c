/* `vmpci demo`: the whole passthrough path with no hardware. A KVM VM runs
 * a real 32-bit guest (tools/demo/guest) that enumerates PCI through ports
 * 0xCF8/0xCFC, sizes and moves BAR0, enables MSI-X and reads both a mapped
 * and a trapped part of BAR0, against a device over the simulated backend
 * built from QEMU's nvme config space. The demo then fires the vector and
 * finds it pending in the vCPU's LAPIC, snapshots the device to JSON,
 * destroys it, restores a new one and checks the guest sees the same.
 *
 * Without KVM (or with --no-kvm) the same guest driver runs on this thread
 * instead of a vCPU (tools/demo/hosted_vm.h): its accesses reach the same
 * exit handlers below, and the VM stands in for KVM's memory slots, routes
 * and LAPIC. Everything vmpci does is the same in both.
 *
 * This file is also the embedding example docs/EMBEDDING.md walks through:
 * everything a VMM does with vmpci is here, in order. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "device/device.h"
#include "host/host.h"
#include "kvm/kvm_host.h"
#include "pci/bus.h"
#include "sim/sim.h"
#include "tools/commands.h"
#include "tools/default_fixture.h"
#include "tools/demo/hosted_vm.h"
#include "tools/demo/kvm_vm.h"
#include "vmpci.h"

#define GUEST_VECTOR 0x40
#define GUEST_BAR0 0xe0000000ull
#define MARKER 0x564d5043u /* what the function holds at BAR0 + 0 */

struct demo {
	/* One of the two VMs: KVM's, or the hosted one without a vCPU. */
	struct demo_vm *vm;
	struct vmpci_kvm_host *kvm;
	struct hosted_vm *hosted;
	const struct vmpci_host *host;
	struct vmpci_alloc *io, *mmio32, *mmio64;
	struct vmpci_bus *bus;
	struct vmpci_vfio_sim *sim;
	struct vmpci_device *dev;
	uint8_t slot;
	/* The VMM's MMIO map of the device's BARs, kept by bar_moved. */
	uint64_t bar_addr[VMPCI_BAR_COUNT];
	uint64_t bar_size[VMPCI_BAR_COUNT];
	unsigned pio_exits, mmio_exits;
	/* Exits at the address the guest reads through the mapping: each one
	 * is a mapping missed. */
	uint64_t mapped_gpa;
	unsigned mapped_exits;
	bool verbose;
};

static void log_line(void *opaque, enum vmpci_log_level level, const char *msg)
{
	struct demo *d = opaque;

	if (level <= VMPCI_LOG_WARN || d->verbose)
		fprintf(stderr, "  [vmpci] %s\n", msg);
}

static void bar_moved(void *opaque, unsigned index, uint64_t old_addr,
		      uint64_t new_addr, uint64_t size)
{
	struct demo *d = opaque;

	(void)old_addr;
	d->bar_addr[index] = new_addr;
	d->bar_size[index] = size;
}

/* Port I/O exits: the config mechanism goes to vmpci's bus. */
static int on_pio(void *opaque, uint16_t port, uint8_t size, bool is_write,
		  uint32_t *data)
{
	struct demo *d = opaque;

	d->pio_exits++;
	if (port < VMPCI_BUS_PIO_BASE ||
	    port >= VMPCI_BUS_PIO_BASE + VMPCI_BUS_PIO_SIZE) {
		if (!is_write)
			*data = 0xffffffff;
		return 0;
	}
	if (is_write)
		vmpci_bus_pio_write(d->bus, port, size, *data);
	else
		vmpci_bus_pio_read(d->bus, port, size, data);
	return 0;
}

/* MMIO exits: an address inside a BAR is a trapped part of that BAR. */
static int on_mmio(void *opaque, uint64_t gpa, uint8_t size, bool is_write,
		   uint64_t *data)
{
	struct demo *d = opaque;
	unsigned i;

	d->mmio_exits++;
	if (gpa == d->mapped_gpa)
		d->mapped_exits++;
	for (i = 0; i < VMPCI_BAR_COUNT; i++) {
		if (!d->bar_size[i] || gpa < d->bar_addr[i] ||
		    gpa - d->bar_addr[i] >= d->bar_size[i])
			continue;
		if (is_write)
			vmpci_device_bar_write(d->dev, i, gpa - d->bar_addr[i],
					       size, data);
		else
			vmpci_device_bar_read(d->dev, i, gpa - d->bar_addr[i],
					      size, data);
		return 0;
	}
	if (!is_write)
		*data = UINT64_MAX;
	return 0;
}

static int new_device(struct demo *d)
{
	struct vmpci_device_params c;
	int err;

	vmpci_device_params_init(&c, vmpci_vfio_sim_backend(d->sim), d->host);
	c.name = "demo-nvme";
	c.pools.io = d->io;
	c.pools.mmio32 = d->mmio32;
	c.pools.mmio64 = d->mmio64;
	c.devid = d->slot << 3;
	c.bar_moved = bar_moved;
	c.opaque = d;
	err = vmpci_device_new(&c, &d->dev);
	if (!err)
		err = vmpci_bus_add_function(d->bus, 0, d->slot, 0,
					     vmpci_device_config_ops(), d->dev);
	return err;
}

static void free_device(struct demo *d)
{
	vmpci_bus_remove_function(d->bus, 0, d->slot, 0);
	vmpci_device_free(d->dev);
	d->dev = NULL;
	memset(d->bar_size, 0, sizeof(d->bar_size));
}

static const struct demo_vm_ops vm_ops = { on_pio, on_mmio, NULL };

/* A KVM VM with vmpci's bundled KVM host on it. */
static int setup_kvm(struct demo *d)
{
	struct vmpci_kvm_host_params kc;
	int err;

	err = demo_vm_new(&vm_ops, d, &d->vm);
	if (err)
		return err;
	vmpci_kvm_host_params_init(&kc, demo_vm_fd(d->vm));
	kc.slot_base = 1; /* slot 0 is the guest's RAM */
	kc.slot_count = 32;
	kc.log = log_line;
	kc.log_opaque = d;
	err = vmpci_kvm_host_new(&kc, &d->kvm);
	if (!err)
		d->host = vmpci_kvm_host_ops(d->kvm);
	return err;
}

/* KVM if it works, else (saying why) the hosted VM. */
static int setup_vm(struct demo *d, bool no_kvm)
{
	const char *why = "--no-kvm given";
	int err;

	if (!no_kvm) {
		err = access("/dev/kvm", R_OK | W_OK) ? -errno : setup_kvm(d);
		if (!err)
			return 0;
		fprintf(stderr, "vmpci demo: cannot use KVM: %s\n",
			strerror(-err));
		vmpci_kvm_host_free(d->kvm);
		demo_vm_free(d->vm);
		d->kvm = NULL;
		d->vm = NULL;
		why = "no usable /dev/kvm";
	}
	printf("%s: the same guest driver runs on this thread, without a vCPU\n",
	       why);
	err = hosted_vm_new(&vm_ops, log_line, d, &d->hosted);
	if (!err)
		d->host = hosted_vm_host(d->hosted);
	return err;
}

static int setup(struct demo *d, bool no_kvm)
{
	struct vmpci_vfio_sim_params sc;
	int err;

	err = setup_vm(d, no_kvm);
	if (!err)
		err = vmpci_alloc_new(0xc000, 0x4000, &d->io);
	if (!err)
		err = vmpci_alloc_new(0xe0000000, 0x10000000, &d->mmio32);
	if (!err)
		err = vmpci_alloc_new(1ull << 32, 1ull << 32, &d->mmio64);
	if (!err)
		err = vmpci_bus_new(VMPCI_BUS_HOST_BRIDGE, &d->bus);
	if (!err)
		err = vmpci_bus_slot_alloc(d->bus, 0, &d->slot);
	if (err)
		return err;
	vmpci_vfio_sim_params_init(&sc, vmpci_default_config,
				   vmpci_default_config_size,
				   vmpci_default_resource);
	sc.host = d->host;
	err = vmpci_vfio_sim_new(&sc, &d->sim);
	if (!err)
		err = new_device(d);
	return err;
}

static void teardown(struct demo *d)
{
	if (d->dev)
		free_device(d);
	vmpci_vfio_sim_free(d->sim);
	vmpci_bus_free(d->bus);
	vmpci_kvm_host_free(d->kvm);
	vmpci_alloc_free(d->io);
	vmpci_alloc_free(d->mmio32);
	vmpci_alloc_free(d->mmio64);
	demo_vm_free(d->vm);
	hosted_vm_free(d->hosted);
}

static bool check(bool ok, const char *what)
{
	printf("  %-4s %s\n", ok ? "ok" : "FAIL", what);
	return ok;
}

static bool run_guest(struct demo *d)
{
	struct demo_mailbox *mb = d->vm ? demo_vm_mailbox(d->vm)
					: hosted_vm_mailbox(d->hosted);
	struct vmpci_device_bar b;
	uint32_t status = 0, marker = MARKER, i;
	bool ok = true;
	int err;

	/* Something of the function's own at BAR0 + 0, to tell a read of the
	 * mapped page from an exit. */
	vmpci_vfio_sim_backend(d->sim)->ops->region_write(
		vmpci_vfio_sim_backend(d->sim)->opaque, 0, 0, &marker, 4);
	mb->magic = DEMO_MAILBOX_MAGIC;
	mb->msix_vector = GUEST_VECTOR;
	mb->bar0_gpa = GUEST_BAR0;
	mb->mapped_offset = 0;
	d->mapped_gpa = GUEST_BAR0 + mb->mapped_offset;
	err = d->vm ? demo_vm_run(d->vm, 100000, &status)
		    : hosted_vm_run(d->hosted, &status);
	printf("guest (%s) finished with status %u%s\n",
	       d->vm ? "32-bit code on a KVM vCPU" : "its driver, without a vCPU",
	       status, err ? " (run failed)" : "");
	if (!check(!err && status == DEMO_STATUS_OK, "guest ran to the end"))
		return false;
	printf("guest saw on bus 0:\n");
	for (i = 0; i < mb->nfuncs && i < DEMO_MAILBOX_MAX_FUNCS; i++)
		printf("  00:%02x.%u %04x:%04x class %06x\n",
		       mb->funcs[i].devfn >> 3, mb->funcs[i].devfn & 7,
		       mb->funcs[i].vendor, mb->funcs[i].device,
		       mb->funcs[i].class_code);
	printf("guest drove 00:%02x.%u:\n", mb->devfn >> 3, mb->devfn & 7);
	printf("  BAR0 %s, sizing read %08x:%08x -> %llu KiB, programmed %08x:%08x\n",
	       mb->bar0_is_64 ? "64-bit" : "32-bit", mb->bar0_mask_hi,
	       mb->bar0_mask_lo, (unsigned long long)mb->bar0_size / 1024,
	       mb->bar0_hi, mb->bar0_lo);
	printf("  MSI-X at 0x%x: table %08x, PBA %08x, control now %04x\n",
	       mb->msix_cap, mb->msix_table, mb->msix_pba, mb->msix_ctrl);
	printf("  BAR0+0x0 (mapped, no exit) read %08x; MSI-X entry 0 data (trapped) read %02x\n",
	       mb->mapped_value, mb->table_value);
	printf("  VMM exits: %u port I/O, %u MMIO\n", d->pio_exits,
	       d->mmio_exits);
	ok &= check(mb->devfn >> 3 == d->slot, "guest found the device in its slot");
	ok &= check(mb->bar0_size == 0x4000, "BAR0 sized at 16 KiB through the virtual register");
	ok &= check(mb->mapped_value == MARKER && !d->mapped_exits,
		    "mapped read reached the function's memory without an exit");
	ok &= check(mb->table_value == GUEST_VECTOR, "trapped MSI-X table read served by vmpci");
	vmpci_device_bar_get(d->dev, 0, &b);
	ok &= check(b.placed && b.addr == GUEST_BAR0, "guest's BAR0 move applied");
	for (i = 0; i < b.nr_mapped; i++)
		printf("  BAR0 mapped [%#llx, %#llx), the rest trapped\n",
		       (unsigned long long)b.mapped[i].offset,
		       (unsigned long long)(b.mapped[i].offset + b.mapped[i].size));
	return ok;
}

static bool fire(struct demo *d, const char *when)
{
	char what[128];
	int pending;

	if (d->vm)
		demo_vm_irr_clear(d->vm, GUEST_VECTOR);
	else
		hosted_vm_irr_clear(d->hosted, GUEST_VECTOR);
	vmpci_vfio_sim_fire(d->sim, VFIO_PCI_MSIX_IRQ_INDEX, 0);
	pending = d->vm ? demo_vm_irr_pending(d->vm, GUEST_VECTOR)
			: hosted_vm_irr_pending(d->hosted, GUEST_VECTOR);
	snprintf(what, sizeof(what),
		 "%s: MSI-X vector 0 pending in the %s LAPIC as vector %#x",
		 when, d->vm ? "vCPU's" : "hosted VM's", GUEST_VECTOR);
	return check(pending == 1, what);
}

static bool snapshot_restore(struct demo *d, const char *path)
{
	uint8_t before[4096], after[4096];
	struct vmpci_device_bar b0, b1;
	char *json = NULL;
	size_t len;
	FILE *f;
	bool ok = true;
	int rc;

	vmpci_device_config_dump(d->dev, before, sizeof(before));
	vmpci_device_bar_get(d->dev, 0, &b0);
	rc = vmpci_snapshot_save(d->dev, &json);
	if (!check(rc == 0, "snapshot taken"))
		return false;
	len = strlen(json);
	f = fopen(path, "w");
	if (f) {
		fwrite(json, 1, len, f);
		fclose(f);
	}
	printf("snapshot: %s, %zu bytes of JSON\n", path, len);

	free_device(d);
	rc = new_device(d);
	if (!rc)
		rc = vmpci_snapshot_restore(d->dev, json, len);
	free(json);
	if (!check(rc == 0, "restored into a new device")) {
		fprintf(stderr, "vmpci demo: restore: %s\n",
			d->dev ? vmpci_device_errmsg(d->dev) : strerror(-rc));
		return false;
	}
	vmpci_device_config_dump(d->dev, after, sizeof(after));
	vmpci_device_bar_get(d->dev, 0, &b1);
	ok &= check(!memcmp(before, after, sizeof(before)),
		    "guest-visible config space identical, byte for byte");
	ok &= check(b1.placed && b1.addr == b0.addr && b1.nr_mapped == b0.nr_mapped,
		    "BAR0 at the same address with the same mapped areas");
	return ok;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vmpci demo [--snapshot FILE] [--no-kvm] [--verbose]\n");
}

int vmpci_cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "snapshot", required_argument, NULL, 's' },
		{ "no-kvm", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "vmpci-demo-snapshot.json";
	struct demo d = { 0 };
	bool ok = true, no_kvm = false;
	int c;

	optind = 1;
	while (argc > 0 && (c = getopt_long(argc, argv, "s:nvh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'n':
			no_kvm = true;
			break;
		case 'v':
			d.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	printf("vmpci demo: %s over the simulated VFIO backend\n",
	       VMPCI_DEFAULT_FIXTURE_NAME);
	if (setup(&d, no_kvm)) {
		teardown(&d);
		return 1;
	}
	ok &= run_guest(&d);
	ok &= fire(&d, "interrupt");
	ok &= snapshot_restore(&d, path);
	ok &= fire(&d, "after restore");
	teardown(&d);
	printf("vmpci demo: %s\n", ok ? "PASS" : "FAIL");
	return ok ? 0 : 1;
}
