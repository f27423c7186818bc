#include "tests/support/recording_host.h"

#include <errno.h>

namespace vmpci_test {

RecordingHost::RecordingHost()
{
	ops_.log = Log;
	ops_.add_msi_route = Add;
	ops_.update_msi_route = Update;
	ops_.mask_msi_route = Mask;
	ops_.remove_msi_route = Remove;
	ops_.commit_routes = Commit;
	ops_.add_intx_route = AddIntx;
	ops_.remove_intx_route = RemoveIntx;
	ops_.map_memory = Map;
	ops_.unmap_memory = Unmap;
	host_.ops = &ops_;
	host_.opaque = this;
}

std::map<int, int> RecordingHost::Deliver()
{
	std::map<int, int> got;

	for (auto &[handle, r] : routes)
		if (!r.masked && TakeEventfd(r.fd))
			got[r.fd]++;
	return got;
}

const RecordedRoute *RecordingHost::RouteOf(int fd) const
{
	for (auto &[handle, r] : routes)
		if (r.fd == fd)
			return &r;
	return nullptr;
}

void RecordingHost::Log(void *opaque, vmpci_log_level, const char *msg)
{
	static_cast<RecordingHost *>(opaque)->log.push_back(msg);
}

int RecordingHost::Add(void *opaque, int fd, const vmpci_msi_msg *msg,
		  uint32_t *route)
{
	auto *h = static_cast<RecordingHost *>(opaque);

	if (h->fail_add)
		return -h->fail_add;
	h->adds++;
	*route = h->next_++;
	h->routes[*route] = RecordedRoute{fd, *msg, false};
	return 0;
}

int RecordingHost::Update(void *opaque, uint32_t route, const vmpci_msi_msg *msg)
{
	auto *h = static_cast<RecordingHost *>(opaque);
	auto it = h->routes.find(route);

	if (it == h->routes.end())
		return -ENOENT;
	h->updates++;
	it->second.msg = *msg;
	return 0;
}

int RecordingHost::Mask(void *opaque, uint32_t route, bool masked)
{
	auto *h = static_cast<RecordingHost *>(opaque);
	auto it = h->routes.find(route);

	if (it == h->routes.end())
		return -ENOENT;
	if (masked && h->fail_mask)
		return -h->fail_mask;
	(masked ? h->masks : h->unmasks)++;
	it->second.masked = masked;
	return 0;
}

int RecordingHost::Remove(void *opaque, uint32_t route)
{
	auto *h = static_cast<RecordingHost *>(opaque);

	if (!h->routes.erase(route))
		return -ENOENT;
	h->removes++;
	return 0;
}

int RecordingHost::Commit(void *opaque)
{
	static_cast<RecordingHost *>(opaque)->commits++;
	return 0;
}

int RecordingHost::AddIntx(void *opaque, uint32_t devid, uint32_t pin,
			   int trigger, int resample, uint32_t *route)
{
	auto *h = static_cast<RecordingHost *>(opaque);
	auto fail = h->fail_intx.find(devid);

	if (fail != h->fail_intx.end())
		return -fail->second;
	h->intx_adds++;
	*route = h->next_++;
	h->intx[*route] = RecordedIntx{pin, trigger, resample, devid};
	return 0;
}

int RecordingHost::RemoveIntx(void *opaque, uint32_t route)
{
	auto *h = static_cast<RecordingHost *>(opaque);

	if (!h->intx.erase(route))
		return -ENOENT;
	h->intx_removes++;
	return 0;
}

int RecordingHost::Map(void *opaque, uint64_t gpa, uint64_t size, void *,
			bool, uint32_t *slot)
{
	auto *h = static_cast<RecordingHost *>(opaque);

	if (h->map_calls++ == h->fail_map_at)
		return -ENOSPC;
	*slot = h->next_slot_++;
	h->memory.push_back(MemoryCall{true, gpa, size, *slot});
	h->slots++;
	return 0;
}

int RecordingHost::Unmap(void *opaque, uint32_t slot)
{
	auto *h = static_cast<RecordingHost *>(opaque);

	h->memory.push_back(MemoryCall{false, 0, 0, slot});
	h->slots--;
	return 0;
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
