/* INTx model: a trigger and a resample eventfd and the host route between
 * them. The line is routed while enabled and unmasked; while detached, a
 * trigger signal stays in its eventfd and becomes pending when collected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupts/intx.h"
#include "interrupts/vectors.h"

struct vmpci_intx {
	struct vmpci_host host;
	char name[48];
	uint32_t devid;
	uint32_t pin;
	int trigger;
	int resample;
	bool enabled;
	bool masked;
	bool pending;
	bool routed;
	uint32_t route;
};

static void collect(struct vmpci_intx *x)
{
	if (x->enabled && !x->routed && vmpci__irq_eventfd_take(x->trigger) > 0)
		x->pending = true;
}

/* Drop what the trigger holds from before INTx was in use. VFIO masked the
 * line when it sent that signal and unmasks it only on a resample, so
 * re-arm the line too: one still asserted fires again, now for the guest,
 * where dropping the signal alone would leave it masked for good. */
static void drop_stale(struct vmpci_intx *x)
{
	if (vmpci__irq_eventfd_take(x->trigger) > 0)
		vmpci__irq_eventfd_signal(x->resample);
}

static int deliver_pending(struct vmpci_intx *x)
{
	if (!x->routed || !x->pending)
		return 0;
	x->pending = false;
	return vmpci__irq_eventfd_signal(x->trigger);
}

static int attach(struct vmpci_intx *x)
{
	int rc;

	collect(x);
	rc = x->host.ops->add_intx_route(x->host.opaque, x->devid, x->pin,
					 x->trigger, x->resample, &x->route);
	if (rc) {
		vmpci__irq_log(&x->host, x->name, VMPCI_LOG_ERROR,
			"adding INTx route (requester id %#x) failed: %s",
			x->devid, strerror(-rc));
		return rc;
	}
	x->routed = true;
	return 0;
}

static int detach(struct vmpci_intx *x)
{
	int rc = x->host.ops->remove_intx_route(x->host.opaque, x->route);

	x->routed = false;
	/* VFIO masked the line when it fired and unmasks it on the resample
	 * signal; the EOI that would have sent it will not come through a
	 * detached route, so send it now. A line still asserted then fires
	 * again, on whatever route the trigger has by then. */
	vmpci__irq_eventfd_signal(x->resample);
	if (rc)
		vmpci__irq_log(&x->host, x->name, VMPCI_LOG_ERROR,
			"removing INTx route failed: %s", strerror(-rc));
	return rc;
}

/* Bring the host route in line with enabled && !masked. */
static int sync_route(struct vmpci_intx *x)
{
	bool want = x->enabled && !x->masked;
	int rc = 0;

	if (want && !x->routed)
		rc = attach(x);
	else if (!want && x->routed)
		rc = detach(x);
	return rc ? rc : deliver_pending(x);
}

int vmpci_intx_new(const struct vmpci_host *host,
		   const struct vmpci_intx_params *params,
		   struct vmpci_intx **out)
{
	struct vmpci_intx *x;
	int rc;

	if (!host || !host->ops || !params || !out || params->pin > 3)
		return -EINVAL;
	if (!host->ops->add_intx_route || !host->ops->remove_intx_route)
		return -EOPNOTSUPP;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->host = *host;
	if (params->name)
		snprintf(x->name, sizeof(x->name), "%s", params->name);
	x->devid = params->devid;
	x->pin = params->pin;
	x->resample = -1;
	x->trigger = vmpci__irq_eventfd_new();
	if (x->trigger < 0) {
		rc = x->trigger;
		goto fail;
	}
	x->resample = vmpci__irq_eventfd_new();
	if (x->resample < 0) {
		rc = x->resample;
		goto fail;
	}
	*out = x;
	return 0;
fail:
	vmpci_intx_free(x);
	return rc;
}

void vmpci_intx_free(struct vmpci_intx *x)
{
	if (!x)
		return;
	if (x->routed)
		x->host.ops->remove_intx_route(x->host.opaque, x->route);
	if (x->trigger >= 0)
		close(x->trigger);
	if (x->resample >= 0)
		close(x->resample);
	free(x);
}

int vmpci_intx_trigger_eventfd(const struct vmpci_intx *x)
{
	return x ? x->trigger : -EINVAL;
}

int vmpci_intx_resample_eventfd(const struct vmpci_intx *x)
{
	return x ? x->resample : -EINVAL;
}

int vmpci_intx_enable(struct vmpci_intx *x)
{
	if (!x)
		return -EINVAL;
	if (!x->enabled)
		drop_stale(x);
	x->enabled = true;
	return sync_route(x);
}

int vmpci_intx_disable(struct vmpci_intx *x)
{
	if (!x)
		return -EINVAL;
	x->enabled = false;
	x->pending = false;
	return sync_route(x);
}

int vmpci_intx_set_masked(struct vmpci_intx *x, bool masked)
{
	if (!x)
		return -EINVAL;
	x->masked = masked;
	return sync_route(x);
}

int vmpci_intx_set_devid(struct vmpci_intx *x, uint32_t devid)
{
	uint32_t old;
	int rc;

	if (!x)
		return -EINVAL;
	old = x->devid;
	x->devid = devid;
	if (!x->routed || devid == old)
		return 0;
	/* KVM takes an eventfd in one irqfd only: the old route goes first. */
	rc = detach(x);
	if (!rc)
		rc = attach(x);
	if (rc) {
		x->devid = old;
		if (!x->routed)
			attach(x);
	}
	return irq_first_err(rc, deliver_pending(x));
}

bool vmpci_intx_enabled(const struct vmpci_intx *x)
{
	return x && x->enabled;
}

bool vmpci_intx_masked(const struct vmpci_intx *x)
{
	return x && x->masked;
}

int vmpci_intx_pending(struct vmpci_intx *x)
{
	if (!x)
		return -EINVAL;
	collect(x);
	return x->pending;
}

int vmpci_intx_state_get(struct vmpci_intx *x, struct vmpci_intx_state *out)
{
	if (!x || !out)
		return -EINVAL;
	collect(x);
	out->enabled = x->enabled;
	out->masked = x->masked;
	out->pending = x->pending;
	return 0;
}

int vmpci_intx_state_set(struct vmpci_intx *x,
			 const struct vmpci_intx_state *in)
{
	if (!x || !in)
		return -EINVAL;
	if (in->enabled && !x->enabled)
		drop_stale(x);
	x->enabled = in->enabled;
	x->masked = in->masked;
	x->pending = in->enabled && in->pending;
	return sync_route(x);
}
