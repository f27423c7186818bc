/* A host for tools that look at a function without running a guest
 * (inspect, selftest): it logs to stderr, accepts guest-memory mappings and
 * routes without a VM behind them, and counts them. Interrupts then stay in
 * the eventfds vmpci gave VFIO, where the tool can wait for them. */
#ifndef VMPCI_TOOLS_NULL_HOST_H
#define VMPCI_TOOLS_NULL_HOST_H

#include <stdbool.h>

#include "host/host.h"
#include "vmpci.h"

struct null_host {
	struct vmpci_host host;
	bool verbose;
	unsigned slots, msi_routes, intx_routes;
	unsigned next;
};

void null_host_init(struct null_host *h, bool verbose);

#endif
