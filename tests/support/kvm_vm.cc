#include "tests/support/kvm_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

namespace vmpci_test {
namespace {

constexpr uint32_t kApicSvr = 0xf0;
constexpr uint32_t kApicIrr = 0x200;
constexpr uint32_t kApicSoftwareEnable = 0x100;
constexpr uint64_t kApicBase = 0xfee00000;

uint32_t Reg(const kvm_lapic_state &s, uint32_t off)
{
	uint32_t v;
	std::memcpy(&v, &s.regs[off], sizeof(v));
	return v;
}

void SetReg(kvm_lapic_state *s, uint32_t off, uint32_t v)
{
	std::memcpy(&s->regs[off], &v, sizeof(v));
}

double Now()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace

std::string KvmVm::Unavailable()
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return std::string("/dev/kvm: ") + strerror(errno);
	close(fd);
	return "";
}

KvmVm::KvmVm()
{
	kvm_lapic_state lapic;

	kvm_fd_ = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd_ < 0)
		return;
	vm_fd_ = ioctl(kvm_fd_, KVM_CREATE_VM, 0);
	if (vm_fd_ < 0 || ioctl(vm_fd_, KVM_CREATE_IRQCHIP, 0) < 0)
		return;
	vcpu_fd_ = ioctl(vm_fd_, KVM_CREATE_VCPU, 0);
	if (vcpu_fd_ < 0)
		return;
	run_size_ = ioctl(kvm_fd_, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *run = mmap(nullptr, run_size_, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu_fd_, 0);
	if (run == MAP_FAILED)
		return;
	run_ = static_cast<kvm_run *>(run);
	void *ram = mmap(nullptr, kRamSize, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return;
	ram_ = static_cast<uint8_t *>(ram);
	kvm_userspace_memory_region region = {};
	region.slot = 0;
	region.memory_size = kRamSize;
	region.userspace_addr = reinterpret_cast<uintptr_t>(ram_);
	if (ioctl(vm_fd_, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return;
	// A guest OS sets the APIC software-enable bit first: without it the
	// APIC accepts no interrupt.
	if (ioctl(vcpu_fd_, KVM_GET_LAPIC, &lapic) < 0)
		return;
	SetReg(&lapic, kApicSvr, Reg(lapic, kApicSvr) | kApicSoftwareEnable | 0xff);
	if (ioctl(vcpu_fd_, KVM_SET_LAPIC, &lapic) < 0)
		return;
	ok_ = true;
}

KvmVm::~KvmVm()
{
	if (ram_)
		munmap(ram_, kRamSize);
	if (run_)
		munmap(run_, run_size_);
	if (vcpu_fd_ >= 0)
		close(vcpu_fd_);
	if (vm_fd_ >= 0)
		close(vm_fd_);
	if (kvm_fd_ >= 0)
		close(kvm_fd_);
}

bool KvmVm::Irr(uint8_t vector)
{
	kvm_lapic_state lapic;

	if (ioctl(vcpu_fd_, KVM_GET_LAPIC, &lapic) < 0)
		return false;
	return Reg(lapic, kApicIrr + vector / 32 * 0x10) >> (vector % 32) & 1;
}

bool KvmVm::WaitIrr(uint8_t vector)
{
	double deadline = Now() + 2.0;

	do {
		if (Irr(vector))
			return true;
	} while (Now() < deadline);
	return false;
}

void KvmVm::ProgramIoapicLevel(uint32_t pin, uint8_t vector)
{
	kvm_irqchip chip = {};

	chip.chip_id = KVM_IRQCHIP_IOAPIC;
	if (ioctl(vm_fd_, KVM_GET_IRQCHIP, &chip) < 0)
		return;
	chip.chip.ioapic.redirtbl[pin].bits = 0;
	chip.chip.ioapic.redirtbl[pin].fields.vector = vector;
	chip.chip.ioapic.redirtbl[pin].fields.trig_mode = 1;
	ioctl(vm_fd_, KVM_SET_IRQCHIP, &chip);
}

bool KvmVm::TakeInterruptAndEoi(uint8_t vector)
{
	constexpr uint16_t kHandler = 0x1100;
	static const uint8_t handler[] = {
		0x66, 0x31, 0xc0,	    // xor eax, eax
		0x66, 0xa3, 0xb0, 0x00, // mov [0xb0], eax: EOI (DS = APIC)
		0xe6, 0x11,		    // out 0x11, al
	};
	// sti, then the interrupt is taken after the nop; port 0x12 means
	// it was not.
	static const std::vector<uint8_t> main_code = {
		0xfb, 0x90, 0x90, 0xe6, 0x12,
	};

	std::memcpy(ram_ + kHandler, handler, sizeof(handler));
	// Real-mode IVT entry: offset, then segment 0.
	ram_[vector * 4] = kHandler & 0xff;
	ram_[vector * 4 + 1] = kHandler >> 8;
	ram_[vector * 4 + 2] = 0;
	ram_[vector * 4 + 3] = 0;
	const kvm_run *run = RunRealMode(main_code, kApicBase, true);
	return run && run->exit_reason == KVM_EXIT_IO && run->io.port == 0x11;
}

const kvm_run *KvmVm::RunRealMode(const std::vector<uint8_t> &code,
				  uint64_t ds_base, bool interrupts,
				  int max_exits)
{
	kvm_sregs sregs;
	kvm_regs regs = {};

	std::memcpy(ram_ + kCodeAddr, code.data(), code.size());
	if (ioctl(vcpu_fd_, KVM_GET_SREGS, &sregs) < 0)
		return nullptr;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ss.base = 0;
	sregs.ss.selector = 0;
	sregs.ds.base = ds_base;
	sregs.ds.selector = 0;
	if (ioctl(vcpu_fd_, KVM_SET_SREGS, &sregs) < 0)
		return nullptr;
	regs.rip = kCodeAddr;
	regs.rsp = kStackTop;
	regs.rflags = 0x2 | (interrupts ? 0x200 : 0);
	if (ioctl(vcpu_fd_, KVM_SET_REGS, &regs) < 0)
		return nullptr;
	for (int i = 0; i < max_exits; i++) {
		if (ioctl(vcpu_fd_, KVM_RUN, 0) < 0 && errno != EINTR)
			return nullptr;
		if (run_->exit_reason != KVM_EXIT_HLT)
			break;
	}
	return run_;
}

int KvmVm::Load(uint64_t gpa)
{
	static const std::vector<uint8_t> load_and_report = {
		0xa0, 0x00, 0x00, // mov al, [0]
		0xe6, 0x10,	  // out 0x10, al
	};
	const kvm_run *run = RunRealMode(load_and_report, gpa, false);

	if (!run)
		return -2;
	if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == gpa)
		return -1;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x10)
		return -3;
	return reinterpret_cast<const uint8_t *>(run)[run->io.data_offset];
}

}  // namespace vmpci_test
