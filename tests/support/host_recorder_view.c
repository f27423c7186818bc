/* The recording host's reading side (host_recorder.h): what it holds,
 * compared and described, and KVM's part of delivery. */
#include "tests/support/host_recorder.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

unsigned vmpci_test_host_count(const struct vmpci_test_host *h, int kind)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < h->nr; i++)
		n += vmpci_test_held_now(&h->held[i]) &&
		     (kind < 0 || (int)h->held[i].kind == kind);
	return n;
}

const struct vmpci_test_held *
vmpci_test_host_route_of(const struct vmpci_test_host *h, int fd)
{
	for (uint32_t i = 0; i < h->nr; i++) {
		const struct vmpci_test_held *e = &h->held[i];

		if (vmpci_test_held_now(e) && e->kind == VMPCI_TEST_ROUTE &&
		    e->fd == fd)
			return e;
	}
	return NULL;
}

const struct vmpci_test_held *
vmpci_test_host_slot_at(const struct vmpci_test_host *h, uint64_t gpa)
{
	for (uint32_t i = 0; i < h->nr; i++) {
		const struct vmpci_test_held *e = &h->held[i];

		if (vmpci_test_held_now(e) && e->kind == VMPCI_TEST_SLOT &&
		    gpa >= e->gpa && gpa - e->gpa < e->size)
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
		return a->devid == b->devid && a->pin == b->pin &&
		       a->fd == b->fd &&
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

		if (!vmpci_test_held_now(&a->held[i]))
			continue;
		for (j = 0; j < b->nr; j++)
			if (vmpci_test_held_now(&b->held[j]) &&
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

		if (vmpci_test_held_now(e) && e->kind == VMPCI_TEST_SLOT)
			n += (unsigned)snprintf(buf + n, len - n, " [slot %#llx+%#llx]",
						(unsigned long long)e->gpa,
						(unsigned long long)e->size);
		else if (vmpci_test_held_now(e) && e->kind == VMPCI_TEST_ROUTE)
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

		if (!vmpci_test_held_now(e) || e->kind != VMPCI_TEST_ROUTE ||
		    e->masked)
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
