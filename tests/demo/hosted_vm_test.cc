// The demo VM without KVM stands in for KVM towards vmpci: its routes take
// effect at commit, masked routes keep their signals until unmasked, and the
// guest driver's accesses to a memory slot never reach the exit handlers.
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "tools/demo/hosted_vm.h"

namespace {

constexpr uint8_t kVector = 0x40;

struct Exits {
	std::vector<uint16_t> ports;
	std::vector<uint64_t> mmio;
};

int OnPio(void *opaque, uint16_t port, uint8_t, bool, uint32_t *data)
{
	static_cast<Exits *>(opaque)->ports.push_back(port);
	*data = 0xffffffff; // an empty bus
	return 0;
}

int OnMmio(void *opaque, uint64_t gpa, uint8_t, bool, uint64_t *data)
{
	static_cast<Exits *>(opaque)->mmio.push_back(gpa);
	*data = ~0ull;
	return 0;
}

const demo_vm_ops kOps = { OnPio, OnMmio, nullptr };

class HostedVmTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(hosted_vm_new(&kOps, nullptr, &exits, &vm), 0);
		host = hosted_vm_host(vm);
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_GE(fd, 0);
	}

	void TearDown() override
	{
		hosted_vm_free(vm);
		close(fd);
	}

	void Signal() { ASSERT_EQ(eventfd_write(fd, 1), 0); }

	uint32_t AddRoute(uint8_t vector)
	{
		vmpci_msi_msg msg = { 0xfee00000, vector, 0 };
		uint32_t route = ~0u;

		EXPECT_EQ(host->ops->add_msi_route(host->opaque, fd, &msg, &route), 0);
		return route;
	}

	Exits exits;
	hosted_vm *vm = nullptr;
	const vmpci_host *host = nullptr;
	int fd = -1;
};

TEST_F(HostedVmTest, RouteDeliversOnlyAfterCommit)
{
	AddRoute(kVector);
	Signal();
	EXPECT_EQ(hosted_vm_irr_pending(vm, kVector), 0);
	ASSERT_EQ(host->ops->commit_routes(host->opaque), 0);
	EXPECT_EQ(hosted_vm_irr_pending(vm, kVector), 1);
	EXPECT_EQ(hosted_vm_irr_pending(vm, kVector + 1), 0);
	hosted_vm_irr_clear(vm, kVector);
	EXPECT_EQ(hosted_vm_irr_pending(vm, kVector), 0);
}

TEST_F(HostedVmTest, MaskedRouteKeepsTheSignalUntilUnmasked)
{
	uint32_t route = AddRoute(kVector);

	ASSERT_EQ(host->ops->commit_routes(host->opaque), 0);
	ASSERT_EQ(host->ops->mask_msi_route(host->opaque, route, true), 0);
	Signal();
	EXPECT_EQ(hosted_vm_irr_pending(vm, kVector), 0);
	ASSERT_EQ(host->ops->mask_msi_route(host->opaque, route, false), 0);
	EXPECT_EQ(hosted_vm_irr_pending(vm, kVector), 1);
}

TEST_F(HostedVmTest, UpdatedMessageTakesEffectAtCommit)
{
	uint32_t route = AddRoute(kVector);
	vmpci_msi_msg moved = { 0xfee00000, kVector + 1, 0 };

	ASSERT_EQ(host->ops->commit_routes(host->opaque), 0);
	ASSERT_EQ(host->ops->update_msi_route(host->opaque, route, &moved), 0);
	Signal();
	EXPECT_EQ(hosted_vm_irr_pending(vm, kVector), 1);
	ASSERT_EQ(host->ops->commit_routes(host->opaque), 0);
	Signal();
	EXPECT_EQ(hosted_vm_irr_pending(vm, kVector + 1), 1);
}

TEST_F(HostedVmTest, RemovedRoutesAndSlotsAreGone)
{
	uint32_t route = AddRoute(kVector), slot = ~0u;
	uint32_t page[1024] = {};

	ASSERT_EQ(host->ops->map_memory(host->opaque, 0xe0000000, sizeof(page),
					page, false, &slot), 0);
	EXPECT_EQ(hosted_vm_msi_routes(vm), 1u);
	EXPECT_EQ(hosted_vm_slots(vm), 1u);
	ASSERT_EQ(host->ops->remove_msi_route(host->opaque, route), 0);
	ASSERT_EQ(host->ops->unmap_memory(host->opaque, slot), 0);
	EXPECT_EQ(hosted_vm_msi_routes(vm), 0u);
	EXPECT_EQ(hosted_vm_slots(vm), 0u);
	EXPECT_EQ(host->ops->unmap_memory(host->opaque, slot), -ENOENT);
}

TEST_F(HostedVmTest, DriverOnAnEmptyBusExitsForEveryPortAccess)
{
	uint32_t status = ~0u;

	hosted_vm_mailbox(vm)->magic = DEMO_MAILBOX_MAGIC;
	ASSERT_EQ(hosted_vm_run(vm, &status), 0);
	EXPECT_EQ(status, DEMO_STATUS_NO_DEVICE);
	// Per device: select (0xCF8) and read the vendor (0xCFC).
	ASSERT_EQ(exits.ports.size(), 64u);
	EXPECT_EQ(exits.ports[0], 0xcf8);
	EXPECT_EQ(exits.ports[1], 0xcfc);
	EXPECT_TRUE(exits.mmio.empty());
}

TEST_F(HostedVmTest, MailboxWithoutMagicReportsBadMailbox)
{
	uint32_t status = ~0u;

	ASSERT_EQ(hosted_vm_run(vm, &status), 0);
	EXPECT_EQ(status, DEMO_STATUS_BAD_MAILBOX);
	EXPECT_TRUE(exits.ports.empty());
}

} // namespace
