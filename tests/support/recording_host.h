// The recording host every suite uses: keeps the routes and memory
// mappings vmpci asks for, counts every op, keeps the log, can fail an op
// on demand, and can play KVM's part of delivery (consume the signal of
// every unmasked route) so tests see what a guest would get.
#ifndef VMPCI_TESTS_SUPPORT_RECORDING_HOST_H
#define VMPCI_TESTS_SUPPORT_RECORDING_HOST_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/support/eventfds.h"
#include "tests/shim/vmpci_c.h"

namespace vmpci_test {

struct RecordedRoute {
	int fd;
	vmpci_msi_msg msg;
	bool masked;
};

struct RecordedIntx {
	uint32_t pin;
	int trigger;
	int resample;
	uint32_t devid;
};

// One map_memory (map) or unmap_memory call, in order.
struct MemoryCall {
	bool map;
	uint64_t gpa, size;  // map only
	uint32_t slot;
};

class RecordingHost {
public:
	RecordingHost();
	const vmpci_host *host() const { return &host_; }

	// Consumes the signals of unmasked routes as KVM's irqfds would;
	// returns, per eventfd, how many deliveries that made.
	std::map<int, int> Deliver();
	// The route holding `fd`, or nullptr.
	const RecordedRoute *RouteOf(int fd) const;

	std::map<uint32_t, RecordedRoute> routes;
	std::map<uint32_t, RecordedIntx> intx;
	int intx_adds = 0, intx_removes = 0;
	// errno-style value add_intx_route returns for a requester id
	std::map<uint32_t, int> fail_intx;
	std::vector<std::string> log;
	int adds = 0, updates = 0, masks = 0, unmasks = 0, removes = 0;
	int commits = 0;
	int fail_add = 0;    // errno-style value add_msi_route returns
	int fail_mask = 0;   // ... and mask_msi_route(masked = true)
	std::vector<MemoryCall> memory;
	unsigned slots = 0;    // live mappings
	int map_calls = 0;
	int fail_map_at = -1;  // index of the map call that fails (-ENOSPC)

private:
	static void Log(void *opaque, vmpci_log_level level, const char *msg);
	static int Add(void *opaque, int fd, const vmpci_msi_msg *msg,
		       uint32_t *route);
	static int Update(void *opaque, uint32_t route,
			  const vmpci_msi_msg *msg);
	static int Mask(void *opaque, uint32_t route, bool masked);
	static int Remove(void *opaque, uint32_t route);
	static int Commit(void *opaque);
	static int AddIntx(void *opaque, uint32_t devid, uint32_t pin,
			   int trigger, int resample, uint32_t *route);
	static int RemoveIntx(void *opaque, uint32_t route);
	static int Map(void *opaque, uint64_t gpa, uint64_t size, void *addr,
		       bool readonly, uint32_t *slot);
	static int Unmap(void *opaque, uint32_t slot);

	vmpci_host_ops ops_ = {};
	vmpci_host host_ = {};
	uint32_t next_ = 100;
	uint32_t next_slot_ = 100;
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
