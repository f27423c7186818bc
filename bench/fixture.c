/* Fixtures for the benchmarks: the real config images under
 * tests/data/pci-config, and copies rewritten to the BAR and MSI-X layout a
 * figure needs (2048 vectors, 6 trapped BARs) that no fixture has. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "bench/bench.h"
#include "interrupts/msix.h"
#include "sim/sim.h"

static int read_all(const char *path, void *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, cap, f);
	fclose(f);
	if (n == cap)
		return -EFBIG;
	*len = n;
	return 0;
}

int bench_fixture_load(const char *base, struct bench_fixture *f)
{
	char path[512];
	uint8_t extra[4097];
	size_t n = 0;
	int err;

	snprintf(path, sizeof(path), "%s.bin", base);
	err = read_all(path, extra, sizeof(extra), &f->image_size);
	if (err)
		return err;
	memcpy(f->image, extra, f->image_size);
	snprintf(path, sizeof(path), "%s.resource", base);
	err = read_all(path, f->resource, sizeof(f->resource) - 1, &n);
	if (!err)
		f->resource[n] = '\0';
	return err;
}

static void put_le(uint8_t *p, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Offset of the MSI-X capability in the image, 0 when there is none. */
static unsigned find_msix(const uint8_t *image)
{
	unsigned pos = image[PCI_CAPABILITY_LIST], ttl = 48;

	while (pos >= PCI_STD_HEADER_SIZEOF && pos < 256 && ttl--) {
		if (image[pos] == PCI_CAP_ID_MSIX)
			return pos;
		pos = image[pos + PCI_CAP_LIST_NEXT];
	}
	return 0;
}

int bench_fixture_synth(const struct bench_fixture *f, unsigned nr_bars,
			uint32_t vectors, struct bench_fixture *out)
{
	uint64_t table = (uint64_t)vectors * PCI_MSIX_ENTRY_SIZE;
	uint64_t pba = (table + 0xfff) & ~0xfffull;
	uint64_t last = 0x4000, size;
	unsigned cap = find_msix(f->image), bar = nr_bars - 1;
	size_t len = 0;

	if (!cap || nr_bars < 1 || nr_bars > 6 || vectors < 1 ||
	    vectors > VMPCI_MSIX_MAX_VECTORS)
		return -EINVAL;
	while (last < pba + (vectors + 63) / 64 * 8)
		last *= 2;
	*out = *f;
	memset(out->image + PCI_BASE_ADDRESS_0, 0, 6 * 4);
	put_le(out->image + PCI_ROM_ADDRESS, 4, 0);
	put_le(out->image + cap + PCI_MSIX_FLAGS, 2, vectors - 1);
	put_le(out->image + cap + PCI_MSIX_TABLE, 4, bar);
	put_le(out->image + cap + PCI_MSIX_PBA, 4, (uint32_t)pba | bar);
	for (unsigned i = 0; i < 7; i++) {
		uint64_t start = 0xe0000000ull + i * 0x100000ull;

		size = i < bar ? 0x1000 : i == bar ? last : 0;
		len += (size_t)snprintf(out->resource + len,
					sizeof(out->resource) - len,
					"0x%016llx 0x%016llx 0x%016llx\n",
					size ? (unsigned long long)start : 0ull,
					size ? (unsigned long long)(start + size - 1) : 0ull,
					size ? 0x40200ull : 0ull);
	}
	return 0;
}

int bench_sim_new(const struct bench_fixture *f, struct vmpci_vfio_sim **out)
{
	struct vmpci_vfio_sim_params c;

	vmpci_vfio_sim_params_init(&c, f->image, f->image_size, f->resource);
	return vmpci_vfio_sim_new(&c, out);
}
