// MSI model against a recording host: register layouts, multi-message
// vectors (all 32), per-vector masking with pending bits, enable / disable
// / resize events, snapshot and restore, guest garbage.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <cstdint>
#include <random>

#include "tests/support/recording_host.h"
#include "tests/shim/vmpci_c.h"

namespace vmpci_test {
namespace {

// 64-bit, per-vector mask, 32 vectors capable.
constexpr uint16_t kCap64Mask32 =
	PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (5 << 1);
constexpr uint64_t kAddr = 0xfee01000;

class Msi {
public:
	Msi(RecordingHost *host, uint16_t control, EventLog *events = nullptr)
	{
		vmpci_msi_params cfg = {};
		cfg.control = control;
		cfg.devid = 0x0810;
		cfg.name = "0000:08:02.0";
		cfg.notify = events ? EventLog::Notify : nullptr;
		cfg.opaque = events;
		EXPECT_EQ(vmpci_msi_new(host->host(), &cfg, &m), 0);
	}
	~Msi() { vmpci_msi_free(m); }
	uint32_t Read(uint32_t off, uint32_t size)
	{
		uint32_t v = 0xdeadbeef;
		EXPECT_EQ(vmpci_msi_read(m, off, size, &v), 0);
		return v;
	}
	int Write(uint32_t off, uint32_t size, uint32_t v)
	{
		return vmpci_msi_write(m, off, size, v);
	}
	// Program address and data, then enable 2^log2n vectors.
	int Enable64(uint32_t data, uint32_t log2n)
	{
		EXPECT_EQ(Write(PCI_MSI_ADDRESS_LO, 4, (uint32_t)kAddr), 0);
		EXPECT_EQ(Write(PCI_MSI_ADDRESS_HI, 4, 0), 0);
		EXPECT_EQ(Write(PCI_MSI_DATA_64, 2, data), 0);
		return Write(PCI_MSI_FLAGS, 2,
			     PCI_MSI_FLAGS_ENABLE | log2n << 4);
	}
	int Fd(uint32_t vector) { return vmpci_msi_vector_eventfd(m, vector); }
	vmpci_msi *m = nullptr;
};

TEST(MsiTest, CapSizeFollowsAddressWidthAndPerVectorMasking)
{
	RecordingHost host;
	EXPECT_EQ(vmpci_msi_cap_size(Msi(&host, 0).m), 10u);
	EXPECT_EQ(vmpci_msi_cap_size(Msi(&host, PCI_MSI_FLAGS_64BIT).m), 14u);
	EXPECT_EQ(vmpci_msi_cap_size(Msi(&host, PCI_MSI_FLAGS_MASKBIT).m),
		  20u);
	EXPECT_EQ(vmpci_msi_cap_size(Msi(&host, kCap64Mask32).m), 24u);
}

TEST(MsiTest, StartsDisabledWithOneVectorAndKeepsCapabilityBits)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32 | PCI_MSI_FLAGS_ENABLE | (3 << 4));

	EXPECT_EQ(msi.Read(PCI_MSI_FLAGS, 2), kCap64Mask32);
	EXPECT_FALSE(vmpci_msi_enabled(msi.m));
}

TEST(MsiTest, HeaderBytesReadZeroForTheCallerToFillIn)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	EXPECT_EQ(msi.Read(0, 4), (uint32_t)kCap64Mask32 << 16);
	EXPECT_EQ(msi.Write(0, 2, 0xffff), 0);
	EXPECT_EQ(msi.Read(0, 2), 0u);
}

TEST(MsiTest, OnlyEnableAndMultipleMessageEnableAreWritable)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	EXPECT_EQ(msi.Write(PCI_MSI_FLAGS, 2, 0xfe70), 0);
	EXPECT_EQ(msi.Read(PCI_MSI_FLAGS, 2), kCap64Mask32 | 0x0050u);
}

TEST(MsiTest, MultipleMessageEnableIsClampedToWhatTheCapabilityHas)
{
	RecordingHost host;
	Msi msi(&host, PCI_MSI_FLAGS_64BIT | (2 << 1));

	EXPECT_EQ(msi.Write(PCI_MSI_FLAGS, 2, 5 << 4), 0);
	EXPECT_EQ(msi.Read(PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_QSIZE, 2u << 4);
}

TEST(MsiTest, AddressLowBitsAndReservedDataBitsReadZero)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	EXPECT_EQ(msi.Write(PCI_MSI_ADDRESS_LO, 4, 0xfee00003), 0);
	EXPECT_EQ(msi.Write(PCI_MSI_DATA_64, 4, 0xabcd1234), 0);
	EXPECT_EQ(msi.Read(PCI_MSI_ADDRESS_LO, 4), 0xfee00000u);
	EXPECT_EQ(msi.Read(PCI_MSI_DATA_64, 4), 0x1234u);
}

TEST(MsiTest, AllThirtyTwoVectorsGetTheirOwnRouteAndDataInOneCommit)
{
	RecordingHost host;
	EventLog events;
	Msi msi(&host, kCap64Mask32, &events);
	int commits = host.Count(VMPCI_TEST_COMMIT);

	// The function replaces the low 5 bits of the data with the vector.
	ASSERT_EQ(msi.Enable64(0x401f, 5), 0);
	ASSERT_EQ(events.Of(VMPCI_IRQ_ENABLE).size(), 1u);
	EXPECT_EQ(events.Of(VMPCI_IRQ_ENABLE)[0].nr_vectors, 32u);
	EXPECT_EQ(vmpci_msi_nr_vectors(msi.m), 32u);
	EXPECT_EQ(host.Routes().size(), 32u);
	EXPECT_EQ(host.Count(VMPCI_TEST_COMMIT), commits + 1);
	for (uint32_t i = 0; i < 32; i++) {
		const RecordedRoute *r = host.RouteOf(msi.Fd(i));
		ASSERT_NE(r, nullptr) << i;
		EXPECT_EQ(r->msg.address, kAddr);
		EXPECT_EQ(r->msg.data, 0x4000u | i);
		EXPECT_EQ(r->msg.devid, 0x0810u);
		EXPECT_FALSE(r->masked);
	}
	EXPECT_EQ(events.Of(VMPCI_IRQ_VECTOR).size(), 32u);
}

TEST(MsiTest, RequesterIdSetBeforeEnableReachesTheRoutes)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(vmpci_msi_set_devid(msi.m, 0x0018), 0);
	ASSERT_EQ(msi.Enable64(0x4000, 0), 0);
	ASSERT_NE(host.RouteOf(msi.Fd(0)), nullptr);
	EXPECT_EQ(host.RouteOf(msi.Fd(0))->msg.devid, 0x0018u);
}

TEST(MsiTest, RequesterIdCannotChangeUnderLiveRoutes)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Enable64(0x4000, 0), 0);
	EXPECT_EQ(vmpci_msi_set_devid(msi.m, 0x0018), -EBUSY);
	ASSERT_NE(host.RouteOf(msi.Fd(0)), nullptr);
	EXPECT_EQ(host.RouteOf(msi.Fd(0))->msg.devid, 0x0810u);
}

TEST(MsiTest, ThirtyTwoBitLayoutRoutesDataAtOffsetEight)
{
	RecordingHost host;
	Msi msi(&host, 2 << 1);

	ASSERT_EQ(msi.Write(PCI_MSI_ADDRESS_LO, 4, 0xfee02000), 0);
	ASSERT_EQ(msi.Write(PCI_MSI_DATA_32, 2, 0x0061), 0);
	ASSERT_EQ(msi.Write(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | 1 << 4),
		  0);
	const RecordedRoute *r = host.RouteOf(msi.Fd(1));
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(r->msg.address, 0xfee02000u);
	EXPECT_EQ(r->msg.data, 0x0061u);
}

TEST(MsiTest, VectorsMaskedAtEnableNeverAskForARoute)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Write(PCI_MSI_MASK_64, 4, 0xfffffff0), 0);
	ASSERT_EQ(msi.Enable64(0x40, 5), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_ADD_MSI), 4);
	EXPECT_EQ(host.Routes().size(), 4u);
	EXPECT_EQ(host.RouteOf(msi.Fd(4)), nullptr);
}

TEST(MsiTest, MaskedVectorIsNotDeliveredAndSetsItsPendingBit)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Enable64(0x40, 2), 0);
	ASSERT_EQ(msi.Write(PCI_MSI_MASK_64, 4, 1u << 2), 0);
	EXPECT_TRUE(host.RouteOf(msi.Fd(2))->masked);
	SignalEventfd(msi.Fd(2));
	EXPECT_TRUE(host.Deliver().empty());
	EXPECT_EQ(msi.Read(PCI_MSI_PENDING_64, 4), 1u << 2);
}

TEST(MsiTest, UnmaskingAPendingVectorDeliversItOnce)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Enable64(0x40, 2), 0);
	ASSERT_EQ(msi.Write(PCI_MSI_MASK_64, 4, 1u << 2), 0);
	SignalEventfd(msi.Fd(2));
	SignalEventfd(msi.Fd(2));
	ASSERT_EQ(msi.Write(PCI_MSI_MASK_64, 4, 0), 0);
	EXPECT_FALSE(host.RouteOf(msi.Fd(2))->masked);
	EXPECT_EQ(msi.Read(PCI_MSI_PENDING_64, 4), 0u);
	auto got = host.Deliver();
	EXPECT_EQ(got.size(), 1u);
	EXPECT_EQ(got[msi.Fd(2)], 1);
}

TEST(MsiTest, UnmaskingWithNothingPendingDeliversNothing)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Enable64(0x40, 2), 0);
	ASSERT_EQ(msi.Write(PCI_MSI_MASK_64, 4, 1u << 2), 0);
	ASSERT_EQ(msi.Write(PCI_MSI_MASK_64, 4, 0), 0);
	EXPECT_TRUE(host.Deliver().empty());
}

TEST(MsiTest, MaskBitsOfVectorsTheCapabilityLacksReadZero)
{
	RecordingHost host;
	Msi msi(&host, PCI_MSI_FLAGS_MASKBIT | (2 << 1));

	ASSERT_EQ(msi.Write(PCI_MSI_MASK_32, 4, 0xffffffff), 0);
	EXPECT_EQ(msi.Read(PCI_MSI_MASK_32, 4), 0xfu);
	EXPECT_EQ(msi.Write(PCI_MSI_PENDING_32, 4, 0xffffffff), 0);
	EXPECT_EQ(msi.Read(PCI_MSI_PENDING_32, 4), 0u);
}

TEST(MsiTest, DisableRemovesEveryRouteAndReportsTheEdge)
{
	RecordingHost host;
	EventLog events;
	Msi msi(&host, kCap64Mask32, &events);

	ASSERT_EQ(msi.Enable64(0x40, 3), 0);
	ASSERT_EQ(host.Routes().size(), 8u);
	ASSERT_EQ(msi.Write(PCI_MSI_FLAGS, 2, 3 << 4), 0);
	EXPECT_TRUE(host.Routes().empty());
	EXPECT_FALSE(vmpci_msi_enabled(msi.m));
	ASSERT_EQ(events.Of(VMPCI_IRQ_DISABLE).size(), 1u);
	EXPECT_EQ(events.events.back().type, VMPCI_IRQ_DISABLE);
	// The eventfds stay, so a re-enable reuses them.
	EXPECT_GE(msi.Fd(7), 0);
}

TEST(MsiTest, ReenableReusesEventfdsAndDropsStaleSignals)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Enable64(0x40, 0), 0);
	int fd = msi.Fd(0);
	ASSERT_EQ(msi.Write(PCI_MSI_FLAGS, 2, 0), 0);
	SignalEventfd(fd);
	ASSERT_EQ(msi.Write(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE), 0);
	EXPECT_EQ(msi.Fd(0), fd);
	EXPECT_TRUE(host.Deliver().empty());
}

TEST(MsiTest, ChangingVectorCountWhileEnabledReportsResize)
{
	RecordingHost host;
	EventLog events;
	Msi msi(&host, kCap64Mask32, &events);

	ASSERT_EQ(msi.Enable64(0x40, 0), 0);
	ASSERT_EQ(host.Routes().size(), 1u);
	ASSERT_EQ(msi.Write(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | 3 << 4),
		  0);
	auto resize = events.Of(VMPCI_IRQ_RESIZE);
	ASSERT_EQ(resize.size(), 1u);
	EXPECT_EQ(resize[0].nr_vectors, 8u);
	EXPECT_EQ(host.Routes().size(), 8u);
	ASSERT_EQ(msi.Write(PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | 1 << 4),
		  0);
	EXPECT_EQ(events.Of(VMPCI_IRQ_RESIZE).back().nr_vectors, 2u);
	EXPECT_EQ(host.Routes().size(), 2u);
}

TEST(MsiTest, AddressChangeWhileEnabledUpdatesEveryRouteInOneCommit)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Enable64(0x40, 2), 0);
	int commits = host.Count(VMPCI_TEST_COMMIT);
	ASSERT_EQ(msi.Write(PCI_MSI_ADDRESS_LO, 4, 0xfee03000), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_UPDATE_MSI), 4);
	EXPECT_EQ(host.Count(VMPCI_TEST_COMMIT), commits + 1);
	for (uint32_t i = 0; i < 4; i++)
		EXPECT_EQ(host.RouteOf(msi.Fd(i))->msg.address, 0xfee03000u);
}

TEST(MsiTest, RewritingTheSameValueCostsTheHostNothing)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Enable64(0x40, 2), 0);
	int commits = host.Count(VMPCI_TEST_COMMIT);
	ASSERT_EQ(msi.Write(PCI_MSI_DATA_64, 2, 0x40), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_UPDATE_MSI), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_COMMIT), commits);
}

TEST(MsiTest, VetoedEnableLeavesMsiDisabledWithoutRoutes)
{
	RecordingHost host;
	EventLog events;
	events.veto_enable = -EIO;
	Msi msi(&host, kCap64Mask32, &events);

	EXPECT_EQ(msi.Enable64(0x40, 1), -EIO);
	EXPECT_FALSE(vmpci_msi_enabled(msi.m));
	EXPECT_EQ(msi.Read(PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE, 0u);
	EXPECT_TRUE(host.Routes().empty());
}

// As MSI-X does: an enable whose routes the host refuses is undone, so no
// route stays and the device (told DISABLE) puts the function back on INTx.
TEST(MsiTest, EnableWhoseRouteTheHostRefusesIsRolledBack)
{
	RecordingHost host;
	EventLog events;
	Msi msi(&host, kCap64Mask32, &events);

	host.Fail(VMPCI_TEST_ADD_MSI, ENOSPC);
	EXPECT_EQ(msi.Enable64(0x40, 1), -ENOSPC);
	EXPECT_FALSE(vmpci_msi_enabled(msi.m));
	EXPECT_EQ(msi.Read(PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_ENABLE, 0u);
	EXPECT_TRUE(host.Routes().empty());
	ASSERT_FALSE(events.events.empty());
	EXPECT_EQ(events.events.back().type, VMPCI_IRQ_DISABLE);
}

TEST(MsiTest, HostThatCannotMaskLosesTheRouteRatherThanDeliver)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	ASSERT_EQ(msi.Enable64(0x40, 1), 0);
	host.Fail(VMPCI_TEST_MASK_MSI, EIO);
	EXPECT_EQ(msi.Write(PCI_MSI_MASK_64, 4, 1), -EIO);
	EXPECT_EQ(host.RouteOf(msi.Fd(0)), nullptr);
	EXPECT_FALSE(host.log.empty());
}

TEST(MsiTest, EventfdsAreNonBlockingAndCloseOnExec)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);

	EXPECT_EQ(msi.Fd(0), -ENOENT);
	EXPECT_EQ(msi.Fd(32), -EINVAL);
	ASSERT_EQ(msi.Enable64(0x40, 0), 0);
	int fd = msi.Fd(0);
	ASSERT_GE(fd, 0);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

TEST(MsiTest, BadAccessSizesAreRejected)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);
	uint32_t v;

	EXPECT_EQ(vmpci_msi_read(msi.m, 4, 3, &v), -EINVAL);
	EXPECT_EQ(vmpci_msi_write(msi.m, 4, 8, 0), -EINVAL);
	EXPECT_EQ(vmpci_msi_read(msi.m, UINT32_MAX, 4, &v), -EINVAL);
	EXPECT_EQ(msi.Read(200, 4), 0u);
}

TEST(MsiTest, StateRoundTripRestoresRoutesMasksAndPending)
{
	RecordingHost host;
	Msi a(&host, kCap64Mask32);
	ASSERT_EQ(a.Enable64(0x40, 2), 0);
	ASSERT_EQ(a.Write(PCI_MSI_ADDRESS_HI, 4, 0x1), 0);
	ASSERT_EQ(a.Write(PCI_MSI_MASK_64, 4, 0x2), 0);
	SignalEventfd(a.Fd(1));
	vmpci_msi_state s;
	ASSERT_EQ(vmpci_msi_state_get(a.m, &s), 0);
	EXPECT_EQ(s.control, kCap64Mask32 | PCI_MSI_FLAGS_ENABLE | 2 << 4);
	EXPECT_EQ(s.address, 0x1fee01000ull);
	EXPECT_EQ(s.data, 0x40);
	EXPECT_EQ(s.mask, 0x2u);
	EXPECT_EQ(s.pending, 0x2u);

	RecordingHost host2;
	EventLog events;
	Msi b(&host2, kCap64Mask32, &events);
	ASSERT_EQ(vmpci_msi_state_set(b.m, &s), 0);
	ASSERT_EQ(events.Of(VMPCI_IRQ_ENABLE).size(), 1u);
	EXPECT_EQ(events.Of(VMPCI_IRQ_ENABLE)[0].nr_vectors, 4u);
	EXPECT_EQ(host2.Routes().size(), 3u);
	EXPECT_EQ(host2.RouteOf(b.Fd(3))->msg.address, 0x1fee01000ull);
	EXPECT_EQ(host2.RouteOf(b.Fd(3))->msg.data, 0x43u);
	EXPECT_EQ(b.Read(PCI_MSI_PENDING_64, 4), 0x2u);
	// The restored pending vector is delivered when the guest unmasks it.
	ASSERT_EQ(b.Write(PCI_MSI_MASK_64, 4, 0), 0);
	EXPECT_EQ(host2.Deliver()[b.Fd(1)], 1);
}

TEST(MsiTest, StateImportRejectsWhatTheCapabilityCannotHoldAndChangesNothing)
{
	RecordingHost host;
	Msi msi(&host, PCI_MSI_FLAGS_MASKBIT | (2 << 1));
	const vmpci_msi_state good = {PCI_MSI_FLAGS_MASKBIT | (2 << 1), 0xfee00000,
				      0x40, 0x1, 0};
	const vmpci_msi_state bad[] = {
		{PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (2 << 1), 0xfee00000, 0x40, 0, 0},
		{PCI_MSI_FLAGS_MASKBIT | (2 << 1) | (3 << 4), 0xfee00000, 0x40, 0, 0},
		{PCI_MSI_FLAGS_MASKBIT | (2 << 1), 0x1fee00000ull, 0x40, 0, 0},
		{PCI_MSI_FLAGS_MASKBIT | (2 << 1), 0xfee00002, 0x40, 0, 0},
		{PCI_MSI_FLAGS_MASKBIT | (2 << 1), 0xfee00000, 0x40, 0x10, 0},
		{PCI_MSI_FLAGS_MASKBIT | (2 << 1), 0xfee00000, 0x40, 0, 0x10},
	};

	ASSERT_EQ(vmpci_msi_state_set(msi.m, &good), 0);
	for (const auto &s : bad) {
		EXPECT_EQ(vmpci_msi_state_set(msi.m, &s), -EINVAL);
		vmpci_msi_state now;
		ASSERT_EQ(vmpci_msi_state_get(msi.m, &now), 0);
		EXPECT_EQ(now.control, good.control);
		EXPECT_EQ(now.address, good.address);
		EXPECT_EQ(now.mask, good.mask);
	}
}

TEST(MsiTest, ResetDisablesAndClearsEverythingTheGuestWrote)
{
	RecordingHost host;
	EventLog events;
	Msi msi(&host, kCap64Mask32, &events);

	ASSERT_EQ(msi.Enable64(0x40, 2), 0);
	ASSERT_EQ(msi.Write(PCI_MSI_MASK_64, 4, 0x3), 0);
	ASSERT_EQ(vmpci_msi_reset(msi.m), 0);
	EXPECT_TRUE(host.Routes().empty());
	EXPECT_EQ(events.Of(VMPCI_IRQ_DISABLE).size(), 1u);
	EXPECT_EQ(msi.Read(PCI_MSI_FLAGS, 2), kCap64Mask32);
	EXPECT_EQ(msi.Read(PCI_MSI_ADDRESS_LO, 4), 0u);
	EXPECT_EQ(msi.Read(PCI_MSI_MASK_64, 4), 0u);
}

// Random guest writes of every size to every offset: never a crash, and
// after each one every unmasked host route is an enabled, unmasked vector
// carrying exactly the message the registers say.
TEST(MsiTest, GarbageWritesNeverRouteAMaskedVector)
{
	RecordingHost host;
	Msi msi(&host, kCap64Mask32);
	std::mt19937 rng(4);

	for (int step = 0; step < 20000; step++) {
		uint32_t off = rng() % 28, size = rng() % 5;
		uint32_t value = rng();
		if (rng() % 4 == 0)
			value &= 0xff71;
		int rc = msi.Write(off, size, value);
		ASSERT_EQ(rc, size == 1 || size == 2 || size == 4 ? 0 : -EINVAL);
		if (rng() % 8 == 0 && msi.Fd(rng() % 32) >= 0)
			SignalEventfd(msi.Fd(0));

		uint32_t ctl = msi.Read(PCI_MSI_FLAGS, 2);
		uint32_t mask = msi.Read(PCI_MSI_MASK_64, 4);
		uint32_t n = 1u << ((ctl & PCI_MSI_FLAGS_QSIZE) >> 4);
		uint64_t addr = (uint64_t)msi.Read(PCI_MSI_ADDRESS_HI, 4) << 32 |
				msi.Read(PCI_MSI_ADDRESS_LO, 4);
		uint32_t data = msi.Read(PCI_MSI_DATA_64, 2);
		for (uint32_t i = 0; i < 32; i++) {
			int fd = msi.Fd(i);
			const RecordedRoute *r = fd >= 0 ? host.RouteOf(fd) : nullptr;
			if (!r || r->masked)
				continue;
			ASSERT_TRUE(ctl & PCI_MSI_FLAGS_ENABLE) << step;
			ASSERT_LT(i, n) << step;
			ASSERT_FALSE(mask >> i & 1) << step;
			ASSERT_EQ(r->msg.address, addr) << step;
			ASSERT_EQ(r->msg.data, (data & ~(n - 1)) | i) << step;
		}
		host.Deliver();
	}
}

}  // namespace
}  // namespace vmpci_test
