/* The VMM side of a fault walk on real KVM (kvm_world.h). */
#include "tests/faults/kvm_world.h"

#include <stdbool.h>
#include <stddef.h>

#include "tools/demo/kvm_vm.h"
#include "vmpci.h"

static int no_pio(void *opaque, uint16_t port, uint8_t size, bool is_write,
		  uint32_t *data)
{
	(void)opaque, (void)port, (void)size, (void)is_write, (void)data;
	return 0;
}

static int no_mmio(void *opaque, uint64_t gpa, uint8_t size, bool is_write,
		   uint64_t *data)
{
	(void)opaque, (void)gpa, (void)size, (void)is_write, (void)data;
	return 0;
}

int kvm_world_begin(struct kvm_world *w, const struct vmpci_host **inner)
{
	static const struct demo_vm_ops ops = { no_pio, no_mmio, NULL };
	struct vmpci_kvm_host_params kc;
	int err = demo_vm_new(&ops, NULL, &w->vm);

	if (err)
		return err;
	vmpci_kvm_host_params_init(&kc, demo_vm_fd(w->vm));
	kc.slot_base = 1; /* slot 0 is the VM's RAM */
	kc.slot_count = 64;
	err = vmpci_kvm_host_new(&kc, &w->kvm);
	if (err) {
		demo_vm_free(w->vm);
		w->vm = NULL;
		return err;
	}
	*inner = vmpci_kvm_host_ops(w->kvm);
	return 0;
}

void kvm_world_end(struct kvm_world *w)
{
	vmpci_kvm_host_free(w->kvm);
	demo_vm_free(w->vm);
	w->kvm = NULL;
	w->vm = NULL;
}

int kvm_world_irr_clear(struct kvm_world *w, uint8_t vector)
{
	return demo_vm_irr_clear(w->vm, vector);
}

int kvm_world_irr_wait(struct kvm_world *w, uint8_t vector)
{
	int rc = 0;

	/* A count, not a clock: an MSI irqfd injects synchronously, so the
	 * looks only cover a worker finishing it. */
	for (int i = 0; !rc && i < 100000; i++)
		rc = demo_vm_irr_pending(w->vm, vector);
	return rc;
}
