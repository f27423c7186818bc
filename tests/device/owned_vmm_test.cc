// A VMM that owns things keeps them (issue #16): it places the BARs itself
// (the device has no pools, vmpci follows), shares the VM's routing table
// with the bundled KVM host (its own routes, its own GSI and slot ranges,
// its INTx line per slot) and sets the requester id once it has chosen the
// slot, INTx following it to that slot's line. Simulated nvme
// function, the real /dev/kvm, delivery seen in the vCPU's LAPIC. The
// container part runs against the real vfio-pci: owned_guest_test.c.
#include <errno.h>
#include <linux/kvm.h>
#include <linux/pci_regs.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include "tests/device/device_fixture.h"

namespace {

constexpr uint32_t kVmmGsi = 40;       // the VMM's own device's interrupt
constexpr uint8_t kVmmVector = 0x61;
constexpr uint8_t kDeviceVector = 0x40;
constexpr uint64_t kBar0 = 0xfebf0000;  // where the VMM's firmware puts BAR0
constexpr uint64_t kMoved = 0x90000000; // in no pool: there are none

class OwnedVmmTest : public DeviceTest {
protected:
	int vmm_fd = -1;

	// The VMM's part of the routing table: one MSI route of its own.
	static int VmmRoutes(void *, kvm_irq_routing_entry *e, uint32_t max)
	{
		if (max < 1)
			return -E2BIG;
		e[0] = {};
		e[0].gsi = kVmmGsi;
		e[0].type = KVM_IRQ_ROUTING_MSI;
		e[0].u.msi.address_lo = 0xfee00000;
		e[0].u.msi.data = kVmmVector;
		return 1;
	}

	// The VMM's _PRT: slot s, pin p on GSI 16 + (s + p) % 8.
	static int SlotLine(void *, uint32_t devid, uint32_t pin, uint32_t *gsi)
	{
		*gsi = 16 + ((devid >> 3) + pin) % 8;
		return 0;
	}

	void TuneKvm(vmpci_kvm_host_params *kc) override
	{
		kc->intx_gsi_fn = SlotLine;
		kc->slot_base = 100; // the VMM keeps slots 0-99
		kc->slot_count = 16;
		kc->gsi_base = 64;   // the VMM keeps GSIs 24-63
		kc->gsi_count = 64;
		kc->vmm_routes = VmmRoutes;
	}

	void SetUp() override
	{
		DeviceTest::SetUp();
		if (IsSkipped() || HasFatalFailure())
			return;
		ASSERT_EQ(vmpci_kvm_host_commit(kvm), 0);
		vmm_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_GE(vmm_fd, 0);
		struct kvm_irqfd irqfd = {};
		irqfd.fd = (uint32_t)vmm_fd;
		irqfd.gsi = kVmmGsi;
		ASSERT_EQ(ioctl(demo_vm_fd(vm), KVM_IRQFD, &irqfd), 0);
		ASSERT_EQ(vmpci_vfio_sim_new_from_files(
				  kNvme, vmpci_kvm_host_ops(kvm), &sim),
			  0);
		vmpci_device_params c;
		Config(&c);
		c.pools = {}; // the VMM places the BARs
		ASSERT_EQ(vmpci_device_new(&c, &dev), 0);
	}

	void TearDown() override
	{
		DeviceTest::TearDown();
		if (vmm_fd >= 0)
			close(vmm_fd);
	}

	uint32_t Slots() { return Stats().memory_slots; }
	// The IOAPIC's input lines as KVM holds them.
	uint32_t IoapicIrr()
	{
		kvm_irqchip chip = {};
		chip.chip_id = KVM_IRQCHIP_IOAPIC;
		EXPECT_EQ(ioctl(demo_vm_fd(vm), KVM_GET_IRQCHIP, &chip), 0);
		return chip.chip.ioapic.irr;
	}
	// KVM raises an irqfd's line from a worker: the lines once they are
	// `want`, or as they are when a bounded wait ends.
	uint32_t WaitIoapicIrr(uint32_t want)
	{
		auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
		uint32_t irr = IoapicIrr();
		while (irr != want && std::chrono::steady_clock::now() < end)
			irr = IoapicIrr();
		return irr;
	}
	bool LastMove(uint64_t old_addr, uint64_t new_addr)
	{
		return !moves.empty() && moves.back().index == 0 &&
		       moves.back().old_addr == old_addr &&
		       moves.back().new_addr == new_addr;
	}
};

TEST_F(OwnedVmmTest, PlacingIsTheVmmsJobWithoutPools)
{
	EXPECT_EQ(vmpci_device_place_bars(dev), -ENOSPC);
	ASSERT_FALSE(logs.empty());
	EXPECT_NE(logs.back().find("the VMM places"), std::string::npos)
		<< logs.back();
	EXPECT_FALSE(Bar(0).placed);
}

TEST_F(OwnedVmmTest, BarTheVmmPlacedIsMappedWhileTheGuestDecodesIt)
{
	SetCfg(PCI_COMMAND, 2, 0); // the fixture's function decodes already
	ASSERT_EQ(vmpci_device_place_bar_at(dev, 0, kBar0), 0);
	EXPECT_TRUE(Bar(0).placed);
	EXPECT_FALSE(Bar(0).outside);
	EXPECT_EQ(Slots(), 0u); // decode off
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	EXPECT_TRUE(Bar(0).reached);
	EXPECT_EQ(Slots(), 1u); // everything but the MSI-X pages
	EXPECT_TRUE(LastMove(VMPCI_DEVICE_BAR_UNMAPPED, kBar0));
	SetCfg(PCI_COMMAND, 2, 0);
	EXPECT_EQ(Slots(), 0u);
	EXPECT_TRUE(LastMove(kBar0, VMPCI_DEVICE_BAR_UNMAPPED));
}

TEST_F(OwnedVmmTest, GuestMoveToAnyAddressIsFollowed)
{
	ASSERT_EQ(vmpci_device_place_bar_at(dev, 0, kBar0), 0);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	SetCfg(PCI_BASE_ADDRESS_0, 4, (uint32_t)kMoved);
	EXPECT_EQ(Bar(0).addr, kMoved);
	EXPECT_TRUE(Bar(0).reached);
	EXPECT_FALSE(Bar(0).outside);
	EXPECT_EQ(Slots(), 1u);
	EXPECT_TRUE(LastMove(kBar0, kMoved));
}

TEST_F(OwnedVmmTest, PlacementNotAlignedToTheBarIsRefused)
{
	EXPECT_EQ(vmpci_device_place_bar_at(dev, 0, kBar0 + 0x1000), -EINVAL);
	EXPECT_FALSE(Bar(0).placed);
	EXPECT_TRUE(moves.empty());
}

TEST_F(OwnedVmmTest, SubPageBarInTheVmmsSpaceStaysTrapped)
{
	// ivshmem's 256-byte BAR0: with pools it is mapped as its whole host
	// page, which it then holds; in the VMM's space vmpci cannot know what
	// else shares the page, so it traps the BAR.
	vmpci_vfio_sim *ivshmem = nullptr;
	vmpci_device *sub = nullptr;
	ASSERT_EQ(vmpci_vfio_sim_new_from_files(
			  kIvshmem, vmpci_kvm_host_ops(kvm), &ivshmem),
		  0);
	vmpci_device_params c;
	vmpci_device_params_init(&c, vmpci_vfio_sim_backend(ivshmem),
				 vmpci_kvm_host_ops(kvm));
	c.page_size = 4096;
	ASSERT_EQ(vmpci_device_new(&c, &sub), 0);
	uint32_t before = Slots();
	EXPECT_EQ(vmpci_device_place_bar_at(sub, 0, 0xfebf1000), 0);
	EXPECT_EQ(vmpci_device_config_write(sub, PCI_COMMAND, 2,
					    PCI_COMMAND_MEMORY),
		  0);
	vmpci_device_bar b;
	ASSERT_EQ(vmpci_device_bar_get(sub, 0, &b), 0);
	EXPECT_TRUE(b.reached);
	EXPECT_EQ(Slots(), before);
	vmpci_device_free(sub);
	vmpci_vfio_sim_free(ivshmem);
}

TEST_F(OwnedVmmTest, DeviceAndVmmRoutesShareTheRoutingTable)
{
	ASSERT_EQ(vmpci_device_place_bar_at(dev, 0, kBar0), 0);
	// The guest programs MSI-X entry 0 through the trapped table and
	// enables it: vmpci commits a table of its own making.
	uint32_t entry[4] = {0xfee00000u, 0, kDeviceVector, 0};
	for (unsigned i = 0; i < 4; i++)
		ASSERT_EQ(vmpci_device_bar_write(dev, 0, 0x2000 + 4 * i, 4,
						 &entry[i]),
			  0);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_MSIX_IRQ_INDEX, 0), 0);
	EXPECT_EQ(demo_vm_irr_pending(vm, kDeviceVector), 1);
	uint64_t one = 1;
	ASSERT_EQ(write(vmm_fd, &one, sizeof(one)), 8);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVmmVector), 1);
}

TEST_F(OwnedVmmTest, RequesterIdIsSettableUntilTheGuestEnablesMsix)
{
	ASSERT_EQ(vmpci_device_set_requester_id(dev, 0x0018), 0);
	auto st = std::make_unique<vmpci_device_state>();
	ASSERT_EQ(vmpci_device_state_get(dev, st.get()), 0);
	EXPECT_EQ(st->devid, 0x0018u);
	vmpci_device_state_release(st.get());
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	logs.clear();
	EXPECT_EQ(vmpci_device_set_requester_id(dev, 0x0020), -EBUSY);
	ASSERT_EQ(logs.size(), 1u);
	EXPECT_NE(logs[0].find("before the guest runs"), std::string::npos);
	ASSERT_EQ(vmpci_device_state_get(dev, st.get()), 0);
	EXPECT_EQ(st->devid, 0x0018u);
	vmpci_device_state_release(st.get());
}

TEST_F(OwnedVmmTest, IntxFollowsTheRequesterIdToTheSlotsLine)
{
	uint32_t pin = Cfg(PCI_INTERRUPT_PIN, 1) - 1;
	ASSERT_LT(pin, 4u);
	uint32_t slot0 = 1u << (16 + pin), slot3 = 1u << (16 + (3 + pin) % 8);
	ASSERT_EQ(IoapicIrr(), 0u);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	EXPECT_EQ(WaitIoapicIrr(slot0), slot0);
	ASSERT_EQ(vmpci_device_set_requester_id(dev, 0x0018), 0);
	// The old line went down with its irqfd (deassigning it is
	// synchronous); the next interrupt is on slot 3's line.
	EXPECT_EQ(IoapicIrr(), 0u);
	EXPECT_EQ(Stats().intx_routes, 1u);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	EXPECT_EQ(WaitIoapicIrr(slot3), slot3);
}

}  // namespace
