/* The recording host (ledger.h). */
#include "tests/faults/ledger.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct ledger_entry *find(struct ledger *l, enum ledger_kind kind,
				 uint32_t handle)
{
	for (unsigned i = 0; i < LEDGER_MAX; i++) {
		struct ledger_entry *e = &l->e[i];

		if (e->live && !e->refused && e->kind == kind &&
		    e->handle == handle)
			return e;
	}
	return NULL;
}

/* A new entry for `handle`; a refused entry with the same handle is gone
 * (the inner host handed its handle out again, so it released it). */
static struct ledger_entry *add(struct ledger *l, enum ledger_kind kind,
				uint32_t handle)
{
	struct ledger_entry *slot = NULL;

	for (unsigned i = 0; i < LEDGER_MAX; i++) {
		struct ledger_entry *e = &l->e[i];

		if (e->live && e->refused && e->kind == kind &&
		    e->handle == handle)
			e->live = false;
		if (!e->live && !slot)
			slot = e;
	}
	if (!slot) {
		l->overflow = true;
		return NULL;
	}
	memset(slot, 0, sizeof(*slot));
	slot->live = true;
	slot->kind = kind;
	slot->handle = handle;
	return slot;
}

/* A removal: gone when the host agreed, kept as refused when it did not. */
static void removed(struct ledger *l, struct ledger_entry *e, int rc)
{
	if (!e)
		return;
	if (rc) {
		e->refused = true;
		l->refused++;
	} else {
		e->live = false;
	}
}

static void op_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	struct ledger *l = opaque;

	if (level > VMPCI_LOG_WARN)
		return;
	l->lines++;
	snprintf(l->last_line, sizeof(l->last_line), "%s", msg);
}

static int op_map(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		  bool readonly, uint32_t *slot)
{
	struct ledger *l = opaque;
	struct ledger_entry *e;
	int rc = 0;

	if (l->inner)
		rc = l->inner->ops->map_memory(l->inner->opaque, gpa, size,
					       host_addr, readonly, slot);
	else
		*slot = l->next_handle++;
	if (rc)
		return rc;
	e = add(l, LEDGER_SLOT, *slot);
	if (e) {
		e->gpa = gpa;
		e->size = size;
		e->host_addr = host_addr;
	}
	return 0;
}

static int op_unmap(void *opaque, uint32_t slot)
{
	struct ledger *l = opaque;
	struct ledger_entry *e = find(l, LEDGER_SLOT, slot);
	int rc = e ? 0 : -ENOENT;

	if (l->inner)
		rc = l->inner->ops->unmap_memory(l->inner->opaque, slot);
	removed(l, e, rc);
	return rc;
}

static int op_add_msi(void *opaque, int eventfd,
		      const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct ledger *l = opaque;
	struct ledger_entry *e;
	int rc = 0;

	if (l->inner)
		rc = l->inner->ops->add_msi_route(l->inner->opaque, eventfd,
						  msg, route);
	else
		*route = l->next_handle++;
	if (rc)
		return rc;
	/* The KVM host gives an eventfd's existing route back. */
	e = find(l, LEDGER_MSI, *route);
	if (!e)
		e = add(l, LEDGER_MSI, *route);
	if (e) {
		e->fd = eventfd;
		e->msg = *msg;
		e->masked = false;
	}
	return 0;
}

static int op_update_msi(void *opaque, uint32_t route,
			 const struct vmpci_msi_msg *msg)
{
	struct ledger *l = opaque;
	struct ledger_entry *e = find(l, LEDGER_MSI, route);
	int rc = e ? 0 : -ENOENT;

	if (l->inner)
		rc = l->inner->ops->update_msi_route(l->inner->opaque, route,
						     msg);
	if (!rc && e)
		e->msg = *msg;
	return rc;
}

static int op_mask_msi(void *opaque, uint32_t route, bool masked)
{
	struct ledger *l = opaque;
	struct ledger_entry *e = find(l, LEDGER_MSI, route);
	int rc = e ? 0 : -ENOENT;

	if (l->inner)
		rc = l->inner->ops->mask_msi_route(l->inner->opaque, route,
						   masked);
	if (!rc && e)
		e->masked = masked;
	return rc;
}

static int op_remove_msi(void *opaque, uint32_t route)
{
	struct ledger *l = opaque;
	struct ledger_entry *e = find(l, LEDGER_MSI, route);
	int rc = e ? 0 : -ENOENT;

	if (l->inner)
		rc = l->inner->ops->remove_msi_route(l->inner->opaque, route);
	removed(l, e, rc);
	return rc;
}

static int op_commit(void *opaque)
{
	struct ledger *l = opaque;

	return l->inner ? l->inner->ops->commit_routes(l->inner->opaque) : 0;
}

static int op_add_intx(void *opaque, uint32_t devid, uint32_t pin,
		       int trigger_fd, int resample_fd, uint32_t *route)
{
	struct ledger *l = opaque;
	struct ledger_entry *e;
	int rc = 0;

	if (l->inner)
		rc = l->inner->ops->add_intx_route(l->inner->opaque, devid,
						   pin, trigger_fd,
						   resample_fd, route);
	else
		*route = l->next_handle++;
	if (rc)
		return rc;
	e = add(l, LEDGER_INTX, *route);
	if (e) {
		e->pin = pin;
		e->fd = trigger_fd;
		e->fd2 = resample_fd;
	}
	return 0;
}

static int op_remove_intx(void *opaque, uint32_t route)
{
	struct ledger *l = opaque;
	struct ledger_entry *e = find(l, LEDGER_INTX, route);
	int rc = e ? 0 : -ENOENT;

	if (l->inner)
		rc = l->inner->ops->remove_intx_route(l->inner->opaque, route);
	removed(l, e, rc);
	return rc;
}

static const struct vmpci_host_ops ledger_ops = {
	.log = op_log,
	.map_memory = op_map,
	.unmap_memory = op_unmap,
	.add_msi_route = op_add_msi,
	.update_msi_route = op_update_msi,
	.mask_msi_route = op_mask_msi,
	.remove_msi_route = op_remove_msi,
	.commit_routes = op_commit,
	.add_intx_route = op_add_intx,
	.remove_intx_route = op_remove_intx,
};

void ledger_init(struct ledger *l, const struct vmpci_host *inner)
{
	memset(l, 0, sizeof(*l));
	l->host.ops = &ledger_ops;
	l->host.opaque = l;
	l->inner = inner;
	l->next_handle = 1;
}

void ledger_release_refused(struct ledger *l)
{
	const struct vmpci_host_ops *ops = l->inner ? l->inner->ops : NULL;

	for (unsigned i = 0; ops && i < LEDGER_MAX; i++) {
		struct ledger_entry *e = &l->e[i];
		int rc = 0;

		if (!e->live || !e->refused)
			continue;
		if (e->kind == LEDGER_SLOT)
			rc = ops->unmap_memory(l->inner->opaque, e->handle);
		else if (e->kind == LEDGER_MSI)
			rc = ops->remove_msi_route(l->inner->opaque, e->handle);
		else
			rc = ops->remove_intx_route(l->inner->opaque, e->handle);
		if (rc == 0 || rc == -ENOENT)
			e->live = false;
	}
}

static bool counted(const struct ledger_entry *e)
{
	return e->live && !e->refused;
}

unsigned ledger_count(const struct ledger *l, int kind)
{
	unsigned n = 0;

	for (unsigned i = 0; i < LEDGER_MAX; i++)
		n += counted(&l->e[i]) && (kind < 0 || (int)l->e[i].kind == kind);
	return n;
}

static bool same_entry(const struct ledger_entry *a,
		       const struct ledger_entry *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case LEDGER_SLOT:
		return a->gpa == b->gpa && a->size == b->size &&
		       a->host_addr == b->host_addr;
	case LEDGER_MSI:
		return a->fd == b->fd && a->masked == b->masked &&
		       a->msg.address == b->msg.address &&
		       a->msg.data == b->msg.data &&
		       a->msg.devid == b->msg.devid;
	case LEDGER_INTX:
		return a->pin == b->pin && a->fd == b->fd && a->fd2 == b->fd2;
	}
	return false;
}

/* Every counted entry of a has a distinct twin in b. */
static bool covered(const struct ledger *a, const struct ledger *b)
{
	bool used[LEDGER_MAX] = { false };

	for (unsigned i = 0; i < LEDGER_MAX; i++) {
		unsigned j;

		if (!counted(&a->e[i]))
			continue;
		for (j = 0; j < LEDGER_MAX; j++)
			if (!used[j] && counted(&b->e[j]) &&
			    same_entry(&a->e[i], &b->e[j]))
				break;
		if (j == LEDGER_MAX)
			return false;
		used[j] = true;
	}
	return true;
}

bool ledger_same(const struct ledger *a, const struct ledger *b)
{
	return !a->overflow && !b->overflow &&
	       ledger_count(a, -1) == ledger_count(b, -1) && covered(a, b);
}

const struct ledger_entry *ledger_slot_at(const struct ledger *l,
					  uint64_t gpa)
{
	for (unsigned i = 0; i < LEDGER_MAX; i++) {
		const struct ledger_entry *e = &l->e[i];

		if (counted(e) && e->kind == LEDGER_SLOT && gpa >= e->gpa &&
		    gpa - e->gpa < e->size)
			return e;
	}
	return NULL;
}

void ledger_describe(const struct ledger *l, char *buf, unsigned len)
{
	unsigned n = (unsigned)snprintf(buf, len, "%u slots, %u MSI, %u INTx routes",
					ledger_count(l, LEDGER_SLOT),
					ledger_count(l, LEDGER_MSI),
					ledger_count(l, LEDGER_INTX));

	for (unsigned i = 0; i < LEDGER_MAX && n < len; i++) {
		const struct ledger_entry *e = &l->e[i];

		if (counted(e) && e->kind == LEDGER_SLOT)
			n += (unsigned)snprintf(buf + n, len - n, " [slot %#llx+%#llx]",
						(unsigned long long)e->gpa,
						(unsigned long long)e->size);
		else if (counted(e) && e->kind == LEDGER_MSI)
			n += (unsigned)snprintf(buf + n, len - n, " [msi fd %d data %#x%s]",
						e->fd, e->msg.data,
						e->masked ? " masked" : "");
	}
}
