// Capability walk, owner map, hiding and adding, on real config spaces and
// on real ones broken the ways devices and firmware break them.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <vector>

#include "tests/pci/fake_device.h"

namespace vmpci_test {
namespace {

std::vector<vmpci_cap> Caps(vmpci_config* cfg) {
  std::vector<vmpci_cap> out(vmpci_config_cap_count(cfg));
  for (size_t i = 0; i < out.size(); i++)
    EXPECT_EQ(vmpci_config_cap_get(cfg, i, &out[i]), 0);
  return out;
}

void ExpectCap(const vmpci_cap& c, uint16_t offset, uint16_t id,
               uint16_t length, uint16_t flags) {
  EXPECT_EQ(c.offset, offset);
  EXPECT_EQ(c.id, id);
  EXPECT_EQ(c.length, length);
  EXPECT_EQ(c.flags, flags);
}

TEST(CapWalkTest, FindsTheStandardChainOfNvmeInChainOrder) {
  Function f(kNvme);
  std::vector<vmpci_cap> caps = Caps(f.cfg);
  ASSERT_EQ(caps.size(), 3u);
  ExpectCap(caps[0], 0x40, PCI_CAP_ID_MSIX, 12, 0);
  ExpectCap(caps[1], 0x80, PCI_CAP_ID_EXP, 0x3c, 0);
  ExpectCap(caps[2], 0x60, PCI_CAP_ID_PM, 8, 0);
  EXPECT_EQ(vmpci_config_cap_get(f.cfg, 3, &caps[0]), -ENOENT);
}

TEST(CapWalkTest, FindsBothChainsOfE1000e) {
  Function f(kE1000e);
  std::vector<vmpci_cap> caps = Caps(f.cfg);
  ASSERT_EQ(caps.size(), 6u);
  ExpectCap(caps[0], 0xc8, PCI_CAP_ID_PM, 8, 0);
  ExpectCap(caps[1], 0xd0, PCI_CAP_ID_MSI, 14, 0);
  // PCIe v1 claims 36 bytes; config space ends first.
  ExpectCap(caps[2], 0xe0, PCI_CAP_ID_EXP, 32, 0);
  ExpectCap(caps[3], 0xa0, PCI_CAP_ID_MSIX, 12, 0);
  // AER claims up to 0x48 bytes; the serial number starts at 0x140.
  ExpectCap(caps[4], 0x100, PCI_EXT_CAP_ID_ERR, 0x40, VMPCI_CAP_EXTENDED);
  ExpectCap(caps[5], 0x140, PCI_EXT_CAP_ID_DSN, 12, VMPCI_CAP_EXTENDED);
}

TEST(CapWalkTest, FindsEveryVendorCapOfVirtio) {
  Function f(kVirtioNetLegacy);
  std::vector<vmpci_cap> caps = Caps(f.cfg);
  ASSERT_EQ(caps.size(), 6u);
  ExpectCap(caps[0], 0x98, PCI_CAP_ID_MSIX, 12, 0);
  ExpectCap(caps[1], 0x84, PCI_CAP_ID_VNDR, 0x14, 0);
  ExpectCap(caps[2], 0x70, PCI_CAP_ID_VNDR, 0x14, 0);
  ExpectCap(caps[3], 0x60, PCI_CAP_ID_VNDR, 0x10, 0);
  ExpectCap(caps[4], 0x50, PCI_CAP_ID_VNDR, 0x10, 0);
  ExpectCap(caps[5], 0x40, PCI_CAP_ID_VNDR, 0x10, 0);
  Function fc(kFcNet);
  caps = Caps(fc.cfg);
  ASSERT_EQ(caps.size(), 6u);
  ExpectCap(caps[4], 0x84, PCI_CAP_ID_VNDR, 0x14, 0);
  ExpectCap(caps[5], 0x98, PCI_CAP_ID_MSIX, 12, 0);
}

TEST(CapWalkTest, FindReturnsTheFirstVisibleOne) {
  Function f(kE1000e);
  vmpci_cap c;
  ASSERT_EQ(vmpci_config_cap_find(f.cfg, PCI_CAP_ID_MSI, &c), 0);
  EXPECT_EQ(c.offset, 0xd0);
  ASSERT_EQ(vmpci_config_ext_cap_find(f.cfg, PCI_EXT_CAP_ID_DSN, &c), 0);
  EXPECT_EQ(c.offset, 0x140);
  EXPECT_EQ(vmpci_config_cap_find(f.cfg, PCI_CAP_ID_VNDR, &c), -ENOENT);
  EXPECT_EQ(vmpci_config_ext_cap_find(f.cfg, PCI_EXT_CAP_ID_SRIOV, &c),
            -ENOENT);
}

TEST(CapOwnerTest, NamesTheCapabilityOfEachByte) {
  Function f(kNvme);
  vmpci_cap c;
  ASSERT_EQ(vmpci_config_cap_owner(f.cfg, 0x05, &c), 0);
  ExpectCap(c, 0, 0, 64, VMPCI_CAP_HEADER);
  ASSERT_EQ(vmpci_config_cap_owner(f.cfg, 0x4b, &c), 0);
  EXPECT_EQ(c.id, PCI_CAP_ID_MSIX);
  EXPECT_EQ(vmpci_config_cap_owner(f.cfg, 0x4c, &c), -ENOENT);
  ASSERT_EQ(vmpci_config_cap_owner(f.cfg, 0xbb, &c), 0);
  EXPECT_EQ(c.id, PCI_CAP_ID_EXP);
  EXPECT_EQ(vmpci_config_cap_owner(f.cfg, 0xbc, &c), -ENOENT);
  EXPECT_EQ(vmpci_config_cap_owner(f.cfg, 0x100, &c), -ENOENT);
  EXPECT_EQ(vmpci_config_cap_owner(f.cfg, 4096, &c), -EINVAL);
}

TEST(CapOwnerTest, EveryCapabilityOwnsExactlyItsBytesOnEveryFixture) {
  for (const std::string& name : AllFixtures()) {
    SCOPED_TRACE(name);
    Function f(name);
    std::vector<int> owner(vmpci_config_size(f.cfg), -1);
    std::vector<vmpci_cap> caps = Caps(f.cfg);
    for (size_t i = 0; i < caps.size(); i++)
      for (uint16_t b = 0; b < caps[i].length; b++) {
        ASSERT_EQ(owner[caps[i].offset + b], -1) << "overlap";
        owner[caps[i].offset + b] = static_cast<int>(i);
      }
    for (uint16_t b = 64; b < vmpci_config_size(f.cfg); b++) {
      vmpci_cap c;
      int rc = vmpci_config_cap_owner(f.cfg, b, &c);
      if (owner[b] < 0) {
        EXPECT_EQ(rc, -ENOENT) << b;
      } else {
        ASSERT_EQ(rc, 0) << b;
        EXPECT_EQ(c.offset, caps[owner[b]].offset) << b;
      }
    }
  }
}

TEST(CapWalkTest, SurvivesALoopAndCutsIt) {
  std::vector<uint8_t> bytes = LoadConfig(kNvme);
  bytes[0x61] = 0x40;  // PM points back at MSI-X
  Function f(bytes);
  ASSERT_EQ(f.create_rc, 0);
  EXPECT_EQ(vmpci_config_cap_count(f.cfg), 3u);
  EXPECT_EQ(f.Read(0x61, 1), 0x00u);
}

TEST(CapWalkTest, SurvivesAnAllOnesDevice) {
  Function f(std::vector<uint8_t>(4096, 0xff));
  ASSERT_EQ(f.create_rc, 0);
  EXPECT_EQ(vmpci_config_cap_count(f.cfg), 0u);
  EXPECT_EQ(f.Read(PCI_STATUS, 2), 0xffffu & ~PCI_STATUS_CAP_LIST);
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), 0x00u);
  EXPECT_EQ(f.Read(0x100, 4), 0x00000000u);
  EXPECT_EQ(f.Read(PCI_HEADER_TYPE, 1), 0x7fu);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0u);
}

TEST(CapWalkTest, StopsAtAPointerIntoTheHeader) {
  std::vector<uint8_t> bytes = LoadConfig(kE1000e);
  bytes[0xd1] = 0x10;  // MSI's next points at BAR0
  Function f(bytes);
  EXPECT_EQ(vmpci_config_cap_count(f.cfg), 4u);  // PM, MSI, AER, DSN
  EXPECT_EQ(f.Read(0xd1, 1), 0x00u);
  bytes[PCI_CAPABILITY_LIST] = 0x20;
  Function g(bytes);
  vmpci_cap c;
  EXPECT_EQ(vmpci_config_cap_find(g.cfg, PCI_CAP_ID_PM, &c), -ENOENT);
  EXPECT_EQ(g.Read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0u);
  EXPECT_EQ(g.Read(PCI_CAPABILITY_LIST, 1), 0u);
}

TEST(CapWalkTest, IgnoresTheReservedLowBitsOfPointers) {
  std::vector<uint8_t> bytes = LoadConfig(kNvme);
  bytes[PCI_CAPABILITY_LIST] = 0x43;
  bytes[0x41] = 0x82;
  Function f(bytes);
  std::vector<vmpci_cap> caps = Caps(f.cfg);
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[0].offset, 0x40);
  EXPECT_EQ(caps[1].offset, 0x80);
  // The guest sees clean pointers.
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), 0x40u);
  EXPECT_EQ(f.Read(0x41, 1), 0x80u);
}

TEST(CapWalkTest, ExtendedWalkSurvivesLoopsAndLowPointers) {
  std::vector<uint8_t> bytes = LoadConfig(kE1000e);
  bytes[0x143] = 0x10;  // DSN next = 0x100: a loop
  Function loop(bytes);
  EXPECT_EQ(vmpci_config_cap_count(loop.cfg), 6u);
  EXPECT_EQ(loop.Read(0x140, 4), 0x00010003u);

  bytes = LoadConfig(kE1000e);
  bytes[0x102] = 0x02;
  bytes[0x103] = 0x04;  // AER next = 0x040: inside standard space
  Function low(bytes);
  EXPECT_EQ(vmpci_config_cap_count(low.cfg), 5u);
  EXPECT_EQ(low.Read(0x100, 4), 0x00020001u);

  bytes = LoadConfig(kE1000e);
  bytes[0x102] = 0x32;  // AER next = 0x143: reserved bits set
  Function odd(bytes);
  EXPECT_EQ(vmpci_config_cap_count(odd.cfg), 6u);
  EXPECT_EQ(odd.Read(0x100, 4), 0x14020001u);
}

TEST(CapHideTest, HidingTheLastStandardCapEndsTheChainBeforeIt) {
  Function f(kNvme);
  ASSERT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_PM), 0);
  EXPECT_EQ(f.Read(0x81, 1), 0x00u);
  EXPECT_EQ(f.Read(0x60, 4), 0u);
  EXPECT_EQ(f.Read(0x64, 4), 0u);
  EXPECT_EQ(f.dev.reads, 0);
  EXPECT_EQ(f.WriteReg(0x64, 2, 0x0003), 0);
  EXPECT_TRUE(f.dev.writes.empty());
  vmpci_cap c;
  EXPECT_EQ(vmpci_config_cap_find(f.cfg, PCI_CAP_ID_PM, &c), -ENOENT);
  ASSERT_EQ(vmpci_config_cap_owner(f.cfg, 0x62, &c), 0);
  ExpectCap(c, 0x60, PCI_CAP_ID_PM, 8, VMPCI_CAP_HIDDEN);
}

TEST(CapHideTest, HidingTheFirstStandardCapMovesTheListPointer) {
  Function f(kE1000e);
  ASSERT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_PM), 0);
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), 0xd0u);
  EXPECT_NE(f.Read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0u);
}

TEST(CapHideTest, HidingAMiddleCapLinksAroundIt) {
  Function f(kE1000e);
  ASSERT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_MSI), 0);
  EXPECT_EQ(f.Read(0xc9, 1), 0xe0u);
  EXPECT_EQ(f.Read(0xd0, 4), 0u);
}

TEST(CapHideTest, HidingEveryStandardCapClearsTheListBit) {
  Function f(kEdu);
  ASSERT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_MSI), 0);
  EXPECT_EQ(f.Read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0u);
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), 0u);
}

TEST(CapHideTest, HidingAnIdHidesEveryInstance) {
  Function f(kVirtioNetLegacy);
  ASSERT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_VNDR), 0);
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), 0x98u);
  EXPECT_EQ(f.Read(0x99, 1), 0x00u);
  int hidden = 0;
  for (const vmpci_cap& c : Caps(f.cfg))
    hidden += (c.flags & VMPCI_CAP_HIDDEN) ? 1 : 0;
  EXPECT_EQ(hidden, 5);
  EXPECT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_VNDR), -ENOENT);
}

TEST(CapHideTest, HidingTheFirstExtendedCapLeavesAnEmptyHeader) {
  Function f(kE1000e);
  ASSERT_EQ(vmpci_config_ext_cap_hide(f.cfg, PCI_EXT_CAP_ID_ERR), 0);
  // id 0, version 0, next 0x140: what the kernel presents.
  EXPECT_EQ(f.Read(0x100, 4), 0x14000000u);
  EXPECT_EQ(f.Read(0x104, 4), 0u);
  EXPECT_EQ(f.Read(0x13c, 4), 0u);
  EXPECT_EQ(f.Read(0x140, 4), 0x00010003u);
  ASSERT_EQ(vmpci_config_ext_cap_hide(f.cfg, PCI_EXT_CAP_ID_DSN), 0);
  EXPECT_EQ(f.Read(0x100, 4), 0u);
  EXPECT_EQ(f.Read(0x140, 4), 0u);
}

TEST(CapHideTest, HidingTheLastExtendedCapEndsTheChainBeforeIt) {
  Function f(kE1000e);
  ASSERT_EQ(vmpci_config_ext_cap_hide(f.cfg, PCI_EXT_CAP_ID_DSN), 0);
  EXPECT_EQ(f.Read(0x100, 4), 0x00020001u);
  EXPECT_EQ(f.Read(0x144, 4), 0u);
}

TEST(CapHideTest, UnknownOrBusyCapsAreRefused) {
  Function f(kNvme);
  EXPECT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_MSI), -ENOENT);
  EXPECT_EQ(vmpci_config_ext_cap_hide(f.cfg, PCI_EXT_CAP_ID_ERR), -ENOENT);
  vmpci_config_ops ops = {nullptr, nullptr};
  ASSERT_EQ(vmpci_config_add_handler(f.cfg, 0x42, 2, &ops, nullptr), 0);
  EXPECT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_MSIX), -EBUSY);
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), 0x40u);
}

TEST(CapAddTest, AddCapability) {
  // cloud-hypervisor configuration.rs add_capability: two vendor caps with
  // a 2-byte body {length 4, 0xaa} on a function without capabilities.
  Function f(kFcHostBridge);
  const uint8_t body[] = {0x04, 0xaa};
  uint16_t cap1 = 0, cap2 = 0;
  ASSERT_EQ(vmpci_config_cap_add(f.cfg, PCI_CAP_ID_VNDR, body, 2, &cap1), 0);
  ASSERT_EQ(vmpci_config_cap_add(f.cfg, PCI_CAP_ID_VNDR, body, 2, &cap2), 0);
  EXPECT_EQ(cap1 % 4, 0);
  EXPECT_EQ(cap2 % 4, 0);
  EXPECT_EQ(cap1, 0x40);
  EXPECT_EQ(cap2, 0x44);
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), cap1);
  EXPECT_NE(f.Read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0u);
  f.dev.reads = 0;
  EXPECT_EQ(f.Read(cap1, 4), 0xaa040000u | (cap2 << 8) | PCI_CAP_ID_VNDR);
  EXPECT_EQ(f.Read(cap2, 4), 0xaa040000u | PCI_CAP_ID_VNDR);
  EXPECT_EQ(f.dev.reads, 0);  // virtual bytes are emulated
  vmpci_cap c;
  ASSERT_EQ(vmpci_config_cap_owner(f.cfg, 0x45, &c), 0);
  ExpectCap(c, 0x44, PCI_CAP_ID_VNDR, 4, VMPCI_CAP_VIRTUAL);
}

TEST(CapAddTest, VirtualCapGoesToFreeRoomAtTheEndOfTheChain) {
  Function f(kNvme);
  const uint8_t body[6] = {8, 1, 2, 3, 4, 5};
  uint16_t at = 0;
  ASSERT_EQ(vmpci_config_cap_add(f.cfg, PCI_CAP_ID_VNDR, body, 6, &at), 0);
  EXPECT_EQ(at, 0x4c);  // MSI-X ends at 0x4b
  EXPECT_EQ(f.Read(0x61, 1), 0x4cu);  // after PM, the old end
  EXPECT_EQ(f.Read(0x4d, 1), 0x00u);
  std::vector<vmpci_cap> caps = Caps(f.cfg);
  ASSERT_EQ(caps.size(), 4u);
  EXPECT_EQ(caps[3].offset, 0x4c);
}

TEST(CapAddTest, ExtendedCapStartsTheEmptyListAt0x100) {
  Function f(kNvme);
  const uint8_t body[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint16_t a = 0, b = 0;
  ASSERT_EQ(vmpci_config_ext_cap_add(f.cfg, PCI_EXT_CAP_ID_VNDR, 1, body, 8,
                                     &a),
            0);
  ASSERT_EQ(vmpci_config_ext_cap_add(f.cfg, PCI_EXT_CAP_ID_VNDR, 1, body, 8,
                                     &b),
            0);
  EXPECT_EQ(a, 0x100);
  EXPECT_EQ(b, 0x10c);
  EXPECT_EQ(f.Read(0x100, 4), 0x10c1000bu);
  EXPECT_EQ(f.Read(0x10c, 4), 0x0001000bu);
  EXPECT_EQ(f.Read(0x110, 4), 0x04030201u);
}

TEST(CapAddTest, ExtendedCapLinksAfterAHiddenFirstCap) {
  Function f(kE1000e);
  ASSERT_EQ(vmpci_config_ext_cap_hide(f.cfg, PCI_EXT_CAP_ID_ERR), 0);
  uint16_t at = 0;
  ASSERT_EQ(vmpci_config_ext_cap_add(f.cfg, 0x2a, 1, nullptr, 0, &at), 0);
  EXPECT_EQ(at, 0x14c);
  EXPECT_EQ(f.Read(0x100, 4), 0x14000000u);
  EXPECT_EQ(f.Read(0x140, 4), 0x14c10003u);
  EXPECT_EQ(f.Read(0x14c, 4), 0x0001002au);
}

TEST(CapAddTest, NoRoomOrNoExtendedSpaceIsRefused) {
  Function f(kNvme);
  std::vector<uint8_t> big(200, 0);
  uint16_t at = 0;
  EXPECT_EQ(vmpci_config_cap_add(f.cfg, PCI_CAP_ID_VNDR, big.data(), 200, &at),
            -ENOSPC);
  EXPECT_EQ(vmpci_config_cap_add(f.cfg, PCI_CAP_ID_VNDR, nullptr, 4, &at),
            -EINVAL);
  Function edu(kEdu);
  EXPECT_EQ(vmpci_config_ext_cap_add(edu.cfg, PCI_EXT_CAP_ID_VNDR, 1, nullptr,
                                     0, &at),
            -EINVAL);
  EXPECT_EQ(vmpci_config_cap_count(f.cfg), 3u);
}

}  // namespace
}  // namespace vmpci_test
