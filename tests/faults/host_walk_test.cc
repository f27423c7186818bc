// The fault walk on the host: a simulated nvme function (a real config
// space) with vmpci's KVM host on a real KVM VM, so every KVM ioctl the
// flow makes (memory slots, GSI routing, irqfds) fails once, as do the
// eventfds, the sim's memfds and mmaps, and the fixture file reads.
#include <unistd.h>

#include <linux/vfio.h>

#include <gtest/gtest.h>

#include "tests/shim/vmpci_c.h"
#include "tests/support/fixtures.h"
#include "tests/faults/walk.h"
#include "tools/demo/kvm_vm.h"

namespace {

constexpr const char *kNvme = VMPCI_TEST_NVME;

struct HostWorld {
	const char *fixture;
	demo_vm *vm = nullptr;
	vmpci_kvm_host *kvm = nullptr;
	vmpci_vfio_sim *sim = nullptr;
};

int NoPio(void *, uint16_t, uint8_t, bool, uint32_t *) { return 0; }
int NoMmio(void *, uint64_t, uint8_t, bool, uint64_t *) { return 0; }

int Begin(void *opaque, const vmpci_host **inner)
{
	static const demo_vm_ops ops = {NoPio, NoMmio, nullptr};
	auto *w = static_cast<HostWorld *>(opaque);
	vmpci_kvm_host_params kc;
	int err = demo_vm_new(&ops, nullptr, &w->vm);

	if (err)
		return err;
	vmpci_kvm_host_params_init(&kc, demo_vm_fd(w->vm));
	kc.slot_base = 1; // slot 0 is the VM's RAM
	kc.slot_count = 64;
	err = vmpci_kvm_host_new(&kc, &w->kvm);
	if (err) {
		demo_vm_free(w->vm);
		w->vm = nullptr;
		return err;
	}
	*inner = vmpci_kvm_host_ops(w->kvm);
	return 0;
}

void End(void *opaque)
{
	auto *w = static_cast<HostWorld *>(opaque);

	vmpci_kvm_host_free(w->kvm);
	demo_vm_free(w->vm);
	w->kvm = nullptr;
	w->vm = nullptr;
}

int Open(void *opaque, const vmpci_host *host, const vmpci_vfio_backend **be)
{
	auto *w = static_cast<HostWorld *>(opaque);
	int err = vmpci_vfio_sim_new_from_files(w->fixture, host, &w->sim);

	if (!err)
		*be = vmpci_vfio_sim_backend(w->sim);
	return err;
}

void Close(void *opaque)
{
	auto *w = static_cast<HostWorld *>(opaque);

	vmpci_vfio_sim_free(w->sim);
	w->sim = nullptr;
}

// The function raises vector 0; KVM's irqfd puts the message's vector in
// the vCPU's LAPIC. The injection is synchronous for MSI routes, but allow
// KVM to finish it in a worker as kvm_vm.h's WaitIrr does.
int Deliver(void *opaque, vmpci_device *, uint32_t index, uint32_t data)
{
	auto *w = static_cast<HostWorld *>(opaque);
	int rc = demo_vm_irr_clear(w->vm, (uint8_t)data);

	if (!rc)
		rc = vmpci_vfio_sim_fire(w->sim, index, 0);
	for (int i = 0; !rc && i < 100000; i++)
		rc = demo_vm_irr_pending(w->vm, (uint8_t)data);
	return rc;
}

std::string Problems(const walk_report &r)
{
	std::string s;
	for (unsigned i = 0; i < r.nr_problems && i < WALK_MAX_PROBLEMS; i++)
		s += std::string("\n  ") + r.problems[i];
	return s;
}

TEST(FaultWalk, EverySyscallFailureOnSimAndKvmLeavesNoTrace)
{
	if (access("/dev/kvm", R_OK | W_OK))
		GTEST_SKIP() << "no /dev/kvm: the walk needs the real KVM host";
	HostWorld hw{kNvme};
	walk_world w = {"simulated nvme + KVM host", &hw, Begin, End,
			Open, Close, Deliver, false};
	auto rep = std::make_unique<walk_report>();

	ASSERT_EQ(walk_run(&w, rep.get()), 0)
		<< "the fault-free flow failed:" << Problems(*rep);
	walk_print(&w, rep.get());
	EXPECT_EQ(rep->nr_problems, 0u) << Problems(*rep);
	// A call the flow makes N times is N injection points: the walk
	// stops exactly past the last one.
	EXPECT_EQ(rep->points, rep->clean_calls);
	// Every kind of call this flow makes was failed at least once (a
	// renamed symbol, e.g. a _FORTIFY_SOURCE __read_chk, would escape
	// the wrapping and show as zero here).
	for (fault_kind k : {FAULT_OPEN, FAULT_CLOSE, FAULT_READ, FAULT_IOCTL,
			     FAULT_MMAP, FAULT_MUNMAP, FAULT_EVENTFD,
			     FAULT_MEMFD_CREATE, FAULT_FTRUNCATE})
		EXPECT_GT(rep->kind_points[k], 0u) << fault_kind_name(k);
}

}  // namespace
