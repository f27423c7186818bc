// A restore the device refuses changes nothing: every check runs before
// the first change, so the VMM sees no host call, the function no BAR
// register write or interrupt change, and the guest the same registers.
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "tests/device/device_fixture.h"

namespace {

constexpr uint32_t kVector = 0x40;

class DeviceRestoreTest : public DeviceTest {
protected:
	// What a refused restore must leave as it was.
	struct Seen {
		unsigned host_calls;
		std::vector<uint8_t> config;
		uint64_t bar0_addr;
		uint64_t bar0_writes;
		struct vmpci_vfio_sim_irq_state msi;
		size_t moves;
	};

	Seen Look()
	{
		Seen s{};
		s.host_calls = HostCalls();
		s.config = Dump(dev);
		s.bar0_addr = Bar(0).addr;
		uint32_t last;
		EXPECT_EQ(vmpci_vfio_sim_bar_writes(sim, 0, &s.bar0_writes, &last), 0);
		EXPECT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_MSI_IRQ_INDEX, &s.msi), 0);
		s.moves = moves.size();
		return s;
	}

	void ExpectUnchanged(const Seen &before)
	{
		Seen now = Look();
		EXPECT_EQ(now.host_calls, before.host_calls);
		EXPECT_EQ(now.config, before.config);
		EXPECT_EQ(now.bar0_addr, before.bar0_addr);
		EXPECT_EQ(now.bar0_writes, before.bar0_writes);
		EXPECT_EQ(now.msi.enabled, before.msi.enabled);
		EXPECT_EQ(now.msi.set_calls, before.msi.set_calls);
		EXPECT_EQ(now.moves, before.moves);
	}

	// edu placed, decoding, with MSI on: slots, a route and VFIO state
	// that a lossy refusal would churn.
	State LiveEdu()
	{
		EXPECT_EQ(Create(kEdu), 0);
		EXPECT_EQ(vmpci_device_place_bars(dev), 0);
		SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		SetCfg(0x40 + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
		SetCfg(0x40 + PCI_MSI_DATA_64, 2, kVector);
		SetCfg(0x40 + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
		return Save(dev);
	}
};

TEST_F(DeviceRestoreTest, MsiControlWithOtherReadOnlyBitsIsRefusedBeforeAnyChange)
{
	State st = LiveEdu();
	st->msi.control ^= PCI_MSI_FLAGS_MASKBIT; // edu has no per-vector masks
	Seen before = Look();
	EXPECT_EQ(vmpci_device_state_set(dev, st.get()), -EINVAL);
	ExpectUnchanged(before);
	EXPECT_TRUE(before.msi.enabled);
}

TEST_F(DeviceRestoreTest, CapabilityListThatSkipsACapabilityIsRefusedBeforeAnyChange)
{
	State st = LiveEdu();
	// The list now starts past MSI: the guest would not find it.
	st->config.image[PCI_CAPABILITY_LIST] = 0;
	Seen before = Look();
	EXPECT_EQ(vmpci_device_state_set(dev, st.get()), -EINVAL);
	ExpectUnchanged(before);
}

TEST_F(DeviceRestoreTest, MsixTableOfAnotherSizeIsRefusedBeforeAnyChange)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	State st = Save(dev);
	st->msix.control ^= 1; // table size differs from the capability
	unsigned calls = HostCalls();
	std::vector<uint8_t> config = Dump(dev);
	EXPECT_EQ(vmpci_device_state_set(dev, st.get()), -EINVAL);
	EXPECT_EQ(HostCalls(), calls);
	EXPECT_EQ(Dump(dev), config);
}

TEST_F(DeviceRestoreTest, AcceptedRestoreStillReplacesEverything)
{
	State st = LiveEdu();
	SetCfg(0x40 + PCI_MSI_FLAGS, 2, 0);
	EXPECT_EQ(vmpci_device_state_set(dev, st.get()), 0);
	EXPECT_TRUE(Cfg(0x40 + PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_MSI_IRQ_INDEX, 0), 0);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 1);
}

} // namespace
