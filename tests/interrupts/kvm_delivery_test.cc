// The models driving the KVM host on the real /dev/kvm, end to end: what
// the guest programs in MSI / MSI-X / INTx is what reaches the vCPU's local
// APIC (an IRR bit), masking stops delivery, unmasking a pending vector
// delivers it, and a burst of table writes costs one routing update.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <vector>

#include "tests/support/eventfds.h"
#include "tests/support/kvm_vm.h"
#include "tests/shim/vmpci_c.h"

namespace vmpci_test {
namespace {

constexpr uint32_t kApicAddr = 0xfee00000; // destination APIC id 0
constexpr uint32_t kEntry = PCI_MSIX_ENTRY_SIZE;

class KvmDeliveryTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		SKIP_WITHOUT_KVM();
		vm = std::make_unique<KvmVm>();
		ASSERT_TRUE(vm->ok());
		vmpci_kvm_host_params cfg;
		vmpci_kvm_host_params_init(&cfg, vm->vm_fd());
		cfg.slot_base = 1;
		ASSERT_EQ(vmpci_kvm_host_new(&cfg, &h), 0);
	}
	void TearDown() override
	{
		vmpci_msix_free(msix);
		vmpci_msi_free(msi);
		vmpci_intx_free(intx);
		vmpci_kvm_host_free(h);
	}
	struct vmpci_kvm_host_stats Stats()
	{
		struct vmpci_kvm_host_stats s;
		vmpci_kvm_host_stats_get(h, &s);
		return s;
	}

	void NewMsix(uint32_t entries)
	{
		vmpci_msix_params cfg = {};
		cfg.control = (uint16_t)(entries - 1);
		cfg.table = 0x2000;
		cfg.pba = 0x3000;
		ASSERT_EQ(vmpci_msix_new(vmpci_kvm_host_ops(h), &cfg, &msix), 0);
	}
	int MsixControl(uint16_t v) { return vmpci_msix_cap_write(msix, 2, 2, v); }
	void TableWrite(uint64_t off, uint32_t v)
	{
		uint8_t b[4];
		std::memcpy(b, &v, 4);
		ASSERT_EQ(vmpci_msix_table_write(msix, off, 4, b), 0);
	}
	void Program(uint32_t i, uint8_t vector, bool unmask)
	{
		TableWrite(i * kEntry + PCI_MSIX_ENTRY_LOWER_ADDR, kApicAddr);
		TableWrite(i * kEntry + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
		TableWrite(i * kEntry + PCI_MSIX_ENTRY_DATA, vector);
		if (unmask)
			TableWrite(i * kEntry + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
	}
	void SetEntryMask(uint32_t i, bool masked)
	{
		TableWrite(i * kEntry + PCI_MSIX_ENTRY_VECTOR_CTRL, masked);
	}
	uint64_t Pba()
	{
		uint8_t b[8];
		EXPECT_EQ(vmpci_msix_pba_read(msix, 0, 8, b), 0);
		uint64_t v;
		std::memcpy(&v, b, 8);
		return v;
	}

	void NewMsi32()
	{
		vmpci_msi_params cfg = {};
		cfg.control = PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | 5 << 1;
		ASSERT_EQ(vmpci_msi_new(vmpci_kvm_host_ops(h), &cfg, &msi), 0);
	}
	uint32_t MsiRead(uint32_t off)
	{
		uint32_t v = 0;
		EXPECT_EQ(vmpci_msi_read(msi, off, 4, &v), 0);
		return v;
	}

	std::unique_ptr<KvmVm> vm;
	vmpci_kvm_host *h = nullptr;
	vmpci_msix *msix = nullptr;
	vmpci_msi *msi = nullptr;
	vmpci_intx *intx = nullptr;
};

TEST_F(KvmDeliveryTest, MsixUnmaskedVectorReachesTheVcpu)
{
	NewMsix(8);
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE), 0);
	Program(3, 0x53, true);
	SignalEventfd(vmpci_msix_vector_eventfd(msix, 3));
	EXPECT_TRUE(vm->WaitIrr(0x53));
}

TEST_F(KvmDeliveryTest, MsixMaskedVectorIsNotDeliveredAndShowsInThePba)
{
	NewMsix(8);
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE), 0);
	Program(3, 0x53, true);
	SetEntryMask(3, true);
	SignalEventfd(vmpci_msix_vector_eventfd(msix, 3));
	// The PBA bit proves KVM never took the signal.
	EXPECT_EQ(Pba(), 1u << 3);
	EXPECT_FALSE(vm->Irr(0x53));
}

TEST_F(KvmDeliveryTest, MsixUnmaskingAPendingVectorDeliversIt)
{
	NewMsix(8);
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE), 0);
	Program(3, 0x53, true);
	SetEntryMask(3, true);
	SignalEventfd(vmpci_msix_vector_eventfd(msix, 3));
	ASSERT_FALSE(vm->Irr(0x53));
	SetEntryMask(3, false);
	EXPECT_TRUE(vm->WaitIrr(0x53));
	EXPECT_EQ(Pba(), 0u);
}

TEST_F(KvmDeliveryTest, MsixFunctionMaskStopsDeliveryUntilLifted)
{
	NewMsix(8);
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE), 0);
	Program(1, 0x5c, true);
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL), 0);
	SignalEventfd(vmpci_msix_vector_eventfd(msix, 1));
	EXPECT_EQ(Pba(), 1u << 1);
	EXPECT_FALSE(vm->Irr(0x5c));
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE), 0);
	EXPECT_TRUE(vm->WaitIrr(0x5c));
}

TEST_F(KvmDeliveryTest, MsixEntryProgrammedWhileMaskedCostsOneRoutingUpdate)
{
	NewMsix(8);
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE), 0);
	uint64_t updates = Stats().routing_updates;
	Program(2, 0x5d, true); // four guest writes
	EXPECT_EQ(Stats().routing_updates, updates + 1);
	SignalEventfd(vmpci_msix_vector_eventfd(msix, 2));
	EXPECT_TRUE(vm->WaitIrr(0x5d));
}

// Single table writes never add a masked route (that would be a commit
// per write); only whole-table changes do (next tests).
TEST_F(KvmDeliveryTest, MsixSingleTableWritesGiveGsisOnlyToUnmaskedVectors)
{
	NewMsix(64);
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE), 0);
	for (uint32_t i = 0; i < 64; i++)
		Program(i, (uint8_t)(0x80 + i), i % 20 == 0);
	EXPECT_EQ(Stats().msi_routes, 4u);
	ASSERT_EQ(MsixControl(0), 0);
	EXPECT_EQ(Stats().msi_routes, 0u);
}

// Linux's bring-up on a real KVM: the function unmask commits once, with
// masked routes (no irqfd) for the programmed entries; a masked route never
// delivers; each request_irq unmask is an irqfd assign, no routing update.
TEST_F(KvmDeliveryTest, MsixLinuxBringUpIsOneRoutingUpdateThenIrqfdsOnly)
{
	NewMsix(64);
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL), 0);
	for (uint32_t i = 0; i < 64; i++)
		Program(i, (uint8_t)(0x80 + i), false);
	uint64_t updates = Stats().routing_updates;
	uint64_t irqfds = Stats().irqfd_assigns;
	ASSERT_EQ(MsixControl(PCI_MSIX_FLAGS_ENABLE), 0);
	EXPECT_EQ(Stats().routing_updates, updates + 1);
	EXPECT_EQ(Stats().msi_routes, 64u);
	EXPECT_EQ(Stats().irqfd_assigns, irqfds);
	SignalEventfd(vmpci_msix_vector_eventfd(msix, 5));
	EXPECT_EQ(Pba(), 1u << 5);
	EXPECT_FALSE(vm->Irr(0x85));
	for (uint32_t i = 0; i < 64; i++)
		SetEntryMask(i, false);
	EXPECT_EQ(Stats().routing_updates, updates + 1);
	EXPECT_EQ(Stats().irqfd_assigns, irqfds + 64);
	EXPECT_TRUE(vm->WaitIrr(0x85)); // the pending signal, at its unmask
	EXPECT_EQ(Pba(), 0u);
	SignalEventfd(vmpci_msix_vector_eventfd(msix, 63));
	EXPECT_TRUE(vm->WaitIrr(0xbf));
}

TEST_F(KvmDeliveryTest, MsiEachOfThirtyTwoVectorsDeliversItsOwnVector)
{
	NewMsi32();
	ASSERT_EQ(vmpci_msi_write(msi, PCI_MSI_ADDRESS_LO, 4, kApicAddr), 0);
	ASSERT_EQ(vmpci_msi_write(msi, PCI_MSI_DATA_64, 2, 0x60), 0);
	ASSERT_EQ(vmpci_msi_write(msi, PCI_MSI_FLAGS, 2,
				  PCI_MSI_FLAGS_ENABLE | 5 << 4), 0);
	EXPECT_EQ(Stats().msi_routes, 32u);
	for (uint32_t i : {0u, 7u, 31u})
		SignalEventfd(vmpci_msi_vector_eventfd(msi, i));
	EXPECT_TRUE(vm->WaitIrr(0x60));
	EXPECT_TRUE(vm->WaitIrr(0x67));
	EXPECT_TRUE(vm->WaitIrr(0x7f));
	EXPECT_FALSE(vm->Irr(0x61));
}

TEST_F(KvmDeliveryTest, MsiMaskedVectorIsHeldPendingAndDeliveredOnUnmask)
{
	NewMsi32();
	ASSERT_EQ(vmpci_msi_write(msi, PCI_MSI_ADDRESS_LO, 4, kApicAddr), 0);
	ASSERT_EQ(vmpci_msi_write(msi, PCI_MSI_DATA_64, 2, 0x60), 0);
	ASSERT_EQ(vmpci_msi_write(msi, PCI_MSI_FLAGS, 2,
				  PCI_MSI_FLAGS_ENABLE | 3 << 4), 0);
	ASSERT_EQ(vmpci_msi_write(msi, PCI_MSI_MASK_64, 4, 1u << 4), 0);
	SignalEventfd(vmpci_msi_vector_eventfd(msi, 4));
	EXPECT_EQ(MsiRead(PCI_MSI_PENDING_64), 1u << 4);
	EXPECT_FALSE(vm->Irr(0x64));
	ASSERT_EQ(vmpci_msi_write(msi, PCI_MSI_MASK_64, 4, 0), 0);
	EXPECT_TRUE(vm->WaitIrr(0x64));
	EXPECT_EQ(MsiRead(PCI_MSI_PENDING_64), 0u);
}

TEST_F(KvmDeliveryTest, IntxLineReachesTheIoapicAndGuestEoiSignalsResample)
{
	vmpci_intx_params cfg = {};
	ASSERT_EQ(vmpci_intx_new(vmpci_kvm_host_ops(h), &cfg, &intx), 0);
	ASSERT_EQ(vmpci_intx_enable(intx), 0);
	vm->ProgramIoapicLevel(16, 0x71);
	SignalEventfd(vmpci_intx_trigger_eventfd(intx));
	ASSERT_TRUE(vm->WaitIrr(0x71));
	EXPECT_FALSE(Readable(vmpci_intx_resample_eventfd(intx)));
	ASSERT_TRUE(vm->TakeInterruptAndEoi(0x71));
	EXPECT_TRUE(Readable(vmpci_intx_resample_eventfd(intx)));
}

TEST_F(KvmDeliveryTest, IntxMaskedLineIsHeldAndDeliveredOnUnmask)
{
	vmpci_intx_params cfg = {};
	ASSERT_EQ(vmpci_intx_new(vmpci_kvm_host_ops(h), &cfg, &intx), 0);
	ASSERT_EQ(vmpci_intx_enable(intx), 0);
	vm->ProgramIoapicLevel(16, 0x72);
	ASSERT_EQ(vmpci_intx_set_masked(intx, true), 0);
	SignalEventfd(vmpci_intx_trigger_eventfd(intx));
	EXPECT_EQ(vmpci_intx_pending(intx), 1);
	EXPECT_FALSE(vm->Irr(0x72));
	ASSERT_EQ(vmpci_intx_set_masked(intx, false), 0);
	EXPECT_TRUE(vm->WaitIrr(0x72));
}

}  // namespace
}  // namespace vmpci_test
