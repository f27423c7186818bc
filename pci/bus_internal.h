/* Internals of struct vmpci_bus, shared by bus.c and decode.c. */
#ifndef VMPCI_PCI_BUS_INTERNAL_H
#define VMPCI_PCI_BUS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pci/bus.h"
#include "pci/config.h"

enum slot_state {
	SLOT_FREE = 0,
	SLOT_RESERVED,
	SLOT_ALLOCATED,
};

struct bus_fn {
	bool present;
	struct vmpci_config_ops ops;
	void *opaque;
};

/* One bus number's slots, created when a slot on it is first used. */
struct bus_segment {
	uint8_t slot_state[VMPCI_BUS_SLOTS];
	uint8_t fn_count[VMPCI_BUS_SLOTS];
	struct bus_fn fns[VMPCI_BUS_SLOTS][VMPCI_BUS_FUNCTIONS];
};

struct vmpci_bus {
	struct bus_segment *segs[256];
	/* The 0xCF8 address register. */
	uint32_t cf8;
	struct vmpci_config *host_bridge;
};

#endif
