/* vmpci: the host ops seam, what the VMM owns and vmpci asks of it.
 *
 * A VMM hands vmpci one `struct vmpci_host` (an ops table plus its opaque
 * pointer). vmpci never touches guest memory slots, interrupt routing or the
 * VMM's log except through it. The bundled KVM host (vmpci_kvm_host_new,
 * vmpci.h) implements every op on a KVM VM fd; a VMM with its own memory and
 * interrupt managers implements the table itself.
 *
 * Every op returns 0 or a negative errno. Ops are called with the device's
 * lock held, from whichever thread made the guest access. */
#ifndef VMPCI_HOST_H
#define VMPCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "vmpci_export.h"

VMPCI_API_BEGIN

enum vmpci_log_level {
	VMPCI_LOG_ERROR = 0,
	VMPCI_LOG_WARN = 1,
	VMPCI_LOG_INFO = 2,
	VMPCI_LOG_DEBUG = 3,
};

/* One MSI message as the guest programmed it. `devid` is the requester id
 * (bus << 8 | devfn) for hosts that route by device id (KVM_CAP_MSI_DEVID,
 * e.g. GICv3 ITS); hosts that do not need it ignore it. */
struct vmpci_msi_msg {
	uint64_t address;
	uint32_t data;
	uint32_t devid;
};

struct vmpci_host_ops {
	/* A line of text for the VMM's log; `msg` has no trailing newline and
	 * already carries the device name prefix. May be NULL: then vmpci is
	 * silent. */
	void (*log)(void *opaque, enum vmpci_log_level level, const char *msg);

	/* Map `size` bytes of host memory at `host_addr` into the guest at
	 * `gpa`. Stores a handle for unmap_memory in *slot. */
	int (*map_memory)(void *opaque, uint64_t gpa, uint64_t size,
			  void *host_addr, bool readonly, uint32_t *slot);
	/* Remove a mapping made by map_memory. */
	int (*unmap_memory)(void *opaque, uint32_t slot);

	/* Create an MSI route delivering `msg` whenever `eventfd` is signalled.
	 * The route starts unmasked; it takes effect for the guest no later
	 * than the next commit_routes. Stores a handle in *route. vmpci makes
	 * a masked route by add then mask before the commit, with the
	 * eventfd empty. -ENOSPC when the VM has no route left: the vector
	 * then stays without one (said once in the log). */
	int (*add_msi_route)(void *opaque, int eventfd,
			     const struct vmpci_msi_msg *msg, uint32_t *route);
	/* Change the message of an existing route (pending until commit). */
	int (*update_msi_route)(void *opaque, uint32_t route,
				const struct vmpci_msi_msg *msg);
	/* Stop (masked) or resume delivery of a route's eventfd, at once: no
	 * commit follows a mask or unmask alone. While masked, signals
	 * accumulate in the eventfd and are not delivered. */
	int (*mask_msi_route)(void *opaque, uint32_t route, bool masked);
	/* Remove a route and release what it held (GSI, irqfd). */
	int (*remove_msi_route)(void *opaque, uint32_t route);
	/* Push every pending route change to the guest in one update. */
	int (*commit_routes)(void *opaque);

	/* Wire legacy INTx pin `pin` (0 = INTA) of the device with requester
	 * id `devid` (bus << 8 | devfn) to the guest: `trigger_fd` asserts
	 * the line; the host signals `resample_fd` when the guest EOIs it, so
	 * the device can be unmasked then. The line is the host's choice from
	 * (devid, pin), e.g. the swizzle the guest's _PRT states. A new devid
	 * (vmpci_device_set_requester_id) comes as remove then add. */
	int (*add_intx_route)(void *opaque, uint32_t devid, uint32_t pin,
			      int trigger_fd, int resample_fd, uint32_t *route);
	int (*remove_intx_route)(void *opaque, uint32_t route);
};

struct vmpci_host {
	const struct vmpci_host_ops *ops;
	void *opaque;
};

VMPCI_API_END

#endif
