/* Writes the seed corpora of the fuzz targets from the fixtures:
 *   bazel run //tests/fuzz:make_seeds -- "$PWD/tests/fuzz/corpus"
 * For each fixture: a config-cycle sequence a guest's enumeration makes
 * (config/), an MSI-X / MSI / INTx programming session with the function
 * raising vectors (bar/), and the snapshot of a running device with the
 * same state in the target's edit form (snapshot/). The encodings are the
 * targets' own (config_target.c, bar_target.c, snapshot_edit.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "tests/fuzz/fuzz.h"

static const char *const labels[] = {
	"nvme",		 "edu",		  "e1000e",	   "virtio-net",
	"ivshmem",	 "fc-virtio-net", "fc-virtio-blk", "fc-virtio-rng",
	"fc-virtio-balloon", "fc-virtio-vsock", "fc-host-bridge",
};

struct seed {
	uint8_t b[1024];
	size_t n;
};

static void put8(struct seed *s, uint8_t v)
{
	if (s->n == sizeof(s->b))
		fuzz_fail("seed too long");
	s->b[s->n++] = v;
}

static void put16(struct seed *s, uint16_t v)
{
	put8(s, (uint8_t)v);
	put8(s, (uint8_t)(v >> 8));
}

static void put32(struct seed *s, uint32_t v)
{
	put16(s, (uint16_t)v);
	put16(s, (uint16_t)(v >> 16));
}

/* Index of a size in fuzz_size's table. */
static uint8_t sz(unsigned size)
{
	return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 6;
}

static void save(const char *dir, const char *sub, const char *name,
		 const void *data, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f))
		fuzz_fail("writing %s", path);
}

/* config_target.c: 4 = ECAM write to the device, 5 = ECAM read, 6 =
 * CF8/CFC, 0/1 = raw port write/read, 3 = raw ECAM read. */
static void ecam_write(struct seed *s, uint16_t reg, unsigned size,
		       uint32_t v)
{
	put8(s, 4);
	put16(s, reg);
	put8(s, sz(size));
	put32(s, v);
}

static void ecam_read(struct seed *s, uint16_t reg, unsigned size)
{
	put8(s, 5);
	put16(s, reg);
	put8(s, sz(size));
}

static void config_seed(const char *dir, unsigned f, struct fuzz_world *w)
{
	struct seed s = { .n = 0 };
	uint16_t bar;

	put8(&s, (uint8_t)f);
	put8(&s, 0);
	/* Enumeration through CF8/CFC: vendor of 00:01.0 and 00:01.2. */
	put8(&s, 6);
	put16(&s, 0x8000 | PCI_VENDOR_ID);
	put8(&s, sz(4));
	put8(&s, 6);
	put16(&s, 0x9000 | PCI_HEADER_TYPE);
	put8(&s, sz(1));
	/* A raw address write and data read, and the host bridge by ECAM. */
	put8(&s, 0);
	put8(&s, 0);
	put8(&s, sz(4));
	put32(&s, 0x80000800u);
	put8(&s, 1);
	put8(&s, 4);
	put8(&s, sz(2));
	put8(&s, 3);
	put32(&s, 0);
	put8(&s, sz(4));
	/* BAR sizing with decode off, then decode and bus master on. */
	for (bar = PCI_BASE_ADDRESS_0; bar <= PCI_BASE_ADDRESS_5; bar += 4) {
		ecam_write(&s, bar, 4, 0xffffffffu);
		ecam_read(&s, bar, 4);
	}
	ecam_write(&s, PCI_ROM_ADDRESS, 4, 0xfffff800u);
	ecam_read(&s, PCI_ROM_ADDRESS, 4);
	ecam_write(&s, PCI_BASE_ADDRESS_0, 4, 0xd0000000u);
	ecam_write(&s, PCI_COMMAND, 2,
		   PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (w->msi_cap) {
		ecam_write(&s, w->msi_cap + PCI_MSI_ADDRESS_LO, 4, 0xfee00000u);
		ecam_write(&s, w->msi_cap + PCI_MSI_FLAGS, 2,
			   PCI_MSI_FLAGS_ENABLE);
		ecam_read(&s, w->msi_cap + PCI_MSI_FLAGS, 2);
	}
	if (w->msix_cap) {
		ecam_write(&s, w->msix_cap + PCI_MSIX_FLAGS, 2,
			   PCI_MSIX_FLAGS_ENABLE);
		ecam_read(&s, w->msix_cap + PCI_MSIX_FLAGS, 2);
	}
	ecam_read(&s, PCI_CAPABILITY_LIST, 1);
	ecam_read(&s, 0x100, 4);
	save(dir, "config", labels[f], s.b, s.n);
}

/* bar_target.c: 2 = table field, 3 = MSI-X control, 4 = MSI register,
 * 5 = COMMAND, 6 = fire, 1 = BAR read, 0 = BAR write. */
static void table_field(struct seed *s, uint16_t entry, uint8_t field,
			uint32_t v)
{
	put8(s, 2);
	put16(s, entry);
	put8(s, field);
	put32(s, v);
}

static void fire(struct seed *s, uint8_t kind, uint8_t vector)
{
	put8(s, 6);
	put8(s, kind);
	put8(s, vector);
}

static void bar_seed(const char *dir, unsigned f, struct fuzz_world *w)
{
	struct seed s = { .n = 0 };

	put8(&s, (uint8_t)f);
	put8(&s, 0);
	put8(&s, 5);
	put16(&s, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (w->msix_cap) {
		table_field(&s, 0, 0, 0xfee00000u);
		table_field(&s, 0, 1, 0);
		table_field(&s, 0, 2, 0x41);
		table_field(&s, 0, 3, 0);
		put8(&s, 3);
		put16(&s, PCI_MSIX_FLAGS_ENABLE);
		fire(&s, 2, 0);
		put8(&s, 3); /* function mask, a signal waits in the PBA */
		put16(&s, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
		fire(&s, 2, 0);
		put8(&s, 1);
		put8(&s, (uint8_t)w->pba_bar);
		put8(&s, 1);
		put16(&s, 0);
		put8(&s, sz(8));
		put8(&s, 3);
		put16(&s, PCI_MSIX_FLAGS_ENABLE);
		table_field(&s, 1, 3, 0); /* grows the vectors in use */
		table_field(&s, 0, 3, PCI_MSIX_ENTRY_CTRL_MASKBIT);
		fire(&s, 2, 0);
		table_field(&s, 0, 3, 0);
		put8(&s, 3);
		put16(&s, 0);
	}
	if (w->msi_cap) {
		put8(&s, 4);
		put8(&s, PCI_MSI_ADDRESS_LO);
		put8(&s, sz(4));
		put32(&s, 0xfee00000u);
		put8(&s, 4);
		put8(&s, PCI_MSI_FLAGS);
		put8(&s, sz(2));
		put32(&s, PCI_MSI_FLAGS_ENABLE);
		fire(&s, 1, 0);
		put8(&s, 4);
		put8(&s, PCI_MSI_FLAGS);
		put8(&s, sz(2));
		put32(&s, 0);
	}
	/* INTx masked by COMMAND while the function raises it. */
	put8(&s, 5);
	put16(&s, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	fire(&s, 0, 0);
	put8(&s, 5);
	put16(&s, PCI_COMMAND_MEMORY);
	/* A trapped register of BAR0 written and read back. */
	put8(&s, 0);
	put8(&s, 0);
	put8(&s, 2);
	put16(&s, 0x10);
	put8(&s, sz(4));
	put32(&s, 0);
	put32(&s, 0x12345678u);
	put8(&s, 1);
	put8(&s, 0);
	put8(&s, 2);
	put16(&s, 0x10);
	put8(&s, sz(4));
	save(dir, "bar", labels[f], s.b, s.n);
}

static void snapshot_seed(const char *dir, unsigned f)
{
	struct fuzz_world world, *w = &world;
	struct seed edits;
	char *doc = NULL, name[64];

	fuzz_world_new(w, f, FUZZ_SNAPSHOT_HIDE);
	fuzz_world_activate(w);
	if (vmpci_snapshot_save(w->dev, &doc))
		fuzz_fail("saving fixture %u", f);
	save(dir, "snapshot", labels[f], doc, strlen(doc));
	free(doc);
	fuzz_world_free(w);
	/* The edit form (snapshot_edit.c): this fixture, COMMAND = 0x6. */
	edits.n = 0;
	put8(&edits, (uint8_t)f);
	put8(&edits, 4);
	put16(&edits, 0);
	put32(&edits, 0x6);
	snprintf(name, sizeof(name), "edits-%s", labels[f]);
	save(dir, "snapshot", name, edits.b, edits.n);
}

int main(int argc, char **argv)
{
	struct fuzz_world w;
	unsigned f;

	if (argc != 2 || sizeof(labels) / sizeof(labels[0]) !=
				 fuzz_fixture_count()) {
		fprintf(stderr, "usage: %s CORPUS_DIR (with config/, bar/, snapshot/)\n",
			argv[0]);
		return 2;
	}
	for (f = 0; f < fuzz_fixture_count(); f++) {
		fuzz_world_new(&w, f, 0);
		config_seed(argv[1], f, &w);
		bar_seed(argv[1], f, &w);
		fuzz_world_free(&w);
		snapshot_seed(argv[1], f);
	}
	return 0;
}
