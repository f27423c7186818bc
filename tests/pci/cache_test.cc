// The config model answers read-only and guest-owned pass-through registers
// without the function, and never shows a value the function changed.
// nvme fixture layout: MSI-X at 0x40, PM at 0x60, PCI Express at 0x80.
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <vector>

#include "tests/pci/fake_device.h"

namespace vmpci_test {
namespace {

constexpr uint16_t kMsix = 0x40, kPm = 0x60, kExp = 0x80;

TEST(ConfigCacheTest, ReadOnlyCapabilityRegistersAreServedWithoutTheFunction) {
  Function f(kNvme);
  ASSERT_EQ(f.create_rc, 0);
  EXPECT_EQ(f.Read(kExp + PCI_EXP_FLAGS, 2), 0x0092u);
  EXPECT_EQ(f.Read(kExp + PCI_EXP_DEVCAP, 4), 0x10008000u);
  EXPECT_EQ(f.Read(kExp + PCI_EXP_LNKCAP, 4), 0x00000411u);
  EXPECT_EQ(f.Read(kExp + PCI_EXP_DEVCAP2, 4), 0x00300000u);
  EXPECT_EQ(f.Read(kPm + PCI_PM_PMC, 2), 0x0003u);
  EXPECT_EQ(f.Read(kMsix + PCI_MSIX_TABLE, 4), 0x00002000u);
  EXPECT_EQ(f.Read(kMsix + PCI_MSIX_PBA, 4), 0x00003000u);
  EXPECT_EQ(f.Read(0x100, 4), 0u);  // no extended capability
  EXPECT_EQ(f.dev.reads, 0);
}

// Every register the function changes by itself: the guest sees the new
// value at once, on every read.
TEST(ConfigCacheTest, RegistersTheFunctionChangesAreAlwaysReadLive) {
  struct Live {
    uint16_t offset;
    unsigned size;
    uint32_t value;  // what the function now holds
    uint32_t seen;   // what the guest must read
  };
  const Live live[] = {
      // Interrupt status and every error bit (CAP_LIST is emulated).
      {PCI_STATUS, 2, 0xf908, 0xf918},
      {kExp + PCI_EXP_DEVSTA, 2, 0x000f, 0x000f},
      {kExp + PCI_EXP_LNKSTA, 2, 0x1012, 0x1012},
      {kExp + PCI_EXP_LNKCTL, 2, 0x0003, 0x0003},  // host ASPM policy
      {kExp + PCI_EXP_LNKSTA2, 2, 0x0001, 0x0001},
      {kPm + PCI_PM_DATA_REGISTER, 1, 0x5a, 0x5a},
      {0xc0, 4, 0x12345678, 0x12345678},  // owned by no capability
      {PCI_BIST, 1, 0x80, 0x80},
  };
  Function f(kNvme);
  ASSERT_EQ(f.create_rc, 0);
  for (const Live& l : live) {
    SCOPED_TRACE(l.offset);
    f.Read(l.offset, l.size);
    f.dev.Set(l.offset, l.size, l.value);
    int before = f.dev.reads;
    EXPECT_EQ(f.Read(l.offset, l.size), l.seen);
    EXPECT_EQ(f.dev.reads, before + 1);
  }
}

TEST(ConfigCacheTest, PmeStatusIsLiveWhenTheFunctionCanSignalPme) {
  std::vector<uint8_t> bytes = LoadConfig(kNvme);
  ASSERT_FALSE(bytes.empty());
  bytes[kPm + PCI_PM_PMC + 1] |= PCI_PM_CAP_PME_D3hot >> 8;
  Function f(bytes);
  ASSERT_EQ(f.create_rc, 0);
  f.dev.Set(kPm + PCI_PM_CTRL, 2, 0x000b | PCI_PM_CTRL_PME_STATUS);
  EXPECT_EQ(f.Read(kPm + PCI_PM_CTRL, 2), 0x000bu | PCI_PM_CTRL_PME_STATUS);
  EXPECT_EQ(f.dev.reads, 1);
}

TEST(ConfigCacheTest, GuestOwnedRegisterIsReadAgainOnceAfterAWrite) {
  Function f(kNvme);
  EXPECT_EQ(f.WriteReg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_PARITY),
            0);
  // The function does not implement parity response: it keeps only MEM.
  f.dev.Set(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.Read(PCI_COMMAND, 2), static_cast<uint32_t>(PCI_COMMAND_MEMORY));
  EXPECT_EQ(f.Read(PCI_COMMAND, 2), static_cast<uint32_t>(PCI_COMMAND_MEMORY));
  EXPECT_EQ(f.dev.reads, 1);
}

TEST(ConfigCacheTest, WriteOfTheValueHeldDoesNotReachTheFunction) {
  Function f(kNvme);
  uint32_t devctl = f.Read(kExp + PCI_EXP_DEVCTL, 2);
  EXPECT_EQ(f.WriteReg(kExp + PCI_EXP_DEVCTL, 2, devctl), 0);
  EXPECT_EQ(f.WriteReg(PCI_COMMAND, 2, f.Read(PCI_COMMAND, 2)), 0);
  EXPECT_TRUE(f.dev.writes.empty());
  EXPECT_EQ(f.dev.reads, 0);
}

// An FLR or a power-state change may reset the function: every cached
// control register is asked for again.
TEST(ConfigCacheTest, WritesThatMayResetTheFunctionForgetEveryCachedValue) {
  const struct {
    uint16_t offset;
    uint32_t value;
  } resets[] = {
      {kExp + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_BCR_FLR},
      {kPm + PCI_PM_CTRL, 0},  // D3hot to D0
  };
  for (const auto& r : resets) {
    SCOPED_TRACE(r.offset);
    Function f(kNvme);
    EXPECT_EQ(f.WriteReg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY), 0);
    EXPECT_EQ(f.Read(PCI_COMMAND, 2), static_cast<uint32_t>(PCI_COMMAND_MEMORY));
    EXPECT_EQ(f.WriteReg(r.offset, 2, r.value), 0);
    f.dev.Set(PCI_COMMAND, 2, 0);  // the reset cleared it
    f.dev.Set(kExp + PCI_EXP_DEVCTL, 2, 0x2810);
    EXPECT_EQ(f.Read(PCI_COMMAND, 2), 0u);
    EXPECT_EQ(f.Read(kExp + PCI_EXP_DEVCTL, 2), 0x2810u);
  }
}

TEST(ConfigCacheTest, InvalidateMakesTheNextReadAskTheFunction) {
  Function f(kNvme);
  f.dev.Set(kExp + PCI_EXP_DEVCTL2, 2, 0x0010);
  EXPECT_EQ(f.Read(kExp + PCI_EXP_DEVCTL2, 2), 0u);  // still the cached value
  vmpci_config_invalidate(f.cfg);
  EXPECT_EQ(f.Read(kExp + PCI_EXP_DEVCTL2, 2), 0x0010u);
  EXPECT_EQ(f.Read(kExp + PCI_EXP_DEVCTL2, 2), 0x0010u);
  EXPECT_EQ(f.dev.reads, 1);
  vmpci_config_invalidate(nullptr);
}

TEST(ConfigCacheTest, SeededCreationMakesNoDeviceCall) {
  FakeDevice dev(LoadConfig(kNvme));
  vmpci_config* cfg = nullptr;
  ASSERT_EQ(vmpci_config_new_seeded(&FakeDevice::kOps, &dev, dev.bytes(),
                                    dev.size(), &cfg),
            0);
  EXPECT_EQ(dev.reads, 0);
  uint32_t v = 0;
  EXPECT_EQ(vmpci_config_read(cfg, PCI_VENDOR_ID, 4, &v), 0);
  EXPECT_EQ(v, 0x00101b36u);
  EXPECT_EQ(vmpci_config_new_seeded(&FakeDevice::kOps, &dev, nullptr, 4096,
                                    &cfg),
            -EINVAL);
  EXPECT_EQ(vmpci_config_new_seeded(&FakeDevice::kOps, &dev, dev.bytes(), 512,
                                    &cfg),
            -EINVAL);
  vmpci_config_free(cfg);
}

}  // namespace
}  // namespace vmpci_test
