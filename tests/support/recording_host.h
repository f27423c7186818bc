// The C++ view of the recording host (host_recorder.h, where the recording
// is): what it holds as maps, every log line, and KVM's part of delivery
// (consume the signal of every unmasked route) so tests see what a guest
// would get.
#ifndef VMPCI_TESTS_SUPPORT_RECORDING_HOST_H
#define VMPCI_TESTS_SUPPORT_RECORDING_HOST_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/shim/vmpci_c.h"
#include "tests/support/eventfds.h"
#include "tests/support/host_recorder.h"

namespace vmpci_test {

// A route: fd, msg, masked. An INTx route: devid, pin, fd (the
// trigger), resample_fd.
using RecordedRoute = vmpci_test_held;
using RecordedIntx = vmpci_test_held;

class RecordingHost {
public:
	// `inner` nullptr: a fake host; else every op goes on to `inner`.
	explicit RecordingHost(const vmpci_host *inner = nullptr);
	RecordingHost(const RecordingHost &) = delete;
	RecordingHost &operator=(const RecordingHost &) = delete;

	const vmpci_host *host() const { return &rec_.host; }
	// The C recorder, for what this view does not say.
	vmpci_test_host *rec() { return &rec_; }
	const vmpci_test_host *rec() const { return &rec_; }

	// Consumes the signals of unmasked routes as KVM's irqfds would;
	// returns, per eventfd, how many deliveries that made.
	std::map<int, int> Deliver();
	// The route holding `fd`, or nullptr.
	const RecordedRoute *RouteOf(int fd) const;
	// Held routes and INTx routes, by handle.
	std::map<uint32_t, RecordedRoute> Routes() const;
	std::map<uint32_t, RecordedIntx> Intx() const;
	// The map_memory and unmap_memory calls carried out, in order.
	std::vector<vmpci_test_call> Memory() const;
	unsigned LiveSlots() const
	{
		return vmpci_test_host_count(&rec_, VMPCI_TEST_SLOT);
	}
	// Successful calls of `op`.
	int Count(vmpci_test_op op) const { return (int)rec_.done[op]; }
	// Make `op` fail with -err: its call number `at` from now, or every
	// call (at < 0).
	void Fail(vmpci_test_op op, int err, int64_t at = -1)
	{
		vmpci_test_host_fail(&rec_, op, -err, at);
	}

	std::vector<std::string> log;

private:
	std::map<uint32_t, vmpci_test_held> Held(vmpci_test_kind kind) const;

	vmpci_test_host rec_;
};

// Records the events a model reports.
struct EventLog {
	std::vector<vmpci_irq_event> events;
	int veto_enable = 0; // returned for ENABLE

	static int Notify(void *opaque, const vmpci_irq_event *ev);
	std::vector<vmpci_irq_event> Of(vmpci_irq_event_type type) const;
};

}  // namespace vmpci_test

#endif
