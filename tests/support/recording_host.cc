#include "tests/support/recording_host.h"

namespace vmpci_test {

RecordingHost::RecordingHost(const vmpci_host *inner)
{
	vmpci_test_host_init(&rec_, inner);
	rec_.ctx = this;
	rec_.on_log = [](void *ctx, vmpci_log_level, const char *msg) {
		static_cast<RecordingHost *>(ctx)->log.push_back(msg);
	};
}

std::map<int, int> RecordingHost::Deliver()
{
	std::map<int, int> got;

	vmpci_test_host_deliver(
		&rec_,
		[](void *ctx, int fd) {
			(*static_cast<std::map<int, int> *>(ctx))[fd]++;
		},
		&got);
	return got;
}

const RecordedRoute *RecordingHost::RouteOf(int fd) const
{
	return vmpci_test_host_route_of(&rec_, fd);
}

std::map<uint32_t, vmpci_test_held>
RecordingHost::Held(vmpci_test_kind kind) const
{
	std::map<uint32_t, vmpci_test_held> out;

	for (uint32_t i = 0; i < rec_.nr; i++) {
		const vmpci_test_held &e = rec_.held[i];

		if (vmpci_test_held_now(&e) && e.kind == kind)
			out[e.handle] = e;
	}
	return out;
}

std::map<uint32_t, RecordedRoute> RecordingHost::Routes() const
{
	return Held(VMPCI_TEST_ROUTE);
}

std::map<uint32_t, RecordedIntx> RecordingHost::Intx() const
{
	return Held(VMPCI_TEST_INTX);
}

std::vector<vmpci_test_call> RecordingHost::Memory() const
{
	uint32_t n = rec_.nr_journal < VMPCI_TEST_HOST_CALLS
			     ? rec_.nr_journal
			     : VMPCI_TEST_HOST_CALLS;

	return std::vector<vmpci_test_call>(rec_.journal, rec_.journal + n);
}

int EventLog::Notify(void *opaque, const vmpci_irq_event *ev)
{
	auto *log = static_cast<EventLog *>(opaque);

	log->events.push_back(*ev);
	return ev->type == VMPCI_IRQ_ENABLE ? log->veto_enable : 0;
}

std::vector<vmpci_irq_event> EventLog::Of(vmpci_irq_event_type type) const
{
	std::vector<vmpci_irq_event> out;

	for (const auto &ev : events)
		if (ev.type == type)
			out.push_back(ev);
	return out;
}

}  // namespace vmpci_test
