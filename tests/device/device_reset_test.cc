// vmpci_device_reset: what a VMM calls on a warm system reset. The guest
// then finds the device as firmware finds it after power-on, and can set it
// up again.
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "tests/device/device_fixture.h"

namespace {

constexpr uint32_t kVector = 0x40;
constexpr uint16_t kMsixCap = 0x40; // nvme

class DeviceResetTest : public DeviceTest {
protected:
	// nvme placed and decoding, MSI-X on with vector 0 live.
	// `fresh` gets what the guest saw right after creation.
	void LiveNvme(std::vector<uint8_t> *fresh = nullptr)
	{
		ASSERT_EQ(Create(kNvme), 0);
		if (fresh)
			*fresh = Dump(dev);
		ASSERT_EQ(vmpci_device_place_bars(dev), 0);
		SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		SetCfg(PCI_INTERRUPT_LINE, 1, 11);
		ProgramMsix(0, 0x2000, 0, kVector, false);
		SetCfg(kMsixCap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	}

	bool SimEnabled(uint32_t index)
	{
		struct vmpci_vfio_sim_irq_state st{};
		EXPECT_EQ(vmpci_vfio_sim_irq_state_get(sim, index, &st), 0);
		return st.enabled;
	}
};

TEST_F(DeviceResetTest, ConfigSpaceReadsAsAtCreationWithCommandCleared)
{
	std::vector<uint8_t> fresh;
	LiveNvme(&fresh);
	ASSERT_NE(Dump(dev), fresh);
	ASSERT_EQ(vmpci_device_reset(dev), 0);
	// The fixture's function was captured in use (COMMAND 0x0107); out of
	// reset it reads 0.
	fresh[PCI_COMMAND] = fresh[PCI_COMMAND + 1] = 0;
	EXPECT_EQ(Dump(dev), fresh);
	EXPECT_EQ(Cfg(PCI_COMMAND, 2), 0u);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_MASK, 0u);
}

TEST_F(DeviceResetTest, InterruptsAreOffAndIntxIsWiredAgain)
{
	LiveNvme();
	ASSERT_TRUE(SimEnabled(VFIO_PCI_MSIX_IRQ_INDEX));
	ASSERT_EQ(vmpci_device_reset(dev), 0);
	EXPECT_FALSE(Cfg(kMsixCap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
	EXPECT_FALSE(SimEnabled(VFIO_PCI_MSIX_IRQ_INDEX));
	EXPECT_TRUE(SimEnabled(VFIO_PCI_INTX_IRQ_INDEX));
	EXPECT_EQ(Stats().msi_routes, 0u);
	EXPECT_EQ(Stats().intx_routes, 1u);
}

TEST_F(DeviceResetTest, BarsAreUnplacedAndTheirSlotsGone)
{
	LiveNvme();
	ASSERT_GT(Stats().memory_slots, 0u);
	ASSERT_EQ(vmpci_device_reset(dev), 0);
	EXPECT_FALSE(Bar(0).placed);
	EXPECT_EQ(Stats().memory_slots, 0u);
	EXPECT_EQ(vmpci_alloc_count(mmio64) + vmpci_alloc_count(mmio32), 0u);
}

TEST_F(DeviceResetTest, FunctionWithFlrIsResetThroughVfio)
{
	LiveNvme();
	uint64_t resets = vmpci_vfio_sim_resets(sim);
	ASSERT_EQ(vmpci_device_reset(dev), 0);
	EXPECT_EQ(vmpci_vfio_sim_resets(sim), resets + 1);
}

TEST_F(DeviceResetTest, GuestCanSetTheDeviceUpAgain)
{
	LiveNvme();
	ASSERT_EQ(vmpci_device_reset(dev), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ProgramMsix(0, 0x2000, 0, kVector, false);
	SetCfg(kMsixCap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_MSIX_IRQ_INDEX, 0), 0);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 1);
}

} // namespace

namespace {

constexpr uint16_t kDevctl = 0x80 + PCI_EXP_DEVCTL; // nvme's PCIe capability

// The guest resets the function itself (Linux pcie_flr): vfio-pci performs
// the FLR; the model must show what the function now is.
TEST_F(DeviceResetTest, GuestFlrLeavesTheModelAsAfterReset)
{
	std::vector<uint8_t> fresh;
	LiveNvme(&fresh);
	uint64_t resets = vmpci_vfio_sim_resets(sim);
	SetCfg(kDevctl, 2, Cfg(kDevctl, 2) | PCI_EXP_DEVCTL_BCR_FLR);
	EXPECT_EQ(vmpci_vfio_sim_flrs(sim), 1u);
	EXPECT_EQ(vmpci_vfio_sim_resets(sim), resets); // vfio-pci did it, not us
	EXPECT_FALSE(Cfg(kMsixCap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
	EXPECT_FALSE(SimEnabled(VFIO_PCI_MSIX_IRQ_INDEX));
	EXPECT_EQ(Stats().msi_routes, 0u);
	EXPECT_EQ(Stats().memory_slots, 0u);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_0) & PCI_BASE_ADDRESS_MEM_MASK, 0u);
	EXPECT_EQ(Cfg(PCI_INTERRUPT_LINE, 1), fresh[PCI_INTERRUPT_LINE]);
}

TEST_F(DeviceResetTest, GuestProgramsItsBarsAfterFlrAndTheyMapAgain)
{
	LiveNvme();
	SetCfg(kDevctl, 2, Cfg(kDevctl, 2) | PCI_EXP_DEVCTL_BCR_FLR);
	// As firmware or Linux's pci_restore_state do after the FLR: BAR0 (a
	// 64-bit pair) at the bottom of the 64-bit window, then decode on.
	SetCfg(PCI_BASE_ADDRESS_0, 4, 0);
	SetCfg(PCI_BASE_ADDRESS_1, 4, kMmio64Base >> 32);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_TRUE(Bar(0).placed);
	EXPECT_EQ(Bar(0).addr, kMmio64Base);
	EXPECT_GT(Stats().memory_slots, 0u);
}

TEST_F(DeviceResetTest, DeviceControlWithoutTheFlrBitResetsNothing)
{
	LiveNvme();
	SetCfg(kDevctl, 2, Cfg(kDevctl, 2) | PCI_EXP_DEVCTL_RELAX_EN);
	EXPECT_EQ(vmpci_vfio_sim_flrs(sim), 0u);
	EXPECT_TRUE(Cfg(kMsixCap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
	EXPECT_TRUE(Bar(0).placed);
}

} // namespace
