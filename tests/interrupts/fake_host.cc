#include "tests/interrupts/fake_host.h"

#include <errno.h>

namespace vmpci_test {

FakeHost::FakeHost()
{
	ops_.log = Log;
	ops_.add_msi_route = Add;
	ops_.update_msi_route = Update;
	ops_.mask_msi_route = Mask;
	ops_.remove_msi_route = Remove;
	ops_.commit_routes = Commit;
	ops_.add_intx_route = AddIntx;
	ops_.remove_intx_route = RemoveIntx;
	host_.ops = &ops_;
	host_.opaque = this;
}

std::map<int, int> FakeHost::Deliver()
{
	std::map<int, int> got;

	for (auto &[handle, r] : routes)
		if (!r.masked && TakeEventfd(r.fd))
			got[r.fd]++;
	return got;
}

const FakeRoute *FakeHost::RouteOf(int fd) const
{
	for (auto &[handle, r] : routes)
		if (r.fd == fd)
			return &r;
	return nullptr;
}

void FakeHost::Log(void *opaque, vmpci_log_level, const char *msg)
{
	static_cast<FakeHost *>(opaque)->log.push_back(msg);
}

int FakeHost::Add(void *opaque, int fd, const vmpci_msi_msg *msg,
		  uint32_t *route)
{
	auto *h = static_cast<FakeHost *>(opaque);

	if (h->fail_add)
		return -h->fail_add;
	h->adds++;
	*route = h->next_++;
	h->routes[*route] = FakeRoute{fd, *msg, false};
	return 0;
}

int FakeHost::Update(void *opaque, uint32_t route, const vmpci_msi_msg *msg)
{
	auto *h = static_cast<FakeHost *>(opaque);
	auto it = h->routes.find(route);

	if (it == h->routes.end())
		return -ENOENT;
	h->updates++;
	it->second.msg = *msg;
	return 0;
}

int FakeHost::Mask(void *opaque, uint32_t route, bool masked)
{
	auto *h = static_cast<FakeHost *>(opaque);
	auto it = h->routes.find(route);

	if (it == h->routes.end())
		return -ENOENT;
	if (masked && h->fail_mask)
		return -h->fail_mask;
	(masked ? h->masks : h->unmasks)++;
	it->second.masked = masked;
	return 0;
}

int FakeHost::Remove(void *opaque, uint32_t route)
{
	auto *h = static_cast<FakeHost *>(opaque);

	if (!h->routes.erase(route))
		return -ENOENT;
	h->removes++;
	return 0;
}

int FakeHost::Commit(void *opaque)
{
	static_cast<FakeHost *>(opaque)->commits++;
	return 0;
}

int FakeHost::AddIntx(void *opaque, uint32_t pin, int trigger, int resample,
		      uint32_t *route)
{
	auto *h = static_cast<FakeHost *>(opaque);

	*route = h->next_++;
	h->intx[*route] = FakeIntx{pin, trigger, resample};
	return 0;
}

int FakeHost::RemoveIntx(void *opaque, uint32_t route)
{
	return static_cast<FakeHost *>(opaque)->intx.erase(route) ? 0 : -ENOENT;
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
