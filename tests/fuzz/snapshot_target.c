/* Fuzz target 3: snapshot documents into restore.
 *
 * Input: a JSON document, or (first byte not '{') a fixture byte and
 * field edits of a running device's state, written as a document
 * (snapshot_edit.c). A document that parses is restored into a running
 * device (BARs placed, MSI-X or MSI live) on the fixture its identity
 * names, or on another one when none matches (restore must then refuse).
 * A refused restore leaves everything as it was: the guest-visible config
 * bytes, a fresh snapshot, the host's routes and slots, the pools. An
 * accepted one is applied whole: a fresh snapshot says what the document
 * said. Either way the invariants of check.c hold afterwards, also after
 * the guest probes BAR registers and hidden capabilities. Every document
 * that parses writes back and parses to the same state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "device/device.h"
#include "device/state.h"
#include "migration/document.h"
#include "pci/config.h"
#include "tests/fuzz/fuzz.h"

/* Everything a restore may change, to compare before and after. */
struct picture {
	uint8_t config[VMPCI_CONFIG_SPACE_MAX];
	char *doc;
	struct vmpci_test_host *rec;
	uint64_t ranges;
};

static void take_picture(struct fuzz_world *w, struct picture *pic)
{
	struct vmpci_device_identity id;

	memset(pic, 0, sizeof(*pic));
	vmpci_device_identity_get(w->dev, &id);
	if (vmpci_device_config_dump(w->dev, pic->config, id.config_size) ||
	    vmpci_snapshot_save(w->dev, &pic->doc))
		fuzz_fail("saving the device before the restore");
	pic->rec = malloc(sizeof(*pic->rec));
	if (!pic->rec)
		fuzz_fail("out of memory");
	vmpci_test_host_copy(pic->rec, &w->rec);
	pic->ranges = vmpci_alloc_count(w->io) + vmpci_alloc_count(w->mmio32) +
		      vmpci_alloc_count(w->mmio64);
}

static void drop_picture(struct picture *pic)
{
	free(pic->doc);
	free(pic->rec);
}

static void check_unchanged(struct fuzz_world *w, const struct picture *before,
			    int rc, const char *why)
{
	struct picture after;

	take_picture(w, &after);
	if (memcmp(before->config, after.config, sizeof(after.config)))
		fuzz_fail("restore failed (%d: %s) but changed the config space",
			  rc, why);
	if (strcmp(before->doc, after.doc))
		fuzz_fail("restore failed (%d: %s) but changed the snapshot:\n%s\n%s",
			  rc, why, before->doc, after.doc);
	if (!vmpci_test_host_same(before->rec, after.rec))
		fuzz_fail("restore failed (%d: %s) but changed routes or slots",
			  rc, why);
	if (before->ranges != after.ranges)
		fuzz_fail("restore failed (%d: %s) but changed the pools", rc,
			  why);
	drop_picture(&after);
}

/* What a fresh save must say after a restore of `in`: the document's
 * state, but with this device's name, with the pending bits the restore
 * delivered (unmasked vectors of an enabled, unmasked function; an
 * unmasked, enabled INTx) cleared, and with the permission masks of the
 * BAR registers as the device derives them from the BARs (`now`): those
 * bytes are always emulated, whatever a document says. A document without
 * registers (version 1) leaves the function's own; PMCSR keeps its
 * read-only bits, only the power state and PME enable are the guest's. */
static void expected_state(struct vmpci_device_state *st,
			   const struct vmpci_device_state *now)
{
	const uint16_t pm_rw = PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE;

	static const uint16_t bar_regs[][2] = {
		{ PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_5 + 4 },
		{ PCI_ROM_ADDRESS, PCI_ROM_ADDRESS + 4 },
	};
	uint32_t v, nv, r;

	memcpy(st->name, now->name, sizeof(st->name));
	for (r = 0; r < 2; r++) {
		uint16_t lo = bar_regs[r][0], n = bar_regs[r][1] - lo;

		memcpy(st->config.emulated + lo, now->config.emulated + lo, n);
		memcpy(st->config.writable + lo, now->config.writable + lo, n);
		memcpy(st->config.w1c + lo, now->config.w1c + lo, n);
	}
	if (st->has_msix && (st->msix.control & PCI_MSIX_FLAGS_ENABLE) &&
	    !(st->msix.control & PCI_MSIX_FLAGS_MASKALL))
		for (v = 0; v < st->msix.nr_entries; v++)
			if (!(st->msix.entries[v].control &
			      PCI_MSIX_ENTRY_CTRL_MASKBIT))
				st->msix.pba[v / 64] &= ~(1ull << (v % 64));
	if (st->has_msi && (st->msi.control & PCI_MSI_FLAGS_ENABLE)) {
		nv = 1u << ((st->msi.control & PCI_MSI_FLAGS_QSIZE) >> 4);
		for (v = 0; v < nv; v++)
			if (!(st->msi.mask >> v & 1))
				st->msi.pending &= ~(1u << v);
	}
	if (st->has_intx && (!st->intx.enabled || !st->intx.masked))
		st->intx.pending = false;
	if (!st->regs.saved)
		st->regs = now->regs;
	else if (st->regs.has_pm)
		st->regs.pm_control =
			(uint16_t)((st->regs.pm_control & pm_rw) |
				   (now->regs.pm_control & ~pm_rw));
}

static void check_applied(struct fuzz_world *w, struct vmpci_device_state *in)
{
	struct vmpci_device_state *now = calloc(1, sizeof(*now));
	char *want = NULL, *got = NULL;

	if (!now || vmpci_device_state_get(w->dev, now))
		fuzz_fail("saving the restored device");
	expected_state(in, now);
	if (vmpci__snapshot_write(in, &want, NULL, NULL, 0) ||
	    vmpci__snapshot_write(now, &got, NULL, NULL, 0))
		fuzz_fail("writing the restored state");
	if (strcmp(want, got))
		fuzz_fail("restore succeeded but the device says otherwise:\nwant %s\ngot  %s",
			  want, got);
	vmpci_device_state_release(now);
	free(now);
	free(want);
	free(got);
}

/* After a restore the guest probes what it may: sizing writes to every
 * BAR register and all-ones over every hidden capability's bytes. The
 * invariants must still hold (BAR registers never reach the function,
 * hidden capabilities read as zeros). */
static void guest_probes(struct fuzz_world *w)
{
	struct vmpci_cap cap;
	uint16_t off;
	size_t i;

	for (off = PCI_BASE_ADDRESS_0; off <= PCI_BASE_ADDRESS_5; off += 4)
		vmpci_device_config_write(w->dev, off, 4, 0xffffffffu);
	vmpci_device_config_write(w->dev, PCI_ROM_ADDRESS, 4, 0xfffff800u);
	for (i = 0; !vmpci_device_cap_get(w->dev, i, &cap); i++) {
		if (!(cap.flags & VMPCI_CAP_HIDDEN))
			continue;
		for (off = cap.offset & ~3u; off < cap.offset + cap.length;
		     off += 4)
			vmpci_device_config_write(w->dev, off, 4, 0xffffffffu);
	}
	fuzz_check_access(w);
}

/* What the parser accepts the writer writes, and that reads back the
 * same: the document format has one meaning per state. */
static void check_round_trip(const struct vmpci_device_state *st)
{
	struct vmpci_device_state *again = calloc(1, sizeof(*again));
	char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
	char *doc = NULL, *doc2 = NULL;
	size_t len = 0;

	if (!again)
		fuzz_fail("out of memory");
	if (vmpci__snapshot_write(st, &doc, &len, err, sizeof(err)))
		fuzz_fail("a parsed state does not write: %s", err);
	if (vmpci__snapshot_parse(doc, len, again, err, sizeof(err)))
		fuzz_fail("a written state does not parse: %s", err);
	if (vmpci__snapshot_write(again, &doc2, NULL, err, sizeof(err)) ||
	    strcmp(doc, doc2))
		fuzz_fail("write(parse(write(state))) differs from write(state)");
	vmpci_device_state_release(again);
	free(again);
	free(doc);
	free(doc2);
}

/* Restore one document into a running device and check the outcome. */
static void restore_doc(const char *doc, size_t size)
{
	struct vmpci_device_state *st = calloc(1, sizeof(*st));
	char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
	struct picture before;
	struct fuzz_world w;
	int fixture, rc;

	if (!st)
		fuzz_fail("out of memory");
	if (vmpci__snapshot_parse(doc, size, st, err, sizeof(err))) {
		free(st);
		return;
	}
	check_round_trip(st);
	fixture = fuzz_fixture_find(&st->identity);
	fuzz_world_new(&w, fixture >= 0 ? (unsigned)fixture
					: (unsigned)(size % fuzz_fixture_count()),
		       FUZZ_SNAPSHOT_HIDE);
	fuzz_world_activate(&w);
	fuzz_check_all(&w);
	take_picture(&w, &before);
	rc = vmpci_snapshot_restore(w.dev, doc, size);
	if (rc)
		check_unchanged(&w, &before, rc, vmpci_device_errmsg(w.dev));
	else
		check_applied(&w, st);
	fuzz_check_all(&w);
	guest_probes(&w);
	fuzz_check_all(&w);
	drop_picture(&before);
	vmpci_device_state_release(st);
	free(st);
	fuzz_world_free(&w);
}

/* A document ('{' first), or edits of a running device's state. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = 0;
	char *doc;

	if (size && data[0] == '{') {
		restore_doc((const char *)data, size);
		return 0;
	}
	doc = fuzz_snapshot_from_edits(data, size, &len);
	if (doc)
		restore_doc(doc, len);
	free(doc);
	return 0;
}
