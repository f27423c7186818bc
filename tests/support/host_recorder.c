/* The recording host (host_recorder.h). */
#include "tests/support/host_recorder.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

static bool held(const struct vmpci_test_held *e)
{
	return e->live && !e->refused;
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

		if (held(s) && s->kind == VMPCI_TEST_SLOT &&
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

static int rec_unmap(void *opaque, uint32_t slot)
{
	struct vmpci_test_host *h = opaque;
	struct vmpci_test_held *e = find(h, VMPCI_TEST_SLOT, slot);
	int rc = injected(h, VMPCI_TEST_UNMAP);

	if (!e)
		return refuse(h, -ENOENT, "unmap_memory of dead slot %u", slot);
	if (!rc && h->inner)
		rc = h->inner->ops->unmap_memory(h->inner->opaque, slot);
	if (!rc)
		journal(h, VMPCI_TEST_UNMAP, slot, 0, 0);
	return removed(h, e, VMPCI_TEST_UNMAP, rc);
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
	struct vmpci_test_host *h = opaque;
	struct vmpci_test_held *e = named_route(h, route, "remove_msi_route");
	int rc = injected(h, VMPCI_TEST_REMOVE_MSI);

	if (!e)
		return -ENOENT;
	if (!rc && h->inner)
		rc = h->inner->ops->remove_msi_route(h->inner->opaque, route);
	if (!rc)
		h->uncommitted = true;
	return removed(h, e, VMPCI_TEST_REMOVE_MSI, rc);
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

static int rec_add_intx(void *opaque, uint32_t pin, int trigger_fd,
			int resample_fd, uint32_t *route)
{
	struct vmpci_test_host *h = opaque;
	struct vmpci_test_held *e;
	int rc = injected(h, VMPCI_TEST_ADD_INTX);

	if (!rc && (pin > 3 || trigger_fd < 0 || resample_fd < 0))
		rc = refuse(h, -EINVAL, "add_intx_route(pin %u, %d, %d)", pin,
			    trigger_fd, resample_fd);
	if (!rc)
		rc = h->inner ? h->inner->ops->add_intx_route(h->inner->opaque,
							      pin, trigger_fd,
							      resample_fd,
							      route)
			      : fake_handle(h, route);
	if (rc)
		return rc;
	e = claim(h, VMPCI_TEST_INTX, *route);
	if (e) {
		e->pin = pin;
		e->fd = trigger_fd;
		e->resample_fd = resample_fd;
	}
	return succeeded(h, VMPCI_TEST_ADD_INTX);
}

static int rec_remove_intx(void *opaque, uint32_t route)
{
	struct vmpci_test_host *h = opaque;
	struct vmpci_test_held *e = find(h, VMPCI_TEST_INTX, route);
	int rc = injected(h, VMPCI_TEST_REMOVE_INTX);

	if (!e)
		return refuse(h, -ENOENT, "remove_intx_route on dead route %u",
			      route);
	if (!rc && h->inner)
		rc = h->inner->ops->remove_intx_route(h->inner->opaque, route);
	return removed(h, e, VMPCI_TEST_REMOVE_INTX, rc);
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

unsigned vmpci_test_host_count(const struct vmpci_test_host *h, int kind)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < h->nr; i++)
		n += held(&h->held[i]) &&
		     (kind < 0 || (int)h->held[i].kind == kind);
	return n;
}

const struct vmpci_test_held *
vmpci_test_host_route_of(const struct vmpci_test_host *h, int fd)
{
	for (uint32_t i = 0; i < h->nr; i++) {
		const struct vmpci_test_held *e = &h->held[i];

		if (held(e) && e->kind == VMPCI_TEST_ROUTE && e->fd == fd)
			return e;
	}
	return NULL;
}

const struct vmpci_test_held *
vmpci_test_host_slot_at(const struct vmpci_test_host *h, uint64_t gpa)
{
	for (uint32_t i = 0; i < h->nr; i++) {
		const struct vmpci_test_held *e = &h->held[i];

		if (held(e) && e->kind == VMPCI_TEST_SLOT && gpa >= e->gpa &&
		    gpa - e->gpa < e->size)
			return e;
	}
	return NULL;
}

static bool same_held(const struct vmpci_test_held *a,
		      const struct vmpci_test_held *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case VMPCI_TEST_SLOT:
		return a->gpa == b->gpa && a->size == b->size &&
		       a->host_addr == b->host_addr &&
		       a->readonly == b->readonly;
	case VMPCI_TEST_ROUTE:
		return a->fd == b->fd && a->masked == b->masked &&
		       a->msg.address == b->msg.address &&
		       a->msg.data == b->msg.data &&
		       a->msg.devid == b->msg.devid;
	case VMPCI_TEST_INTX:
		return a->pin == b->pin && a->fd == b->fd &&
		       a->resample_fd == b->resample_fd;
	}
	return false;
}

/* Whether entry i of `b` is already some entry's twin: entries [0, nr)
 * of a bitmap, set as found. */
static bool take(uint64_t *used, uint32_t i)
{
	uint64_t bit = 1ull << (i % 64);

	if (used[i / 64] & bit)
		return false;
	used[i / 64] |= bit;
	return true;
}

/* Every held entry of a has a distinct twin in b. */
static bool covered(const struct vmpci_test_host *a,
		    const struct vmpci_test_host *b)
{
	uint64_t used[(VMPCI_TEST_HOST_MAX + 63) / 64] = { 0 };

	for (uint32_t i = 0; i < a->nr; i++) {
		uint32_t j;

		if (!held(&a->held[i]))
			continue;
		for (j = 0; j < b->nr; j++)
			if (held(&b->held[j]) &&
			    same_held(&a->held[i], &b->held[j]) &&
			    take(used, j))
				break;
		if (j == b->nr)
			return false;
	}
	return true;
}

bool vmpci_test_host_same(const struct vmpci_test_host *a,
			  const struct vmpci_test_host *b)
{
	return !a->overflow && !b->overflow &&
	       vmpci_test_host_count(a, -1) == vmpci_test_host_count(b, -1) &&
	       covered(a, b);
}

void vmpci_test_host_describe(const struct vmpci_test_host *h, char *buf,
			      unsigned len)
{
	unsigned n = (unsigned)snprintf(buf, len, "%u slots, %u MSI, %u INTx routes",
					vmpci_test_host_count(h, VMPCI_TEST_SLOT),
					vmpci_test_host_count(h, VMPCI_TEST_ROUTE),
					vmpci_test_host_count(h, VMPCI_TEST_INTX));

	for (uint32_t i = 0; i < h->nr && n < len; i++) {
		const struct vmpci_test_held *e = &h->held[i];

		if (held(e) && e->kind == VMPCI_TEST_SLOT)
			n += (unsigned)snprintf(buf + n, len - n, " [slot %#llx+%#llx]",
						(unsigned long long)e->gpa,
						(unsigned long long)e->size);
		else if (held(e) && e->kind == VMPCI_TEST_ROUTE)
			n += (unsigned)snprintf(buf + n, len - n, " [msi fd %d data %#x%s]",
						e->fd, e->msg.data,
						e->masked ? " masked" : "");
	}
}

int vmpci_test_host_deliver(struct vmpci_test_host *h,
			    void (*got)(void *ctx, int fd), void *ctx)
{
	int n = 0;

	for (uint32_t i = 0; i < h->nr; i++) {
		const struct vmpci_test_held *e = &h->held[i];
		uint64_t v;

		if (!held(e) || e->kind != VMPCI_TEST_ROUTE || e->masked)
			continue;
		if (read(e->fd, &v, sizeof(v)) == sizeof(v)) {
			n++;
			if (got)
				got(ctx, e->fd);
		} else if (errno != EAGAIN) {
			return -errno;
		}
	}
	return n;
}

void vmpci_test_host_release_refused(struct vmpci_test_host *h)
{
	const struct vmpci_host *in = h->inner;

	for (uint32_t i = 0; in && i < h->nr; i++) {
		struct vmpci_test_held *e = &h->held[i];
		int rc;

		if (!e->live || !e->refused)
			continue;
		if (e->kind == VMPCI_TEST_SLOT)
			rc = in->ops->unmap_memory(in->opaque, e->handle);
		else if (e->kind == VMPCI_TEST_ROUTE)
			rc = in->ops->remove_msi_route(in->opaque, e->handle);
		else
			rc = in->ops->remove_intx_route(in->opaque, e->handle);
		if (rc == 0 || rc == -ENOENT)
			e->live = false;
	}
}
