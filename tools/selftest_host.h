/* The selftest's recording host: the null host with a memory of what it
 * was asked: live guest mappings (so a guest played by the program can
 * reach mapped BAR areas through their host addresses, as a vCPU would
 * through a memory slot) and the last MSI message routed. Used by
 * `vmpci selftest` and by the device programs run against the real
 * vfio-pci (tests/device). */
#ifndef VMPCI_TOOLS_SELFTEST_HOST_H
#define VMPCI_TOOLS_SELFTEST_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "host/host.h"
#include "tools/null_host.h"
#include "vmpci.h"

#define ST_HOST_MAX_MAPS 64

struct st_mapping {
	bool live;
	uint32_t slot;
	uint64_t gpa;
	uint64_t size;
	void *host_addr;
};

struct st_host {
	struct null_host inner; /* counts, log */
	struct vmpci_host host; /* what the device is given */
	struct st_mapping maps[ST_HOST_MAX_MAPS];
	bool overflow; /* more live mappings than the table holds */
	bool have_msg;
	struct vmpci_msi_msg last_msg; /* of the last add/update route */
	/* While set, the first warning or error is kept here instead of
	 * printed (a failed open becomes one line). */
	bool capture;
	char captured[256];
};

void st_host_init(struct st_host *h, bool verbose);

/* The live mapping holding [gpa, gpa + size), or NULL. */
const struct st_mapping *st_host_find(const struct st_host *h, uint64_t gpa,
				      uint64_t size);

/* Live mappings. */
unsigned st_host_live(const struct st_host *h);

#endif
