// A recording host for the model tests: keeps the routes the models ask
// for, counts every op, and can play KVM's part of delivery (consume the
// signal of every unmasked route) so tests see what a guest would get.
#ifndef VMPCI_TESTS_INTERRUPTS_FAKE_HOST_H
#define VMPCI_TESTS_INTERRUPTS_FAKE_HOST_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/interrupts/eventfds.h"
#include "tests/shim/vmpci_c.h"

namespace vmpci_test {

struct FakeRoute {
	int fd;
	vmpci_msi_msg msg;
	bool masked;
};

struct FakeIntx {
	uint32_t pin;
	int trigger;
	int resample;
};

class FakeHost {
public:
	FakeHost();
	const vmpci_host *host() const { return &host_; }

	// Consumes the signals of unmasked routes as KVM's irqfds would;
	// returns, per eventfd, how many deliveries that made.
	std::map<int, int> Deliver();
	// The route holding `fd`, or nullptr.
	const FakeRoute *RouteOf(int fd) const;

	std::map<uint32_t, FakeRoute> routes;
	std::map<uint32_t, FakeIntx> intx;
	std::vector<std::string> log;
	int adds = 0, updates = 0, masks = 0, unmasks = 0, removes = 0;
	int commits = 0;
	int fail_add = 0;    // errno-style value add_msi_route returns
	int fail_mask = 0;   // ... and mask_msi_route(masked = true)

private:
	static void Log(void *opaque, vmpci_log_level level, const char *msg);
	static int Add(void *opaque, int fd, const vmpci_msi_msg *msg,
		       uint32_t *route);
	static int Update(void *opaque, uint32_t route,
			  const vmpci_msi_msg *msg);
	static int Mask(void *opaque, uint32_t route, bool masked);
	static int Remove(void *opaque, uint32_t route);
	static int Commit(void *opaque);
	static int AddIntx(void *opaque, uint32_t pin, int trigger,
			   int resample, uint32_t *route);
	static int RemoveIntx(void *opaque, uint32_t route);

	vmpci_host_ops ops_ = {};
	vmpci_host host_ = {};
	uint32_t next_ = 100;
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
