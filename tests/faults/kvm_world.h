/* The VMM side of a fault walk on real KVM, shared by the host walk
 * (host_walk_test.cc, simulated function) and the guest walk (guest_walk.c
 * --kvm, real vfio-pci function in the KVM guest): a demo VM (one vCPU,
 * in-kernel irqchip, its RAM in slot 0) with vmpci's KVM host on it, made
 * fresh for every run of the walk. */
#ifndef VMPCI_TESTS_FAULTS_KVM_WORLD_H
#define VMPCI_TESTS_FAULTS_KVM_WORLD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct demo_vm;
struct vmpci_host;
struct vmpci_kvm_host;

struct kvm_world {
	struct demo_vm *vm;
	struct vmpci_kvm_host *kvm;
};

/* walk_world.begin: create the VM and the host; *inner gets the host. */
int kvm_world_begin(struct kvm_world *w, const struct vmpci_host **inner);

/* walk_world.end: free the host, then the VM. */
void kvm_world_end(struct kvm_world *w);

/* Take `vector` out of the vCPU's IRR, so that its next delivery shows. */
int kvm_world_irr_clear(struct kvm_world *w, uint8_t vector);

/* 1 once `vector` is pending in the vCPU's IRR, 0 if it does not show
 * within a bounded number of looks (KVM may finish an irqfd injection in a
 * worker), or a negative errno. */
int kvm_world_irr_wait(struct kvm_world *w, uint8_t vector);

#ifdef __cplusplus
}
#endif

#endif
