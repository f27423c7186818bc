// A minimal KVM guest for the interrupt tests: a VM with an in-kernel
// irqchip, one vCPU whose LAPIC is software-enabled, 64 KiB of RAM at GPA 0
// in memory slot 0 (so the KVM host under test gets slots from 1 up), and
// real-mode code the tests place in it. A delivered interrupt is an IRR bit
// in KVM_GET_LAPIC, not a successful ioctl.
#ifndef VMPCI_TESTS_SUPPORT_KVM_VM_H
#define VMPCI_TESTS_SUPPORT_KVM_VM_H

#include <linux/kvm.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vmpci_test {

class KvmVm {
public:
	static constexpr uint64_t kRamSize = 0x10000;
	static constexpr uint64_t kCodeAddr = 0x1000;
	static constexpr uint64_t kStackTop = 0x8000;

	// Empty when /dev/kvm can be used, else why not.
	static std::string Unavailable();

	KvmVm();
	~KvmVm();
	KvmVm(const KvmVm &) = delete;
	KvmVm &operator=(const KvmVm &) = delete;

	bool ok() const { return ok_; }
	int vm_fd() const { return vm_fd_; }
	uint8_t *ram() { return ram_; }

	// Whether `vector` is requested (IRR) at the vCPU's local APIC.
	bool Irr(uint8_t vector);
	// Waits (bounded, no sleep) for an injection KVM may finish in a
	// worker: true as soon as the IRR bit shows.
	bool WaitIrr(uint8_t vector);

	// Route IOAPIC `pin` to `vector`, fixed, physical destination 0,
	// level-triggered (as PCI INTx is), unmasked.
	void ProgramIoapicLevel(uint32_t pin, uint8_t vector);

	// Real-mode execution from kCodeAddr with the given data segment base
	// and interrupt flag; `code` is copied there first. Runs until an exit
	// other than HLT (at most `max_exits`) and returns the kvm_run.
	const kvm_run *RunRealMode(const std::vector<uint8_t> &code,
				   uint64_t ds_base, bool interrupts,
				   int max_exits = 8);
	// The byte the vCPU reads at GPA `gpa` (real mode, DS based there),
	// -1 when it exits for MMIO instead (no memory slot there), -2 or -3
	// when the run failed or ended some other way.
	int Load(uint64_t gpa);
	// Let the vCPU take the pending interrupt `vector` with a handler
	// that EOIs it at the local APIC, as a guest driver's ISR ends. True
	// when the handler ran.
	bool TakeInterruptAndEoi(uint8_t vector);

private:
	bool ok_ = false;
	int kvm_fd_ = -1;
	int vm_fd_ = -1;
	int vcpu_fd_ = -1;
	kvm_run *run_ = nullptr;
	size_t run_size_ = 0;
	uint8_t *ram_ = nullptr;
};

}  // namespace vmpci_test

// Skip the test, with the reason printed, where /dev/kvm is missing.
#define SKIP_WITHOUT_KVM()                                                 \
	do {                                                               \
		std::string why = vmpci_test::KvmVm::Unavailable();        \
		if (!why.empty())                                          \
			GTEST_SKIP() << "no usable /dev/kvm: " << why;     \
	} while (0)

#endif
