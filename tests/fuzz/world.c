/* A world for one fuzz input: the recording host, address pools, a
 * simulated function built from a real fixture, the device on it with every
 * BAR placed, and a bus with the device at 00:01.0 next to an emulated
 * function at 00:01.2. Fixtures are read once per process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "tests/fuzz/fuzz.h"
#include "tests/support/fixtures.h"

#define NR_FIXTURES VMPCI_TEST_FIXTURE_COUNT

struct fixture {
	uint8_t image[VMPCI_CONFIG_SPACE_MAX];
	size_t size;
	char resource[2048];
};

static struct fixture fixtures[NR_FIXTURES];
static bool loaded;

static size_t read_file(const char *path, void *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		fuzz_fail("cannot open %s (run from the repository root or "
			  "the runfiles directory)", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void load_fixtures(void)
{
	char path[256];
	size_t i, n;

	if (loaded)
		return;
	for (i = 0; i < NR_FIXTURES; i++) {
		snprintf(path, sizeof(path), "%s.bin", vmpci_test_fixtures[i].path);
		fixtures[i].size = read_file(path, fixtures[i].image,
					     sizeof(fixtures[i].image));
		snprintf(path, sizeof(path), "%s.resource", vmpci_test_fixtures[i].path);
		n = read_file(path, fixtures[i].resource,
			      sizeof(fixtures[i].resource) - 1);
		fixtures[i].resource[n] = '\0';
	}
	loaded = true;
}

unsigned fuzz_fixture_count(void)
{
	return NR_FIXTURES;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int fuzz_fixture_find(const struct vmpci_device_identity *id)
{
	size_t i;

	load_fixtures();
	for (i = 0; i < NR_FIXTURES; i++) {
		const uint8_t *c = fixtures[i].image;

		if (le16(c + PCI_VENDOR_ID) == id->vendor &&
		    le16(c + PCI_DEVICE_ID) == id->device &&
		    le16(c + PCI_SUBSYSTEM_VENDOR_ID) == id->subsystem_vendor &&
		    le16(c + PCI_SUBSYSTEM_ID) == id->subsystem &&
		    c[PCI_REVISION_ID] == id->revision &&
		    fixtures[i].size == id->config_size)
			return (int)i;
	}
	return -1;
}

/* Capabilities a fuzz input may hide on top of the device's defaults (ARI,
 * Resizable BAR, SR-IOV), one bit each. */
static const uint8_t optional_caps[] = { PCI_CAP_ID_PM, PCI_CAP_ID_VNDR,
					 PCI_CAP_ID_EXP, PCI_CAP_ID_MSI,
					 PCI_CAP_ID_MSIX };
static const uint16_t optional_ext_caps[] = { PCI_EXT_CAP_ID_ERR,
					      PCI_EXT_CAP_ID_DSN,
					      PCI_EXT_CAP_ID_VNDR };

static void hide_caps(struct fuzz_world *w, struct vmpci_device_params *c,
		      uint8_t hide)
{
	unsigned i, bit = 0;

	for (i = 0; i < sizeof(optional_caps); i++, bit++)
		if (hide >> bit & 1)
			c->hidden_caps[c->nr_hidden_caps++] = optional_caps[i];
	for (i = 0; i < sizeof(optional_ext_caps) / 2; i++, bit++)
		if (hide >> bit & 1)
			c->hidden_ext_caps[c->nr_hidden_ext_caps++] =
				optional_ext_caps[i];
	w->nr_hidden = c->nr_hidden_caps;
	memcpy(w->hidden, c->hidden_caps, sizeof(w->hidden));
	w->nr_hidden_ext = c->nr_hidden_ext_caps;
	memcpy(w->hidden_ext, c->hidden_ext_caps, sizeof(w->hidden_ext));
}

static uint32_t cfg_read(struct fuzz_world *w, uint16_t off, unsigned size)
{
	uint32_t v = 0;

	if (vmpci_device_config_read(w->dev, off, size, &v))
		fuzz_fail("config read at %#x failed", off);
	return v;
}

/* Where the visible MSI and MSI-X capabilities are. */
static void find_irq_caps(struct fuzz_world *w)
{
	struct vmpci_cap cap;
	uint32_t table, pba;
	size_t i;

	for (i = 0; !vmpci_device_cap_get(w->dev, i, &cap); i++) {
		if (cap.flags & (VMPCI_CAP_HIDDEN | VMPCI_CAP_EXTENDED |
				 VMPCI_CAP_HEADER))
			continue;
		if (cap.id == PCI_CAP_ID_MSI && !w->msi_cap)
			w->msi_cap = cap.offset;
		if (cap.id == PCI_CAP_ID_MSIX && !w->msix_cap)
			w->msix_cap = cap.offset;
	}
	if (!w->msix_cap)
		return;
	w->msix_entries =
		(cfg_read(w, w->msix_cap + PCI_MSIX_FLAGS, 2) &
		 PCI_MSIX_FLAGS_QSIZE) + 1;
	table = cfg_read(w, w->msix_cap + PCI_MSIX_TABLE, 4);
	pba = cfg_read(w, w->msix_cap + PCI_MSIX_PBA, 4);
	w->table_bar = table & PCI_MSIX_TABLE_BIR;
	w->table_off = table & PCI_MSIX_TABLE_OFFSET;
	w->pba_bar = pba & PCI_MSIX_PBA_BIR;
	w->pba_off = pba & PCI_MSIX_PBA_OFFSET;
}

/* The VMM's trap map: where each BAR was last said to be. A move must
 * start where the VMM last saw the BAR. */
static void vmm_bar_moved(void *opaque, unsigned index, uint64_t old_addr,
			  uint64_t new_addr, uint64_t size)
{
	struct fuzz_world *w = opaque;

	(void)size;
	if (index >= VMPCI_BAR_COUNT || w->vmm_bar[index] != old_addr)
		fuzz_fail("bar_moved(%u, %#llx -> %#llx), the VMM had it at %#llx",
			  index, (unsigned long long)old_addr,
			  (unsigned long long)new_addr,
			  (unsigned long long)(index < VMPCI_BAR_COUNT ?
						       w->vmm_bar[index] : 0));
	w->vmm_bar[index] = new_addr;
}

void fuzz_world_new(struct fuzz_world *w, unsigned fixture, uint8_t hide)
{
	const struct vmpci_config_ops *ops;
	static const struct vmpci_config_ops emu_ops = {
		vmpci_config_op_read, vmpci_config_op_write
	};
	struct vmpci_vfio_sim_params sc;
	struct vmpci_device_params dc;
	const struct fixture *fx;
	int err;

	load_fixtures();
	fx = &fixtures[fixture % NR_FIXTURES];
	memset(w, 0, sizeof(*w));
	fuzz_host_init(&w->rec);
	if (vmpci_alloc_new(FUZZ_IO_BASE, FUZZ_IO_SIZE, &w->io) ||
	    vmpci_alloc_new(FUZZ_MMIO32_BASE, FUZZ_MMIO32_SIZE, &w->mmio32) ||
	    vmpci_alloc_new(FUZZ_MMIO64_BASE, FUZZ_MMIO64_SIZE, &w->mmio64))
		fuzz_fail("address pools");
	vmpci_vfio_sim_params_init(&sc, fx->image, fx->size, fx->resource);
	sc.host = &w->rec.host;
	err = vmpci_vfio_sim_new(&sc, &w->sim);
	if (err)
		fuzz_fail("simulated function %u: %d", fixture, err);
	vmpci_device_params_init(&dc, vmpci_vfio_sim_backend(w->sim), &w->rec.host);
	dc.name = "fuzz";
	dc.pools = (struct vmpci_device_pools){ w->io, w->mmio32, w->mmio64 };
	dc.page_size = 4096;
	dc.devid = FUZZ_SLOT << 3;
	dc.bar_moved = vmm_bar_moved;
	dc.opaque = w;
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++)
		w->vmm_bar[i] = VMPCI_DEVICE_BAR_UNMAPPED;
	hide_caps(w, &dc, hide);
	err = vmpci_device_new(&dc, &w->dev);
	if (!err)
		err = vmpci_device_place_bars(w->dev);
	if (err)
		fuzz_fail("device on fixture %u: %d", fixture, err);
	ops = vmpci_device_config_ops();
	if (vmpci_bus_new(VMPCI_BUS_HOST_BRIDGE, &w->bus) ||
	    vmpci_bus_slot_alloc_at(w->bus, 0, FUZZ_SLOT) ||
	    vmpci_bus_add_function(w->bus, 0, FUZZ_SLOT, 0, ops, w->dev) ||
	    vmpci_config_new_emulated(fx->image, (uint16_t)fx->size,
				      &w->emu) ||
	    vmpci_bus_add_function(w->bus, 0, FUZZ_SLOT, FUZZ_EMU_FN, &emu_ops,
				   w->emu))
		fuzz_fail("bus");
	find_irq_caps(w);
}

void fuzz_world_free(struct fuzz_world *w)
{
	vmpci_bus_free(w->bus);
	vmpci_config_free(w->emu);
	vmpci_device_free(w->dev);
	vmpci_vfio_sim_free(w->sim);
	if (vmpci_alloc_count(w->io) || vmpci_alloc_count(w->mmio32) ||
	    vmpci_alloc_count(w->mmio64))
		fuzz_fail("a freed device left BAR ranges allocated");
	if (vmpci_test_host_count(&w->rec, VMPCI_TEST_SLOT))
		fuzz_fail("a freed device left %u memory slots",
			  vmpci_test_host_count(&w->rec, VMPCI_TEST_SLOT));
	vmpci_alloc_free(w->io);
	vmpci_alloc_free(w->mmio32);
	vmpci_alloc_free(w->mmio64);
}

void fuzz_world_activate(struct fuzz_world *w)
{
	static const uint32_t entry[4] = { 0xfee00000u, 0, 0x41, 0 };
	uint64_t e = w->table_off;
	unsigned i;

	vmpci_device_config_write(w->dev, PCI_COMMAND, 2,
				  PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
					  PCI_COMMAND_MASTER);
	if (w->msix_cap) {
		for (i = 0; i < 4; i++)
			vmpci_device_bar_write(w->dev, w->table_bar, e + i * 4,
					       4, &entry[i]);
		vmpci_device_config_write(w->dev, w->msix_cap + PCI_MSIX_FLAGS,
					  2, PCI_MSIX_FLAGS_ENABLE);
	} else if (w->msi_cap) {
		uint32_t flags = cfg_read(w, w->msi_cap + PCI_MSI_FLAGS, 2);

		vmpci_device_config_write(w->dev,
					  w->msi_cap + PCI_MSI_ADDRESS_LO, 4,
					  0xfee00000u);
		vmpci_device_config_write(w->dev,
					  w->msi_cap +
						  (flags & PCI_MSI_FLAGS_64BIT
							   ? PCI_MSI_DATA_64
							   : PCI_MSI_DATA_32),
					  2, 0x42);
		vmpci_device_config_write(w->dev, w->msi_cap + PCI_MSI_FLAGS,
					  2, PCI_MSI_FLAGS_ENABLE);
	}
}

void fuzz_run(const uint8_t *data, size_t size,
	      void (*op)(struct fuzz_world *w, struct fuzz_input *in),
	      void (*last)(struct fuzz_world *w))
{
	struct fuzz_input in = { data, size };
	struct fuzz_world w;
	uint8_t fixture = fuzz_u8(&in);
	uint8_t hide = fuzz_u8(&in);

	fuzz_world_new(&w, fixture, hide);
	while (in.n) {
		op(&w, &in);
		fuzz_check_all(&w);
	}
	if (last)
		last(&w);
	fuzz_check_all(&w);
	fuzz_check_migrates(&w, fixture, hide);
	fuzz_world_free(&w);
}
