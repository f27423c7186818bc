// The config model: image + emulated/writable/write-1-to-clear masks over a
// real device's config space, header rules, handlers and the COMMAND hook.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <vector>

#include "tests/pci/fake_device.h"

namespace vmpci_test {
namespace {

TEST(ConfigModelTest, CreationReadsTheWholeSpaceOnce) {
  Function f(kNvme);
  ASSERT_EQ(f.create_rc, 0);
  EXPECT_EQ(vmpci_config_size(f.cfg), 4096);
  Function edu(kEdu);
  ASSERT_EQ(edu.create_rc, 0);
  EXPECT_EQ(vmpci_config_size(edu.cfg), 256);
}

TEST(ConfigModelTest, CreationRejectsBadArguments) {
  FakeDevice dev(LoadConfig(kEdu));
  vmpci_config* cfg = nullptr;
  vmpci_config_ops no_write = {FakeDevice::kOps.read, nullptr};
  EXPECT_EQ(vmpci_config_new(&FakeDevice::kOps, &dev, 512, &cfg), -EINVAL);
  EXPECT_EQ(vmpci_config_new(&no_write, &dev, 256, &cfg), -EINVAL);
  EXPECT_EQ(vmpci_config_new(nullptr, &dev, 256, &cfg), -EINVAL);
  dev.fail_reads_with = -EIO;
  EXPECT_EQ(vmpci_config_new(&FakeDevice::kOps, &dev, 256, &cfg), -EIO);
  EXPECT_EQ(cfg, nullptr);
  vmpci_config_free(nullptr);
}

TEST(ConfigModelTest, ReadMergesEmulatedBitsWithDeviceBits) {
  Function f(kNvme);
  // The device drops its capability-list bit and raises INTx status: the
  // list bit is ours, the interrupt bit is live.
  f.dev.Set(PCI_STATUS, 2, PCI_STATUS_INTERRUPT);
  EXPECT_EQ(f.Read(PCI_STATUS, 2), PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
  EXPECT_EQ(f.dev.reads, 1);
}

TEST(ConfigModelTest, WritableEmulatedBitsGoToTheImageOnly) {
  Function f(kNvme);
  EXPECT_EQ(f.Read(PCI_INTERRUPT_LINE, 1), 0x0au);
  EXPECT_EQ(f.WriteReg(PCI_INTERRUPT_LINE, 1, 0x05), 0);
  EXPECT_EQ(f.Read(PCI_INTERRUPT_LINE, 1), 0x05u);
  EXPECT_TRUE(f.dev.writes.empty());
  EXPECT_EQ(f.dev.Get(PCI_INTERRUPT_LINE, 1), 0x0au);
  EXPECT_EQ(f.dev.reads, 0);
}

TEST(ConfigModelTest, WritablePassThroughBitsGoToTheDevice) {
  Function f(kNvme);
  EXPECT_EQ(f.WriteReg(PCI_CACHE_LINE_SIZE, 1, 0x10), 0);
  ASSERT_EQ(f.dev.writes.size(), 1u);
  EXPECT_EQ(f.dev.writes[0].offset, PCI_CACHE_LINE_SIZE);
  EXPECT_EQ(f.dev.writes[0].size, 1u);
  EXPECT_EQ(f.dev.writes[0].val, 0x10u);
  EXPECT_EQ(f.Read(PCI_CACHE_LINE_SIZE, 1), 0x10u);
}

TEST(ConfigModelTest, ReadOnlyBitsAreNeverWritten) {
  Function f(kNvme);
  EXPECT_EQ(f.WriteReg(PCI_VENDOR_ID, 4, 0xffffffff), 0);
  EXPECT_EQ(f.WriteReg(PCI_CLASS_REVISION, 4, 0), 0);
  EXPECT_EQ(f.WriteReg(PCI_SUBSYSTEM_VENDOR_ID, 4, 0), 0);
  EXPECT_EQ(f.WriteReg(PCI_CAPABILITY_LIST, 1, 0x60), 0);
  EXPECT_TRUE(f.dev.writes.empty());
  EXPECT_EQ(f.Read(PCI_VENDOR_ID, 4), 0x00101b36u);
  EXPECT_EQ(f.Read(PCI_CLASS_REVISION, 4), 0x01080202u);
  EXPECT_EQ(f.Read(PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4u);
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), 0x40u);
}

TEST(ConfigModelTest, ProtectedDeviceBitsKeepTheirDeviceValue) {
  Function f(kNvme);
  // PCIe device control at 0x88: phantom functions stay as the host set
  // them (here on, behind the model, which its owner reports), whatever
  // the guest writes.
  f.dev.Set(0x88, 2, PCI_EXP_DEVCTL_PHANTOM);
  vmpci_config_invalidate(f.cfg);
  EXPECT_EQ(f.WriteReg(0x88, 2, PCI_EXP_DEVCTL_RELAX_EN), 0);
  ASSERT_EQ(f.dev.writes.size(), 1u);
  EXPECT_EQ(f.dev.writes[0].offset, 0x88);
  EXPECT_EQ(f.dev.writes[0].val, static_cast<uint32_t>(PCI_EXP_DEVCTL_PHANTOM |
                                                       PCI_EXP_DEVCTL_RELAX_EN));
  EXPECT_EQ(f.dev.reads, 1);
}

TEST(ConfigModelTest, PartlyWritableRegisterIsReadModifiedWritten) {
  Function f(kNvme);
  // COMMAND bits 11-15 are reserved: the device keeps its value there,
  // known from the cache without a read...
  EXPECT_EQ(f.WriteReg(PCI_COMMAND, 2, 0xffff), 0);
  ASSERT_EQ(f.dev.writes.size(), 1u);
  EXPECT_EQ(f.dev.writes[0].val, 0x07ffu);
  EXPECT_EQ(f.dev.reads, 0);
  // ... or read first when the model does not know it (set here behind
  // the model, which its owner reports).
  f.dev.Set(PCI_COMMAND, 2, 0x8107);
  vmpci_config_invalidate(f.cfg);
  EXPECT_EQ(f.WriteReg(PCI_COMMAND, 2, 0x7fff), 0);
  ASSERT_EQ(f.dev.writes.size(), 2u);
  EXPECT_EQ(f.dev.writes[1].val, 0x87ffu);
  EXPECT_EQ(f.dev.reads, 1);
}

TEST(ConfigModelTest, StatusErrorBitsSurviveACommandWrite) {
  Function f(kNvme);
  f.dev.Set(PCI_STATUS, 2, 0xf910);
  EXPECT_EQ(f.WriteReg(PCI_COMMAND, 4, 0x00000106), 0);
  ASSERT_EQ(f.dev.writes.size(), 1u);
  EXPECT_EQ(f.dev.writes[0].offset, PCI_COMMAND);
  EXPECT_EQ(f.dev.writes[0].size, 2u);
  EXPECT_EQ(f.dev.writes[0].val, 0x0106u);
  EXPECT_EQ(f.dev.Get(PCI_STATUS, 2), 0xf910u);
}

TEST(ConfigModelTest, StatusErrorBitsClearOnlyWhereOneIsWritten) {
  Function f(kNvme);
  f.dev.Set(PCI_STATUS, 2, 0xf910);
  EXPECT_EQ(f.WriteReg(PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT), 0);
  ASSERT_EQ(f.dev.writes.size(), 1u);
  EXPECT_EQ(f.dev.writes[0].offset, PCI_STATUS + 1);
  EXPECT_EQ(f.dev.writes[0].size, 1u);
  EXPECT_EQ(f.dev.writes[0].val, 0x20u);
  EXPECT_EQ(f.Read(PCI_STATUS, 2), 0xd910u);
}

TEST(ConfigModelTest, EmulatedWriteOneToClearBitsClearInTheImage) {
  Function f(kNvme);
  // An emulated register with write-1-to-clear bits (e.g. a virtual
  // status the device object keeps) behaves like hardware.
  ASSERT_EQ(vmpci_config_set_perm(f.cfg, 0xf0, 4, 0xffffffff, 0x0000ffff,
                                  0x0000ff00),
            0);
  ASSERT_EQ(vmpci_config_poke(f.cfg, 0xf0, 4, 0x1234ff00), 0);
  EXPECT_EQ(f.WriteReg(0xf0, 2, 0x0f5a), 0);
  EXPECT_EQ(f.Read(0xf0, 4), 0x1234f05au);
  EXPECT_TRUE(f.dev.writes.empty());
}

TEST(ConfigModelTest, IdentityRegistersAreServedWithoutDeviceCallbacks) {
  Function f(kNvme);
  EXPECT_EQ(f.Read(PCI_VENDOR_ID, 2), 0x1b36u);
  EXPECT_EQ(f.Read(PCI_DEVICE_ID, 2), 0x0010u);
  EXPECT_EQ(f.Read(PCI_REVISION_ID, 1), 0x02u);
  EXPECT_EQ(f.Read(PCI_CLASS_PROG, 1), 0x02u);
  EXPECT_EQ(f.Read(PCI_CLASS_DEVICE, 2), 0x0108u);
  EXPECT_EQ(f.Read(PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4u);
  EXPECT_EQ(f.Read(PCI_SUBSYSTEM_ID, 2), 0x1100u);
  EXPECT_EQ(f.Read(PCI_HEADER_TYPE, 1), 0x00u);
  EXPECT_EQ(f.Read(PCI_INTERRUPT_PIN, 1), 0x01u);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0u);
  EXPECT_EQ(f.Read(PCI_ROM_ADDRESS, 4), 0u);
  EXPECT_EQ(f.dev.reads, 0);
}

TEST(ConfigModelTest, ClassCode) {
  // cloud-hypervisor configuration.rs class_code: register 2 holds class
  // 0x04, subclass 0x01, prog-IF 0x5a above the revision.
  std::vector<uint8_t> bytes = LoadConfig(kEdu);
  bytes[PCI_CLASS_PROG] = 0x5a;
  bytes[PCI_CLASS_DEVICE] = 0x01;
  bytes[PCI_CLASS_DEVICE + 1] = 0x04;
  Function f(bytes);
  EXPECT_EQ(f.Read(2 * 4, 4), 0x04015a10u);
  EXPECT_EQ(f.dev.reads, 0);
}

TEST(ConfigModelTest, CachedIdentityIsTheDeviceValueAtCreation) {
  Function f(kNvme);
  f.dev.Set(PCI_VENDOR_ID, 4, 0xffffffff);
  EXPECT_EQ(f.Read(PCI_VENDOR_ID, 4), 0x00101b36u);
}

TEST(ConfigModelTest, EmulatedReadsMakeNoDeviceCallbackOnAnyFixture) {
  for (const std::string& name : AllFixtures()) {
    SCOPED_TRACE(name);
    Function f(name);
    ASSERT_EQ(f.create_rc, 0);
    for (uint16_t off = 0; off < vmpci_config_size(f.cfg); off += 4) {
      uint32_t emulated = 0;
      int before = f.dev.reads;
      ASSERT_EQ(vmpci_config_get_perm(f.cfg, off, 4, &emulated, nullptr,
                                      nullptr),
                0);
      f.Read(off, 4);
      if (emulated == 0xffffffff)
        ASSERT_EQ(f.dev.reads, before) << "offset " << off;
      else
        ASSERT_LE(f.dev.reads, before + 1) << "offset " << off;
    }
  }
}

TEST(ConfigModelTest, MultiFunctionBitIsMasked) {
  std::vector<uint8_t> bytes = LoadConfig(kEdu);
  bytes[PCI_HEADER_TYPE] = 0x80;
  Function f(bytes);
  EXPECT_EQ(f.Read(PCI_HEADER_TYPE, 1), 0x00u);
  EXPECT_EQ(f.Read(PCI_CACHE_LINE_SIZE, 4) >> 16, 0x0000u);
}

TEST(ConfigModelTest, InterruptPinIsEmulatedReadOnly) {
  Function f(kEdu);
  EXPECT_EQ(f.WriteReg(PCI_INTERRUPT_LINE, 2, 0x0405), 0);
  EXPECT_EQ(f.Read(PCI_INTERRUPT_LINE, 2), 0x0105u);
  EXPECT_TRUE(f.dev.writes.empty());
  EXPECT_EQ(f.dev.reads, 0);
}

struct HookLog {
  int calls = 0;
  uint16_t old_cmd = 0, new_cmd = 0;
  size_t device_writes_seen = 0;
  FakeDevice* dev = nullptr;
  int result = 0;
};

int RecordCommand(void* opaque, uint16_t old_cmd, uint16_t new_cmd) {
  auto* log = static_cast<HookLog*>(opaque);
  log->calls++;
  log->old_cmd = old_cmd;
  log->new_cmd = new_cmd;
  log->device_writes_seen = log->dev->writes.size();
  return log->result;
}

TEST(ConfigModelTest, CommandHookSeesTheWriteBeforeTheDevice) {
  Function f(kNvme);
  HookLog log;
  log.dev = &f.dev;
  vmpci_config_set_command_hook(f.cfg, RecordCommand, &log);
  EXPECT_EQ(vmpci_config_command(f.cfg), 0x0107);
  EXPECT_EQ(f.WriteReg(PCI_COMMAND, 2,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                           PCI_COMMAND_INTX_DISABLE),
            0);
  EXPECT_EQ(log.calls, 1);
  EXPECT_EQ(log.old_cmd, 0x0107);
  EXPECT_EQ(log.new_cmd, 0x0406);
  EXPECT_EQ(log.device_writes_seen, 0u);
  EXPECT_EQ(f.dev.Get(PCI_COMMAND, 2), 0x0406u);
  EXPECT_EQ(vmpci_config_command(f.cfg), 0x0406);
  EXPECT_EQ(f.Read(PCI_COMMAND, 2), 0x0406u);
}

TEST(ConfigModelTest, CommandHookSeesByteWritesToTheHighByte) {
  Function f(kNvme);
  HookLog log;
  log.dev = &f.dev;
  vmpci_config_set_command_hook(f.cfg, RecordCommand, &log);
  EXPECT_EQ(f.WriteReg(PCI_COMMAND + 1, 1, 0x05), 0);
  EXPECT_EQ(log.new_cmd, 0x0507);
  EXPECT_EQ(vmpci_config_command(f.cfg), 0x0507);
  // A write elsewhere does not call it.
  EXPECT_EQ(f.WriteReg(PCI_CACHE_LINE_SIZE, 1, 8), 0);
  EXPECT_EQ(log.calls, 1);
}

TEST(ConfigModelTest, CommandHookErrorDropsTheWholeWrite) {
  Function f(kNvme);
  HookLog log;
  log.dev = &f.dev;
  log.result = -EIO;
  vmpci_config_set_command_hook(f.cfg, RecordCommand, &log);
  EXPECT_EQ(f.WriteReg(PCI_COMMAND, 4, 0xffff0000), -EIO);
  EXPECT_TRUE(f.dev.writes.empty());
  EXPECT_EQ(vmpci_config_command(f.cfg), 0x0107);
  vmpci_config_set_command_hook(f.cfg, nullptr, nullptr);
  EXPECT_EQ(f.WriteReg(PCI_COMMAND, 2, 0), 0);
  EXPECT_EQ(log.calls, 1);
}

TEST(ConfigModelTest, MalformedAccessesReadAllOnesAndWriteNothing) {
  Function f(kNvme);
  std::vector<uint8_t> before(4096), after(4096);
  ASSERT_EQ(vmpci_config_dump(f.cfg, before.data(), before.size()), 0);
  f.dev.reads = 0;
  struct {
    uint16_t offset;
    unsigned size;
    uint32_t ones;
  } bad[] = {
      {3, 2, 0xffff},        // crosses a dword
      {2, 4, 0xffffffff},    // crosses a dword
      {0, 3, 0xffffffff},    // odd size
      {0, 8, 0xffffffff},    // too big
      {0, 0, 0xffffffff},    // empty
      {4095, 2, 0xffff},     // past 4 KiB
      {4096, 1, 0xff},       // past 4 KiB
      {0xfffc, 4, 0xffffffff},
  };
  for (const auto& b : bad) {
    uint32_t v = 0;
    EXPECT_EQ(vmpci_config_read(f.cfg, b.offset, b.size, &v), -EINVAL);
    EXPECT_EQ(v, b.ones) << b.offset << "/" << b.size;
    EXPECT_EQ(vmpci_config_write(f.cfg, b.offset, b.size, 0), -EINVAL);
  }
  EXPECT_EQ(f.dev.reads, 0);
  EXPECT_TRUE(f.dev.writes.empty());
  ASSERT_EQ(vmpci_config_dump(f.cfg, after.data(), after.size()), 0);
  EXPECT_EQ(before, after);

  Function edu(kEdu);  // 256 bytes: extended space is absent
  uint32_t v = 0;
  EXPECT_EQ(vmpci_config_read(edu.cfg, 0x100, 4, &v), -EINVAL);
  EXPECT_EQ(v, 0xffffffffu);
}

TEST(ConfigModelTest, DeviceReadErrorGivesAllOnesForPassThroughBits) {
  Function f(kNvme);
  f.dev.fail_reads_with = -EIO;
  uint32_t v = 0;
  // Device status is the function's own: never cached.
  EXPECT_EQ(vmpci_config_read(f.cfg, 0x80 + PCI_EXP_DEVSTA, 2, &v), -EIO);
  EXPECT_EQ(v, 0xffffu);
  EXPECT_EQ(vmpci_config_read(f.cfg, PCI_VENDOR_ID, 4, &v), 0);
  EXPECT_EQ(v, 0x00101b36u);
  // A read-modify-write that cannot read does not write.
  vmpci_config_invalidate(f.cfg);
  EXPECT_EQ(vmpci_config_write(f.cfg, PCI_COMMAND, 2, 0), -EIO);
  EXPECT_TRUE(f.dev.writes.empty());
}

TEST(ConfigModelTest, UnownedBytesPassThroughReadWrite) {
  Function f(kNvme);  // nothing owns 0xf0
  EXPECT_EQ(f.WriteReg(0xf0, 4, 0x12345678), 0);
  ASSERT_EQ(f.dev.writes.size(), 1u);
  EXPECT_EQ(f.dev.writes[0].val, 0x12345678u);
  EXPECT_EQ(f.Read(0xf0, 4), 0x12345678u);
  EXPECT_EQ(f.dev.reads, 1);
}

TEST(ConfigModelTest, PatchMakesBitsEmulatedAndReadOnly) {
  Function f(kNvme);
  // Link status of the PCIe capability at 0x80.
  ASSERT_EQ(vmpci_config_patch(f.cfg, 0x92, 2, 0x00f0, 0x1234), 0);
  f.dev.Set(0x92, 2, 0xffff);
  EXPECT_EQ(f.Read(0x92, 2), 0xff3fu);
  ASSERT_EQ(vmpci_config_patch(f.cfg, 0x92, 2, 0xffff, 0x0011), 0);
  f.dev.reads = 0;
  EXPECT_EQ(f.Read(0x92, 2), 0x0011u);
  EXPECT_EQ(f.dev.reads, 0);
  EXPECT_EQ(f.WriteReg(0x92, 2, 0xffff), 0);
  EXPECT_EQ(f.Read(0x92, 2), 0x0011u);
  EXPECT_TRUE(f.dev.writes.empty());
}

TEST(ConfigModelTest, PermissionsReadBackAsSet) {
  Function f(kNvme);
  uint32_t e, w, c;
  ASSERT_EQ(vmpci_config_get_perm(f.cfg, PCI_STATUS, 2, &e, &w, &c), 0);
  EXPECT_EQ(e, static_cast<uint32_t>(PCI_STATUS_CAP_LIST));
  EXPECT_EQ(w, 0xf900u);
  EXPECT_EQ(c, 0xf900u);
  ASSERT_EQ(vmpci_config_get_perm(f.cfg, PCI_COMMAND, 2, &e, &w, &c), 0);
  EXPECT_EQ(e, 0u);
  EXPECT_EQ(w, 0x07ffu);
  ASSERT_EQ(vmpci_config_set_perm(f.cfg, 0xf0, 4, 0xff, 0xffff, 0), 0);
  ASSERT_EQ(vmpci_config_get_perm(f.cfg, 0xf0, 4, &e, &w, &c), 0);
  EXPECT_EQ(e, 0xffu);
  EXPECT_EQ(w, 0xffffu);
  EXPECT_EQ(vmpci_config_set_perm(f.cfg, 4095, 2, 0, 0, 0), -EINVAL);
  EXPECT_EQ(vmpci_config_peek(f.cfg, 4094, 4, &e), -EINVAL);
}

TEST(ConfigModelTest, EmulatedFunctionKeepsPassThroughBitsInItsOwnCopy) {
  std::vector<uint8_t> bytes = LoadConfig(kFcHostBridge);
  vmpci_config* cfg = nullptr;
  ASSERT_EQ(vmpci_config_new_emulated(bytes.data(), 4096, &cfg), 0);
  uint32_t v = 0;
  EXPECT_EQ(vmpci_config_write(cfg, PCI_CACHE_LINE_SIZE, 1, 0x10), 0);
  EXPECT_EQ(vmpci_config_read(cfg, PCI_CACHE_LINE_SIZE, 1, &v), 0);
  EXPECT_EQ(v, 0x10u);
  EXPECT_EQ(vmpci_config_write(cfg, PCI_COMMAND, 2, 0xffff), 0);
  EXPECT_EQ(vmpci_config_read(cfg, PCI_COMMAND, 2, &v), 0);
  EXPECT_EQ(v, 0x07ffu);
  EXPECT_EQ(vmpci_config_read(cfg, PCI_VENDOR_ID, 4, &v), 0);
  EXPECT_EQ(v, 0x0d578086u);
  vmpci_config_free(cfg);
}

}  // namespace
}  // namespace vmpci_test
