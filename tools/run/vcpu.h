/* vCPUs: one thread each, running KVM_RUN and dispatching exits; parked
 * for pause and joined at the end. */
#ifndef VMPCI_TOOLS_RUN_VCPU_H
#define VMPCI_TOOLS_RUN_VCPU_H

#include "tools/run/boot.h"

/* Create `n` vCPUs: CPUID, FPU and LAPIC for all, the boot protocol's entry
 * state for the boot processor (the others wait for INIT/SIPI in the
 * in-kernel LAPIC). */
int run_vcpus_create(struct run_vm *vm, unsigned n,
		     const struct run_boot *boot);

/* Start one thread per vCPU. */
int run_vcpus_start(struct run_vm *vm);

/* Stop and join every vCPU thread and close the vCPUs. Accepts a VM
 * whose vCPUs were never created or started. */
void run_vcpus_free(struct run_vm *vm);

#endif
