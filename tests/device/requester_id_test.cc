// The requester id after creation (issue #16): the host's add_intx_route
// gets the device's id, vmpci_device_set_requester_id moves the INTx route
// to the new id (old removed, new added) and every refusal leaves the
// device as it was, with the reason in vmpci_device_errmsg. Simulated edu
// (INTA, MSI) on the recording host: no KVM.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <memory>
#include <string>

#include "tests/shim/vmpci_c.h"
#include "tests/support/fixtures.h"
#include "tests/support/recording_host.h"

namespace vmpci_test {
namespace {

constexpr uint32_t kSlot3 = 0x0018; // 00:03.0
constexpr uint32_t kSlot5 = 0x0028; // 00:05.0
constexpr uint16_t kMsiCap = 0x40;

class RequesterIdTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(vmpci_vfio_sim_new_from_files(VMPCI_TEST_EDU,
							host.host(), &sim),
			  0);
		vmpci_device_params c;
		vmpci_device_params_init(&c, vmpci_vfio_sim_backend(sim),
					 host.host());
		c.name = "edu";
		c.devid = kSlot3;
		c.page_size = 4096;
		ASSERT_EQ(vmpci_device_new(&c, &dev), 0);
		host.log.clear();
	}
	void TearDown() override
	{
		vmpci_device_free(dev);
		vmpci_vfio_sim_free(sim);
	}

	void SetCfg(uint16_t off, unsigned size, uint32_t v)
	{
		ASSERT_EQ(vmpci_device_config_write(dev, off, size, v), 0);
	}
	uint32_t Devid()
	{
		auto st = std::make_unique<vmpci_device_state>();
		EXPECT_EQ(vmpci_device_state_get(dev, st.get()), 0);
		uint32_t devid = st->devid;
		vmpci_device_state_release(st.get());
		return devid;
	}
	// The one INTx route the host holds.
	RecordedIntx Route()
	{
		EXPECT_EQ(host.Intx().size(), 1u);
		return host.Intx().begin()->second;
	}
	std::string Errmsg() { return vmpci_device_errmsg(dev); }
	void EnableMsi()
	{
		SetCfg(kMsiCap + PCI_MSI_ADDRESS_LO, 4, 0xfee00000);
		SetCfg(kMsiCap + PCI_MSI_DATA_64, 2, 0x40);
		SetCfg(kMsiCap + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE);
	}

	RecordingHost host;
	vmpci_vfio_sim *sim = nullptr;
	vmpci_device *dev = nullptr;
};

TEST_F(RequesterIdTest, CreationRoutesIntxForTheDevicesId)
{
	uint32_t pin = 0;
	ASSERT_EQ(vmpci_device_config_read(dev, PCI_INTERRUPT_PIN, 1, &pin), 0);
	ASSERT_GE(pin, 1u);
	EXPECT_EQ(Route().devid, kSlot3);
	EXPECT_EQ(Route().pin, pin - 1);
	EXPECT_EQ(Route().fd, vmpci_device_irq_eventfd(dev, VFIO_PCI_INTX_IRQ_INDEX, 0));
}

TEST_F(RequesterIdTest, NewIdMovesIntxToTheHostsLineForIt)
{
	uint32_t old_route = host.Intx().begin()->first;
	int trigger = Route().fd;
	ASSERT_EQ(vmpci_device_set_requester_id(dev, kSlot5), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_REMOVE_INTX), 1);
	EXPECT_EQ(host.Intx().count(old_route), 0u);
	EXPECT_EQ(Route().devid, kSlot5);
	EXPECT_EQ(Route().fd, trigger);
	EXPECT_EQ(Devid(), kSlot5);
	EXPECT_EQ(Errmsg(), "");
	// MSI carries it too.
	EnableMsi();
	ASSERT_EQ(host.Routes().size(), 1u);
	EXPECT_EQ(host.Routes().begin()->second.msg.devid, kSlot5);
}

TEST_F(RequesterIdTest, LineTheGuestDisabledTakesTheIdWhenReenabled)
{
	SetCfg(PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	ASSERT_TRUE(host.Intx().empty());
	int adds = host.Count(VMPCI_TEST_ADD_INTX);
	ASSERT_EQ(vmpci_device_set_requester_id(dev, kSlot5), 0);
	EXPECT_EQ(host.Count(VMPCI_TEST_ADD_INTX), adds);
	SetCfg(PCI_COMMAND, 2, 0);
	EXPECT_EQ(Route().devid, kSlot5);
}

TEST_F(RequesterIdTest, RefusedWhileTheGuestHasMsiEnabled)
{
	EnableMsi();
	int adds = host.Count(VMPCI_TEST_ADD_INTX), removes = host.Count(VMPCI_TEST_REMOVE_INTX);
	EXPECT_EQ(vmpci_device_set_requester_id(dev, kSlot5), -EBUSY);
	EXPECT_EQ(host.Count(VMPCI_TEST_ADD_INTX), adds);
	EXPECT_EQ(host.Count(VMPCI_TEST_REMOVE_INTX), removes);
	EXPECT_EQ(Devid(), kSlot3);
	EXPECT_NE(Errmsg().find("MSI or MSI-X enabled"), std::string::npos)
		<< Errmsg();
	// INTx comes back on the old id's line when the guest turns MSI off.
	SetCfg(kMsiCap + PCI_MSI_FLAGS, 2, 0);
	EXPECT_EQ(Route().devid, kSlot3);
}

TEST_F(RequesterIdTest, RefusedLinePutsTheOldRouteBack)
{
	// The move is remove then add: the add for kSlot5 is refused.
	host.Fail(VMPCI_TEST_ADD_INTX, ENOSPC, 0);
	EXPECT_EQ(vmpci_device_set_requester_id(dev, kSlot5), -ENOSPC);
	EXPECT_EQ(Route().devid, kSlot3);
	EXPECT_EQ(Devid(), kSlot3);
	EXPECT_NE(Errmsg().find("requester id 0x28 refused"), std::string::npos)
		<< Errmsg();
	EXPECT_NE(Errmsg().find("INTx stays on the line of 0x18"),
		  std::string::npos)
		<< Errmsg();
	// MSI kept the old id as well.
	EnableMsi();
	ASSERT_EQ(host.Routes().size(), 1u);
	EXPECT_EQ(host.Routes().begin()->second.msg.devid, kSlot3);
}

}  // namespace
}  // namespace vmpci_test
