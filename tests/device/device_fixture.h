// A VMM in miniature for device tests: a KVM VM with one vCPU and an
// in-kernel irqchip, vmpci's KVM host on it, address pools, and a simulated
// function from a fixture.
#ifndef VMPCI_TESTS_DEVICE_FIXTURE_H
#define VMPCI_TESTS_DEVICE_FIXTURE_H

#include <gtest/gtest.h>
#include <linux/vfio.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/shim/vmpci_c.h"
#include "tests/support/fixtures.h"
#include "tests/support/recording_host.h"
#include "tools/demo/kvm_vm.h"

constexpr const char *kNvme = VMPCI_TEST_NVME;
constexpr const char *kEdu = VMPCI_TEST_EDU;
constexpr const char *kE1000e = VMPCI_TEST_E1000E;
constexpr const char *kIvshmem = VMPCI_TEST_IVSHMEM;
constexpr uint64_t kMmio32Base = 0xc0000000;
constexpr uint64_t kMmio32Size = 0x20000000;
constexpr uint64_t kMmio64Base = 0x100000000ull;
constexpr uint64_t kMmio64Size = 0x100000000ull;

struct BarMove {
	unsigned index;
	uint64_t old_addr, new_addr, size;
};

class DeviceTest : public ::testing::Test {
protected:
	demo_vm *vm = nullptr;
	vmpci_kvm_host *kvm = nullptr;
	vmpci_alloc *io = nullptr, *mmio32 = nullptr, *mmio64 = nullptr;
	vmpci_vfio_sim *sim = nullptr;
	vmpci_device *dev = nullptr;
	std::vector<BarMove> moves;
	std::vector<std::string> logs;

	static int NoPio(void *, uint16_t, uint8_t, bool, uint32_t *) { return 0; }
	static int NoMmio(void *, uint64_t, uint8_t, bool, uint64_t *) { return 0; }
	static void Log(void *opaque, vmpci_log_level, const char *msg)
	{
		static_cast<DeviceTest *>(opaque)->logs.push_back(msg);
	}
	static void Moved(void *opaque, unsigned index, uint64_t old_addr,
			  uint64_t new_addr, uint64_t size)
	{
		static_cast<DeviceTest *>(opaque)->moves.push_back(
			{index, old_addr, new_addr, size});
	}

	void SetUp() override
	{
		if (access("/dev/kvm", R_OK | W_OK))
			GTEST_SKIP() << "no /dev/kvm: the device tests need real KVM";
		static const demo_vm_ops ops = {NoPio, NoMmio, nullptr};
		ASSERT_EQ(demo_vm_new(&ops, nullptr, &vm), 0);
		vmpci_kvm_host_params kc;
		vmpci_kvm_host_params_init(&kc, demo_vm_fd(vm));
		kc.slot_base = 1; // slot 0 is the demo VM's RAM
		kc.slot_count = 64;
		kc.log = Log;
		kc.log_opaque = this;
		TuneKvm(&kc);
		ASSERT_EQ(vmpci_kvm_host_new(&kc, &kvm), 0);
		ASSERT_EQ(vmpci_alloc_new(0xc000, 0x4000, &io), 0);
		ASSERT_EQ(vmpci_alloc_new(kMmio32Base, kMmio32Size, &mmio32), 0);
		ASSERT_EQ(vmpci_alloc_new(kMmio64Base, kMmio64Size, &mmio64), 0);
	}

	// A suite's own KVM host options, before the host is created.
	virtual void TuneKvm(vmpci_kvm_host_params *) {}

	void TearDown() override
	{
		vmpci_device_free(dev);
		vmpci_vfio_sim_free(sim);
		vmpci_kvm_host_free(kvm);
		vmpci_alloc_free(io);
		vmpci_alloc_free(mmio32);
		vmpci_alloc_free(mmio64);
		demo_vm_free(vm);
	}

	// The KVM host behind the recording host, made on first use (the KVM
	// host exists from SetUp on).
	std::unique_ptr<vmpci_test::RecordingHost> recorder;

	const vmpci_host *Recorder()
	{
		if (!recorder)
			recorder = std::make_unique<vmpci_test::RecordingHost>(
				vmpci_kvm_host_ops(kvm));
		return recorder->host();
	}

	// Every op the device made of the VMM but log.
	unsigned HostCalls() const
	{
		uint64_t n = 0;
		for (uint64_t c : recorder->rec()->calls)
			n += c;
		return (unsigned)n;
	}

	void Config(vmpci_device_params *c)
	{
		vmpci_device_params_init(c, vmpci_vfio_sim_backend(sim),
					 Recorder());
		c->name = "test0";
		c->pools = {io, mmio32, mmio64};
		c->page_size = 4096;
		c->bar_moved = Moved;
		c->opaque = this;
	}

	int Create(const char *fixture, vmpci_device **out = nullptr)
	{
		int err = 0;
		if (!sim)
			err = vmpci_vfio_sim_new_from_files(
				fixture, vmpci_kvm_host_ops(kvm), &sim);
		if (err)
			return err;
		vmpci_device_params c;
		Config(&c);
		return vmpci_device_new(&c, out ? out : &dev);
	}

	uint32_t Cfg(uint16_t off, unsigned size = 4)
	{
		uint32_t v = 0;
		EXPECT_EQ(vmpci_device_config_read(dev, off, size, &v), 0);
		return v;
	}

	void SetCfg(uint16_t off, unsigned size, uint32_t v)
	{
		EXPECT_EQ(vmpci_device_config_write(dev, off, size, v), 0);
	}

	struct vmpci_kvm_host_stats Stats()
	{
		struct vmpci_kvm_host_stats s;
		vmpci_kvm_host_stats_get(kvm, &s);
		return s;
	}

	vmpci_device_bar Bar(unsigned i)
	{
		vmpci_device_bar b;
		EXPECT_EQ(vmpci_device_bar_get(dev, i, &b), 0);
		return b;
	}

	// Program MSI-X table entry `v` to deliver `vector` to CPU 0, as a
	// guest does through the trapped table.
	void ProgramMsix(unsigned table_bar, uint64_t table_off, uint32_t v,
			 uint32_t vector, bool masked)
	{
		uint32_t e[4] = {0xfee00000u, 0, vector, masked ? 1u : 0u};
		for (int i = 0; i < 4; i++)
			ASSERT_EQ(vmpci_device_bar_write(dev, table_bar,
							 table_off + v * 16 + i * 4,
							 4, &e[i]),
				  0);
	}
};

// A device's state, saved and released as the VMM does.
struct StateDeleter {
	void operator()(vmpci_device_state *s)
	{
		vmpci_device_state_release(s);
		delete s;
	}
};
using State = std::unique_ptr<vmpci_device_state, StateDeleter>;

inline State Save(vmpci_device *d)
{
	State st(new vmpci_device_state());
	EXPECT_EQ(vmpci_device_state_get(d, st.get()), 0);
	return st;
}

inline std::vector<uint8_t> Dump(vmpci_device *d)
{
	std::vector<uint8_t> b(4096);
	struct vmpci_device_identity id;
	vmpci_device_identity_get(d, &id);
	b.resize(id.config_size);
	EXPECT_EQ(vmpci_device_config_dump(d, b.data(), b.size()), 0);
	return b;
}

#endif
