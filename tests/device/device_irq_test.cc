// How the device wires MSI-X vectors into VFIO when the host kernel cannot
// give them all (vfio-pci's short count) and when the guest unmasks them one
// by one (NORESIZE on Debian's 6.1, dynamic MSI-X on 6.2+).
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <string>

#include "tests/device/device_fixture.h"

namespace {

constexpr uint32_t kVector = 0x40;
constexpr uint16_t kMsixCap = 0x40; // nvme
constexpr uint64_t kTable = 0x2000; // nvme BAR0

class DeviceIrqTest : public DeviceTest {
protected:
	// An nvme whose host behaves as `h` says.
	void CreateNvme(const vmpci_vfio_sim_irq_host &h)
	{
		ASSERT_EQ(vmpci_vfio_sim_new_from_files(
				  kNvme, vmpci_kvm_host_ops(kvm), &sim),
			  0);
		vmpci_vfio_sim_set_irq_host(sim, &h);
		ASSERT_EQ(Create(kNvme), 0);
		SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	}

	void EnableWithUnmasked(uint32_t n)
	{
		for (uint32_t v = 0; v < n; v++)
			ProgramMsix(0, kTable, v, kVector + v, false);
		SetCfg(kMsixCap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	}

	void Unmask(uint32_t v)
	{
		ProgramMsix(0, kTable, v, kVector + v, false);
	}

	struct vmpci_vfio_sim_irq_state Msix()
	{
		struct vmpci_vfio_sim_irq_state st{};
		EXPECT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_MSIX_IRQ_INDEX,
						   &st),
			  0);
		return st;
	}

	// The device raises vector `v`: does the guest's LAPIC get it?
	bool Delivered(uint32_t v)
	{
		if (vmpci_vfio_sim_fire(sim, VFIO_PCI_MSIX_IRQ_INDEX, v))
			return false;
		return demo_vm_irr_pending(vm, kVector + v) == 1;
	}

	bool Logged(const std::string &what)
	{
		for (const auto &l : logs)
			if (l.find(what) != std::string::npos)
				return true;
		return false;
	}
};

TEST_F(DeviceIrqTest, ShortCountEnablesTheVectorsTheHostCanGive)
{
	CreateNvme({2, false});
	EnableWithUnmasked(4);
	EXPECT_TRUE(Msix().enabled);
	EXPECT_EQ(Msix().count, 2u);
	EXPECT_TRUE(Cfg(kMsixCap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE);
	EXPECT_TRUE(Delivered(0));
	EXPECT_TRUE(Delivered(1));
	EXPECT_TRUE(Logged("gives 2 of 4 vectors"));
}

TEST_F(DeviceIrqTest, DynamicMsixAddsAnUnmaskedVectorWithOneSetIrqs)
{
	CreateNvme({0, true});
	EnableWithUnmasked(1);
	uint64_t calls = Msix().set_calls;
	int32_t fd0 = -1, fd0_after = -1;
	ASSERT_EQ(vmpci_vfio_sim_irq_eventfd(sim, VFIO_PCI_MSIX_IRQ_INDEX, 0, &fd0), 0);
	Unmask(1);
	EXPECT_EQ(Msix().set_calls, calls + 1); // no disable, one add
	EXPECT_EQ(Msix().count, 2u);
	ASSERT_EQ(vmpci_vfio_sim_irq_eventfd(sim, VFIO_PCI_MSIX_IRQ_INDEX, 0, &fd0_after), 0);
	EXPECT_EQ(fd0_after, fd0);
	EXPECT_TRUE(Delivered(0));
	EXPECT_TRUE(Delivered(1));
}

TEST_F(DeviceIrqTest, NoresizeGrowsByDisableAndEnable)
{
	CreateNvme({0, false});
	EnableWithUnmasked(1);
	uint64_t calls = Msix().set_calls;
	Unmask(1);
	EXPECT_EQ(Msix().set_calls, calls + 2);
	EXPECT_EQ(Msix().count, 2u);
	EXPECT_TRUE(Delivered(0));
	EXPECT_TRUE(Delivered(1));
}

TEST_F(DeviceIrqTest, NoresizeGrowTheHostRefusesKeepsTheLiveVectors)
{
	CreateNvme({1, false});
	EnableWithUnmasked(1);
	Unmask(1);
	EXPECT_TRUE(Msix().enabled);
	EXPECT_EQ(Msix().count, 1u);
	EXPECT_TRUE(Delivered(0));
}

TEST_F(DeviceIrqTest, DynamicGrowTheHostRefusesLeavesTheLiveVectorsAlone)
{
	CreateNvme({1, true});
	EnableWithUnmasked(1);
	uint64_t calls = Msix().set_calls;
	Unmask(1);
	EXPECT_EQ(Msix().set_calls, calls); // the add failed, nothing else ran
	EXPECT_EQ(Msix().count, 1u);
	EXPECT_TRUE(Delivered(0));
	EXPECT_TRUE(Logged("MSI-X with 2 vectors"));
}

} // namespace
