// INTx end to end with every layer real, in the QEMU guest given KVM
// (run-in-guest.sh -K -d edu): vmpci's device on the edu function bound to
// vfio-pci, with the KVM host. edu raises its line; vfio-pci masks it and
// signals the trigger eventfd; KVM's irqfd asserts IOAPIC pin 16 (INTA) and
// the vCPU sees the vector. The guest's EOI signals the resample eventfd,
// which vfio-pci takes as its unmask: no VMM code runs between the EOI and
// the next interrupt. A cc_binary (GoogleTest main), run only in the guest.
#include <linux/pci_regs.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/kvm_vm.h"
#include "tests/shim/vmpci_c.h"

namespace vmpci_test {
namespace {

// edu's BAR0 registers (QEMU hw/misc/edu.c).
constexpr uint64_t kEduIrqStatus = 0x24;
constexpr uint64_t kEduIrqRaise = 0x60;
constexpr uint64_t kEduIrqAck = 0x64;
constexpr uint32_t kIntaPin = 16; // vmpci_kvm_host_params_init's INTA GSI
constexpr uint8_t kVector = 0x61;

class IntxKvmGuestTest : public ::testing::Test {
protected:
	KvmVm vm;
	vmpci_kvm_host *kvm = nullptr;
	vmpci_vfio_kernel *fn = nullptr;
	vmpci_device *dev = nullptr;

	void SetUp() override
	{
		// Never a skip: the harness promised KVM and an edu on vfio-pci.
		ASSERT_TRUE(vm.ok()) << "no usable KVM: " << KvmVm::Unavailable();
		// The pin is programmed before the device exists, as a guest's
		// firmware and kernel do before a driver enables the function.
		vm.ProgramIoapicLevel(kIntaPin, kVector);
		const char *bdfs = std::getenv("VFIO_BDFS");
		ASSERT_NE(bdfs, nullptr) << "VFIO_BDFS is not set: run in the guest";
		std::string bdf(bdfs);
		bdf = bdf.substr(0, bdf.find(' '));

		vmpci_kvm_host_params hc;
		vmpci_kvm_host_params_init(&hc, vm.vm_fd());
		hc.slot_base = 1; // slot 0 is the VM's RAM
		ASSERT_EQ(vmpci_kvm_host_new(&hc, &kvm), 0);
		vmpci_vfio_kernel_params kc;
		vmpci_vfio_kernel_params_init(&kc, bdf.c_str());
		kc.host = vmpci_kvm_host_ops(kvm);
		ASSERT_EQ(vmpci_vfio_kernel_open(&kc, &fn), 0) << bdf;
		vmpci_device_params dc;
		vmpci_device_params_init(&dc, vmpci_vfio_kernel_backend(fn),
					 vmpci_kvm_host_ops(kvm));
		dc.name = "edu";
		ASSERT_EQ(vmpci_device_new(&dc, &dev), 0);
		// As the guest driver: memory decoding on, INTx not disabled,
		// and the line low (edu keeps its status across vfio-pci opens:
		// a test or program before this one may have left it raised).
		ASSERT_EQ(vmpci_device_config_write(dev, PCI_COMMAND, 2,
						    PCI_COMMAND_MEMORY), 0);
		EduWrite(kEduIrqAck, ~0u);
		ASSERT_EQ(EduRead(kEduIrqStatus), 0u);
	}

	void TearDown() override
	{
		vmpci_device_free(dev);
		vmpci_vfio_kernel_free(fn);
		vmpci_kvm_host_free(kvm);
	}

	void EduWrite(uint64_t reg, uint32_t v)
	{
		ASSERT_EQ(vmpci_device_bar_write(dev, 0, reg, 4, &v), 0);
	}

	uint32_t EduRead(uint64_t reg)
	{
		uint32_t v = ~0u;
		EXPECT_EQ(vmpci_device_bar_read(dev, 0, reg, 4, &v), 0);
		return v;
	}

	struct vmpci_kvm_host_stats Stats()
	{
		struct vmpci_kvm_host_stats s;
		vmpci_kvm_host_stats_get(kvm, &s);
		return s;
	}
};

TEST_F(IntxKvmGuestTest, DeviceRoutesTheRealLineThroughOneResampleIrqfd)
{
	EXPECT_EQ(Stats().intx_routes, 1u);
	uint32_t pin = 0;
	ASSERT_EQ(vmpci_device_config_read(dev, PCI_INTERRUPT_PIN, 1, &pin), 0);
	EXPECT_EQ(pin, 1u); // INTA
}

TEST_F(IntxKvmGuestTest, EduLineReachesTheVcpuThroughTheIrqfd)
{
	EXPECT_FALSE(vm.Irr(kVector));
	EduWrite(kEduIrqRaise, 1);
	EXPECT_EQ(EduRead(kEduIrqStatus), 1u);
	EXPECT_TRUE(vm.WaitIrr(kVector));
}

TEST_F(IntxKvmGuestTest, GuestEoiReArmsTheLineThroughTheResampleIrqfd)
{
	EduWrite(kEduIrqRaise, 1);
	ASSERT_TRUE(vm.WaitIrr(kVector));
	// The ISR: acknowledge at the device (the line drops), then EOI.
	EduWrite(kEduIrqAck, 1);
	ASSERT_TRUE(vm.TakeInterruptAndEoi(kVector));
	EXPECT_FALSE(vm.Irr(kVector));
	// vfio-pci masked the line at the first interrupt; only the resample
	// eventfd, signalled by KVM at the EOI, unmasks it.
	EduWrite(kEduIrqRaise, 2);
	EXPECT_TRUE(vm.WaitIrr(kVector));
}

TEST_F(IntxKvmGuestTest, LineStillHighAtEoiIsDeliveredAgain)
{
	EduWrite(kEduIrqRaise, 1);
	ASSERT_TRUE(vm.WaitIrr(kVector));
	// No acknowledge: the level is still asserted when the resample
	// unmasks, so vfio-pci fires again (level-triggered semantics).
	ASSERT_TRUE(vm.TakeInterruptAndEoi(kVector));
	EXPECT_TRUE(vm.WaitIrr(kVector));
}

}  // namespace
}  // namespace vmpci_test
