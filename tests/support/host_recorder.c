/* The recording host (host_recorder.h). */
#include "tests/support/host_recorder.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* An op refused as KVM would refuse it: counted and told to on_refuse. */
static int refuse(struct vmpci_test_host *h, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct vmpci_test_host *h, int rc, const char *fmt, ...)
{
	char why[192];
	va_list ap;

	h->refusals++;
	if (h->on_refuse) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		h->on_refuse(h->ctx, why);
	}
	return rc;
}

/* Count a call of `op`: the failure asked of it, or 0. */
static int injected(struct vmpci_test_host *h, enum vmpci_test_op op)
{
	int64_t n = (int64_t)h->calls[op]++;

	if (h->fail[op].rc && (h->fail[op].at < 0 || h->fail[op].at == n))
		return h->fail[op].rc;
	return 0;
}

static int succeeded(struct vmpci_test_host *h, enum vmpci_test_op op)
{
	h->done[op]++;
	return 0;
}

static int fake_handle(struct vmpci_test_host *h, uint32_t *handle)
{
	*handle = h->next_handle++;
	return 0;
}

/* The live entry of `kind` with `handle`, refused ones included (the
 * host still has them). */
static struct vmpci_test_held *find(struct vmpci_test_host *h,
				    enum vmpci_test_kind kind, uint32_t handle)
{
	for (uint32_t i = 0; i < h->nr; i++) {
		struct vmpci_test_held *e = &h->held[i];

		if (e->live && e->kind == kind && e->handle == handle)
			return e;
	}
	return NULL;
}

/* The entry for a handle the host just gave out: the held one with that
 * handle (the KVM host gives an eventfd's route back), else a new one. A
 * refused entry with that handle is gone: the host handed the handle out
 * again, so it let go of it. NULL when the table is full. */
static struct vmpci_test_held *claim(struct vmpci_test_host *h,
				     enum vmpci_test_kind kind,
				     uint32_t handle)
{
	struct vmpci_test_held *e = find(h, kind, handle), *free_e = NULL;

	if (e && !e->refused)
		return e;
	if (e)
		e->live = false;
	for (uint32_t i = 0; i < h->nr && !free_e; i++)
		if (!h->held[i].live)
			free_e = &h->held[i];
	if (!free_e && h->nr < VMPCI_TEST_HOST_MAX)
		free_e = &h->held[h->nr++];
	if (!free_e) {
		h->overflow = true;
		return NULL;
	}
	memset(free_e, 0, sizeof(*free_e));
	free_e->live = true;
	free_e->kind = kind;
	free_e->handle = handle;
	return free_e;
}

/* A removal the host agreed to, or refused: then the VMM still holds it. */
static int removed(struct vmpci_test_host *h, struct vmpci_test_held *e,
		   enum vmpci_test_op op, int rc)
{
	if (rc) {
		e->refused = true;
		h->refused_removals++;
		return rc;
	}
	e->live = false;
	return succeeded(h, op);
}

static void journal(struct vmpci_test_host *h, enum vmpci_test_op op,
		    uint32_t handle, uint64_t gpa, uint64_t size)
{
	if (h->nr_journal < VMPCI_TEST_HOST_CALLS)
		h->journal[h->nr_journal] =
			(struct vmpci_test_call){ op, handle, gpa, size };
	h->nr_journal++;
}

static void rec_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	struct vmpci_test_host *h = opaque;

	if ((unsigned)level <= VMPCI_LOG_DEBUG)
		h->lines[level]++;
	if (level <= VMPCI_LOG_WARN)
		snprintf(h->last_line, sizeof(h->last_line), "%s", msg);
	if (h->on_log)
		h->on_log(h->ctx, level, msg);
	if (h->inner && h->inner->ops->log)
		h->inner->ops->log(h->inner->opaque, level, msg);
}

/* KVM refuses an empty or wrapping slot and one overlapping another. */
static int check_slot(struct vmpci_test_host *h, uint64_t gpa, uint64_t size,
		      void *host_addr)
{
	if (!size || !host_addr || gpa + size < gpa)
		return refuse(h, -EINVAL, "map_memory(gpa %#llx, size %#llx, host %p)",
			      (unsigned long long)gpa,
			      (unsigned long long)size, host_addr);
	for (uint32_t i = 0; i < h->nr; i++) {
		const struct vmpci_test_held *s = &h->held[i];

		if (vmpci_test_held_now(s) && s->kind == VMPCI_TEST_SLOT &&
		    gpa < s->gpa + s->size && s->gpa < gpa + size)
			return refuse(h, -EEXIST, "slot [%#llx, +%#llx) overlaps slot %u [%#llx, +%#llx)",
				      (unsigned long long)gpa,
				      (unsigned long long)size, s->handle,
				      (unsigned long long)s->gpa,
				      (unsigned long long)s->size);
	}
	return 0;
}

static int rec_map(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		   bool readonly, uint32_t *slot)
{
	struct vmpci_test_host *h = opaque;
	struct vmpci_test_held *e;
	int rc = injected(h, VMPCI_TEST_MAP);

	if (!rc)
		rc = check_slot(h, gpa, size, host_addr);
	if (!rc)
		rc = h->inner ? h->inner->ops->map_memory(h->inner->opaque, gpa,
							  size, host_addr,
							  readonly, slot)
			      : fake_handle(h, slot);
	if (rc)
		return rc;
	e = claim(h, VMPCI_TEST_SLOT, *slot);
	if (e) {
		e->gpa = gpa;
		e->size = size;
		e->host_addr = host_addr;
		e->readonly = readonly;
	}
	journal(h, VMPCI_TEST_MAP, *slot, gpa, size);
	return succeeded(h, VMPCI_TEST_MAP);
}

/* Ask the inner host to let go of `e`. */
static int inner_remove(const struct vmpci_host *in,
			const struct vmpci_test_held *e)
{
	switch (e->kind) {
	case VMPCI_TEST_SLOT:
		return in->ops->unmap_memory(in->opaque, e->handle);
	case VMPCI_TEST_ROUTE:
		return in->ops->remove_msi_route(in->opaque, e->handle);
	case VMPCI_TEST_INTX:
		return in->ops->remove_intx_route(in->opaque, e->handle);
	}
	return -EINVAL;
}

/* unmap_memory, remove_msi_route, remove_intx_route (`name`). */
static int remove_held(struct vmpci_test_host *h, enum vmpci_test_kind kind,
		       enum vmpci_test_op op, uint32_t handle,
		       const char *name)
{
	struct vmpci_test_held *e = find(h, kind, handle);
	int rc = injected(h, op);

	if (!e)
		return refuse(h, -ENOENT, "%s of dead handle %u", name, handle);
	if (!rc && h->inner)
		rc = inner_remove(h->inner, e);
	if (!rc && kind == VMPCI_TEST_SLOT)
		journal(h, VMPCI_TEST_UNMAP, handle, 0, 0);
	if (!rc && kind == VMPCI_TEST_ROUTE)
		h->uncommitted = true;
	return removed(h, e, op, rc);
}

static int rec_unmap(void *opaque, uint32_t slot)
{
	return remove_held(opaque, VMPCI_TEST_SLOT, VMPCI_TEST_UNMAP, slot,
			   "unmap_memory");
}

/* KVM takes one irqfd per eventfd. */
static int check_eventfd(struct vmpci_test_host *h, int eventfd)
{
	const struct vmpci_test_held *r;

	if (eventfd < 0)
		return refuse(h, -EBADF, "add_msi_route with eventfd %d",
			      eventfd);
	r = vmpci_test_host_route_of(h, eventfd);
	if (r)
		return refuse(h, -EBUSY, "add_msi_route: eventfd %d already has route %u",
			      eventfd, r->handle);
	return 0;
}

static int rec_add_msi(void *opaque, int eventfd,
		       const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct vmpci_test_host *h = opaque;
	struct vmpci_test_held *e;
	int rc = injected(h, VMPCI_TEST_ADD_MSI);

	if (!rc)
		rc = check_eventfd(h, eventfd);
	if (!rc)
		rc = h->inner ? h->inner->ops->add_msi_route(h->inner->opaque,
							     eventfd, msg, route)
			      : fake_handle(h, route);
	if (rc)
		return rc;
	e = claim(h, VMPCI_TEST_ROUTE, *route);
	if (e) {
		e->fd = eventfd;
		e->msg = *msg;
		e->masked = false;
	}
	h->uncommitted = true;
	return succeeded(h, VMPCI_TEST_ADD_MSI);
}

/* The live route `route` an op names, or NULL (refused). */
static struct vmpci_test_held *named_route(struct vmpci_test_host *h,
					   uint32_t route, const char *op)
{
	struct vmpci_test_held *e = find(h, VMPCI_TEST_ROUTE, route);

	if (!e)
		refuse(h, -ENOENT, "%s on dead route %u", op, route);
	return e;
}

static int rec_update_msi(void *opaque, uint32_t route,
			  const struct vmpci_msi_msg *msg)
{
	struct vmpci_test_host *h = opaque;
	struct vmpci_test_held *e = named_route(h, route, "update_msi_route");
	int rc = injected(h, VMPCI_TEST_UPDATE_MSI);

	if (!e)
		return -ENOENT;
	if (!rc && h->inner)
		rc = h->inner->ops->update_msi_route(h->inner->opaque, route,
						     msg);
	if (rc)
		return rc;
	e->msg = *msg;
	h->uncommitted = true;
	return succeeded(h, VMPCI_TEST_UPDATE_MSI);
}

static int rec_mask_msi(void *opaque, uint32_t route, bool masked)
{
	struct vmpci_test_host *h = opaque;
	enum vmpci_test_op op = masked ? VMPCI_TEST_MASK_MSI
				       : VMPCI_TEST_UNMASK_MSI;
	struct vmpci_test_held *e = named_route(h, route, "mask_msi_route");
	int rc = injected(h, op);

	if (!e)
		return -ENOENT;
	if (!rc && h->inner)
		rc = h->inner->ops->mask_msi_route(h->inner->opaque, route,
						   masked);
	if (rc)
		return rc;
	/* At once: no commit owed (host.h). */
	e->masked = masked;
	return succeeded(h, op);
}

static int rec_remove_msi(void *opaque, uint32_t route)
{
	return remove_held(opaque, VMPCI_TEST_ROUTE, VMPCI_TEST_REMOVE_MSI,
			   route, "remove_msi_route");
}

static int rec_commit(void *opaque)
{
	struct vmpci_test_host *h = opaque;
	int rc = injected(h, VMPCI_TEST_COMMIT);

	if (!rc && h->inner)
		rc = h->inner->ops->commit_routes(h->inner->opaque);
	if (rc)
		return rc;
	h->uncommitted = false;
	return succeeded(h, VMPCI_TEST_COMMIT);
}

static int rec_add_intx(void *opaque, uint32_t devid, uint32_t pin,
			int trigger_fd, int resample_fd, uint32_t *route)
{
	struct vmpci_test_host *h = opaque;
	struct vmpci_test_held *e;
	int rc = injected(h, VMPCI_TEST_ADD_INTX);

	if (!rc && (pin > 3 || trigger_fd < 0 || resample_fd < 0))
		rc = refuse(h, -EINVAL, "add_intx_route(pin %u, %d, %d)", pin,
			    trigger_fd, resample_fd);
	if (!rc)
		rc = h->inner ? h->inner->ops->add_intx_route(h->inner->opaque,
							      devid, pin,
							      trigger_fd,
							      resample_fd,
							      route)
			      : fake_handle(h, route);
	if (rc)
		return rc;
	e = claim(h, VMPCI_TEST_INTX, *route);
	if (e) {
		e->devid = devid;
		e->pin = pin;
		e->fd = trigger_fd;
		e->resample_fd = resample_fd;
	}
	return succeeded(h, VMPCI_TEST_ADD_INTX);
}

static int rec_remove_intx(void *opaque, uint32_t route)
{
	return remove_held(opaque, VMPCI_TEST_INTX, VMPCI_TEST_REMOVE_INTX,
			   route, "remove_intx_route");
}

static const struct vmpci_host_ops rec_ops = {
	.log = rec_log,
	.map_memory = rec_map,
	.unmap_memory = rec_unmap,
	.add_msi_route = rec_add_msi,
	.update_msi_route = rec_update_msi,
	.mask_msi_route = rec_mask_msi,
	.remove_msi_route = rec_remove_msi,
	.commit_routes = rec_commit,
	.add_intx_route = rec_add_intx,
	.remove_intx_route = rec_remove_intx,
};

/* An op the inner host lacks, the recorder lacks too. */
#define MIRROR(h, op) \
	((h)->ops.op = (h)->inner->ops->op ? rec_ops.op : NULL)

void vmpci_test_host_init(struct vmpci_test_host *h,
			  const struct vmpci_host *inner)
{
	memset(h, 0, offsetof(struct vmpci_test_host, held));
	memset(&h->overflow, 0,
	       sizeof(*h) - offsetof(struct vmpci_test_host, overflow));
	h->ops = rec_ops;
	h->inner = inner;
	if (inner) {
		MIRROR(h, map_memory);
		MIRROR(h, unmap_memory);
		MIRROR(h, add_msi_route);
		MIRROR(h, update_msi_route);
		MIRROR(h, mask_msi_route);
		MIRROR(h, remove_msi_route);
		MIRROR(h, commit_routes);
		MIRROR(h, add_intx_route);
		MIRROR(h, remove_intx_route);
	}
	h->host.ops = &h->ops;
	h->host.opaque = h;
	h->next_handle = 1;
}

/* Entries past nr are never read, so neither set nor copied: a recorder
 * is mostly room for MSI-X's 2048 routes. */
void vmpci_test_host_copy(struct vmpci_test_host *dst,
			  const struct vmpci_test_host *src)
{
	memcpy(dst, src, offsetof(struct vmpci_test_host, held));
	memcpy(dst->held, src->held, src->nr * sizeof(src->held[0]));
	memcpy(&dst->overflow, &src->overflow,
	       sizeof(*src) - offsetof(struct vmpci_test_host, overflow));
}

void vmpci_test_host_fail(struct vmpci_test_host *h, enum vmpci_test_op op,
			  int rc, int64_t at)
{
	h->fail[op].rc = rc;
	h->fail[op].at = at < 0 ? -1 : (int64_t)h->calls[op] + at;
}

void vmpci_test_host_release_refused(struct vmpci_test_host *h)
{
	const struct vmpci_host *in = h->inner;

	for (uint32_t i = 0; in && i < h->nr; i++) {
		struct vmpci_test_held *e = &h->held[i];
		int rc;

		if (!e->live || !e->refused)
			continue;
		rc = inner_remove(in, e);
		if (rc == 0 || rc == -ENOENT)
			e->live = false;
	}
}
