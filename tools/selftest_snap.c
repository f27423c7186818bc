/* Step 7: save the device into a snapshot document, destroy it, create a
 * fresh one on the same backend, restore from the document: the guest sees
 * the same config space byte for byte, the BARs are back where the guest
 * put them (mapped again), and the interrupt the guest enabled still
 * arrives, on the restored device's eventfd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/device.h"
#include "pci/bus.h"
#include "vmpci.h"
#include "tools/selftest.h"

static enum st_result check_bars(struct selftest *st, unsigned *areas)
{
	struct vmpci_device_bar db;
	const struct st_bar *b;
	unsigned i;

	*areas = 0;
	for (i = 0; i < 6; i++) {
		b = &st->bars[i];
		if (!b->type)
			continue;
		vmpci_device_bar_get(st->dev, i, &db);
		if (!db.placed || db.addr != b->guest_addr)
			return st_fail(st, "BAR%u restored %s at %#llx, the guest had it at %#llx",
				       i, db.placed ? "placed" : "unplaced",
				       (unsigned long long)db.addr,
				       (unsigned long long)b->guest_addr);
		if (!b->vmm_valid || b->vmm_addr != b->guest_addr)
			return st_fail(st, "BAR%u: no bar_moved notification on restore",
				       i);
		*areas += db.nr_mapped;
	}
	if (st_host_live(&st->host) != *areas)
		return st_fail(st, "%u live host mappings for %u mapped areas",
			       st_host_live(&st->host), *areas);
	return ST_PASS;
}

static enum st_result compare_config(struct selftest *st, const uint8_t *a,
				     const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	if (i < len)
		return st_fail(st, "config byte %#zx is %#04x after restore, %#04x before",
			       i, b[i], a[i]);
	return ST_PASS;
}

/* What the step allocates: the two config images and the snapshot
 * document between them. */
struct snap {
	uint8_t *before, *after;
	size_t len;
	char *json;
};

/* Save to a document, as a VMM does: only the document travels to the new
 * device (another process or host). */
static enum st_result save(struct selftest *st, struct snap *s)
{
	int rc;

	rc = vmpci_device_config_dump(st->dev, s->before, s->len);
	if (rc)
		return st_fail(st, "config dump: %s", strerror(-rc));
	rc = vmpci_snapshot_save(st->dev, &s->json);
	if (rc)
		return st_fail(st, "save: %s (%s)", vmpci_device_errmsg(st->dev),
			       strerror(-rc));
	return ST_PASS;
}

/* A new device on the same backend and bus slot, given the document. */
static enum st_result restore(struct selftest *st, struct snap *s)
{
	int rc;

	rc = st_device_create(st, &st->dev);
	if (rc)
		return st_fail(st, "creating the new device: %s", strerror(-rc));
	rc = vmpci_bus_add_function(st->bus, 0, st->slot, 0,
				    vmpci_device_config_ops(), st->dev);
	if (rc)
		return st_fail(st, "bus slot %u: %s", st->slot, strerror(-rc));
	rc = vmpci_snapshot_restore(st->dev, s->json, strlen(s->json));
	if (rc)
		return st_fail(st, "restoring our own document: %s (%s)",
			       vmpci_device_errmsg(st->dev), strerror(-rc));
	rc = vmpci_device_config_dump(st->dev, s->after, s->len);
	if (rc)
		return st_fail(st, "config dump after restore: %s",
			       strerror(-rc));
	return ST_PASS;
}

static enum st_result save_restore(struct selftest *st, struct snap *s)
{
	char how[256] = "no interrupt enabled";
	unsigned areas;
	enum st_result r;
	int err;

	r = save(st, s);
	if (r != ST_PASS)
		return r;
	st_drop_device(st);
	r = st_check_released(st);
	if (r == ST_PASS)
		r = restore(st, s);
	if (r == ST_PASS)
		r = compare_config(st, s->before, s->after, s->len);
	if (r == ST_PASS)
		r = check_bars(st, &areas);
	if (r != ST_PASS)
		return r;
	if (st->irq_on) {
		err = st_raise_and_wait(st, how, sizeof(how));
		if (err)
			return st_fail(st, "no interrupt on the restored device: %s (%s)",
				       how, strerror(-err));
	}
	return st_pass(st, "saved to a %zu-byte document, destroyed, created anew, restored: %zu config bytes identical, BARs back with %u areas mapped; %s%s",
		       strlen(s->json), s->len, areas,
		       st->irq_on ? "vector 0 arrives again, raised by " : "",
		       how);
}

enum st_result st_step_snapshot(struct selftest *st)
{
	struct vmpci_device_identity id;
	struct snap s = { 0 };
	enum st_result r;

	if (!st->dev || !st->enumerated)
		return st_fail(st, "not enumerated");
	vmpci_device_identity_get(st->dev, &id);
	s.len = id.config_size;
	s.before = calloc(1, s.len);
	s.after = calloc(1, s.len);
	if (!s.before || !s.after)
		r = st_fail(st, "out of memory");
	else
		r = save_restore(st, &s);
	free(s.before);
	free(s.after);
	free(s.json);
	return r;
}
