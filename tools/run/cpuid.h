/* CPUID for the vCPUs: what KVM supports on this host, with each vCPU's
 * APIC id and KVM's paravirtual leaves. */
#ifndef VMPCI_TOOLS_RUN_CPUID_H
#define VMPCI_TOOLS_RUN_CPUID_H

#include <linux/kvm.h>

#include "tools/run/vm_internal.h"

/* KVM_GET_SUPPORTED_CPUID; free() the result. */
int run_cpuid_supported(struct run_vm *vm, struct kvm_cpuid2 **out);

/* KVM_SET_CPUID2 on a vCPU from `supported`, patched for `apic_id`. */
int run_cpuid_set(struct run_vm *vm, int vcpu_fd,
		  const struct kvm_cpuid2 *supported, unsigned apic_id);

#endif
