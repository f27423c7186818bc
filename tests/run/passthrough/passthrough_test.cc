// The passthrough half of `vmpci run` on a run VM object with the host's
// KVM (VM, irqchip, memory slots, irqfds; no vCPU runs): a simulated
// function from a real config-space fixture is attached, and the test plays
// the vCPU threads through the VM's trap dispatch (run_io_dispatch) and the
// guest's config accesses through the VM's bus.
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/shim/vmpci_c.h"
#include "tests/support/fixtures.h"

extern "C" {
#include "tools/run/passthrough.h"
#include "tools/run/vm_internal.h"
}

namespace {

constexpr const char *kNvme = VMPCI_TEST_NVME;
constexpr const char *kVirtioNetLegacy = VMPCI_TEST_VIRTIO_NET;
constexpr uint64_t kMem = 64ull << 20;
// QEMU nvme: MSI-X table at BAR0 + 0x2000, PBA at BAR0 + 0x3000.
constexpr uint64_t kTable = 0x2000;
constexpr uint64_t kPba = 0x3000;

class PassthroughTest : public ::testing::Test {
protected:
	run_vm *vm = nullptr;
	run_passthrough *pt = nullptr;
	vmpci_vfio_sim *sim = nullptr;
	uint8_t slot = 0;
	std::string dir;

	void SetUp() override
	{
		if (access("/dev/kvm", R_OK | W_OK))
			GTEST_SKIP() << "no /dev/kvm: a run VM needs KVM";
		const char *tmp = getenv("TEST_TMPDIR");
		std::string tmpl = std::string(tmp ? tmp : "/tmp") + "/snapshots.XXXXXX";
		ASSERT_NE(mkdtemp(&tmpl[0]), nullptr);
		dir = tmpl;
		ASSERT_EQ(run_vm_new(kMem, &vm), 0);
		ASSERT_EQ(run_vm_open_kvm(vm, "/dev/kvm"), 0);
		ASSERT_EQ(run_passthrough_new(vm, dir.c_str(), &pt), 0);
		ASSERT_EQ(run_passthrough_start(pt), 0);
	}

	void TearDown() override
	{
		run_passthrough_free(pt);
		vmpci_vfio_sim_free(sim);
		run_vm_free(vm);
		if (!dir.empty())
			rmdir(dir.c_str());
	}

	void Attach(const char *fixture)
	{
		ASSERT_EQ(vmpci_vfio_sim_new_from_files(fixture, nullptr, &sim), 0);
		ASSERT_EQ(run_passthrough_attach(pt, vmpci_vfio_sim_backend(sim),
						 "sim", &slot),
			  0);
	}

	uint32_t Config(uint16_t reg, unsigned size = 4)
	{
		uint32_t v = 0;
		EXPECT_EQ(vmpci_bus_read(run_vm_bus(vm), 0, slot, 0, reg, size, &v), 0);
		return v;
	}

	void SetConfig(uint16_t reg, unsigned size, uint32_t v)
	{
		EXPECT_EQ(vmpci_bus_write(run_vm_bus(vm), 0, slot, 0, reg, size, v), 0);
	}

	// A vCPU's trapped access, as the core hands it over.
	uint32_t Read(run_space space, uint64_t addr)
	{
		uint32_t v = 0;
		run_io_dispatch(vm, space, addr, reinterpret_cast<uint8_t *>(&v), 4, false);
		return v;
	}

	void Write(run_space space, uint64_t addr, uint32_t v)
	{
		run_io_dispatch(vm, space, addr, reinterpret_cast<uint8_t *>(&v), 4, true);
	}

	vmpci_device_bar Bar(unsigned index)
	{
		vmpci_device_bar b = {};
		EXPECT_EQ(vmpci_device_bar_get(run_passthrough_device(pt, 0), index, &b), 0);
		return b;
	}

	uint16_t MsixCap()
	{
		for (uint8_t p = Config(PCI_CAPABILITY_LIST, 1); p; p = Config(p + 1, 1))
			if (Config(p, 1) == PCI_CAP_ID_MSIX)
				return p;
		ADD_FAILURE() << "no MSI-X capability";
		return 0;
	}

	// The IOAPIC's input lines as KVM sees them.
	uint32_t IoapicIrr()
	{
		kvm_irqchip chip = {};
		chip.chip_id = KVM_IRQCHIP_IOAPIC;
		EXPECT_EQ(ioctl(run_vm_fd(vm), KVM_GET_IRQCHIP, &chip), 0);
		return chip.chip.ioapic.irr;
	}
};

TEST_F(PassthroughTest, FunctionAppearsOnItsOwnSlotWithItsIds)
{
	Attach(kNvme);
	EXPECT_EQ(slot, 1); // 0 is the host bridge
	EXPECT_EQ(Config(PCI_VENDOR_ID), 0x00101b36u);
	EXPECT_EQ(run_passthrough_count(pt), 1u);
}

TEST_F(PassthroughTest, BarsArePlacedInsideTheVmsBarWindows)
{
	Attach(kNvme);
	vmpci_device_bar b = Bar(0);
	ASSERT_TRUE(b.placed);
	EXPECT_GE(b.addr, RUN_MMIO64_BASE);
	EXPECT_LE(b.addr + b.size, RUN_MMIO64_BASE + RUN_MMIO64_SIZE);
	// The guest reads the same address from the BAR registers.
	EXPECT_EQ(Config(PCI_BASE_ADDRESS_0) & ~0xfu, static_cast<uint32_t>(b.addr));
	EXPECT_EQ(Config(PCI_BASE_ADDRESS_1), static_cast<uint32_t>(b.addr >> 32));
}

TEST_F(PassthroughTest, TrappedMmioInTheWindowReachesTheDevice)
{
	Attach(kNvme);
	uint64_t bar0 = Bar(0).addr;
	// MSI-X entry 0's data: trapped, served by the device's model.
	Write(RUN_SPACE_MMIO, bar0 + kTable + 8, 0x4041);
	EXPECT_EQ(Read(RUN_SPACE_MMIO, bar0 + kTable + 8), 0x4041u);
	uint32_t data = 0;
	ASSERT_EQ(vmpci_device_bar_read(run_passthrough_device(pt, 0), 0, kTable + 8, 4, &data), 0);
	EXPECT_EQ(data, 0x4041u);
}

TEST_F(PassthroughTest, WindowAddressOutsideAnyBarReadsAllOnes)
{
	Attach(kNvme);
	EXPECT_EQ(Read(RUN_SPACE_MMIO, RUN_MMIO32_BASE), 0xffffffffu);
	EXPECT_EQ(Read(RUN_SPACE_PIO, RUN_PIO_BASE), 0xffffffffu);
}

TEST_F(PassthroughTest, GuestMoveOfABarIsFollowedByTheDispatch)
{
	Attach(kNvme);
	uint64_t old_addr = Bar(0).addr, new_addr = RUN_MMIO32_BASE + 0x100000;
	Write(RUN_SPACE_MMIO, old_addr + kTable + 8, 0x77);
	// As Linux reassigns a BAR: decode off, both halves, decode on.
	uint32_t cmd = Config(PCI_COMMAND, 2);
	SetConfig(PCI_COMMAND, 2, cmd & ~PCI_COMMAND_MEMORY);
	SetConfig(PCI_BASE_ADDRESS_0, 4, static_cast<uint32_t>(new_addr));
	SetConfig(PCI_BASE_ADDRESS_1, 4, 0);
	SetConfig(PCI_COMMAND, 2, cmd | PCI_COMMAND_MEMORY);
	ASSERT_EQ(Bar(0).addr, new_addr);
	EXPECT_EQ(Read(RUN_SPACE_MMIO, new_addr + kTable + 8), 0x77u);
	EXPECT_EQ(Read(RUN_SPACE_MMIO, old_addr + kTable + 8), 0xffffffffu);
}

// vCPU threads reach BARs while another vCPU moves one: bar_moved runs with
// the device's lock held and a BAR access takes it, so the dispatch must
// never hold its own lock while calling the device (a deadlock hangs here).
TEST_F(PassthroughTest, TrappedAccessesOnTwoThreadsRaceAGuestMoveWithoutDeadlock)
{
	Attach(kNvme);
	// Two places in the two windows (low dwords clear of the sizing mask).
	const uint64_t a = RUN_MMIO64_BASE + 0x200000, b = RUN_MMIO32_BASE + 0x100000;
	Write(RUN_SPACE_MMIO, Bar(0).addr + kTable + 8, 0x55);
	auto reader = [&] {
		for (int i = 0; i < 2000; i++) {
			uint32_t v = Read(RUN_SPACE_MMIO, (i & 1 ? a : b) + kTable + 8);
			// Wherever the BAR is, the other address floats.
			EXPECT_TRUE(v == 0x55u || v == 0xffffffffu) << std::hex << v;
		}
	};
	uint32_t cmd = Config(PCI_COMMAND, 2) | PCI_COMMAND_MEMORY;
	std::thread t1(reader), t2(reader);
	for (int i = 0; i < 200; i++) {
		uint64_t to = i & 1 ? a : b;
		SetConfig(PCI_COMMAND, 2, cmd & ~PCI_COMMAND_MEMORY);
		SetConfig(PCI_BASE_ADDRESS_0, 4, static_cast<uint32_t>(to));
		SetConfig(PCI_BASE_ADDRESS_1, 4, static_cast<uint32_t>(to >> 32));
		SetConfig(PCI_COMMAND, 2, cmd);
	}
	t1.join();
	t2.join();
	EXPECT_EQ(Bar(0).addr, a);
	EXPECT_EQ(Read(RUN_SPACE_MMIO, a + kTable + 8), 0x55u);
}

TEST_F(PassthroughTest, IoBarInThePioWindowReachesTheFunction)
{
	Attach(kVirtioNetLegacy);
	vmpci_device_bar b = Bar(0);
	ASSERT_TRUE(b.type & VMPCI_BAR_IO);
	ASSERT_TRUE(b.placed);
	EXPECT_GE(b.addr, RUN_PIO_BASE);
	EXPECT_LE(b.addr + b.size, RUN_PIO_BASE + RUN_PIO_SIZE);
	// Offset 0x04: guest features, a register the function keeps.
	Write(RUN_SPACE_PIO, b.addr + 4, 0xa5a5a5a5);
	const vmpci_vfio_backend *be = vmpci_vfio_sim_backend(sim);
	uint32_t v = 0;
	ASSERT_EQ(be->ops->region_read(be->opaque, 0, 4, &v, 4), 0);
	EXPECT_EQ(v, 0xa5a5a5a5u);
	EXPECT_EQ(Read(RUN_SPACE_PIO, b.addr + 4), 0xa5a5a5a5u);
}

TEST_F(PassthroughTest, GuestRamIsMappedForDmaAtItsGuestAddresses)
{
	Attach(kNvme);
	const run_ram_region *ram;
	size_t n = run_vm_ram(vm, &ram);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += ram[i].size;
	uint32_t count = 0;
	uint64_t bytes = 0;
	vmpci_vfio_sim_dma_stats(sim, &count, &bytes);
	EXPECT_EQ(count, n);
	EXPECT_EQ(bytes, total);
	// IOVA = GPA: a second map of guest RAM's first page collides.
	const vmpci_vfio_backend *be = vmpci_vfio_sim_backend(sim);
	EXPECT_EQ(be->ops->dma_map(be->opaque, ram[0].gpa, 4096, ram[0].host,
				   VFIO_DMA_MAP_FLAG_READ),
		  -EEXIST);
}

TEST_F(PassthroughTest, FreeUnmapsGuestRamFromTheFunction)
{
	Attach(kNvme);
	run_passthrough_free(pt);
	pt = nullptr;
	uint32_t count = 1;
	uint64_t bytes = 1;
	vmpci_vfio_sim_dma_stats(sim, &count, &bytes);
	EXPECT_EQ(count, 0u);
	EXPECT_EQ(bytes, 0u);
}

TEST_F(PassthroughTest, IntxAssertsTheIoapicPinTheGuestWasTold)
{
	Attach(kNvme);
	uint32_t pin = Config(PCI_INTERRUPT_PIN, 1);
	ASSERT_GE(pin, 1u);
	unsigned gsi = run_intx_gsi(slot, pin - 1);
	ASSERT_EQ(IoapicIrr() & (1u << gsi), 0u);
	ASSERT_EQ(vmpci_vfio_sim_fire(sim, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
	// KVM injects an irqfd's signal from a worker: wait (bounded) for it.
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
	while (!(IoapicIrr() & (1u << gsi)) && std::chrono::steady_clock::now() < deadline)
		;
	EXPECT_EQ(IoapicIrr(), 1u << gsi);
}

TEST_F(PassthroughTest, RestoreKeepsConfigSpaceByteIdentical)
{
	Attach(kNvme);
	uint64_t bar0 = Bar(0).addr;
	uint16_t msix = MsixCap();
	Write(RUN_SPACE_MMIO, bar0 + kTable + 8, 0x4041);
	SetConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	SetConfig(msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	uint8_t before[4096], after[4096];
	vmpci_device *old_dev = run_passthrough_device(pt, 0);
	ASSERT_EQ(vmpci_device_config_dump(old_dev, before, sizeof(before)), 0);

	ASSERT_EQ(run_passthrough_restore(pt), 0);

	ASSERT_NE(run_passthrough_device(pt, 0), nullptr);
	ASSERT_EQ(vmpci_device_config_dump(run_passthrough_device(pt, 0), after, sizeof(after)), 0);
	EXPECT_EQ(std::memcmp(before, after, sizeof(before)), 0);
	EXPECT_EQ(Bar(0).addr, bar0);
	EXPECT_EQ(Read(RUN_SPACE_MMIO, bar0 + kTable + 8), 0x4041u);
	struct vmpci_vfio_sim_irq_state msix_state = {};
	ASSERT_EQ(vmpci_vfio_sim_irq_state_get(sim, VFIO_PCI_MSIX_IRQ_INDEX, &msix_state), 0);
	EXPECT_TRUE(msix_state.enabled);
}

TEST_F(PassthroughTest, RestoreNeverResetsTheFunctionNorRemapsItsDma)
{
	Attach(kNvme);
	uint64_t resets = vmpci_vfio_sim_resets(sim);
	ASSERT_EQ(run_passthrough_restore(pt), 0);
	ASSERT_EQ(run_passthrough_restore(pt), 0);
	EXPECT_EQ(vmpci_vfio_sim_resets(sim), resets);
	uint32_t count = 0;
	uint64_t bytes = 0;
	vmpci_vfio_sim_dma_stats(sim, &count, &bytes);
	const run_ram_region *ram;
	EXPECT_EQ(count, run_vm_ram(vm, &ram));
}

TEST_F(PassthroughTest, RestoreRedeliversEnabledVectorsSoNoInterruptIsLostInTheGap)
{
	Attach(kNvme);
	uint64_t bar0 = Bar(0).addr;
	SetConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	SetConfig(MsixCap() + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	// Entry 0 stays masked, so the redelivery shows as its pending bit.
	ASSERT_EQ(Read(RUN_SPACE_MMIO, bar0 + kPba), 0u);
	ASSERT_EQ(run_passthrough_restore(pt), 0);
	EXPECT_EQ(Read(RUN_SPACE_MMIO, bar0 + kPba), 1u);
}

TEST_F(PassthroughTest, RestoreWritesEachFunctionsSnapshotDocument)
{
	Attach(kNvme);
	ASSERT_EQ(run_passthrough_restore(pt), 0);
	std::string path = dir + "/vmpci-run-" +
			   std::to_string(getpid()) + "-slot1.json";
	FILE *f = fopen(path.c_str(), "r");
	ASSERT_NE(f, nullptr) << path;
	char head[64] = {};
	fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	EXPECT_NE(std::strstr(head, "vmpci-snapshot"), nullptr) << head;
	// Nothing is left behind once the VM is gone.
	run_passthrough_free(pt);
	pt = nullptr;
	EXPECT_NE(access(path.c_str(), F_OK), 0);
}

TEST_F(PassthroughTest, MissingBdfIsRefusedAndNothingIsAttached)
{
	EXPECT_EQ(run_passthrough_add_vfio(pt, "0000:ff:1f.7"), -ENODEV);
	EXPECT_EQ(run_passthrough_count(pt), 0u);
	EXPECT_EQ(vmpci_bus_slot_is_allocated(run_vm_bus(vm), 0, 1), 0);
}

} // namespace
