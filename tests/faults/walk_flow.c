/* The flow a VMM and its guest drive, step by step, and the effect each
 * step must have (walk_flow.h). */
#include "device/device.h"
#include "migration/migration.h"
#include "pci/config.h"
#include "tests/faults/walk_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

static int first_err(int err, int rc)
{
	return err ? err : rc;
}

static int step_create(struct walk_iter *it)
{
	struct vmpci_device_params c;
	int err;

	/* A retry after a create that returned a broken device. */
	vmpci_device_free(it->dev);
	it->dev = NULL;
	if (!it->be) {
		err = it->w->open(it->w->opaque, &it->rec.host, &it->be);
		if (err) {
			it->be = NULL;
			return err;
		}
	}
	vmpci_device_params_init(&c, it->be, &it->rec.host);
	c.name = "faults0";
	c.pools.io = it->pools[WALK_POOL_IO];
	c.pools.mmio32 = it->pools[WALK_POOL_MMIO32];
	c.pools.mmio64 = it->pools[WALK_POOL_MMIO64];
	return vmpci_device_new(&c, &it->dev);
}

/* What the guest finds in the new device: its MSI-X capability and table
 * (or its MSI capability), and the first BAR with mapped areas, which it
 * will move. */
static bool read_layout(struct walk_iter *it, char *why, size_t len)
{
	struct vmpci_device_bar b;
	struct vmpci_cap cap;
	uint16_t msi = 0, msix = 0;
	uint32_t table = 0;
	size_t i;

	for (i = 0; vmpci_device_cap_get(it->dev, i, &cap) == 0; i++) {
		if (cap.flags & (VMPCI_CAP_EXTENDED | VMPCI_CAP_HIDDEN))
			continue;
		if (cap.id == PCI_CAP_ID_MSIX)
			msix = cap.offset;
		if (cap.id == PCI_CAP_ID_MSI)
			msi = cap.offset;
	}
	it->irq_index = msix ? VFIO_PCI_MSIX_IRQ_INDEX : VFIO_PCI_MSI_IRQ_INDEX;
	it->irq_cap = msix ? msix : msi;
	if (!it->irq_cap ||
	    (msix && vmpci_device_config_read(it->dev, msix + PCI_MSIX_TABLE, 4,
					      &table))) {
		snprintf(why, len, "the function has neither MSI-X nor MSI");
		return false;
	}
	it->table_bar = table & PCI_MSIX_TABLE_BIR;
	it->table_off = table & PCI_MSIX_TABLE_OFFSET;
	for (i = 0; i < 6; i++) {
		vmpci_device_bar_get(it->dev, (unsigned)i, &b);
		if (b.nr_mapped && !(b.type & VMPCI_BAR_IO))
			break;
	}
	if (i == 6) {
		snprintf(why, len, "no BAR has mapped areas");
		return false;
	}
	it->move_bar = (unsigned)i;
	/* Middle of the 32-bit pool, aligned for any BAR up to 256 MiB. */
	it->move_to = vmpci_alloc_base(it->pools[WALK_POOL_MMIO32]) + 0x10000000;
	return true;
}

/* Guest accesses. A guest step is several of them and the guest cannot be
 * failed: the one the injected failure hits must leave the VMM as it was
 * just before it, while those before it keep their effect. So the host's
 * state around that access is kept for the driver (walk.c). */
static bool access_begin(struct walk_iter *it)
{
	bool pending = !faults_fired(NULL);

	if (pending)
		vmpci_test_host_copy(&it->access_before, &it->rec);
	return pending;
}

static int access_end(struct walk_iter *it, bool pending, int rc)
{
	if (pending && faults_fired(NULL)) {
		it->access_hit = true;
		vmpci_test_host_copy(&it->access_after, &it->rec);
	}
	return rc;
}

static int config_read(struct walk_iter *it, uint16_t off, unsigned size,
		       uint32_t *val)
{
	bool pending = access_begin(it);

	return access_end(it, pending,
			  vmpci_device_config_read(it->dev, off, size, val));
}

static int config_write(struct walk_iter *it, uint16_t off, unsigned size,
			uint32_t val)
{
	bool pending = access_begin(it);

	return access_end(it, pending,
			  vmpci_device_config_write(it->dev, off, size, val));
}

static int bar_write(struct walk_iter *it, unsigned bar, uint64_t off,
		     unsigned size, const void *data)
{
	bool pending = access_begin(it);

	return access_end(it, pending, vmpci_device_bar_write(it->dev, bar, off,
							      size, data));
}

/* The guest programs vector 0's message, turns on bus mastering (or
 * messages never leave the function) and enables the capability. */
static int step_enable_irq(struct walk_iter *it)
{
	const uint32_t entry[4] = { WALK_MSI_ADDR, 0, WALK_MSI_DATA, 0 };
	uint16_t cap = it->irq_cap;
	uint32_t flags = 0;
	int err = 0;

	if (it->irq_index == VFIO_PCI_MSIX_IRQ_INDEX) {
		for (unsigned i = 0; i < 4; i++)
			err = first_err(err, bar_write(it, it->table_bar,
						       it->table_off + 4 * i,
						       4, &entry[i]));
	} else {
		err = config_read(it, cap + PCI_MSI_FLAGS, 2, &flags);
		err = first_err(err, config_write(it, cap + PCI_MSI_ADDRESS_LO,
						  4, WALK_MSI_ADDR));
		err = first_err(err, config_write(it,
						  cap + (flags & PCI_MSI_FLAGS_64BIT
								 ? PCI_MSI_DATA_64
								 : PCI_MSI_DATA_32),
						  2, WALK_MSI_DATA));
	}
	err = first_err(err, config_write(it, PCI_COMMAND, 2,
					  PCI_COMMAND_MEMORY |
						  PCI_COMMAND_MASTER));
	return first_err(err, config_write(it, cap + 2, 2,
					   it->irq_index == VFIO_PCI_MSIX_IRQ_INDEX
						   ? PCI_MSIX_FLAGS_ENABLE
						   : PCI_MSI_FLAGS_ENABLE));
}

/* As Linux reassigns: decode off, both halves, decode on; so the move is
 * one change (with decode on, each half is a move of its own). The step
 * ends with memory decode on rather than with the COMMAND it read: run
 * again after its decode-on write was refused, it reads decode off, which
 * its own first write left. */
static int step_move(struct walk_iter *it)
{
	uint16_t reg = (uint16_t)(PCI_BASE_ADDRESS_0 + 4 * it->move_bar);
	struct vmpci_device_bar b;
	uint32_t cmd = 0;
	int err;

	vmpci_device_bar_get(it->dev, it->move_bar, &b);
	err = config_read(it, PCI_COMMAND, 2, &cmd);
	err = first_err(err, config_write(it, PCI_COMMAND, 2,
					  cmd & ~(uint32_t)PCI_COMMAND_MEMORY));
	err = first_err(err, config_write(it, reg, 4, (uint32_t)it->move_to));
	if (b.type & VMPCI_BAR_MEM64)
		err = first_err(err, config_write(it, (uint16_t)(reg + 4), 4,
						  (uint32_t)(it->move_to >> 32)));
	return first_err(err, config_write(it, PCI_COMMAND, 2,
					   cmd | PCI_COMMAND_MEMORY));
}

static int step_snapshot(struct walk_iter *it)
{
	free(it->json);
	it->json = NULL;
	return vmpci_snapshot_save(it->dev, &it->json);
}

static int step_restore(struct walk_iter *it)
{
	return vmpci_snapshot_restore(it->dev, it->json, strlen(it->json));
}

void walk_destroy(struct walk_iter *it)
{
	vmpci_device_free(it->dev);
	it->dev = NULL;
	if (it->be)
		it->w->close(it->w->opaque);
	it->be = NULL;
}

int walk_step_run(struct walk_iter *it, enum walk_step s)
{
	switch (s) {
	case WALK_CREATE:
	case WALK_RECREATE:
		return step_create(it);
	case WALK_ENABLE_IRQ:
		return step_enable_irq(it);
	case WALK_MAP:
		return vmpci_device_place_bars(it->dev);
	case WALK_MOVE:
		return step_move(it);
	case WALK_SNAPSHOT:
		return step_snapshot(it);
	case WALK_RESTORE:
		return step_restore(it);
	case WALK_DESTROY:
		/* The function stays open: the snapshot is restored into a
		 * fresh device on it, as a VMM restores in place. */
		vmpci_device_free(it->dev);
		it->dev = NULL;
		return 0;
	case WALK_FINAL_DESTROY:
		walk_destroy(it);
		return 0;
	case WALK_NR_STEPS:
		break;
	}
	return -1;
}

bool walk_step_is_guest_access(enum walk_step s)
{
	return s == WALK_ENABLE_IRQ || s == WALK_MOVE;
}

/* Vector 0 reaches the guest with the programmed message. */
static bool delivers(struct walk_iter *it, char *why, size_t len)
{
	int rc;

	if (!it->w->deliver)
		return true;
	rc = it->w->deliver(it->w->opaque, it->dev, it->irq_index,
			    WALK_MSI_DATA);
	if (rc != 1)
		snprintf(why, len, "vector 0 not delivered (%d)", rc);
	return rc == 1;
}

static bool irq_done(struct walk_iter *it, char *why, size_t len)
{
	uint32_t flags = 0;
	unsigned live = 0;

	/* MSI and MSI-X keep their enable bit in the same place. */
	vmpci_device_config_read(it->dev, it->irq_cap + 2, 2, &flags);
	if (!(flags & (it->irq_index == VFIO_PCI_MSIX_IRQ_INDEX
			       ? PCI_MSIX_FLAGS_ENABLE
			       : PCI_MSI_FLAGS_ENABLE))) {
		snprintf(why, len, "message control reads %#x", flags);
		return false;
	}
	for (unsigned i = 0; i < it->rec.nr; i++) {
		const struct vmpci_test_held *e = &it->rec.held[i];

		live += vmpci_test_held_now(e) && e->kind == VMPCI_TEST_ROUTE &&
			!e->masked && e->msg.data == WALK_MSI_DATA &&
			e->msg.address == WALK_MSI_ADDR;
	}
	if (live != 1 || vmpci_test_host_count(&it->rec, VMPCI_TEST_INTX)) {
		snprintf(why, len, "host has %u live routes for the vector, %u INTx",
			 live, vmpci_test_host_count(&it->rec, VMPCI_TEST_INTX));
		return false;
	}
	return delivers(it, why, len);
}

/* Every BAR placed, each mapped area in a slot at its guest address. */
static bool bars_mapped(struct walk_iter *it, char *why, size_t len)
{
	unsigned areas = 0;

	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
		struct vmpci_device_bar b;

		vmpci_device_bar_get(it->dev, i, &b);
		if (!b.type)
			continue;
		if (!b.placed) {
			snprintf(why, len, "BAR%u not placed", i);
			return false;
		}
		for (unsigned a = 0; a < b.nr_mapped; a++, areas++) {
			const struct vmpci_test_held *e = vmpci_test_host_slot_at(
				&it->rec, b.addr + b.mapped[a].offset);

			if (!e || e->gpa != b.addr + b.mapped[a].offset ||
			    e->size != b.mapped[a].size) {
				snprintf(why, len, "BAR%u area %u has no slot at %#llx",
					 i, a, (unsigned long long)(b.addr + b.mapped[a].offset));
				return false;
			}
		}
	}
	if (vmpci_test_host_count(&it->rec, VMPCI_TEST_SLOT) != areas) {
		snprintf(why, len, "%u slots for %u mapped areas",
			 vmpci_test_host_count(&it->rec, VMPCI_TEST_SLOT), areas);
		return false;
	}
	return true;
}

static bool move_done(struct walk_iter *it, char *why, size_t len)
{
	struct vmpci_device_bar b;

	vmpci_device_bar_get(it->dev, it->move_bar, &b);
	if (b.addr != it->move_to) {
		snprintf(why, len, "BAR%u at %#llx", it->move_bar,
			 (unsigned long long)b.addr);
		return false;
	}
	return bars_mapped(it, why, len);
}

static void remember_snapshot(struct walk_iter *it)
{
	it->dump_len = vmpci_device_config_dump(it->dev, it->dump, 256) ? 0
									 : 256;
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++)
		vmpci_device_bar_get(it->dev, i, &it->bars[i]);
	it->slots = vmpci_test_host_count(&it->rec, VMPCI_TEST_SLOT);
	it->msi_routes = vmpci_test_host_count(&it->rec, VMPCI_TEST_ROUTE);
}

/* The restored device shows the guest what the snapshot saw. */
static bool restore_done(struct walk_iter *it, char *why, size_t len)
{
	uint8_t dump[256];

	if (vmpci_device_config_dump(it->dev, dump, sizeof(dump)) ||
	    it->dump_len != sizeof(dump) || memcmp(dump, it->dump, sizeof(dump))) {
		snprintf(why, len, "config space differs from the snapshot's");
		return false;
	}
	for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
		struct vmpci_device_bar b;

		vmpci_device_bar_get(it->dev, i, &b);
		if (b.placed != it->bars[i].placed || b.addr != it->bars[i].addr) {
			snprintf(why, len, "BAR%u at %#llx, snapshot at %#llx", i,
				 (unsigned long long)b.addr,
				 (unsigned long long)it->bars[i].addr);
			return false;
		}
	}
	if (vmpci_test_host_count(&it->rec, VMPCI_TEST_SLOT) != it->slots ||
	    vmpci_test_host_count(&it->rec, VMPCI_TEST_ROUTE) != it->msi_routes) {
		snprintf(why, len, "%u slots and %u MSI routes, snapshot had %u and %u",
			 vmpci_test_host_count(&it->rec, VMPCI_TEST_SLOT),
			 vmpci_test_host_count(&it->rec, VMPCI_TEST_ROUTE), it->slots,
			 it->msi_routes);
		return false;
	}
	return bars_mapped(it, why, len) && delivers(it, why, len);
}

bool walk_step_done(struct walk_iter *it, enum walk_step s, char *why,
		    size_t len)
{
	char state[200];

	why[0] = '\0';
	switch (s) {
	case WALK_CREATE:
	case WALK_RECREATE:
		if (!it->dev) {
			snprintf(why, len, "no device");
			return false;
		}
		return read_layout(it, why, len);
	case WALK_ENABLE_IRQ:
		return irq_done(it, why, len);
	case WALK_MAP:
		return bars_mapped(it, why, len);
	case WALK_MOVE:
		return move_done(it, why, len);
	case WALK_SNAPSHOT:
		if (!it->json) {
			snprintf(why, len, "no snapshot document");
			return false;
		}
		remember_snapshot(it);
		return true;
	case WALK_RESTORE:
		return restore_done(it, why, len);
	case WALK_DESTROY:
	case WALK_FINAL_DESTROY:
		if (vmpci_test_host_count(&it->rec, -1) == 0)
			return true;
		vmpci_test_host_describe(&it->rec, state, sizeof(state));
		snprintf(why, len, "the host still holds %s", state);
		return false;
	case WALK_NR_STEPS:
		break;
	}
	return false;
}
