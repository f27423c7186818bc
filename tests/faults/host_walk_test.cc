// The fault walk on the host: a simulated nvme function (a real config
// space) with vmpci's KVM host on a real KVM VM, so every KVM ioctl the
// flow makes (memory slots, GSI routing, irqfds) fails once, as do the
// eventfds, the sim's memfds and mmaps, and the fixture file reads.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <linux/vfio.h>

#include <gtest/gtest.h>

#include "tests/shim/vmpci_c.h"
#include "tests/faults/kvm_world.h"
#include "tests/support/fixtures.h"
#include "tests/faults/walk.h"

namespace {

constexpr const char *kNvme = VMPCI_TEST_NVME;

struct HostWorld {
	const char *fixture;
	kvm_world kvm = {};
	vmpci_vfio_sim *sim = nullptr;
	// The backend the device gets: the simulator's, with config accesses
	// through config_fd (ConfigRead).
	int config_fd = -1;
	const vmpci_vfio_backend *sim_be = nullptr;
	vmpci_vfio_backend_ops ops{};
	vmpci_vfio_backend be{};
};

int Begin(void *opaque, const vmpci_host **inner)
{
	return kvm_world_begin(&static_cast<HostWorld *>(opaque)->kvm, inner);
}

void End(void *opaque)
{
	kvm_world_end(&static_cast<HostWorld *>(opaque)->kvm);
}

// The kernel backend reaches the config region with pread/pwrite on the
// device fd; the simulator serves it from memory. Here each config access
// makes that call first (on a scratch memfd), so the walk fails config
// reads and writes on the host as in the guest: a COMMAND write the
// function refuses in the middle of a BAR move, for one. The other ops and
// the opaque stay the simulator's, so the world in use is found here (the
// walk drives one at a time).
HostWorld *config_world;

int ConfigRead(void *opaque, uint32_t index, uint64_t offset, void *data,
	       uint64_t size)
{
	if (index == VFIO_PCI_CONFIG_REGION_INDEX &&
	    pread(config_world->config_fd, data, size, (off_t)offset) < 0)
		return -errno;
	return config_world->sim_be->ops->region_read(opaque, index, offset,
						      data, size);
}

int ConfigWrite(void *opaque, uint32_t index, uint64_t offset,
		const void *data, uint64_t size)
{
	if (index == VFIO_PCI_CONFIG_REGION_INDEX &&
	    pwrite(config_world->config_fd, data, size, (off_t)offset) < 0)
		return -errno;
	return config_world->sim_be->ops->region_write(opaque, index, offset,
						       data, size);
}

int Open(void *opaque, const vmpci_host *host, const vmpci_vfio_backend **be)
{
	auto *w = static_cast<HostWorld *>(opaque);
	int err = vmpci_vfio_sim_new_from_files(w->fixture, host, &w->sim);

	if (err)
		return err;
	w->sim_be = vmpci_vfio_sim_backend(w->sim);
	w->ops = *w->sim_be->ops;
	w->ops.region_read = ConfigRead;
	w->ops.region_write = ConfigWrite;
	w->be = {&w->ops, w->sim_be->opaque};
	config_world = w;
	*be = &w->be;
	return 0;
}

void Close(void *opaque)
{
	auto *w = static_cast<HostWorld *>(opaque);

	vmpci_vfio_sim_free(w->sim);
	w->sim = nullptr;
}

// The function raises vector 0; KVM's irqfd puts the message's vector in
// the vCPU's LAPIC.
int Deliver(void *opaque, vmpci_device *, uint32_t index, uint32_t data)
{
	auto *w = static_cast<HostWorld *>(opaque);
	int rc = kvm_world_irr_clear(&w->kvm, (uint8_t)data);

	if (!rc)
		rc = vmpci_vfio_sim_fire(w->sim, index, 0);
	return rc ? rc : kvm_world_irr_wait(&w->kvm, (uint8_t)data);
}

std::string Problems(const walk_report &r)
{
	std::string s;
	for (unsigned i = 0; i < r.nr_problems && i < WALK_MAX_PROBLEMS; i++)
		s += std::string("\n  ") + r.problems[i];
	return s;
}

TEST(FaultWalk, EverySyscallFailureOnSimAndKvmLeavesNoTrace)
{
	if (access("/dev/kvm", R_OK | W_OK))
		GTEST_SKIP() << "no /dev/kvm: the walk needs the real KVM host";
	HostWorld hw{kNvme};
	// Made before the walk counts anything, kept across its runs.
	hw.config_fd = memfd_create("config", 0);
	ASSERT_GE(hw.config_fd, 0);
	walk_world w = {"simulated nvme + KVM host", &hw, Begin, End,
			Open, Close, Deliver, false};
	auto rep = std::make_unique<walk_report>();

	ASSERT_EQ(walk_run(&w, rep.get()), 0)
		<< "the fault-free flow failed:" << Problems(*rep);
	walk_print(&w, rep.get());
	EXPECT_EQ(rep->nr_problems, 0u) << Problems(*rep);
	// A call the flow makes N times is N injection points: the walk
	// stops exactly past the last one.
	EXPECT_EQ(rep->points, rep->clean_calls);
	// Every kind of call this flow makes was failed at least once (a
	// renamed symbol, e.g. a _FORTIFY_SOURCE __read_chk, would escape
	// the wrapping and show as zero here).
	for (fault_kind k : {FAULT_OPEN, FAULT_CLOSE, FAULT_READ, FAULT_PREAD,
			     FAULT_PWRITE, FAULT_IOCTL, FAULT_MMAP,
			     FAULT_MUNMAP, FAULT_EVENTFD, FAULT_MEMFD_CREATE,
			     FAULT_FTRUNCATE})
		EXPECT_GT(rep->kind_points[k], 0u) << fault_kind_name(k);
	close(hw.config_fd);
}

}  // namespace
