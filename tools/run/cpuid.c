/* CPUID leaves as the guest sees them. */
#include "tools/run/cpuid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define CPUID_FEATURES		0x1u
#define CPUID_EXT_TOPOLOGY	0xbu
#define CPUID_V2_EXT_TOPOLOGY	0x1fu
#define CPUID_KVM_SIGNATURE	0x40000000u
#define CPUID_KVM_FEATURES	0x40000001u
#define CPUID_1_ECX_TSC_DEADLINE	(1u << 24)
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define CPUID_1_EBX_APIC_SHIFT	24

/* KVM emulates the TSC-deadline LAPIC timer but leaves it out of
 * KVM_GET_SUPPORTED_CPUID (api.rst: check KVM_CAP_TSC_DEADLINE_TIMER).
 * Without it Linux calibrates the LAPIC timer against the PIT, which
 * fails under nested virtualization ("APIC timer disabled due to
 * verification failure") and leaves the guest without a working tick. */
static void add_tsc_deadline(struct run_vm *vm, struct kvm_cpuid2 *c)
{
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
		  KVM_CAP_TSC_DEADLINE_TIMER) <= 0)
		return;
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == CPUID_FEATURES)
			c->entries[i].ecx |= CPUID_1_ECX_TSC_DEADLINE;
}

int run_cpuid_supported(struct run_vm *vm, struct kvm_cpuid2 **out)
{
	/* KVM says E2BIG until the array is large enough. */
	for (uint32_t n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
					      n * sizeof(c->entries[0]));

		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			add_tsc_deadline(vm, c);
			*out = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG) {
			run_vm_log(vm, "KVM_GET_SUPPORTED_CPUID: %s",
				   strerror(errno));
			return -errno;
		}
	}
	return -E2BIG;
}

static void patch(struct kvm_cpuid_entry2 *e, unsigned apic_id)
{
	static const char kvm_sig[12] = "KVMKVMKVM\0\0";

	switch (e->function) {
	case CPUID_FEATURES:
		/* The initial APIC id must match the LAPIC's (KVM's LAPIC id
		 * is the vCPU id) and the MADT's, or Linux complains. */
		e->ebx = (e->ebx & 0x00ffffffu) |
			 (apic_id << CPUID_1_EBX_APIC_SHIFT);
		e->ecx |= CPUID_1_ECX_HYPERVISOR;
		break;
	case CPUID_EXT_TOPOLOGY:
	case CPUID_V2_EXT_TOPOLOGY:
		e->edx = apic_id; /* x2APIC id, every sub-leaf */
		break;
	case CPUID_KVM_SIGNATURE:
		/* KVM reports the signature leaf already; writing it keeps
		 * the guest's kvmclock and PV features independent of that
		 * detail. */
		if (e->eax < CPUID_KVM_FEATURES)
			e->eax = CPUID_KVM_FEATURES;
		memcpy(&e->ebx, kvm_sig, 4);
		memcpy(&e->ecx, kvm_sig + 4, 4);
		memcpy(&e->edx, kvm_sig + 8, 4);
		break;
	default:
		break;
	}
}

int run_cpuid_set(struct run_vm *vm, int vcpu_fd,
		  const struct kvm_cpuid2 *supported, unsigned apic_id)
{
	size_t size = sizeof(*supported) +
		      supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	int ret = 0;

	if (!c)
		return -ENOMEM;
	memcpy(c, supported, size);
	for (uint32_t i = 0; i < c->nent; i++)
		patch(&c->entries[i], apic_id);
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0) {
		ret = -errno;
		run_vm_log(vm, "KVM_SET_CPUID2: %s", strerror(errno));
	}
	free(c);
	return ret;
}
