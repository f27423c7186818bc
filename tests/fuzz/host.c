/* A host ops table that records what vmpci asks of the VMM, so invariants
 * can compare it with what the guest sees, and refuses what a real host
 * (KVM) would refuse: dead handles, overlapping memory slots. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "invariant violated: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* Grow an array of `*cap` elements of `elem` bytes to hold one more. */
static void *grow(void *arr, uint32_t *cap, size_t elem)
{
	uint32_t n = *cap ? *cap * 2 : 64;
	void *p = realloc(arr, n * elem);

	if (!p)
		fuzz_fail("out of memory in the recording host");
	memset((char *)p + *cap * elem, 0, (n - *cap) * elem);
	*cap = n;
	return p;
}

static void rec_log(void *opaque, enum vmpci_log_level level, const char *msg)
{
	(void)opaque, (void)level, (void)msg;
}

static int rec_map(void *opaque, uint64_t gpa, uint64_t size, void *host_addr,
		   bool readonly, uint32_t *slot)
{
	struct fuzz_host *h = opaque;
	uint32_t i, free_i = h->nr_slots;

	(void)readonly;
	if (!size || !host_addr || gpa + size < gpa)
		fuzz_fail("map_memory(gpa %#llx, size %#llx, host %p)",
			  (unsigned long long)gpa, (unsigned long long)size,
			  host_addr);
	for (i = 0; i < h->nr_slots; i++) {
		const struct fuzz_slot *s = &h->slots[i];

		if (!s->live) {
			if (free_i == h->nr_slots)
				free_i = i;
			continue;
		}
		if (gpa < s->gpa + s->size && s->gpa < gpa + size)
			fuzz_fail("slot [%#llx, +%#llx) overlaps slot %u [%#llx, +%#llx)",
				  (unsigned long long)gpa,
				  (unsigned long long)size, i,
				  (unsigned long long)s->gpa,
				  (unsigned long long)s->size);
	}
	if (free_i == h->nr_slots) {
		if (h->nr_slots == h->cap_slots)
			h->slots = grow(h->slots, &h->cap_slots,
					sizeof(*h->slots));
		h->nr_slots++;
	}
	h->slots[free_i] = (struct fuzz_slot){ true, gpa, size };
	*slot = free_i;
	return 0;
}

static int rec_unmap(void *opaque, uint32_t slot)
{
	struct fuzz_host *h = opaque;

	if (slot >= h->nr_slots || !h->slots[slot].live)
		fuzz_fail("unmap_memory of dead slot %u", slot);
	h->slots[slot].live = false;
	return 0;
}

static struct fuzz_route *live_route(struct fuzz_host *h, uint32_t route,
				     const char *op)
{
	if (route >= h->nr_routes || !h->routes[route].live)
		fuzz_fail("%s on dead route %u", op, route);
	return &h->routes[route];
}

static int rec_add_msi(void *opaque, int eventfd,
		       const struct vmpci_msi_msg *msg, uint32_t *route)
{
	struct fuzz_host *h = opaque;
	uint32_t i, free_i = h->nr_routes;

	if (eventfd < 0)
		fuzz_fail("add_msi_route with eventfd %d", eventfd);
	for (i = 0; i < h->nr_routes; i++) {
		if (h->routes[i].live && h->routes[i].eventfd == eventfd)
			fuzz_fail("add_msi_route: eventfd %d already has route %u",
				  eventfd, i);
		if (!h->routes[i].live && free_i == h->nr_routes)
			free_i = i;
	}
	if (free_i == h->nr_routes) {
		if (h->nr_routes == h->cap_routes)
			h->routes = grow(h->routes, &h->cap_routes,
					 sizeof(*h->routes));
		h->nr_routes++;
	}
	h->routes[free_i] = (struct fuzz_route){ true, false, eventfd, *msg };
	h->uncommitted = true;
	*route = free_i;
	return 0;
}

static int rec_update_msi(void *opaque, uint32_t route,
			  const struct vmpci_msi_msg *msg)
{
	struct fuzz_host *h = opaque;

	live_route(h, route, "update_msi_route")->msg = *msg;
	h->uncommitted = true;
	return 0;
}

static int rec_mask_msi(void *opaque, uint32_t route, bool masked)
{
	struct fuzz_host *h = opaque;

	/* Masking takes effect at once: no commit owed (interrupts.h). */
	live_route(h, route, "mask_msi_route")->masked = masked;
	return 0;
}

static int rec_remove_msi(void *opaque, uint32_t route)
{
	struct fuzz_host *h = opaque;

	live_route(h, route, "remove_msi_route")->live = false;
	h->uncommitted = true;
	return 0;
}

static int rec_commit(void *opaque)
{
	struct fuzz_host *h = opaque;

	h->uncommitted = false;
	return 0;
}

static int rec_add_intx(void *opaque, uint32_t devid, uint32_t pin,
			int trigger_fd, int resample_fd, uint32_t *route)
{
	struct fuzz_host *h = opaque;

	(void)devid;
	if (pin > 3 || trigger_fd < 0 || resample_fd < 0)
		fuzz_fail("add_intx_route(pin %u, %d, %d)", pin, trigger_fd,
			  resample_fd);
	*route = h->intx_routes++;
	return 0;
}

static int rec_remove_intx(void *opaque, uint32_t route)
{
	struct fuzz_host *h = opaque;

	(void)route;
	if (!h->intx_routes)
		fuzz_fail("remove_intx_route with none live");
	h->intx_routes--;
	return 0;
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

void fuzz_host_init(struct fuzz_host *h, struct vmpci_host *out)
{
	memset(h, 0, sizeof(*h));
	out->ops = &rec_ops;
	out->opaque = h;
}

void fuzz_host_release(struct fuzz_host *h)
{
	free(h->routes);
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

uint32_t fuzz_host_live_slots(const struct fuzz_host *h)
{
	uint32_t i, n = 0;

	for (i = 0; i < h->nr_slots; i++)
		n += h->slots[i].live;
	return n;
}

void fuzz_host_deliver(struct fuzz_host *h)
{
	uint64_t v;
	uint32_t i;

	for (i = 0; i < h->nr_routes; i++)
		if (h->routes[i].live && !h->routes[i].masked &&
		    read(h->routes[i].eventfd, &v, sizeof(v)) < 0 &&
		    errno != EAGAIN)
			fuzz_fail("reading the eventfd of route %u: %s", i,
				  strerror(errno));
}
