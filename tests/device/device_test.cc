// The device object on simulated functions (real config spaces) with the
// KVM host on the real /dev/kvm.
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdint.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <memory>
#include <vector>

#include "tests/device/device_fixture.h"

namespace {

constexpr uint32_t kVector = 0x40;

// VFIO has exactly `count` vectors of `index` wired, and vector 0 firing
// on the function reaches the vCPU as kVector.
void ExpectWiredAndDelivered(vmpci_vfio_sim *sim, demo_vm *vm, uint32_t index,
			     uint32_t count)
{
	struct vmpci_vfio_sim_irq_state st;
	ASSERT_EQ(vmpci_vfio_sim_irq_state_get(sim, index, &st), 0);
	EXPECT_TRUE(st.enabled);
	EXPECT_EQ(st.count, count);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, index, 0), 0);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 1);
}

TEST_F(DeviceTest, NvmeBarsAreSizedFromTheFunction)
{
	ASSERT_EQ(Create(kNvme), 0);
	vmpci_device_bar b = Bar(0);
	EXPECT_EQ(b.type, VMPCI_BAR_MEM64);
	EXPECT_EQ(b.size, 0x4000u);
	EXPECT_FALSE(b.placed);
	EXPECT_EQ(Bar(1).type, 0u); // the upper half
	// Host addresses never reach the guest: unplaced BARs read 0.
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_0), 0x4u);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_1), 0x0u);
	EXPECT_EQ(Cfg(PCI_VENDOR_ID), 0x00101b36u);
}

TEST_F(DeviceTest, PlacedBarMapsEverythingButTheMsixPages)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	vmpci_device_bar b = Bar(0);
	ASSERT_TRUE(b.placed);
	EXPECT_GE(b.addr, kMmio64Base); // a 64-bit BAR goes above 4 GiB
	EXPECT_EQ(b.addr % 0x4000, 0u);
	ASSERT_EQ(b.nr_mapped, 1u);
	EXPECT_EQ(b.mapped[0].offset, 0u);
	EXPECT_EQ(b.mapped[0].size, 0x2000u); // table at 0x2000, PBA at 0x3000
	EXPECT_EQ(Stats().memory_slots, 1u);
	ASSERT_EQ(moves.size(), 1u);
	EXPECT_EQ(moves[0].new_addr, b.addr);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_0), (uint32_t)b.addr | 0x4u);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_1), (uint32_t)(b.addr >> 32));
}

TEST_F(DeviceTest, SizingProbeReadsTheMaskAndMovesNothing)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	uint64_t addr = Bar(0).addr;
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	SetCfg(PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	SetCfg(PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_0), 0xffffc004u);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_1), 0xffffffffu);
	EXPECT_EQ(Bar(0).addr, addr);
	// The function's own BAR registers were never written by the guest.
	uint64_t writes = 1;
	uint32_t last;
	ASSERT_EQ(vmpci_vfio_sim_bar_writes(sim, 0, &writes, &last), 0);
	EXPECT_EQ(writes, 0u);
}

TEST_F(DeviceTest, GuestMoveRemapsTheBarAndTellsTheVmm)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	uint64_t old_addr = Bar(0).addr;
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	// Each dword write is decoded as it lands: the low half first moves
	// the BAR within its 4 GiB, the high half brings it to 0xd0000000.
	SetCfg(PCI_BASE_ADDRESS_0, 4, 0xd0000000);
	SetCfg(PCI_BASE_ADDRESS_1, 4, 0);
	vmpci_device_bar b = Bar(0);
	EXPECT_EQ(b.addr, 0xd0000000u);
	EXPECT_TRUE(b.reached);
	EXPECT_EQ(Stats().memory_slots, 1u);
	ASSERT_EQ(moves.size(), 3u);
	EXPECT_EQ(moves[1].old_addr, old_addr);
	EXPECT_EQ(moves[1].new_addr, (old_addr & ~0xffffffffull) | 0xd0000000u);
	EXPECT_EQ(moves[2].old_addr, moves[1].new_addr);
	EXPECT_EQ(moves[2].new_addr, 0xd0000000u);
	// The old range is free again, the new one taken.
	EXPECT_EQ(vmpci_alloc_count(mmio64), 0u);
	EXPECT_EQ(vmpci_alloc_take_at(mmio32, 0xd0000000, 0x4000, 1), -EEXIST);
}

TEST_F(DeviceTest, MoveOutsideThePoolsKeepsTheRegisterAndLeavesTheBarUnmapped)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	uint64_t addr = Bar(0).addr;
	SetCfg(PCI_COMMAND, 2, 0);
	SetCfg(PCI_BASE_ADDRESS_0, 4, 0x80000000);
	SetCfg(PCI_BASE_ADDRESS_1, 4, 0);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	vmpci_device_bar b = Bar(0);
	EXPECT_EQ(b.addr, 0x80000000u);
	EXPECT_TRUE(b.outside);
	EXPECT_FALSE(b.reached);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_0), 0x80000004u);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_1), 0u);
	EXPECT_EQ(Stats().memory_slots, 0u);
	EXPECT_EQ(vmpci_alloc_count(mmio64), 0u);
	ASSERT_FALSE(moves.empty());
	EXPECT_EQ(moves.back().new_addr, VMPCI_DEVICE_BAR_UNMAPPED);
	// Moved back into the pools, it is mapped again.
	SetCfg(PCI_BASE_ADDRESS_1, 4, (uint32_t)(addr >> 32));
	SetCfg(PCI_BASE_ADDRESS_0, 4, (uint32_t)addr);
	b = Bar(0);
	EXPECT_TRUE(b.reached);
	EXPECT_FALSE(b.outside);
	EXPECT_EQ(Stats().memory_slots, 1u);
	EXPECT_EQ(moves.back().new_addr, addr);
}

TEST_F(DeviceTest, GuestSwapOfTwoBarsWithDecodeOffIsAccepted)
{
	// vmpci places top-down, SeaBIOS and Linux bottom-up: a swap.
	ASSERT_EQ(Create(kE1000e), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	uint64_t a0 = Bar(0).addr, a1 = Bar(1).addr;
	ASSERT_EQ(Bar(0).size, Bar(1).size);
	SetCfg(PCI_COMMAND, 2, 0);
	SetCfg(PCI_BASE_ADDRESS_0, 4, (uint32_t)a1);
	SetCfg(PCI_BASE_ADDRESS_1, 4, (uint32_t)a0);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_0), (uint32_t)a1);
	EXPECT_EQ(Cfg(PCI_BASE_ADDRESS_1), (uint32_t)a0);
	EXPECT_EQ(Bar(0).addr, a1);
	EXPECT_EQ(Bar(1).addr, a0);
	EXPECT_TRUE(Bar(0).reached);
	EXPECT_TRUE(Bar(1).reached);
}

TEST_F(DeviceTest, ClearingMemoryDecodeRemovesTheSlotsAndTellsTheVmm)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	uint64_t addr = Bar(0).addr;
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ASSERT_EQ(Stats().memory_slots, 1u);
	moves.clear();
	SetCfg(PCI_COMMAND, 2, 0);
	EXPECT_EQ(Stats().memory_slots, 0u);
	EXPECT_FALSE(Bar(0).reached);
	ASSERT_EQ(moves.size(), 1u);
	EXPECT_EQ(moves[0].old_addr, addr);
	EXPECT_EQ(moves[0].new_addr, VMPCI_DEVICE_BAR_UNMAPPED);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	EXPECT_EQ(Stats().memory_slots, 1u);
	EXPECT_TRUE(Bar(0).reached);
	ASSERT_EQ(moves.size(), 2u);
	EXPECT_EQ(moves[1].old_addr, VMPCI_DEVICE_BAR_UNMAPPED);
	EXPECT_EQ(moves[1].new_addr, addr);
}

// ivshmem's 256-byte register BAR: mapped as its whole host page, which
// it holds alone in the pool, so nothing else lands under the mapping.
TEST_F(DeviceTest, SubPageBarIsMappedOnAPageItHoldsAlone)
{
	ASSERT_EQ(Create(kIvshmem), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	vmpci_device_bar b = Bar(0);
	ASSERT_TRUE(b.placed);
	EXPECT_EQ(b.size, 0x100u);
	EXPECT_EQ(b.addr % 0x1000, 0u);
	ASSERT_EQ(b.nr_mapped, 1u);
	EXPECT_EQ(b.mapped[0].offset, 0u);
	EXPECT_EQ(b.mapped[0].size, 0x1000u);
	EXPECT_EQ(vmpci_alloc_take_at(mmio32, b.addr + 0x100, 0x100, 1), -EEXIST);
	EXPECT_EQ(Stats().memory_slots, 2u); // BAR0's page and BAR2
	vmpci_device_free(dev);
	dev = nullptr;
	// Freeing gives the whole page back.
	EXPECT_EQ(vmpci_alloc_count(mmio32), 0u);
}

// A guest may put a sub-page BAR anywhere its alignment allows: off a page
// boundary (or on a page something else uses) its page cannot be mapped
// without covering other addresses, so it is trapped, and mapped again
// once back on a page of its own.
TEST_F(DeviceTest, SubPageBarPlacedOffAPageBoundaryIsTrapped)
{
	ASSERT_EQ(Create(kIvshmem), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	SetCfg(PCI_BASE_ADDRESS_0, 4, 0xd0000100);
	vmpci_device_bar b = Bar(0);
	EXPECT_EQ(b.addr, 0xd0000100u);
	EXPECT_EQ(b.nr_mapped, 0u);
	EXPECT_EQ(Stats().memory_slots, 1u); // BAR2 only
	// The rest of that page stays free for other BARs.
	EXPECT_EQ(vmpci_alloc_take_at(mmio32, 0xd0000000, 0x100, 1), 0);
	uint32_t v = 0xffffffff, back = 0;
	ASSERT_EQ(vmpci_device_bar_write(dev, 0, 0, 4, &v), 0);
	ASSERT_EQ(vmpci_device_bar_read(dev, 0, 0, 4, &back), 0);
	EXPECT_EQ(back, v);
	// Page aligned, but something else holds part of the page: trapped.
	ASSERT_EQ(vmpci_alloc_take_at(mmio32, 0xd0002800, 0x100, 1), 0);
	SetCfg(PCI_BASE_ADDRESS_0, 4, 0xd0002000);
	b = Bar(0);
	EXPECT_EQ(b.addr, 0xd0002000u);
	EXPECT_EQ(b.nr_mapped, 0u);
	EXPECT_EQ(Stats().memory_slots, 1u);
	// A page of its own: mapped.
	SetCfg(PCI_BASE_ADDRESS_0, 4, 0xd0001000);
	b = Bar(0);
	EXPECT_EQ(b.addr, 0xd0001000u);
	ASSERT_EQ(b.nr_mapped, 1u);
	EXPECT_EQ(b.mapped[0].size, 0x1000u);
	EXPECT_EQ(Stats().memory_slots, 2u);
	EXPECT_EQ(vmpci_alloc_take_at(mmio32, 0xd0001100, 0x100, 1), -EEXIST);
}

TEST_F(DeviceTest, TrappedReadsOutsideMsixReachTheFunction)
{
	ASSERT_EQ(Create(kNvme), 0);
	uint32_t v = 0x12345678, back = 0;
	ASSERT_EQ(vmpci_device_bar_write(dev, 0, 0x100, 4, &v), 0);
	ASSERT_EQ(vmpci_device_bar_read(dev, 0, 0x100, 4, &back), 0);
	EXPECT_EQ(back, v);
}

// The data of a BAR access is the guest's bytes, lowest address first: a
// dword written as bytes 78 56 34 12 reads back byte by byte from the
// function, and the MSI-X table (the model) reads it as 0x12345678.
TEST_F(DeviceTest, BarDataIsInTheGuestsByteOrder)
{
	ASSERT_EQ(Create(kNvme), 0);
	const uint8_t bytes[4] = { 0x78, 0x56, 0x34, 0x12 };
	ASSERT_EQ(vmpci_device_bar_write(dev, 0, 0x100, 4, bytes), 0);
	for (unsigned i = 0; i < 4; i++) {
		uint8_t b = 0;
		ASSERT_EQ(vmpci_device_bar_read(dev, 0, 0x100 + i, 1, &b), 0);
		EXPECT_EQ(b, bytes[i]) << i;
	}
	// Entry 0's Message Data at table offset 8 (the table is at 0x2000;
	// the model takes whole dwords and qwords only, as the spec says).
	ASSERT_EQ(vmpci_device_bar_write(dev, 0, 0x2008, 4, bytes), 0);
	uint32_t data = 0;
	ASSERT_EQ(vmpci_device_bar_read(dev, 0, 0x2008, 4, &data), 0);
	EXPECT_EQ(data, 0x12345678u);
	uint8_t entry[8] = {};
	ASSERT_EQ(vmpci_device_bar_read(dev, 0, 0x2008, 8, entry), 0);
	EXPECT_EQ(memcmp(entry, bytes, 4), 0);
}

TEST_F(DeviceTest, MalformedBarAccessReadsAllOnes)
{
	ASSERT_EQ(Create(kNvme), 0);
	uint64_t v = 0;
	EXPECT_EQ(vmpci_device_bar_read(dev, 0, 0x4000, 4, &v), -EINVAL);
	EXPECT_EQ((uint32_t)v, 0xffffffffu);
	EXPECT_EQ(vmpci_device_bar_read(dev, 0, 0x3ffe, 4, &v), -EINVAL);
	EXPECT_EQ(vmpci_device_bar_read(dev, 0, 0, 3, &v), -EINVAL);
	EXPECT_EQ(vmpci_device_bar_read(dev, 2, 0, 4, &v), -EINVAL);
	EXPECT_EQ(vmpci_device_bar_read(dev, 99, 0, 4, &v), -EINVAL);
	EXPECT_EQ(vmpci_device_bar_write(dev, 0, UINT64_MAX - 1, 4, &v), -EINVAL);
	// Straddling the MSI-X table's edge never reaches the function.
	v = 0;
	EXPECT_EQ(vmpci_device_bar_read(dev, 0, 0x1ffc, 8, &v), -EINVAL);
	EXPECT_EQ(v, UINT64_MAX);
}

TEST_F(DeviceTest, MsixEnableAttachesEventfdsAndDeliversToTheLapic)
{
	ASSERT_EQ(Create(kNvme), 0);
	ProgramMsix(0, 0x2000, 0, kVector, false);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	struct vmpci_vfio_sim_irq_state st;
	ASSERT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_MSIX_IRQ_INDEX, &st), 0);
	EXPECT_TRUE(st.enabled);
	EXPECT_GE(st.count, 1u);
	ASSERT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_INTX_IRQ_INDEX, &st), 0);
	EXPECT_FALSE(st.enabled); // one kind at a time, as vfio-pci requires
	EXPECT_EQ(Stats().msi_routes, 1u);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 0);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_MSIX_IRQ_INDEX, 0), 0);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 1);
}

TEST_F(DeviceTest, MaskedVectorIsPendingInPbaAndDeliveredOnUnmask)
{
	ASSERT_EQ(Create(kNvme), 0);
	ProgramMsix(0, 0x2000, 0, kVector, true);
	uint64_t irqfds = Stats().irqfd_assigns;
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	// A programmed, masked entry holds a masked route (issue #19): a
	// table entry without an irqfd, so nothing can deliver.
	EXPECT_EQ(Stats().msi_routes, 1u);
	EXPECT_EQ(Stats().irqfd_assigns, irqfds);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_MSIX_IRQ_INDEX, 0), 0);
	uint64_t pba = 0;
	ASSERT_EQ(vmpci_device_bar_read(dev, 0, 0x3000, 8, &pba), 0);
	EXPECT_EQ(pba & 1, 1u);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 0);
	uint32_t unmasked = 0;
	ASSERT_EQ(vmpci_device_bar_write(dev, 0, 0x2000 + 12, 4, &unmasked), 0);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 1);
	ASSERT_EQ(vmpci_device_bar_read(dev, 0, 0x3000, 8, &pba), 0);
	EXPECT_EQ(pba & 1, 0u);
}

TEST_F(DeviceTest, MsixDisableRewiresIntx)
{
	ASSERT_EQ(Create(kNvme), 0);
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, 0);
	struct vmpci_vfio_sim_irq_state st;
	ASSERT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_MSIX_IRQ_INDEX, &st), 0);
	EXPECT_FALSE(st.enabled);
	ASSERT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_INTX_IRQ_INDEX, &st), 0);
	EXPECT_TRUE(st.enabled);
	EXPECT_GE(st.unmask_fd, 0); // EOI through the resample eventfd
	EXPECT_EQ(Stats().intx_routes, 1u);
}

TEST_F(DeviceTest, IntxIsWiredWithAResampleEventfd)
{
	ASSERT_EQ(Create(kEdu), 0);
	struct vmpci_vfio_sim_irq_state st;
	ASSERT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_INTX_IRQ_INDEX, &st), 0);
	EXPECT_TRUE(st.enabled);
	EXPECT_GE(st.unmask_fd, 0);
	EXPECT_EQ(Stats().intx_routes, 1u);
}

TEST_F(DeviceTest, MsiEnableAttachesTheMsiIndex)
{
	ASSERT_EQ(Create(kEdu), 0);
	SetCfg(0x40 + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
	SetCfg(0x40 + PCI_MSI_DATA_64, 2, kVector);
	SetCfg(0x40 + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	ExpectWiredAndDelivered(sim, vm, VFIO_PCI_MSI_IRQ_INDEX, 1);
}

TEST_F(DeviceTest, HiddenExtendedCapabilityStaysHidden)
{
	ASSERT_EQ(vmpci_vfio_sim_new_from_files(kE1000e, vmpci_kvm_host_ops(kvm),
						&sim), 0);
	vmpci_device_params c;
	Config(&c);
	c.hidden_ext_caps[c.nr_hidden_ext_caps++] = PCI_EXT_CAP_ID_ERR;
	ASSERT_EQ(vmpci_device_new(&c, &dev), 0);
	uint32_t hdr = Cfg(0x100);
	EXPECT_EQ(hdr & 0xffff, 0u); // empty header at 0x100
	EXPECT_EQ(hdr >> 20, 0x140u); // pointing at the serial number cap
}

TEST_F(DeviceTest, FreeReleasesSlotsRoutesAndRanges)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	ProgramMsix(0, 0x2000, 0, kVector, false);
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	vmpci_device_free(dev);
	dev = nullptr;
	struct vmpci_kvm_host_stats s = Stats();
	EXPECT_EQ(s.memory_slots, 0u);
	EXPECT_EQ(s.msi_routes, 0u);
	EXPECT_EQ(s.intx_routes, 0u);
	EXPECT_EQ(vmpci_alloc_count(mmio64), 0u);
	struct vmpci_vfio_sim_irq_state st;
	ASSERT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_MSIX_IRQ_INDEX, &st), 0);
	EXPECT_FALSE(st.enabled);
}

TEST_F(DeviceTest, PlaceFailsWholeWhenAPoolIsMissing)
{
	ASSERT_EQ(vmpci_vfio_sim_new_from_files(kE1000e, vmpci_kvm_host_ops(kvm),
						&sim), 0);
	vmpci_device_params c;
	Config(&c);
	c.pools.io = nullptr; // e1000e has an I/O BAR
	ASSERT_EQ(vmpci_device_new(&c, &dev), 0);
	EXPECT_EQ(vmpci_device_place_bars(dev), -ENOSPC);
	EXPECT_EQ(vmpci_alloc_count(mmio32), 0u);
	EXPECT_EQ(Stats().memory_slots, 0u);
	EXPECT_FALSE(Bar(0).placed);
}

TEST_F(DeviceTest, RestoreIntoAFreshDeviceShowsTheGuestTheSameDevice)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	SetCfg(PCI_INTERRUPT_LINE, 1, 11);
	ProgramMsix(0, 0x2000, 0, kVector, false);
	ProgramMsix(0, 0x2000, 3, kVector + 1, true);
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	State before = Save(dev);
	std::vector<uint8_t> config = Dump(dev);
	uint64_t addr = Bar(0).addr;
	vmpci_device_free(dev);
	dev = nullptr;

	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_state_set(dev, before.get()), 0);
	EXPECT_EQ(Dump(dev), config);
	EXPECT_EQ(Bar(0).addr, addr);
	State after = Save(dev);
	EXPECT_EQ(std::memcmp(&before->msix, &after->msix, sizeof(before->msix)), 0);
	// Vector 0 routed, vector 3 (programmed, masked) a masked route.
	EXPECT_EQ(Stats().msi_routes, 2u);
	EXPECT_EQ(Stats().memory_slots, 1u);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_MSIX_IRQ_INDEX, 0), 0);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 1);
}

// The destination made its eventfds before the downtime: the restore wires
// exactly those to VFIO and delivers through them.
TEST_F(DeviceTest, RestoreIntoAPreparedDeviceUsesTheEventfdsMadeBeforehand)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ProgramMsix(0, 0x2000, 0, kVector, false);
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	State before = Save(dev);
	vmpci_device_free(dev);
	dev = nullptr;

	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_state_prepare(dev), 0);
	EXPECT_EQ(vmpci_device_irq_eventfd(dev, VFIO_PCI_MSIX_IRQ_INDEX, 0),
		  -ENOENT); // MSI-X is off until the restore enables it
	ASSERT_EQ(vmpci_device_state_set(dev, before.get()), 0);
	int fd = vmpci_device_irq_eventfd(dev, VFIO_PCI_MSIX_IRQ_INDEX, 0);
	ASSERT_GE(fd, 0);
	ExpectWiredAndDelivered(sim, vm, VFIO_PCI_MSIX_IRQ_INDEX, 1);
}

TEST_F(DeviceTest, RestoreOfAnotherDeviceChangesNothing)
{
	ASSERT_EQ(Create(kEdu), 0);
	State edu = Save(dev);
	vmpci_device_free(dev);
	dev = nullptr;
	vmpci_vfio_sim_free(sim);
	sim = nullptr;
	ASSERT_EQ(Create(kNvme), 0);
	std::vector<uint8_t> config = Dump(dev);
	EXPECT_EQ(vmpci_device_state_set(dev, edu.get()), -ENODEV);
	EXPECT_EQ(Dump(dev), config);
	EXPECT_EQ(Stats().memory_slots, 0u);
	EXPECT_FALSE(logs.empty());
}

TEST_F(DeviceTest, RestoreWithATakenRangeRollsBackEverything)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	ProgramMsix(0, 0x2000, 0, kVector, false);
	SetCfg(0x40 + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	State st = Save(dev);
	vmpci_device_free(dev);
	dev = nullptr;
	// Someone else now holds the BAR's old range.
	ASSERT_EQ(vmpci_alloc_take_at(mmio64, st->config.bars[0].addr, 0x4000, 1), 0);
	ASSERT_EQ(Create(kNvme), 0);
	std::vector<uint8_t> config = Dump(dev);
	EXPECT_EQ(vmpci_device_state_set(dev, st.get()), -EEXIST);
	EXPECT_EQ(Dump(dev), config);
	EXPECT_EQ(Stats().memory_slots, 0u);
	EXPECT_EQ(Stats().msi_routes, 0u);
	EXPECT_EQ(vmpci_alloc_count(mmio64), 1u);
}

} // namespace

namespace {

// vCPU threads access one device at once: config reads and writes, trapped
// MSI-X table writes and BAR reads. The device serializes them itself; run
// under --config=tsan this also proves there is no data race.
TEST_F(DeviceTest, ConcurrentAccessesFromSeveralThreadsStayConsistent)
{
	ASSERT_EQ(Create(kNvme), 0);
	ASSERT_EQ(vmpci_device_place_bars(dev), 0);
	std::vector<std::thread> threads;
	std::atomic<int> errors{0};
	for (int t = 0; t < 4; t++) {
		threads.emplace_back([this, t, &errors] {
			for (uint32_t i = 0; i < 2000; i++) {
				uint32_t v = 0;
				uint32_t data = i;
				if (vmpci_device_config_read(dev, PCI_VENDOR_ID, 4, &v) ||
				    v != 0x00101b36u)
					errors++;
				if (vmpci_device_bar_write(dev, 0, 0x2000 + 16 * t + 8, 4,
							   &data))
					errors++;
				if (vmpci_device_bar_read(dev, 0, 0x2000 + 16 * t + 8, 4,
							  &v) ||
				    v != i)
					errors++;
				vmpci_device_config_write(dev, PCI_INTERRUPT_LINE, 1, i & 0xff);
			}
		});
	}
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(errors.load(), 0);
}

} // namespace

namespace {

// Every shipped fixture: place the BARs, enable MSI-X or MSI where the
// function has it, snapshot to the JSON document, restore into a fresh
// device on the same function; the guest-visible config space, the BAR map
// and the interrupt state come back identical.
TEST_F(DeviceTest, EveryFixtureRoundTripsThroughTheDocument)
{
	for (const vmpci_test_fixture &fx : vmpci_test_fixtures) {
		const char *f = fx.path;

		SCOPED_TRACE(f);
		ASSERT_EQ(Create(f), 0);
		ASSERT_EQ(vmpci_device_place_bars(dev), 0);
		SetCfg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		// One message kind at a time, as a guest driver does (vfio-pci
		// refuses both): MSI-X where the function has it, else MSI.
		struct vmpci_cap cap, msi = {}, msix = {};
		for (size_t i = 0; vmpci_device_cap_get(dev, i, &cap) == 0; i++) {
			if (cap.flags & (VMPCI_CAP_EXTENDED | VMPCI_CAP_HEADER))
				continue;
			if (cap.id == PCI_CAP_ID_MSIX)
				msix = cap;
			if (cap.id == PCI_CAP_ID_MSI)
				msi = cap;
		}
		if (msix.offset) {
			SetCfg(msix.offset + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
		} else if (msi.offset) {
			SetCfg(msi.offset + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
			SetCfg(msi.offset + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
		}
		std::vector<uint8_t> config = Dump(dev);
		vmpci_device_bar bars[VMPCI_BAR_COUNT];
		for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++)
			bars[i] = Bar(i);
		State before = Save(dev);
		char *json = nullptr;
		ASSERT_EQ(vmpci_snapshot_save(dev, &json), 0);
		vmpci_device_free(dev);
		dev = nullptr;

		ASSERT_EQ(Create(f), 0);
		EXPECT_EQ(vmpci_snapshot_restore(dev, json, strlen(json)), 0)
			<< vmpci_device_errmsg(dev);
		free(json);
		EXPECT_EQ(Dump(dev), config);
		for (unsigned i = 0; i < VMPCI_BAR_COUNT; i++) {
			vmpci_device_bar b = Bar(i);
			EXPECT_EQ(b.addr, bars[i].addr) << "BAR" << i;
			EXPECT_EQ(b.nr_mapped, bars[i].nr_mapped) << "BAR" << i;
		}
		State after = Save(dev);
		EXPECT_EQ(std::memcmp(&before->msi, &after->msi, sizeof(before->msi)), 0);
		EXPECT_EQ(std::memcmp(&before->msix, &after->msix, sizeof(before->msix)), 0);
		EXPECT_EQ(std::memcmp(&before->intx, &after->intx, sizeof(before->intx)), 0);
		vmpci_device_free(dev);
		dev = nullptr;
		vmpci_vfio_sim_free(sim);
		sim = nullptr;
		EXPECT_EQ(Stats().memory_slots, 0u);
		EXPECT_EQ(Stats().msi_routes, 0u);
	}
}

} // namespace
