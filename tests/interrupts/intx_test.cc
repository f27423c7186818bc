// INTx model against a recording host: the route carries the pin and both
// eventfds, masking detaches it and keeps a pending signal, unmask delivers
// it, disabling releases a line VFIO holds masked, snapshot and restore.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>

#include "tests/support/recording_host.h"
#include "tests/shim/vmpci_c.h"

namespace vmpci_test {
namespace {

class Intx {
public:
	Intx(RecordingHost *host, uint32_t pin = 1, uint32_t devid = 0x0018)
	{
		vmpci_intx_params cfg = {};
		cfg.pin = pin;
		cfg.devid = devid;
		cfg.name = "0000:00:03.0";
		EXPECT_EQ(vmpci_intx_new(host->host(), &cfg, &x), 0);
	}
	~Intx() { vmpci_intx_free(x); }
	int trigger() { return vmpci_intx_trigger_eventfd(x); }
	int resample() { return vmpci_intx_resample_eventfd(x); }
	vmpci_intx *x = nullptr;
};

TEST(IntxTest, EventfdsAreNonBlockingAndCloseOnExec)
{
	RecordingHost host;
	Intx intx(&host);

	for (int fd : {intx.trigger(), intx.resample()}) {
		ASSERT_GE(fd, 0);
		EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
		EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	}
	EXPECT_NE(intx.trigger(), intx.resample());
}

TEST(IntxTest, EnableRoutesThePinWithTriggerAndResample)
{
	RecordingHost host;
	Intx intx(&host, 2);

	EXPECT_TRUE(host.Intx().empty());
	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	ASSERT_EQ(host.Intx().size(), 1u);
	const RecordedIntx r = host.Intx().begin()->second;
	EXPECT_EQ(r.pin, 2u);
	EXPECT_EQ(r.devid, 0x0018u);
	EXPECT_EQ(r.fd, intx.trigger());
	EXPECT_EQ(r.resample_fd, intx.resample());
	EXPECT_TRUE(vmpci_intx_enabled(intx.x));
}

TEST(IntxTest, DisableRemovesTheRouteAndReleasesTheLineOnce)
{
	RecordingHost host;
	Intx intx(&host);

	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	ASSERT_EQ(vmpci_intx_disable(intx.x), 0);
	EXPECT_TRUE(host.Intx().empty());
	EXPECT_EQ(TakeEventfd(intx.resample()), 1u);
	ASSERT_EQ(vmpci_intx_disable(intx.x), 0);
	EXPECT_EQ(TakeEventfd(intx.resample()), 0u);
}

TEST(IntxTest, MaskedLineKeepsItsSignalPending)
{
	RecordingHost host;
	Intx intx(&host);

	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	ASSERT_EQ(vmpci_intx_set_masked(intx.x, true), 0);
	EXPECT_TRUE(host.Intx().empty());
	EXPECT_EQ(vmpci_intx_pending(intx.x), 0);
	SignalEventfd(intx.trigger());
	EXPECT_EQ(vmpci_intx_pending(intx.x), 1);
	EXPECT_EQ(vmpci_intx_pending(intx.x), 1);
}

TEST(IntxTest, UnmaskRoutesAgainAndRaisesThePendingSignal)
{
	RecordingHost host;
	Intx intx(&host);

	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	ASSERT_EQ(vmpci_intx_set_masked(intx.x, true), 0);
	SignalEventfd(intx.trigger());
	ASSERT_EQ(vmpci_intx_set_masked(intx.x, false), 0);
	EXPECT_EQ(host.Intx().size(), 1u);
	EXPECT_EQ(vmpci_intx_pending(intx.x), 0);
	// The re-raised signal waits in the trigger for the host's irqfd.
	EXPECT_EQ(TakeEventfd(intx.trigger()), 1u);
}

TEST(IntxTest, DisabledLineNeitherRoutesNorCollects)
{
	RecordingHost host;
	Intx intx(&host);

	ASSERT_EQ(vmpci_intx_set_masked(intx.x, false), 0);
	SignalEventfd(intx.trigger());
	EXPECT_EQ(vmpci_intx_pending(intx.x), 0);
	EXPECT_TRUE(host.Intx().empty());
	// Enabling does not take a signal from before INTx was in use.
	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	EXPECT_EQ(TakeEventfd(intx.trigger()), 0u);
}

// VFIO masks the line when it signals the trigger and unmasks it only on a
// resample. A signal dropped as stale at enable (VFIO fired while the
// function was being wired) must come with a resample, or the line stays
// masked for good; a line still asserted then fires again, for the guest.
TEST(IntxTest, StaleSignalDroppedAtEnableReArmsTheLine)
{
	RecordingHost host;
	Intx intx(&host);

	SignalEventfd(intx.trigger());
	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	EXPECT_EQ(TakeEventfd(intx.trigger()), 0u);
	EXPECT_EQ(TakeEventfd(intx.resample()), 1u);
	EXPECT_EQ(host.Intx().size(), 1u);
}

TEST(IntxTest, EnableWithoutAStaleSignalSendsNoResample)
{
	RecordingHost host;
	Intx intx(&host);

	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	EXPECT_EQ(TakeEventfd(intx.resample()), 0u);
}

TEST(IntxTest, StaleSignalDroppedAtStateImportReArmsTheLine)
{
	RecordingHost host;
	Intx intx(&host);
	vmpci_intx_state st = {};
	st.enabled = true;

	SignalEventfd(intx.trigger());
	ASSERT_EQ(vmpci_intx_state_set(intx.x, &st), 0);
	EXPECT_EQ(TakeEventfd(intx.trigger()), 0u);
	EXPECT_EQ(TakeEventfd(intx.resample()), 1u);
}

TEST(IntxTest, StateRoundTripKeepsAMaskedPendingSignal)
{
	RecordingHost host;
	Intx a(&host);
	ASSERT_EQ(vmpci_intx_enable(a.x), 0);
	ASSERT_EQ(vmpci_intx_set_masked(a.x, true), 0);
	SignalEventfd(a.trigger());
	vmpci_intx_state s;
	ASSERT_EQ(vmpci_intx_state_get(a.x, &s), 0);
	EXPECT_TRUE(s.enabled);
	EXPECT_TRUE(s.masked);
	EXPECT_TRUE(s.pending);

	RecordingHost host2;
	Intx b(&host2);
	ASSERT_EQ(vmpci_intx_state_set(b.x, &s), 0);
	EXPECT_TRUE(host2.Intx().empty());
	EXPECT_EQ(vmpci_intx_pending(b.x), 1);
	ASSERT_EQ(vmpci_intx_set_masked(b.x, false), 0);
	EXPECT_EQ(host2.Intx().size(), 1u);
	EXPECT_EQ(TakeEventfd(b.trigger()), 1u);
}

TEST(IntxTest, StateImportDeliversPendingToAnUnmaskedLine)
{
	RecordingHost host;
	Intx intx(&host);
	const vmpci_intx_state s = {true, false, true};

	ASSERT_EQ(vmpci_intx_state_set(intx.x, &s), 0);
	EXPECT_EQ(host.Intx().size(), 1u);
	EXPECT_EQ(TakeEventfd(intx.trigger()), 1u);
}

TEST(IntxTest, NewRequesterIdMovesALiveRoute)
{
	RecordingHost host;
	Intx intx(&host, 2);

	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	ASSERT_EQ(vmpci_intx_set_devid(intx.x, 0x0028), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_REMOVE_INTX), 1);
	EXPECT_EQ(host.Count(VMPCI_TEST_ADD_INTX), 2);
	ASSERT_EQ(host.Intx().size(), 1u);
	const RecordedIntx r = host.Intx().begin()->second;
	EXPECT_EQ(r.devid, 0x0028u);
	EXPECT_EQ(r.pin, 2u);
	EXPECT_EQ(r.fd, intx.trigger());
	EXPECT_EQ(r.resample_fd, intx.resample());
	// The EOI the old route will not send: a line still asserted fires
	// again, now on the new route.
	EXPECT_EQ(TakeEventfd(intx.resample()), 1u);
	// The same id again is no change.
	ASSERT_EQ(vmpci_intx_set_devid(intx.x, 0x0028), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_ADD_INTX), 2);
}

TEST(IntxTest, SignalDuringTheMoveIsDeliveredOnTheNewRoute)
{
	RecordingHost host;
	Intx intx(&host);

	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	SignalEventfd(intx.trigger()); // not yet taken by the host's irqfd
	ASSERT_EQ(vmpci_intx_set_devid(intx.x, 0x0028), 0);
	EXPECT_EQ(vmpci_intx_pending(intx.x), 0);
	EXPECT_EQ(TakeEventfd(intx.trigger()), 1u);
}

TEST(IntxTest, DetachedLineTakesTheNewIdAtItsNextRoute)
{
	RecordingHost host;
	Intx intx(&host);

	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	ASSERT_EQ(vmpci_intx_set_masked(intx.x, true), 0);
	int adds = host.Count(VMPCI_TEST_ADD_INTX), removes = host.Count(VMPCI_TEST_REMOVE_INTX);
	ASSERT_EQ(vmpci_intx_set_devid(intx.x, 0x0028), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_ADD_INTX), adds);
	EXPECT_EQ(host.Count(VMPCI_TEST_REMOVE_INTX), removes);
	ASSERT_EQ(vmpci_intx_set_masked(intx.x, false), 0);
	ASSERT_EQ(host.Intx().size(), 1u);
	EXPECT_EQ(host.Intx().begin()->second.devid, 0x0028u);
}

TEST(IntxTest, RefusedNewRoutePutsTheOldOneBack)
{
	RecordingHost host;
	Intx intx(&host);

	ASSERT_EQ(vmpci_intx_enable(intx.x), 0);
	host.Fail(VMPCI_TEST_ADD_INTX, ENOSPC, 0); // the route for 0x0028
	EXPECT_EQ(vmpci_intx_set_devid(intx.x, 0x0028), -ENOSPC);
	ASSERT_EQ(host.Intx().size(), 1u);
	EXPECT_EQ(host.Intx().begin()->second.devid, 0x0018u);
	EXPECT_EQ(host.Intx().begin()->second.fd, intx.trigger());
	ASSERT_EQ(host.log.size(), 1u);
	EXPECT_NE(host.log[0].find("0x28"), std::string::npos) << host.log[0];
	// The old id is kept: the next route carries it.
	ASSERT_EQ(vmpci_intx_set_masked(intx.x, true), 0);
	ASSERT_EQ(vmpci_intx_set_masked(intx.x, false), 0);
	EXPECT_EQ(host.Intx().begin()->second.devid, 0x0018u);
}

TEST(IntxTest, PinAboveIntdIsRejected)
{
	RecordingHost host;
	vmpci_intx_params cfg = {};
	vmpci_intx *x = nullptr;

	cfg.pin = 4;
	EXPECT_EQ(vmpci_intx_new(host.host(), &cfg, &x), -EINVAL);
	EXPECT_EQ(x, nullptr);
}

TEST(IntxTest, HostWithoutIntxRoutesIsNotSupported)
{
	vmpci_host_ops ops = {};
	vmpci_host host = {&ops, nullptr};
	vmpci_intx_params cfg = {};
	vmpci_intx *x = nullptr;

	EXPECT_EQ(vmpci_intx_new(&host, &cfg, &x), -EOPNOTSUPP);
}

}  // namespace
}  // namespace vmpci_test
