// The KVM host on the real /dev/kvm: MSI routes (GSI numbering, one routing
// update per commit, irqfds attached only once live, masking), INTx through
// a resampling irqfd up to the guest's EOI, and memory slots seen from a
// running vCPU. Delivery is checked at the vCPU's local APIC (IRR).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/eventfds.h"
#include "tests/support/kvm_vm.h"
#include "tests/shim/vmpci_c.h"

namespace vmpci_test {
namespace {

constexpr uint64_t kApicAddr = 0xfee00000; // destination APIC id 0

// Real-mode snippets (16-bit code, DS set by the test).
const std::vector<uint8_t> kStoreAndReport = {
	0xb0, 0x77,	  // mov al, 0x77
	0xa2, 0x00, 0x00, // mov [0], al
	0xe6, 0x10,	  // out 0x10, al
};

class KvmHostTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		SKIP_WITHOUT_KVM();
		vm = std::make_unique<KvmVm>();
		ASSERT_TRUE(vm->ok());
		vmpci_kvm_host_params_init(&cfg, vm->vm_fd());
		cfg.slot_base = 1; // slot 0 is the test's RAM
		ASSERT_EQ(vmpci_kvm_host_new(&cfg, &h), 0);
		host = vmpci_kvm_host_ops(h);
	}
	void TearDown() override
	{
		vmpci_kvm_host_free(h);
		for (int fd : fds)
			close(fd);
	}
	int NewEventfd()
	{
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		EXPECT_GE(fd, 0);
		fds.push_back(fd);
		return fd;
	}
	uint32_t AddRoute(int fd, uint8_t vector, uint32_t devid = 0)
	{
		vmpci_msi_msg msg = {kApicAddr, vector, devid};
		uint32_t route = 0;
		EXPECT_EQ(host->ops->add_msi_route(host->opaque, fd, &msg, &route), 0);
		return route;
	}
	int Commit() { return host->ops->commit_routes(host->opaque); }
	int Mask(uint32_t route, bool masked)
	{
		return host->ops->mask_msi_route(host->opaque, route, masked);
	}
	int Remove(uint32_t route)
	{
		return host->ops->remove_msi_route(host->opaque, route);
	}
	struct vmpci_kvm_host_stats Stats()
	{
		struct vmpci_kvm_host_stats s;
		vmpci_kvm_host_stats_get(h, &s);
		return s;
	}
	// A page of host memory (a memfd, as a VMM's BAR mapping would be)
	// whose first byte is `first`.
	void *Page(uint8_t first)
	{
		void *p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		EXPECT_NE(p, MAP_FAILED);
		static_cast<uint8_t *>(p)[0] = first;
		pages.emplace_back(p, [](void *q) { munmap(q, 4096); });
		return p;
	}

	std::unique_ptr<KvmVm> vm;
	vmpci_kvm_host_params cfg;
	vmpci_kvm_host *h = nullptr;
	const vmpci_host *host = nullptr;
	std::vector<int> fds;
	std::vector<std::unique_ptr<void, void (*)(void *)>> pages;
};

TEST_F(KvmHostTest, MsiRouteDeliversToTheLocalApic)
{
	int fd = NewEventfd();
	AddRoute(fd, 0x45);
	ASSERT_EQ(Commit(), 0);
	SignalEventfd(fd);
	EXPECT_TRUE(vm->WaitIrr(0x45));
	EXPECT_FALSE(vm->Irr(0x46));
}

TEST_F(KvmHostTest, RouteIsNotLiveBeforeCommitAndLosesNoSignal)
{
	int fd = NewEventfd();
	AddRoute(fd, 0x47);
	SignalEventfd(fd);
	EXPECT_TRUE(Readable(fd)); // nobody consumed it
	EXPECT_FALSE(vm->Irr(0x47));
	ASSERT_EQ(Commit(), 0);
	EXPECT_TRUE(vm->WaitIrr(0x47));
}

TEST_F(KvmHostTest, MaskedRouteKeepsSignalsInTheEventfdUntilUnmasked)
{
	int fd = NewEventfd();
	uint32_t route = AddRoute(fd, 0x48);
	ASSERT_EQ(Commit(), 0);
	ASSERT_EQ(Mask(route, true), 0);
	SignalEventfd(fd);
	EXPECT_TRUE(Readable(fd));
	EXPECT_FALSE(vm->Irr(0x48));
	ASSERT_EQ(Mask(route, false), 0);
	EXPECT_TRUE(vm->WaitIrr(0x48));
}

TEST_F(KvmHostTest, MaskingCostsNoRoutingUpdate)
{
	uint32_t route = AddRoute(NewEventfd(), 0x49);
	ASSERT_EQ(Commit(), 0);
	uint64_t updates = Stats().routing_updates;
	ASSERT_EQ(Mask(route, true), 0);
	ASSERT_EQ(Mask(route, false), 0);
	ASSERT_EQ(Commit(), 0);
	EXPECT_EQ(Stats().routing_updates, updates);
}

TEST_F(KvmHostTest, OneRoutingUpdateCommitsManyRoutes)
{
	struct vmpci_kvm_host_stats before = Stats();
	std::vector<int> v;
	for (int i = 0; i < 64; i++)
		AddRoute(NewEventfd(), (uint8_t)(0x40 + i));
	ASSERT_EQ(Commit(), 0);
	struct vmpci_kvm_host_stats after = Stats();
	EXPECT_EQ(after.routing_updates, before.routing_updates + 1);
	EXPECT_EQ(after.irqfd_assigns, before.irqfd_assigns + 64);
	EXPECT_EQ(after.msi_routes, 64u);
	SignalEventfd(fds[63]);
	EXPECT_TRUE(vm->WaitIrr(0x40 + 63));
}

TEST_F(KvmHostTest, CommitWithNothingChangedIssuesNoUpdate)
{
	AddRoute(NewEventfd(), 0x4a);
	ASSERT_EQ(Commit(), 0);
	uint64_t updates = Stats().routing_updates;
	ASSERT_EQ(Commit(), 0);
	ASSERT_EQ(Commit(), 0);
	EXPECT_EQ(Stats().routing_updates, updates);
}

TEST_F(KvmHostTest, UpdatedMessageDeliversTheNewVector)
{
	int fd = NewEventfd();
	uint32_t route = AddRoute(fd, 0x50);
	ASSERT_EQ(Commit(), 0);
	vmpci_msi_msg msg = {kApicAddr, 0x51, 0};
	ASSERT_EQ(host->ops->update_msi_route(host->opaque, route, &msg), 0);
	ASSERT_EQ(Commit(), 0);
	SignalEventfd(fd);
	EXPECT_TRUE(vm->WaitIrr(0x51));
	EXPECT_FALSE(vm->Irr(0x50));
}

TEST_F(KvmHostTest, RouteUnmaskedAfterAMessageChangeNeverDeliversTheOldOne)
{
	int fd = NewEventfd();
	uint32_t route = AddRoute(fd, 0x4b);
	ASSERT_EQ(Commit(), 0);
	ASSERT_EQ(Mask(route, true), 0);
	vmpci_msi_msg msg = {kApicAddr, 0x4c, 0};
	ASSERT_EQ(host->ops->update_msi_route(host->opaque, route, &msg), 0);
	ASSERT_EQ(Mask(route, false), 0);
	SignalEventfd(fd);
	EXPECT_TRUE(Readable(fd)); // held until the new message is live
	ASSERT_EQ(Commit(), 0);
	EXPECT_TRUE(vm->WaitIrr(0x4c));
	EXPECT_FALSE(vm->Irr(0x4b));
}

// The GSI cases of cloud-hypervisor's VMM interrupt manager tests.
TEST_F(KvmHostTest, SameRouteTwiceGetsTheSameGsi)
{
	int fd = NewEventfd();
	uint32_t a = AddRoute(fd, 0x52);
	uint32_t b = AddRoute(fd, 0x53);
	EXPECT_EQ(a, b);
	EXPECT_EQ(Stats().msi_routes, 1u);
	ASSERT_EQ(Commit(), 0);
	SignalEventfd(fd);
	EXPECT_TRUE(vm->WaitIrr(0x53));
}

TEST_F(KvmHostTest, DifferentRoutesGetDistinctGsisAboveTheIrqchipPins)
{
	std::set<uint32_t> gsis;
	for (int i = 0; i < 16; i++) {
		uint32_t gsi = AddRoute(NewEventfd(), 0x40);
		EXPECT_GE(gsi, 24u);
		gsis.insert(gsi);
	}
	EXPECT_EQ(gsis.size(), 16u);
}

TEST_F(KvmHostTest, RemovingARouteFreesItsGsiAndStopsDelivery)
{
	int a = NewEventfd();
	uint32_t gsi = AddRoute(a, 0x54);
	ASSERT_EQ(Commit(), 0);
	ASSERT_EQ(Remove(gsi), 0);
	ASSERT_EQ(Commit(), 0);
	SignalEventfd(a);
	EXPECT_TRUE(Readable(a));
	EXPECT_FALSE(vm->Irr(0x54));
	EXPECT_EQ(AddRoute(NewEventfd(), 0x55), gsi);
	EXPECT_EQ(Stats().msi_routes, 1u);
}

TEST_F(KvmHostTest, RemovingARouteThatNeverExistedIsHarmless)
{
	int fd = NewEventfd();
	uint32_t gsi = AddRoute(fd, 0x56);
	ASSERT_EQ(Commit(), 0);
	EXPECT_EQ(Remove(gsi + 1), -ENOENT);
	EXPECT_EQ(Remove(3), -ENOENT);
	EXPECT_EQ(Remove(1u << 30), -ENOENT);
	EXPECT_EQ(Mask(gsi + 1, true), -ENOENT);
	EXPECT_EQ(Stats().msi_routes, 1u);
	SignalEventfd(fd);
	EXPECT_TRUE(vm->WaitIrr(0x56));
}

TEST_F(KvmHostTest, FiveThousandCreateDropCyclesNeverRunOutOfGsis)
{
	int fd = NewEventfd();
	for (int i = 0; i < 5000; i++) {
		uint32_t gsi = AddRoute(fd, 0x57);
		ASSERT_EQ(Commit(), 0) << i;
		ASSERT_EQ(Remove(gsi), 0) << i;
		ASSERT_EQ(Commit(), 0) << i;
	}
	EXPECT_EQ(Stats().msi_routes, 0u);
}

TEST_F(KvmHostTest, DeviceIdIsRoutedOnlyWhereKvmSupportsIt)
{
	int devid_cap = ioctl(vm->vm_fd(), KVM_CHECK_EXTENSION, KVM_CAP_MSI_DEVID);
	EXPECT_EQ(Stats().msi_devid, devid_cap > 0);
	// x86 KVM has no use for device ids (only GICv3 ITS does): a route
	// given one must deliver all the same.
	int fd = NewEventfd();
	AddRoute(fd, 0x58, 0x0810);
	ASSERT_EQ(Commit(), 0);
	SignalEventfd(fd);
	EXPECT_TRUE(vm->WaitIrr(0x58));
}

TEST_F(KvmHostTest, IntxTriggerAssertsTheIoapicPinAfterMsiCommits)
{
	// Committing MSI routes rewrites the whole table: the irqchip pins
	// must still be there for INTx.
	AddRoute(NewEventfd(), 0x59);
	ASSERT_EQ(Commit(), 0);
	vm->ProgramIoapicLevel(16, 0x61);
	int trigger = NewEventfd(), resample = NewEventfd();
	uint32_t route;
	ASSERT_EQ(host->ops->add_intx_route(host->opaque, 0, 0, trigger, resample,
					    &route), 0);
	EXPECT_EQ(Stats().intx_routes, 1u);
	SignalEventfd(trigger);
	EXPECT_TRUE(vm->WaitIrr(0x61));
	EXPECT_FALSE(Readable(resample));
}

TEST_F(KvmHostTest, GuestEoiOfIntxSignalsTheResampleEventfd)
{
	vm->ProgramIoapicLevel(16, 0x61);
	int trigger = NewEventfd(), resample = NewEventfd();
	uint32_t route;
	ASSERT_EQ(host->ops->add_intx_route(host->opaque, 0, 0, trigger, resample,
					    &route), 0);
	SignalEventfd(trigger);
	ASSERT_TRUE(vm->WaitIrr(0x61));
	EXPECT_FALSE(Readable(resample));
	ASSERT_TRUE(vm->TakeInterruptAndEoi(0x61));
	EXPECT_TRUE(Readable(resample));
}

TEST_F(KvmHostTest, IntxPinUsesTheConfiguredGsi)
{
	vmpci_kvm_host_free(h);
	cfg.intx_gsi[1] = 20;
	ASSERT_EQ(vmpci_kvm_host_new(&cfg, &h), 0);
	host = vmpci_kvm_host_ops(h);
	vm->ProgramIoapicLevel(20, 0x62);
	int trigger = NewEventfd(), resample = NewEventfd();
	uint32_t route;
	ASSERT_EQ(host->ops->add_intx_route(host->opaque, 0, 1, trigger, resample,
					    &route), 0);
	SignalEventfd(trigger);
	EXPECT_TRUE(vm->WaitIrr(0x62));
	EXPECT_EQ(host->ops->add_intx_route(host->opaque, 0, 4, trigger, resample,
					    &route), -EINVAL);
	ASSERT_EQ(host->ops->remove_intx_route(host->opaque, route), 0);
	EXPECT_EQ(host->ops->remove_intx_route(host->opaque, route), -ENOENT);
}

// A VMM's line per device: the slot of the requester id swizzled with the
// pin over GSI 16-23, as a _PRT states it; slot 9 is refused.
struct SlotLines {
	std::vector<std::pair<uint32_t, uint32_t>> asked; // (devid, pin)

	static int Gsi(void *opaque, uint32_t devid, uint32_t pin, uint32_t *gsi)
	{
		auto *l = static_cast<SlotLines *>(opaque);
		uint32_t slot = devid >> 3 & 0x1f;

		l->asked.emplace_back(devid, pin);
		if (slot == 9)
			return -ENOSPC;
		*gsi = slot == 10 ? 24 : 16 + (slot + pin) % 8;
		return 0;
	}
};

class KvmHostIntxLineTest : public KvmHostTest {
protected:
	void SetUp() override
	{
		KvmHostTest::SetUp();
		if (IsSkipped() || HasFatalFailure())
			return;
		vmpci_kvm_host_free(h);
		cfg.intx_gsi_fn = SlotLines::Gsi;
		cfg.intx_gsi_opaque = &lines;
		cfg.log = Log;
		cfg.log_opaque = this;
		ASSERT_EQ(vmpci_kvm_host_new(&cfg, &h), 0);
		host = vmpci_kvm_host_ops(h);
	}
	static void Log(void *o, vmpci_log_level, const char *msg)
	{
		static_cast<KvmHostIntxLineTest *>(o)->log.push_back(msg);
	}
	int AddIntx(uint32_t devid, uint32_t pin, int trigger, uint32_t *route)
	{
		return host->ops->add_intx_route(host->opaque, devid, pin, trigger,
						 NewEventfd(), route);
	}
	SlotLines lines;
	std::vector<std::string> log;
};

TEST_F(KvmHostIntxLineTest, LineIsTheGsiTheVmmGivesForTheDeviceAndPin)
{
	vm->ProgramIoapicLevel(21, 0x63); // slot 3, INTC: 16 + (3 + 2) % 8
	vm->ProgramIoapicLevel(18, 0x64); // slot 3, INTA
	int trigger = NewEventfd();
	uint32_t route;
	ASSERT_EQ(AddIntx(0x0018, 2, trigger, &route), 0);
	ASSERT_EQ(lines.asked.size(), 1u);
	EXPECT_EQ(lines.asked[0], std::make_pair(0x0018u, 2u));
	SignalEventfd(trigger);
	EXPECT_TRUE(vm->WaitIrr(0x63));
	EXPECT_FALSE(vm->Irr(0x64));
}

TEST_F(KvmHostIntxLineTest, RemoveThenAddForANewIdMovesTheLine)
{
	vm->ProgramIoapicLevel(19, 0x65); // slot 3, INTB
	vm->ProgramIoapicLevel(21, 0x66); // slot 4, INTB
	int trigger = NewEventfd();
	uint32_t route;
	ASSERT_EQ(AddIntx(0x0018, 1, trigger, &route), 0);
	ASSERT_EQ(host->ops->remove_intx_route(host->opaque, route), 0);
	ASSERT_EQ(AddIntx(0x0020, 1, trigger, &route), 0);
	SignalEventfd(trigger);
	EXPECT_TRUE(vm->WaitIrr(0x66));
	EXPECT_FALSE(vm->Irr(0x65));
	EXPECT_EQ(Stats().intx_routes, 1u);
}

TEST_F(KvmHostIntxLineTest, DevicesOfOneLineShareIt)
{
	vm->ProgramIoapicLevel(17, 0x67); // slot 1 INTA and slot 0 INTB
	int a = NewEventfd(), b = NewEventfd();
	uint32_t ra, rb;
	ASSERT_EQ(AddIntx(0x0008, 0, a, &ra), 0);
	ASSERT_EQ(AddIntx(0x0000, 1, b, &rb), 0);
	EXPECT_NE(ra, rb);
	SignalEventfd(b);
	EXPECT_TRUE(vm->WaitIrr(0x67));
	ASSERT_EQ(host->ops->remove_intx_route(host->opaque, ra), 0);
	EXPECT_EQ(Stats().intx_routes, 1u);
}

TEST_F(KvmHostIntxLineTest, RefusedOrNonIrqchipLineAddsNoRoute)
{
	int trigger = NewEventfd();
	uint32_t route;
	EXPECT_EQ(AddIntx(0x0048, 0, trigger, &route), -ENOSPC); // slot 9
	EXPECT_TRUE(log.empty());
	EXPECT_EQ(AddIntx(0x0050, 0, trigger, &route), -EINVAL); // GSI 24
	ASSERT_EQ(log.size(), 1u);
	EXPECT_NE(log[0].find("GSI 24 is not an irqchip pin"), std::string::npos)
		<< log[0];
	EXPECT_EQ(Stats().intx_routes, 0u);
	EXPECT_EQ(Stats().irqfd_assigns, 0u);
}

TEST_F(KvmHostTest, MappedPageIsWhatTheVcpuReads)
{
	uint32_t slot;
	ASSERT_EQ(host->ops->map_memory(host->opaque, 0x20000, 4096, Page(0x5a),
					false, &slot), 0);
	EXPECT_EQ(slot, 1u);
	EXPECT_EQ(Stats().memory_slots, 1u);
	EXPECT_EQ(vm->Load(0x20000), 0x5a);
}

TEST_F(KvmHostTest, UnmappedPageExitsToTheVmm)
{
	uint32_t slot;
	ASSERT_EQ(host->ops->map_memory(host->opaque, 0x20000, 4096, Page(0x5a),
					false, &slot), 0);
	ASSERT_EQ(vm->Load(0x20000), 0x5a);
	ASSERT_EQ(host->ops->unmap_memory(host->opaque, slot), 0);
	EXPECT_EQ(vm->Load(0x20000), -1);
	EXPECT_EQ(Stats().memory_slots, 0u);
	EXPECT_EQ(host->ops->unmap_memory(host->opaque, slot), -ENOENT);
}

TEST_F(KvmHostTest, SlotsComeFromTheConfiguredRangeAndAreReused)
{
	uint32_t a, b, c, d;
	ASSERT_EQ(host->ops->map_memory(host->opaque, 0x20000, 4096, Page(1),
					false, &a), 0);
	ASSERT_EQ(host->ops->map_memory(host->opaque, 0x21000, 4096, Page(2),
					false, &b), 0);
	EXPECT_EQ(a, 1u);
	EXPECT_EQ(b, 2u);
	// Overlapping an existing slot fails in KVM and keeps no slot.
	EXPECT_EQ(host->ops->map_memory(host->opaque, 0x21000, 4096, Page(3),
					false, &c), -EEXIST);
	ASSERT_EQ(host->ops->unmap_memory(host->opaque, a), 0);
	ASSERT_EQ(host->ops->map_memory(host->opaque, 0x22000, 4096, Page(4),
					false, &d), 0);
	EXPECT_EQ(d, 1u);
	EXPECT_EQ(vm->Load(0x22000), 4);
	EXPECT_EQ(vm->Load(0x21000), 2);
	EXPECT_EQ(vm->Load(0x20000), -1);
}

TEST_F(KvmHostTest, ReadOnlyMappingSendsGuestWritesToTheVmm)
{
	if (ioctl(vm->vm_fd(), KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
		GTEST_SKIP() << "KVM_CAP_READONLY_MEM missing";
	uint32_t slot;
	void *page = Page(0x33);
	ASSERT_EQ(host->ops->map_memory(host->opaque, 0x20000, 4096, page,
					true, &slot), 0);
	EXPECT_EQ(vm->Load(0x20000), 0x33);
	const kvm_run *run = vm->RunRealMode(kStoreAndReport, 0x20000, false);
	ASSERT_NE(run, nullptr);
	ASSERT_EQ(run->exit_reason, (uint32_t)KVM_EXIT_MMIO);
	EXPECT_TRUE(run->mmio.is_write);
	EXPECT_EQ(run->mmio.phys_addr, 0x20000u);
	EXPECT_EQ(static_cast<uint8_t *>(page)[0], 0x33);
}

TEST_F(KvmHostTest, FreeDetachesIrqfdsAndDeletesSlots)
{
	int fd = NewEventfd();
	AddRoute(fd, 0x5b);
	ASSERT_EQ(Commit(), 0);
	uint32_t slot;
	ASSERT_EQ(host->ops->map_memory(host->opaque, 0x20000, 4096, Page(7),
					false, &slot), 0);
	vmpci_kvm_host_free(h);
	h = nullptr;
	SignalEventfd(fd);
	EXPECT_TRUE(Readable(fd));
	EXPECT_FALSE(vm->Irr(0x5b));
	EXPECT_EQ(vm->Load(0x20000), -1);
}

TEST(KvmHostSetupTest, VmWithoutAnIrqchipIsRefused)
{
	SKIP_WITHOUT_KVM();
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_GE(kvm, 0);
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vmpci_kvm_host_params cfg;
	vmpci_kvm_host_params_init(&cfg, vm);
	vmpci_kvm_host *h = nullptr;
	EXPECT_EQ(vmpci_kvm_host_new(&cfg, &h), -ENODEV);
	EXPECT_EQ(h, nullptr);
	close(vm);
	close(kvm);
}

TEST(KvmHostSetupTest, SlotRangePastKvmsLimitIsRefused)
{
	SKIP_WITHOUT_KVM();
	KvmVm vm;
	ASSERT_TRUE(vm.ok());
	vmpci_kvm_host_params cfg;
	vmpci_kvm_host_params_init(&cfg, vm.vm_fd());
	cfg.slot_base = 1u << 20;
	vmpci_kvm_host *h = nullptr;
	EXPECT_EQ(vmpci_kvm_host_new(&cfg, &h), -EINVAL);
	cfg.vm_fd = -1;
	EXPECT_EQ(vmpci_kvm_host_new(&cfg, &h), -EINVAL);
}

// A VMM that shares the VM's routing table: its own MSI routes (one per
// vector in `vectors`, GSI kVmmGsi + i) go into every table the host pushes.
constexpr uint32_t kVmmGsi = 30;

struct VmmRoutes {
	std::vector<uint8_t> vectors;
	bool irqchip = false; // also route the irqchip pins, as KVM's defaults
	int error = 0;
	static int Fill(void *opaque, kvm_irq_routing_entry *e, uint32_t max)
	{
		auto *v = static_cast<VmmRoutes *>(opaque);
		uint32_t n = 0;
		if (v->error)
			return v->error;
		for (uint32_t pin = 0; v->irqchip && pin < 24 && n < max; pin++) {
			e[n] = {};
			e[n].gsi = pin;
			e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
			e[n++].u.irqchip.pin = pin;
		}
		for (size_t i = 0; i < v->vectors.size() && n < max; i++) {
			e[n] = {};
			e[n].gsi = kVmmGsi + (uint32_t)i;
			e[n].type = KVM_IRQ_ROUTING_MSI;
			e[n].u.msi.address_lo = (uint32_t)kApicAddr;
			e[n++].u.msi.data = v->vectors[i];
		}
		return (int)n;
	}
};

// The same VM and helpers; each test makes its host from `cfg` (Create).
class KvmHostShareTest : public KvmHostTest {
protected:
	VmmRoutes vmm;

	void SetUp() override
	{
		KvmHostTest::SetUp();
		if (IsSkipped() || HasFatalFailure())
			return;
		vmpci_kvm_host_free(h);
		h = nullptr;
		cfg.gsi_base = 200;
		cfg.gsi_count = 2;
		cfg.vmm_routes = VmmRoutes::Fill;
		cfg.vmm_routes_opaque = &vmm;
	}
	int Create()
	{
		int err = vmpci_kvm_host_new(&cfg, &h);
		host = vmpci_kvm_host_ops(h);
		return err;
	}
	// The VMM's own irqfd on its GSI, as it wires its own devices.
	int VmmIrqfd(uint32_t gsi)
	{
		int fd = NewEventfd();
		struct kvm_irqfd irqfd = {};
		irqfd.fd = (uint32_t)fd;
		irqfd.gsi = gsi;
		EXPECT_EQ(ioctl(vm->vm_fd(), KVM_IRQFD, &irqfd), 0);
		return fd;
	}
};

TEST_F(KvmHostShareTest, MsiRoutesAreNumberedInTheGivenGsiRange)
{
	ASSERT_EQ(Create(), 0);
	uint32_t a = AddRoute(NewEventfd(), 0x41);
	uint32_t b = AddRoute(NewEventfd(), 0x42);
	EXPECT_EQ(std::set<uint32_t>({a, b}), std::set<uint32_t>({200, 201}));
	vmpci_msi_msg msg = {kApicAddr, 0x43, 0};
	uint32_t c = 0;
	EXPECT_EQ(host->ops->add_msi_route(host->opaque, NewEventfd(), &msg, &c),
		  -ENOSPC);
}

TEST_F(KvmHostShareTest, GsiRangeOnTheIrqchipPinsOrPastKvmsLimitIsRefused)
{
	cfg.gsi_base = 23;
	EXPECT_EQ(Create(), -EINVAL);
	cfg.gsi_base = 1u << 20;
	EXPECT_EQ(Create(), -EINVAL);
	cfg.gsi_base = 200;
	cfg.gsi_count = 1u << 20;
	EXPECT_EQ(Create(), -EINVAL);
	EXPECT_EQ(h, nullptr);
}

TEST_F(KvmHostShareTest, VmmRoutesSurviveTheHostsCommitsAndDeliver)
{
	vmm.vectors = {0x61};
	ASSERT_EQ(Create(), 0);
	ASSERT_EQ(vmpci_kvm_host_commit(h), 0);
	int vmm_fd = VmmIrqfd(kVmmGsi);
	// vmpci's own commit replaces the whole table: the VMM's route must
	// be in it.
	int fd = NewEventfd();
	AddRoute(fd, 0x62);
	ASSERT_EQ(Commit(), 0);
	SignalEventfd(vmm_fd);
	EXPECT_TRUE(vm->WaitIrr(0x61));
	SignalEventfd(fd);
	EXPECT_TRUE(vm->WaitIrr(0x62));
}

TEST_F(KvmHostShareTest, VmmRouteAddedLaterReachesKvmThroughCommit)
{
	ASSERT_EQ(Create(), 0);
	int vmm_fd = VmmIrqfd(kVmmGsi);
	vmm.vectors = {0x63};
	ASSERT_EQ(vmpci_kvm_host_commit(h), 0);
	SignalEventfd(vmm_fd);
	EXPECT_TRUE(vm->WaitIrr(0x63));
}

TEST_F(KvmHostShareTest, VmmIrqchipRoutesReplaceTheHostsDefaults)
{
	vmm.irqchip = true;
	cfg.vmm_irqchip_routes = true;
	ASSERT_EQ(Create(), 0);
	EXPECT_EQ(vmpci_kvm_host_commit(h), 0);
	vmpci_kvm_host_free(h);
	h = nullptr;
	// Both sides routing the pins is a pin routed twice: KVM refuses.
	cfg.vmm_irqchip_routes = false;
	ASSERT_EQ(Create(), 0);
	EXPECT_EQ(vmpci_kvm_host_commit(h), -EINVAL);
}

TEST_F(KvmHostShareTest, VmmRoutesErrorFailsTheCommit)
{
	ASSERT_EQ(Create(), 0);
	vmm.error = -EIO;
	EXPECT_EQ(vmpci_kvm_host_commit(h), -EIO);
	EXPECT_EQ(Stats().routing_updates, 0u);
}

}  // namespace
}  // namespace vmpci_test
