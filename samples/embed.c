/* The README's embedding sample: what a VMM does with vmpci, from the public
 * headers alone, on no hardware. A host ops table stands for the VMM's own
 * memory and interrupt managers; the simulated backend stands for a host
 * function (a real VMM calls vmpci_vfio_kernel_open there, and nothing else
 * changes). The guest side is played through the bus's 0xCF8/0xCFC ports.
 *
 * Built and run by the tests against an installed libvmpci (plain cc and
 * pkg-config, static and shared: tests/package) and from a Bazel consumer
 * workspace (tests/consumer). Prints each step; exits 0 when the guest saw
 * the device, its BAR and the restored state as it should. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmpci.h"

/* ---- The VMM's side: what it owns and vmpci asks of it ------------------ */

struct vmm {
	uint32_t next_handle;
	uint32_t slots; /* guest memory mappings vmpci holds */
};

static void vmm_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	(void)opaque;
	if (level <= VMPCI_LOG_WARN)
		fprintf(stderr, "vmpci: %s\n", msg);
}

static int vmm_map(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		   bool readonly, uint32_t *slot)
{
	struct vmm *vmm = opaque;

	/* A KVM VMM would KVM_SET_USER_MEMORY_REGION here. */
	(void)gpa, (void)size, (void)host_addr, (void)readonly;
	vmm->slots++;
	*slot = vmm->next_handle++;
	return 0;
}

static int vmm_unmap(void *opaque, uint32_t slot)
{
	struct vmm *vmm = opaque;

	(void)slot;
	vmm->slots--;
	return 0;
}

static int vmm_add_route(void *opaque, int eventfd,
			 const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct vmm *vmm = opaque;

	(void)eventfd, (void)msg;
	*route = vmm->next_handle++;
	return 0;
}

static int vmm_update_route(void *opaque, uint32_t route,
			    const struct vmpci_msi_msg *msg)
{
	(void)opaque, (void)route, (void)msg;
	return 0;
}

static int vmm_mask_route(void *opaque, uint32_t route, bool masked)
{
	(void)opaque, (void)route, (void)masked;
	return 0;
}

static int vmm_route_handle(void *opaque, uint32_t route)
{
	(void)opaque, (void)route;
	return 0;
}

static int vmm_commit(void *opaque)
{
	(void)opaque;
	return 0;
}

static int vmm_add_intx(void *opaque, uint32_t pin, int trigger_fd,
			int resample_fd, uint32_t *route)
{
	struct vmm *vmm = opaque;

	(void)pin, (void)trigger_fd, (void)resample_fd;
	*route = vmm->next_handle++;
	return 0;
}

static const struct vmpci_host_ops vmm_ops = {
	.log = vmm_log,
	.map_memory = vmm_map,
	.unmap_memory = vmm_unmap,
	.add_msi_route = vmm_add_route,
	.update_msi_route = vmm_update_route,
	.mask_msi_route = vmm_mask_route,
	.remove_msi_route = vmm_route_handle,
	.commit_routes = vmm_commit,
	.add_intx_route = vmm_add_intx,
	.remove_intx_route = vmm_route_handle,
};

/* ---- The host function: a simulated one ------------------------------- */

#define SAMPLE_VENDOR 0x1b36 /* QEMU's pci-testdev */
#define SAMPLE_DEVICE 0x0005
#define SAMPLE_BAR0_SIZE 0x4000

/* Config space header and sysfs `resource` text of a function with one
 * 16 KiB 32-bit memory BAR. */
static void sample_function(uint8_t image[256], char *resource, size_t len)
{
	memset(image, 0, 256);
	image[0x00] = SAMPLE_VENDOR & 0xff;
	image[0x01] = SAMPLE_VENDOR >> 8;
	image[0x02] = SAMPLE_DEVICE & 0xff;
	image[0x03] = SAMPLE_DEVICE >> 8;
	image[0x0b] = 0x00; /* class: unclassified */
	snprintf(resource, len,
		 "0x00000000fe000000 0x00000000fe003fff 0x0000000000040200\n"
		 "%s",
		 "0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n"
		 "0x0 0x0 0x0\n0x0 0x0 0x0\n0x0 0x0 0x0\n");
}

/* ---- The guest's side: config cycles through 0xCF8/0xCFC --------------- */

static uint32_t guest_read(struct vmpci_bus *bus, uint8_t slot, uint8_t reg)
{
	uint32_t val = 0;

	vmpci_bus_pio_write(bus, VMPCI_BUS_PIO_BASE, 4,
			    0x80000000u | (uint32_t)slot << 11 | reg);
	vmpci_bus_pio_read(bus, VMPCI_BUS_PIO_BASE + 4, 4, &val);
	return val;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "sample: %s: %s\n", what, strerror(-err));
	return 1;
}

struct sample {
	struct vmm vmm;
	struct vmpci_host host;
	struct vmpci_alloc *mmio32;
	struct vmpci_vfio_sim *sim;
	struct vmpci_device *dev;
	struct vmpci_bus *bus;
	uint8_t slot;
};

static int sample_device_new(struct sample *s, struct vmpci_device **out)
{
	struct vmpci_device_params dc;

	vmpci_device_params_init(&dc, vmpci_vfio_sim_backend(s->sim), &s->host);
	dc.name = "sample";
	dc.pools.mmio32 = s->mmio32;
	dc.devid = (uint32_t)s->slot << 3; /* bus 0, function 0 */
	return vmpci_device_new(&dc, out);
}

static int run(struct sample *s)
{
	struct vmpci_vfio_sim_params sc;
	struct vmpci_device *fresh = NULL;
	uint8_t image[256];
	char resource[512], err[256];
	uint32_t id, bar0;
	char *json = NULL;
	int rc;

	s->host = (struct vmpci_host){ &vmm_ops, &s->vmm };
	rc = vmpci_alloc_new(0xe0000000, 0x10000000, &s->mmio32);
	if (rc)
		return fail("mmio32 pool", rc);

	sample_function(image, resource, sizeof(resource));
	vmpci_vfio_sim_params_init(&sc, image, sizeof(image), resource);
	sc.host = &s->host;
	rc = vmpci_vfio_sim_new(&sc, &s->sim);
	if (rc)
		return fail("simulated function", rc);

	/* The slot comes first: the device's requester id depends on it. */
	rc = vmpci_bus_new(VMPCI_BUS_HOST_BRIDGE, &s->bus);
	if (!rc)
		rc = vmpci_bus_slot_alloc(s->bus, 0, &s->slot);
	if (rc)
		return fail("bus", rc);

	rc = sample_device_new(s, &s->dev);
	if (!rc)
		rc = vmpci_device_place_bars(s->dev);
	if (!rc)
		rc = vmpci_bus_add_function(s->bus, 0, s->slot, 0,
					    vmpci_device_config_ops(), s->dev);
	if (rc)
		return fail("device", rc);

	id = guest_read(s->bus, s->slot, 0x00);
	bar0 = guest_read(s->bus, s->slot, 0x10);
	printf("guest sees %04x:%04x at 00:%02x.0, BAR0 at 0x%08x, %u mapping(s)\n",
	       id & 0xffff, id >> 16, s->slot, bar0 & ~0xfu, s->vmm.slots);
	if (id != (SAMPLE_DEVICE << 16 | SAMPLE_VENDOR) || !(bar0 & ~0xfu) ||
	    !s->vmm.slots)
		return fail("guest view", -EIO);

	/* Snapshot, then restore into a fresh device on the same function. */
	rc = vmpci_snapshot_save(s->dev, &json);
	if (rc)
		return fail("snapshot", rc);
	printf("snapshot: %zu bytes of JSON\n", strlen(json));
	vmpci_bus_remove_function(s->bus, 0, s->slot, 0);
	vmpci_device_free(s->dev);
	s->dev = NULL;
	rc = sample_device_new(s, &fresh);
	if (!rc)
		rc = vmpci_snapshot_restore(fresh, json, strlen(json), err,
					    sizeof(err));
	free(json);
	if (rc) {
		vmpci_device_free(fresh);
		return fail("restore", rc);
	}
	s->dev = fresh;
	rc = vmpci_bus_add_function(s->bus, 0, s->slot, 0,
				    vmpci_device_config_ops(), s->dev);
	if (rc)
		return fail("bus after restore", rc);
	printf("restored: BAR0 at 0x%08x\n",
	       guest_read(s->bus, s->slot, 0x10) & ~0xfu);
	if (guest_read(s->bus, s->slot, 0x10) != bar0)
		return fail("restored guest view", -EIO);
	return 0;
}

int main(void)
{
	struct sample s = { 0 };
	int rc = run(&s);

	/* Teardown, the reverse of creation; every free accepts NULL. */
	if (s.dev)
		vmpci_bus_remove_function(s.bus, 0, s.slot, 0);
	vmpci_device_free(s.dev);
	vmpci_bus_free(s.bus);
	vmpci_vfio_sim_free(s.sim);
	vmpci_alloc_free(s.mmio32);
	if (!rc && s.vmm.slots)
		rc = fail("mappings left after teardown", -EBUSY);
	if (!rc)
		printf("sample: ok\n");
	return rc;
}
