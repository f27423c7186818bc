/* The snapshot target's second input form: instead of document text, a
 * fixture byte and a list of field edits applied to the state a running
 * device saves. Byte mutations of JSON mostly break its syntax; edits keep
 * every document well formed and put the fuzzer's effort into what
 * restore must refuse or apply (masks, capability records, BARs, vectors,
 * options). The edited state is written as a document and restored like
 * any other. */
#include <stdlib.h>
#include <string.h>

#include "device/device.h"
#include "device/state.h"
#include "interrupts/msix.h"
#include "migration/document.h"
#include "pci/config.h"
#include "tests/fuzz/fuzz.h"

static void edit_caps(struct vmpci_config_state *c, uint16_t idx, uint32_t v)
{
	struct vmpci_cap *cap;

	if (v >> 28 == 0xf) {
		c->cap_count = (uint16_t)(v % (VMPCI_CONFIG_MAX_CAPS + 1));
		return;
	}
	if (!c->cap_count)
		return;
	cap = &c->caps[idx % c->cap_count];
	switch (v >> 24 & 3) {
	case 0:
		cap->flags ^= (uint16_t)(v & 0xf);
		break;
	case 1:
		cap->offset = (uint16_t)v;
		break;
	case 2:
		cap->length = (uint16_t)v;
		break;
	default:
		cap->id = (uint16_t)v;
		break;
	}
}

static void edit_msix(struct vmpci_device_state *st, uint16_t idx, uint32_t v)
{
	struct vmpci_msix_entry *e;

	if (!st->has_msix || !st->msix.nr_entries)
		return;
	e = &st->msix.entries[idx % st->msix.nr_entries];
	switch (v >> 30) {
	case 0:
		st->msix.control = (uint16_t)v;
		break;
	case 1:
		e->control = v & 0xffffff;
		break;
	case 2:
		e->data = v;
		break;
	default:
		st->msix.pba[idx % (VMPCI_MSIX_MAX_VECTORS / 64)] ^=
			1ull << (v % 64);
		break;
	}
}

static void edit_irqs(struct vmpci_device_state *st, uint16_t idx, uint32_t v)
{
	switch (idx % 6) {
	case 0:
		st->msi.control = (uint16_t)v;
		break;
	case 1:
		st->msi.mask = v;
		break;
	case 2:
		st->msi.pending = v;
		break;
	case 3:
		st->msi.address = (uint64_t)v << (idx & 0x20);
		break;
	case 4:
		st->intx.enabled = v & 1;
		st->intx.masked = v & 2;
		st->intx.pending = v & 4;
		break;
	default:
		st->has_msi ^= v & 1;
		st->has_msix ^= (v >> 1) & 1;
		st->has_intx ^= (v >> 2) & 1;
		break;
	}
}

static void edit(struct vmpci_device_state *st, uint8_t kind, uint16_t idx,
		 uint32_t v)
{
	struct vmpci_config_state *c = &st->config;
	uint16_t at = (uint16_t)(idx % VMPCI_CONFIG_SPACE_MAX);

	switch (kind % 11) {
	case 0:
		c->image[at] = (uint8_t)v;
		break;
	case 1:
		c->emulated[at] = (uint8_t)v;
		break;
	case 2:
		c->writable[at] = (uint8_t)v;
		break;
	case 3:
		c->w1c[at] = (uint8_t)v;
		break;
	case 4:
		c->command = (uint16_t)v;
		break;
	case 5:
		edit_caps(c, idx, v);
		break;
	case 6:
		c->bars[idx % VMPCI_BAR_COUNT].addr =
			(uint64_t)v << ((idx >> 8) & 0x1f);
		break;
	case 7:
		st->placed[idx % VMPCI_BAR_COUNT] ^= true;
		break;
	case 8:
		edit_msix(st, idx, v);
		break;
	case 9:
		edit_irqs(st, idx, v);
		break;
	default:
		if (idx & 1)
			st->devid = v;
		else if (idx & 2)
			st->no_mmap_bars = v & 0x7f;
		else
			st->page_size = 4096ull << (v % 5);
		break;
	}
}

char *fuzz_snapshot_from_edits(const uint8_t *data, size_t size, size_t *len)
{
	struct fuzz_input in = { data, size };
	struct vmpci_device_state *st = calloc(1, sizeof(*st));
	struct fuzz_world w;
	char *doc = NULL;
	uint16_t idx;
	uint8_t kind;

	if (!st)
		fuzz_fail("out of memory");
	fuzz_world_new(&w, fuzz_u8(&in), FUZZ_SNAPSHOT_HIDE);
	fuzz_world_activate(&w);
	if (vmpci_device_state_get(w.dev, st))
		fuzz_fail("saving a running device");
	fuzz_world_free(&w);
	while (in.n) {
		kind = fuzz_u8(&in);
		idx = fuzz_u16(&in);

		edit(st, kind, idx, fuzz_u32(&in));
	}
	/* The writer refuses states the format cannot carry; those never
	 * make a document. */
	if (vmpci__snapshot_write(st, &doc, len, NULL, 0))
		doc = NULL;
	vmpci_device_state_release(st);
	free(st);
	return doc;
}
