/* The two sides of the config-access benchmark: the accesses a Linux guest
 * makes (guest_enum.c) and cloud-hypervisor's config path (ch_config.c),
 * both speaking vmpci_config_ops so the same guest drives either. */
#ifndef VMPCI_BENCH_CONFIG_REPLAY_H
#define VMPCI_BENCH_CONFIG_REPLAY_H

#include "bench/bench.h"

/* Enumerate the function and bring it up as Linux and its nvme driver do
 * (header, capability lookups, BAR sizing and placement, extended
 * capability lookups, PCIe setup, enable, bus master, MSI-X enable), with
 * BARs placed from `bar_base`. Returns the number of config accesses. */
unsigned guest_enumerate(const struct vmpci_config_ops *ops, void *opaque,
			 uint64_t bar_base);

struct ch_config;

/* cloud-hypervisor's VfioCommon config path over `be` (see ch_config.c). */
int ch_config_new(const struct vmpci_vfio_backend *be, struct ch_config **out);
void ch_config_free(struct ch_config *c);
const struct vmpci_config_ops *ch_config_ops(void);

#endif
