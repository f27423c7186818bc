// The demo VM on real KVM: the built-in 32-bit guest enumerates bus 0,
// places the QEMU nvme function's 64-bit BAR0 and enables MSI-X against a
// test-only PCI responder serving the function's real config space; the
// test checks what the guest reported in its mailbox and which exits it took.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "tests/demo/pci_responder.h"
#include "tests/support/fixtures.h"
#include "tools/demo/kvm_vm.h"

namespace {

const char kNvmeConfig[] = VMPCI_TEST_NVME ".bin";
const char kNvmeResource[] = VMPCI_TEST_NVME ".resource";

constexpr uint8_t kNvmeDevfn = 4 << 3; // 00:04.0
constexpr uint64_t kBarGpa = 0xe0000000;
constexpr uint32_t kMappedOffset = 0x100;
constexpr uint32_t kVector = 0x40;
constexpr uint32_t kMaxExits = 10000;

// BAR0's size from the sysfs resource file: "start end flags" per line.
uint64_t Bar0Size()
{
	unsigned long long start = 0, end = 0;
	FILE *f = fopen(kNvmeResource, "r");

	EXPECT_NE(f, nullptr) << kNvmeResource;
	if (!f)
		return 0;
	EXPECT_EQ(fscanf(f, "%llx %llx", &start, &end), 2);
	fclose(f);
	return end - start + 1;
}

class DemoVmTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		if (access("/dev/kvm", F_OK) != 0)
			GTEST_SKIP() << "no /dev/kvm: " << strerror(errno);
	}

	void TearDown() override { demo_vm_free(vm); }

	// Build the VM, attach the responder and fill the mailbox's host
	// fields; tests may change the mailbox before Run().
	void Start()
	{
		ASSERT_EQ(demo_vm_new(&PciResponder::kOps, &bus, &vm), 0);
		bus.AttachVm(demo_vm_fd(vm));
		mb = demo_vm_mailbox(vm);
		mb->magic = DEMO_MAILBOX_MAGIC;
		mb->msix_vector = kVector;
		mb->bar0_gpa = kBarGpa;
		mb->mapped_offset = kMappedOffset;
	}

	// The usual bus: a host bridge at 00:00.0 and nvme at 00:04.0.
	void RunNvmeGuest()
	{
		bus.AddHostBridge(0);
		bus.AddEndpoint(kNvmeDevfn, kNvmeConfig, Bar0Size());
		Start();
		ASSERT_EQ(demo_vm_run(vm, kMaxExits, &status), 0);
		ASSERT_EQ(status, DEMO_STATUS_OK);
	}

	// Values the guest wrote to the 16-bit config register at `off`.
	std::vector<uint16_t> ConfigWrites16(uint16_t off) const
	{
		std::vector<uint16_t> v;

		for (const auto &w : bus.config_writes16)
			if (w.first == off)
				v.push_back(w.second);
		return v;
	}

	PciResponder bus;
	demo_vm *vm = nullptr;
	demo_mailbox *mb = nullptr;
	uint32_t status = ~0u;
};

TEST_F(DemoVmTest, GuestEnumeratesHostBridgeAndNvmeOnBus0)
{
	RunNvmeGuest();
	ASSERT_EQ(mb->nfuncs, 2u);
	EXPECT_EQ(mb->funcs[0].devfn, 0u);
	EXPECT_EQ(mb->funcs[0].vendor, 0x8086);
	EXPECT_EQ(mb->funcs[0].device, 0x29c0);
	EXPECT_EQ(mb->funcs[0].class_code, 0x060000u);
	EXPECT_EQ(mb->funcs[1].devfn, kNvmeDevfn);
	EXPECT_EQ(mb->funcs[1].vendor, 0x1b36);
	EXPECT_EQ(mb->funcs[1].device, 0x0010);
	EXPECT_EQ(mb->funcs[1].class_code, 0x010802u);
	EXPECT_EQ(mb->funcs[1].header_type, 0u);
	EXPECT_EQ(mb->devfn, kNvmeDevfn);
	EXPECT_EQ(mb->status, DEMO_STATUS_OK);
}

TEST_F(DemoVmTest, GuestScansFunctions1To7OnlyOnMultiFunctionDevices)
{
	bus.AddHostBridge(0);
	// ICH9 LPC (multi-function) with SATA at function 2.
	bus.AddFunction(3 << 3 | 0, 0x8086, 0x2918, 0x060100, 0x80);
	bus.AddFunction(3 << 3 | 2, 0x8086, 0x2922, 0x010601, 0x00);
	// A single-function device also answering at function 1, which an OS
	// must not enumerate.
	bus.AddFunction(6 << 3 | 0, 0x1af4, 0x1000, 0x020000, 0x00);
	bus.AddFunction(6 << 3 | 1, 0x1af4, 0x1000, 0x020000, 0x00);
	Start();
	ASSERT_EQ(demo_vm_run(vm, kMaxExits, &status), 0);

	std::vector<uint32_t> devfns;
	for (uint32_t i = 0; i < mb->nfuncs; i++)
		devfns.push_back(mb->funcs[i].devfn);
	EXPECT_EQ(devfns, (std::vector<uint32_t>{ 0x00, 0x18, 0x1a, 0x30 }));
	EXPECT_EQ(mb->funcs[1].header_type, 0x80u);
	EXPECT_EQ(mb->funcs[2].class_code, 0x010601u);
	// The first function that is not a host bridge is the LPC bridge
	// (class 0x0601), which has no BAR0.
	EXPECT_EQ(mb->devfn, 0x18u);
	EXPECT_EQ(status, DEMO_STATUS_BAR0_NOT_MEMORY);
}

TEST_F(DemoVmTest, GuestSizesAndPlacesThe64BitBar0WhereTheHostSays)
{
	RunNvmeGuest();
	EXPECT_EQ(mb->bar0_orig_lo, 0xfe940004u); // the fixture's value
	EXPECT_EQ(mb->bar0_orig_hi, 0u);
	EXPECT_EQ(mb->bar0_is_64, 1u);
	EXPECT_EQ(mb->bar0_mask_lo, 0xffffc004u);
	EXPECT_EQ(mb->bar0_mask_hi, 0xffffffffu);
	EXPECT_EQ(mb->bar0_size, 0x4000u);
	EXPECT_EQ(mb->bar0_lo, 0xe0000004u);
	EXPECT_EQ(mb->bar0_hi, 0u);
	// The fixture's COMMAND (0x0107: I/O, memory, bus master, SERR)
	// comes back as it was, memory and bus master on.
	EXPECT_EQ(mb->command, 0x0107u);
	// Decode was off while BAR0 held the probe and the new address.
	EXPECT_EQ(ConfigWrites16(0x04),
		  (std::vector<uint16_t>{ 0x0104, 0x0107 }));
}

TEST_F(DemoVmTest, GuestEnablesMsixWithTheFunctionMaskedFirst)
{
	RunNvmeGuest();
	EXPECT_EQ(mb->msix_cap, 0x40u);
	EXPECT_EQ(mb->msix_table, 0x2000u); // BIR 0, offset 0x2000
	EXPECT_EQ(mb->msix_pba, 0x3000u);   // BIR 0, offset 0x3000
	EXPECT_EQ(mb->msix_ctrl, 0x8040u);  // enabled, 65 vectors
	EXPECT_EQ(ConfigWrites16(0x42),
		  (std::vector<uint16_t>{ 0xc040, 0x8040 }));
}

TEST_F(DemoVmTest, GuestReadsTheMappedBarPartWithoutAnExit)
{
	RunNvmeGuest();
	EXPECT_EQ(mb->mapped_value, PciResponder::Pattern(kMappedOffset));
	for (const MmioAccess &a : bus.mmio_log)
		EXPECT_GE(a.gpa, kBarGpa + PciResponder::kTableOffset)
			<< std::hex << a.gpa;
}

TEST_F(DemoVmTest, GuestProgramsMsixEntry0ThroughTrappedAccesses)
{
	RunNvmeGuest();
	const uint64_t e0 = kBarGpa + PciResponder::kTableOffset;
	const std::vector<MmioAccess> want = {
		{ e0 + 0x0, 4, true, 0xfee00000 }, // address: LAPIC 0
		{ e0 + 0x4, 4, true, 0 },          // upper address
		{ e0 + 0x8, 4, true, kVector },    // data: fixed, edge
		{ e0 + 0xc, 4, true, 0 },          // vector control: unmask
		{ e0 + 0x8, 4, false, kVector },   // read back
	};
	EXPECT_EQ(bus.mmio_log, want);
	EXPECT_EQ(mb->table_value, kVector);
}

TEST_F(DemoVmTest, MsiTheGuestProgrammedIsPendingInIrr)
{
	RunNvmeGuest();
	uint32_t addr, data;
	memcpy(&addr, &bus.msix_table[0], sizeof(addr));
	memcpy(&data, &bus.msix_table[8], sizeof(data));
	kvm_msi msi = {};
	msi.address_lo = addr;
	msi.data = data;

	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 0);
	// 1: delivered to one LAPIC.
	EXPECT_EQ(ioctl(demo_vm_fd(vm), KVM_SIGNAL_MSI, &msi), 1);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector), 1);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector + 1), 0);
	EXPECT_EQ(demo_vm_irr_pending(vm, kVector - 1), 0);
}

TEST_F(DemoVmTest, GuestWithoutMailboxMagicReportsBadMailbox)
{
	bus.AddHostBridge(0);
	Start();
	mb->magic = 0;
	ASSERT_EQ(demo_vm_run(vm, kMaxExits, &status), 0);
	EXPECT_EQ(status, DEMO_STATUS_BAD_MAILBOX);
	EXPECT_EQ(mb->nfuncs, 0u);
}

TEST_F(DemoVmTest, GuestWithOnlyAHostBridgeReportsNoDevice)
{
	bus.AddHostBridge(0);
	Start();
	ASSERT_EQ(demo_vm_run(vm, kMaxExits, &status), 0);
	EXPECT_EQ(status, DEMO_STATUS_NO_DEVICE);
	EXPECT_EQ(mb->nfuncs, 1u);
}

TEST_F(DemoVmTest, RunStopsAtTheExitBound)
{
	bus.AddHostBridge(0);
	Start();
	EXPECT_EQ(demo_vm_run(vm, 5, &status), -ETIMEDOUT);
}

TEST_F(DemoVmTest, GuestFaultIsAnUnexpectedExit)
{
	bus.AddHostBridge(0);
	Start();
	// ud2 at the entry point: with no IDT the #UD escalates to a triple
	// fault, which KVM reports as a shutdown.
	uint8_t *ram = reinterpret_cast<uint8_t *>(mb) - DEMO_MAILBOX_GPA;
	ram[DEMO_GUEST_LOAD_GPA] = 0x0f;
	ram[DEMO_GUEST_LOAD_GPA + 1] = 0x0b;
	EXPECT_EQ(demo_vm_run(vm, kMaxExits, &status), -EIO);
}

int FailingPio(void *, uint16_t, uint8_t, bool, uint32_t *)
{
	return -ENODEV;
}

int FailingMmio(void *, uint64_t, uint8_t, bool, uint64_t *)
{
	return -ENODEV;
}

TEST_F(DemoVmTest, CallbackErrorStopsTheRun)
{
	static const demo_vm_ops ops = { FailingPio, FailingMmio, nullptr };

	ASSERT_EQ(demo_vm_new(&ops, nullptr, &vm), 0);
	demo_vm_mailbox(vm)->magic = DEMO_MAILBOX_MAGIC;
	EXPECT_EQ(demo_vm_run(vm, kMaxExits, &status), -ENODEV);
}

TEST_F(DemoVmTest, NewRefusesMissingCallbacks)
{
	const demo_vm_ops ops = { FailingPio, nullptr, nullptr };

	EXPECT_EQ(demo_vm_new(&ops, nullptr, &vm), -EINVAL);
	EXPECT_EQ(vm, nullptr);
}

} // namespace
