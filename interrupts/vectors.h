/* Internal: what the MSI and MSI-X models share. A vector set owns one
 * eventfd per vector, the host route behind each, the pending bits, and
 * reconciles "what the guest wants" with "what the host has" so the models
 * only decide, per vector, routed-with-this-message or masked.
 *
 * The eventfd of a vector is in one of two places: attached to an unmasked
 * host route (the host consumes its signals and delivers them), or detached
 * (signals accumulate in it). Detached signals become pending bits when
 * collected; a pending vector that gets its route back is re-signalled after
 * the commit that makes the route live, so it is delivered exactly then. */
#ifndef VMPCI_INTERRUPTS_VECTORS_H
#define VMPCI_INTERRUPTS_VECTORS_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "interrupts/irq_event.h"

struct irq_vector {
	int fd;		 /* -1 until created */
	uint32_t route;	 /* host handle, valid when routed */
	bool routed;	 /* the host has a route for this vector */
	bool route_masked;
	bool changed;	 /* host state changed since the last finish */
	struct vmpci_msi_msg msg; /* the message the route carries */
};

struct irq_vectors {
	struct vmpci_host host;
	char name[48];
	vmpci_irq_notify_fn notify;
	void *opaque;
	uint32_t count;	  /* vectors the capability has */
	uint32_t nr_fds;  /* eventfds exist for [0, nr_fds) */
	bool commit_needed;
	bool exhausted;	  /* the host ran out of routes; logged once */
	uint64_t *pending; /* one bit per vector */
	struct irq_vector *v;
};

/* Set up a set of `count` vectors with no eventfds. Checks that `host`
 * has every MSI route op. */
int vmpci__irq_vectors_init(struct irq_vectors *vs, const struct vmpci_host *host,
		     const char *name, vmpci_irq_notify_fn notify,
		     void *opaque, uint32_t count);

/* Remove routes (one commit), close eventfds, free. Safe on a zeroed or
 * half-initialized set. */
void vmpci__irq_vectors_destroy(struct irq_vectors *vs);

/* Make sure vectors [0, n) have eventfds. */
int vmpci__irq_vectors_grow(struct irq_vectors *vs, uint32_t n);

/* Throw away signals left in eventfds [0, n) from an earlier enable. */
void vmpci__irq_vectors_drain(struct irq_vectors *vs, uint32_t n);

/* Vector i should deliver `msg`: add / update / unmask its route. A
 * detached signal becomes pending first. -ENOENT without an eventfd. */
int vmpci__irq_vectors_route(struct irq_vectors *vs, uint32_t i,
		      const struct vmpci_msi_msg *msg);

/* Vector i should not deliver but keep a masked route carrying `msg`, so
 * that unmasking it later costs the host no routing commit (an irqfd
 * assign on KVM). Adds or updates the route, taking a waiting signal as a
 * pending bit first. -ENOENT without an eventfd, -ENOSPC (logged once)
 * when the host has no route left. */
int vmpci__irq_vectors_route_masked(struct irq_vectors *vs, uint32_t i,
			     const struct vmpci_msi_msg *msg);

/* Vector i should not deliver: mask its route, if it has one. */
int vmpci__irq_vectors_mask(struct irq_vectors *vs, uint32_t i);

/* Vector i should have no route at all. */
int vmpci__irq_vectors_unroute(struct irq_vectors *vs, uint32_t i);

/* Whether vector i's eventfd is attached to a live, unmasked route. */
bool vmpci__irq_vectors_live(const struct irq_vectors *vs, uint32_t i);

/* Turn signals waiting in a detached eventfd into vector i's pending bit. */
void vmpci__irq_vectors_collect(struct irq_vectors *vs, uint32_t i);

bool vmpci__irq_vectors_pending(const struct irq_vectors *vs, uint32_t i);
void vmpci__irq_vectors_set_pending(struct irq_vectors *vs, uint32_t i, bool on);

/* End of a guest access touching vectors [lo, hi): commit if any route
 * changed, deliver pending vectors that are live again, report VECTOR
 * events. Returns `err` if it is an error, else the commit's result. */
int vmpci__irq_vectors_finish(struct irq_vectors *vs, uint32_t lo, uint32_t hi,
		       int err);

/* Send an ENABLE / DISABLE / RESIZE event; 0 without a callback. */
int vmpci__irq_vectors_notify(struct irq_vectors *vs, enum vmpci_irq_event_type type,
		       uint32_t nr_vectors);

/* Log through the host's log op, with the device name prefix. */
void vmpci__irq_log(const struct vmpci_host *host, const char *name,
	     enum vmpci_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Eventfd helpers: create (non-blocking, close-on-exec), read everything
 * (1 when something was there, 0 when empty, negative errno), signal once. */
int vmpci__irq_eventfd_new(void);
int vmpci__irq_eventfd_take(int fd);
int vmpci__irq_eventfd_signal(int fd);

/* Guest config access to a capability image of `len` bytes: bytes outside
 * [2, len) (the ID and next pointer belong to the caller) read 0 and ignore
 * writes; written bits land only where `wmask` has them. -EINVAL unless
 * size is 1, 2 or 4. */
int vmpci__irq_cap_read(const uint8_t *img, uint32_t len, uint32_t offset,
		 uint32_t size, uint32_t *value);
int vmpci__irq_cap_write(uint8_t *img, const uint8_t *wmask, uint32_t len,
		  uint32_t offset, uint32_t size, uint32_t value);

/* Little-endian byte access to a register image. */
uint32_t vmpci__irq_le_get(const uint8_t *p, uint32_t size);
void vmpci__irq_le_put(uint8_t *p, uint32_t size, uint32_t value);

/* A model's requester id: changed only while the model is disabled, since
 * live routes carry the id they were made with. 0 or -EBUSY. */
static inline int irq_devid_set(uint32_t *devid, bool enabled, uint32_t value)
{
	if (enabled)
		return -EBUSY;
	*devid = value;
	return 0;
}

/* Keep the first error. */
static inline int irq_first_err(int err, int rc)
{
	return err ? err : rc;
}

#endif
