/* cloud-hypervisor's MSI-X table and its KVM interrupt group, replayed on
 * a real VM for the MSI-X benchmark (ch_msix.c). */
#ifndef VMPCI_BENCH_CH_MSIX_H
#define VMPCI_BENCH_CH_MSIX_H

#include "bench/bench.h"

struct ch_msix;

/* A table of `n` entries (masked, zero) whose vectors own GSIs from 24 and
 * one eventfd each, on `vm_fd` (with an irqchip); VFIO is `be`. */
int ch_msix_new(int vm_fd, const struct vmpci_vfio_backend *be, uint32_t n,
		struct ch_msix **out);
void ch_msix_free(struct ch_msix *m);

/* The guest's 4-byte table access at `offset`, and its Message Control
 * write. */
void ch_msix_table_write(struct ch_msix *m, uint64_t offset, uint32_t val);
uint32_t ch_msix_table_read(struct ch_msix *m, uint64_t offset);
void ch_msix_control(struct ch_msix *m, uint16_t ctl);

/* KVM_SET_GSI_ROUTING calls made so far. */
uint64_t ch_msix_routing_updates(const struct ch_msix *m);

#endif
