/* Per-vector eventfds and host routes, shared by the MSI and MSI-X models
 * (see vectors.h for the model). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupts/vectors.h"

static bool host_has_msi_ops(const struct vmpci_host *host)
{
	const struct vmpci_host_ops *ops = host->ops;

	return ops && ops->add_msi_route && ops->update_msi_route &&
	       ops->mask_msi_route && ops->remove_msi_route &&
	       ops->commit_routes;
}

int vmpci__irq_vectors_init(struct irq_vectors *vs, const struct vmpci_host *host,
		     const char *name, vmpci_irq_notify_fn notify,
		     void *opaque, uint32_t count)
{
	memset(vs, 0, sizeof(*vs));
	if (!host || !host_has_msi_ops(host) || count == 0)
		return -EINVAL;
	vs->host = *host;
	if (name)
		snprintf(vs->name, sizeof(vs->name), "%s", name);
	vs->notify = notify;
	vs->opaque = opaque;
	vs->count = count;
	vs->v = calloc(count, sizeof(*vs->v));
	vs->pending = calloc((count + 63) / 64, sizeof(uint64_t));
	if (!vs->v || !vs->pending)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++)
		vs->v[i].fd = -1;
	return 0;
}

void vmpci__irq_vectors_destroy(struct irq_vectors *vs)
{
	if (vs->v) {
		for (uint32_t i = 0; i < vs->count; i++)
			vmpci__irq_vectors_unroute(vs, i);
		if (vs->commit_needed)
			vs->host.ops->commit_routes(vs->host.opaque);
		for (uint32_t i = 0; i < vs->nr_fds; i++)
			close(vs->v[i].fd);
	}
	free(vs->v);
	free(vs->pending);
	memset(vs, 0, sizeof(*vs));
}

int vmpci__irq_vectors_grow(struct irq_vectors *vs, uint32_t n)
{
	if (n > vs->count)
		return -EINVAL;
	while (vs->nr_fds < n) {
		int fd = vmpci__irq_eventfd_new();

		if (fd < 0) {
			vmpci__irq_log(&vs->host, vs->name, VMPCI_LOG_ERROR,
				"no eventfd for vector %u: %s", vs->nr_fds,
				strerror(-fd));
			return fd;
		}
		vs->v[vs->nr_fds++].fd = fd;
	}
	return 0;
}

void vmpci__irq_vectors_drain(struct irq_vectors *vs, uint32_t n)
{
	for (uint32_t i = 0; i < n && i < vs->nr_fds; i++)
		vmpci__irq_eventfd_take(vs->v[i].fd);
}

bool vmpci__irq_vectors_live(const struct irq_vectors *vs, uint32_t i)
{
	return vs->v[i].routed && !vs->v[i].route_masked;
}

static bool msg_equal(const struct vmpci_msi_msg *a,
		      const struct vmpci_msi_msg *b)
{
	return a->address == b->address && a->data == b->data &&
	       a->devid == b->devid;
}

static int route_failed(struct irq_vectors *vs, uint32_t i, const char *what,
			int rc)
{
	vmpci__irq_log(&vs->host, vs->name, VMPCI_LOG_ERROR,
		"%s route of vector %u failed: %s", what, i, strerror(-rc));
	return rc;
}

/* The host has no route left (KVM: its routing table holds
 * KVM_MAX_IRQ_ROUTES entries for the whole VM). Said once per shortage, not
 * once per vector: a guest unmasking 2048 vectors must not write 2048
 * lines. */
static int routes_exhausted(struct irq_vectors *vs, uint32_t i)
{
	if (!vs->exhausted)
		vmpci__irq_log(&vs->host, vs->name, VMPCI_LOG_WARN,
			"no interrupt route left in the VM for vector %u: "
			"vectors without a route do not deliver (their "
			"signals show as pending) until routes are freed",
			i);
	vs->exhausted = true;
	return -ENOSPC;
}

static int add_route(struct irq_vectors *vs, uint32_t i,
		     const struct vmpci_msi_msg *msg)
{
	struct irq_vector *v = &vs->v[i];
	int rc = vs->host.ops->add_msi_route(vs->host.opaque, v->fd, msg,
					     &v->route);

	if (rc == -ENOSPC)
		return routes_exhausted(vs, i);
	if (rc)
		return route_failed(vs, i, "adding", rc);
	vs->exhausted = false;
	v->routed = true;
	v->route_masked = false;
	return 0;
}

/* `table`: a route was added, removed or given a new message, which the
 * host pushes at the next commit. Masking and unmasking take effect at
 * once (an irqfd deassign / assign on KVM) and need no commit. */
static void route_changed(struct irq_vectors *vs, struct irq_vector *v,
			  bool table)
{
	v->changed = true;
	vs->commit_needed |= table;
}

int vmpci__irq_vectors_route(struct irq_vectors *vs, uint32_t i,
		      const struct vmpci_msi_msg *msg)
{
	const struct vmpci_host_ops *ops = vs->host.ops;
	struct irq_vector *v = &vs->v[i];
	bool table;
	int rc;

	if (i >= vs->nr_fds)
		return -ENOENT;
	if (vmpci__irq_vectors_live(vs, i) && msg_equal(&v->msg, msg))
		return 0;
	table = !v->routed || !msg_equal(&v->msg, msg);
	if (!v->routed) {
		/* A new route has no older message to deliver a waiting
		 * signal with, so the signal stays in the eventfd and the
		 * route delivers it (a restore of 2048 vectors saves 2048
		 * reads here). */
		rc = add_route(vs, i, msg);
		if (rc)
			return rc;
	} else {
		/* Before the eventfd is attached again, what it holds is a
		 * signal that arrived while masked or for the old message:
		 * keep it as a pending bit, re-raised after the commit. */
		vmpci__irq_vectors_collect(vs, i);
		if (!msg_equal(&v->msg, msg)) {
			rc = ops->update_msi_route(vs->host.opaque, v->route,
						   msg);
			if (rc)
				return route_failed(vs, i, "updating", rc);
		}
		if (v->route_masked) {
			rc = ops->mask_msi_route(vs->host.opaque, v->route,
						 false);
			if (rc) {
				v->msg = *msg;
				return route_failed(vs, i, "unmasking", rc);
			}
			v->route_masked = false;
		}
	}
	v->msg = *msg;
	route_changed(vs, v, table);
	return 0;
}

int vmpci__irq_vectors_mask(struct irq_vectors *vs, uint32_t i)
{
	struct irq_vector *v = &vs->v[i];
	int rc;

	if (!vmpci__irq_vectors_live(vs, i))
		return 0;
	rc = vs->host.ops->mask_msi_route(vs->host.opaque, v->route, true);
	if (rc) {
		/* A masked vector must never deliver: drop the route. */
		route_failed(vs, i, "masking", rc);
		vmpci__irq_vectors_unroute(vs, i);
		return rc;
	}
	v->route_masked = true;
	route_changed(vs, v, false);
	return 0;
}

int vmpci__irq_vectors_route_masked(struct irq_vectors *vs, uint32_t i,
			     const struct vmpci_msi_msg *msg)
{
	struct irq_vector *v = &vs->v[i];
	int rc;

	if (i >= vs->nr_fds)
		return -ENOENT;
	rc = vmpci__irq_vectors_mask(vs, i);
	if (rc || (v->routed && msg_equal(&v->msg, msg)))
		return rc;
	/* A route starts unmasked: what the eventfd holds must be a pending
	 * bit before the host sees the route, never a delivery. */
	vmpci__irq_vectors_collect(vs, i);
	if (v->routed) {
		rc = vs->host.ops->update_msi_route(vs->host.opaque, v->route,
						    msg);
		if (rc)
			return route_failed(vs, i, "updating", rc);
	} else {
		rc = add_route(vs, i, msg);
		if (rc)
			return rc;
		rc = vmpci__irq_vectors_mask(vs, i);
		if (rc)
			return rc;
	}
	v->msg = *msg;
	route_changed(vs, v, true);
	return 0;
}

int vmpci__irq_vectors_unroute(struct irq_vectors *vs, uint32_t i)
{
	struct irq_vector *v = &vs->v[i];
	int rc;

	if (!v->routed)
		return 0;
	rc = vs->host.ops->remove_msi_route(vs->host.opaque, v->route);
	v->routed = false;
	route_changed(vs, v, true);
	return rc ? route_failed(vs, i, "removing", rc) : 0;
}

bool vmpci__irq_vectors_pending(const struct irq_vectors *vs, uint32_t i)
{
	return vs->pending[i / 64] >> (i % 64) & 1;
}

void vmpci__irq_vectors_set_pending(struct irq_vectors *vs, uint32_t i, bool on)
{
	if (on)
		vs->pending[i / 64] |= 1ull << (i % 64);
	else
		vs->pending[i / 64] &= ~(1ull << (i % 64));
}

void vmpci__irq_vectors_collect(struct irq_vectors *vs, uint32_t i)
{
	if (i >= vs->nr_fds || vmpci__irq_vectors_live(vs, i))
		return;
	if (vmpci__irq_eventfd_take(vs->v[i].fd) > 0)
		vmpci__irq_vectors_set_pending(vs, i, true);
}

int vmpci__irq_vectors_finish(struct irq_vectors *vs, uint32_t lo, uint32_t hi,
		       int err)
{
	if (vs->commit_needed) {
		int rc = vs->host.ops->commit_routes(vs->host.opaque);

		vs->commit_needed = false;
		if (rc) {
			vmpci__irq_log(&vs->host, vs->name, VMPCI_LOG_ERROR,
				"committing routes failed: %s", strerror(-rc));
			err = irq_first_err(err, rc);
		}
	}
	for (uint32_t i = lo; i < hi && i < vs->count; i++) {
		struct irq_vector *v = &vs->v[i];

		/* Only now is the route live: the signal we re-raise is
		 * delivered, not lost in a half-committed route. */
		if (vmpci__irq_vectors_pending(vs, i) && vmpci__irq_vectors_live(vs, i)) {
			vmpci__irq_vectors_set_pending(vs, i, false);
			err = irq_first_err(err, vmpci__irq_eventfd_signal(v->fd));
		}
		if (v->changed && vs->notify) {
			struct vmpci_irq_event ev = {
				.type = VMPCI_IRQ_VECTOR,
				.vector = i,
				.masked = !vmpci__irq_vectors_live(vs, i),
				.msg = v->msg,
			};
			int rc = vs->notify(vs->opaque, &ev);

			if (rc)
				vmpci__irq_log(&vs->host, vs->name, VMPCI_LOG_WARN,
					"vector %u event: %s", i,
					strerror(rc < 0 ? -rc : rc));
		}
		v->changed = false;
	}
	return err;
}

int vmpci__irq_vectors_notify(struct irq_vectors *vs, enum vmpci_irq_event_type type,
		       uint32_t nr_vectors)
{
	struct vmpci_irq_event ev = {
		.type = type,
		.nr_vectors = nr_vectors,
	};
	int rc;

	if (!vs->notify)
		return 0;
	rc = vs->notify(vs->opaque, &ev);
	if (rc && type != VMPCI_IRQ_ENABLE) {
		vmpci__irq_log(&vs->host, vs->name, VMPCI_LOG_WARN,
			"interrupt event %d: %s", (int)type,
			strerror(rc < 0 ? -rc : rc));
		return 0;
	}
	return rc;
}
