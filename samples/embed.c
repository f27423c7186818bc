/* The README's embedding sample: what a VMM does with vmpci, from the public
 * headers alone, on no hardware. A host ops table stands for the VMM's own
 * memory and interrupt managers; a few backend ops of its own stand for a
 * host function (a real VMM calls vmpci_vfio_kernel_open there, and nothing
 * else changes). The guest side is played through the bus's 0xCF8/0xCFC ports.
 *
 * Built and run by the tests against an installed libvmpci (plain cc and
 * pkg-config, static and shared: tests/package) and from a Bazel consumer
 * workspace (tests/consumer). Prints each step; exits 0 when the guest saw
 * the device, its BAR and the restored state as it should. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfio/backend.h"
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

static int vmm_add_intx(void *opaque, uint32_t devid, uint32_t pin,
			int trigger_fd, int resample_fd, uint32_t *route)
{
	struct vmm *vmm = opaque;

	(void)devid, (void)pin, (void)trigger_fd, (void)resample_fd;
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

/* ---- The host function: one of the sample's own ------------------------
 *
 * A VMM opens a real one with vmpci_vfio_kernel_open and hands the device
 * vmpci_vfio_kernel_backend(); here a few backend ops stand for it, a
 * function with a 256-byte config space and one 16 KiB memory BAR. */

#define SAMPLE_VENDOR 0x1b36 /* QEMU's pci-testdev */
#define SAMPLE_DEVICE 0x0005
#define SAMPLE_BAR0_SIZE 0x4000

struct function {
	uint8_t config[256];
	int bar0; /* memfd: what the guest maps */
};

static int fn_info(void *opaque, struct vmpci_vfio_device_info *out)
{
	(void)opaque;
	*out = (struct vmpci_vfio_device_info){ VFIO_DEVICE_FLAGS_PCI,
						VFIO_PCI_NUM_REGIONS,
						VFIO_PCI_NUM_IRQS };
	return 0;
}

static int fn_region_info(void *opaque, uint32_t index,
			  struct vmpci_vfio_region *out)
{
	const uint32_t rw = VFIO_REGION_INFO_FLAG_READ |
			    VFIO_REGION_INFO_FLAG_WRITE;

	(void)opaque;
	if (index >= VFIO_PCI_VGA_REGION_INDEX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->index = index;
	if (index == VFIO_PCI_BAR0_REGION_INDEX) {
		out->flags = rw | VFIO_REGION_INFO_FLAG_MMAP;
		out->size = SAMPLE_BAR0_SIZE;
	} else if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		out->flags = rw;
		out->size = 256;
	}
	return 0;
}

static int fn_access(struct function *f, uint32_t index, uint64_t offset,
		     void *data, uint64_t size, bool write)
{
	if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (offset > 256 || size > 256 - offset)
			return -EINVAL;
		/* BAR registers read 0 like the kernel's virtualized ones
		 * after a write of ~0 gives no size: the device sizes BARs
		 * from the region info, and keeps their addresses itself. */
		if (write)
			memcpy(f->config + offset, data, size);
		else
			memcpy(data, f->config + offset, size);
		return 0;
	}
	if (index != VFIO_PCI_BAR0_REGION_INDEX || offset > SAMPLE_BAR0_SIZE ||
	    size > SAMPLE_BAR0_SIZE - offset)
		return -EINVAL;
	if ((write ? pwrite(f->bar0, data, size, (off_t)offset)
		   : pread(f->bar0, data, size, (off_t)offset)) != (ssize_t)size)
		return -EIO;
	return 0;
}

static int fn_read(void *opaque, uint32_t index, uint64_t offset, void *data,
		   uint64_t size)
{
	return fn_access(opaque, index, offset, data, size, false);
}

static int fn_write(void *opaque, uint32_t index, uint64_t offset,
		    const void *data, uint64_t size)
{
	return fn_access(opaque, index, offset, (void *)data, size, true);
}

static int fn_mmap_fd(void *opaque, uint32_t index, int *fd, uint64_t *offset)
{
	struct function *f = opaque;

	if (index != VFIO_PCI_BAR0_REGION_INDEX)
		return -EINVAL;
	*fd = f->bar0;
	*offset = 0;
	return 0;
}

static int fn_irq_info(void *opaque, uint32_t index,
		       struct vmpci_vfio_irq_info *out)
{
	(void)opaque;
	if (index > VFIO_PCI_MSIX_IRQ_INDEX)
		return -EINVAL;
	/* INTx only: the function has no MSI or MSI-X capability. */
	*out = (struct vmpci_vfio_irq_info){
		index, VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			       VFIO_IRQ_INFO_AUTOMASKED,
		index == VFIO_PCI_INTX_IRQ_INDEX
	};
	return 0;
}

static int fn_set_irqs(void *opaque, uint32_t index, uint32_t flags,
		       uint32_t start, uint32_t count, const void *data)
{
	(void)opaque, (void)index, (void)flags, (void)start, (void)count;
	(void)data;
	return 0;
}

static const struct vmpci_vfio_backend_ops fn_ops = {
	.device_info = fn_info,
	.region_info = fn_region_info,
	.region_read = fn_read,
	.region_write = fn_write,
	.region_mmap_fd = fn_mmap_fd,
	.irq_info = fn_irq_info,
	.set_irqs = fn_set_irqs,
};

static int function_init(struct function *f)
{
	memset(f->config, 0, sizeof(f->config));
	f->config[0x00] = SAMPLE_VENDOR & 0xff;
	f->config[0x01] = SAMPLE_VENDOR >> 8;
	f->config[0x02] = SAMPLE_DEVICE & 0xff;
	f->config[0x03] = SAMPLE_DEVICE >> 8;
	f->config[0x3d] = 1; /* INTA */
	f->bar0 = memfd_create("sample-bar0", MFD_CLOEXEC);
	if (f->bar0 < 0)
		return -errno;
	if (ftruncate(f->bar0, SAMPLE_BAR0_SIZE))
		return -errno;
	return 0;
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

static void guest_write(struct vmpci_bus *bus, uint8_t slot, uint8_t reg,
			uint32_t val)
{
	vmpci_bus_pio_write(bus, VMPCI_BUS_PIO_BASE, 4,
			    0x80000000u | (uint32_t)slot << 11 | reg);
	vmpci_bus_pio_write(bus, VMPCI_BUS_PIO_BASE + 4, 4, val);
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
	struct function fn;
	struct vmpci_vfio_backend backend;
	struct vmpci_device *dev;
	struct vmpci_bus *bus;
	uint8_t slot;
};

static int sample_device_new(struct sample *s, struct vmpci_device **out)
{
	struct vmpci_device_params dc;

	vmpci_device_params_init(&dc, &s->backend, &s->host);
	dc.name = "sample";
	dc.pools.mmio32 = s->mmio32;
	dc.devid = (uint32_t)s->slot << 3; /* bus 0, function 0 */
	return vmpci_device_new(&dc, out);
}

static int run(struct sample *s)
{
	struct vmpci_device *fresh = NULL;
	uint32_t id, bar0;
	char *json = NULL;
	int rc;

	s->host = (struct vmpci_host){ &vmm_ops, &s->vmm };
	rc = vmpci_alloc_new(0xe0000000, 0x10000000, &s->mmio32);
	if (rc)
		return fail("mmio32 pool", rc);

	rc = function_init(&s->fn);
	if (rc)
		return fail("host function", rc);
	s->backend = (struct vmpci_vfio_backend){ &fn_ops, &s->fn };

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

	/* The guest turns memory decode on: the BAR is mapped then. */
	guest_write(s->bus, s->slot, 0x04, PCI_COMMAND_MEMORY);
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
		rc = vmpci_snapshot_restore(fresh, json, strlen(json));
	free(json);
	if (rc) {
		/* The device logged why; vmpci_device_errmsg keeps it too. */
		if (fresh)
			fprintf(stderr, "sample: %s\n", vmpci_device_errmsg(fresh));
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
	if (s.fn.bar0 > 0)
		close(s.fn.bar0);
	vmpci_alloc_free(s.mmio32);
	if (!rc && s.vmm.slots)
		rc = fail("mappings left after teardown", -EBUSY);
	if (!rc)
		printf("sample: ok\n");
	return rc;
}
