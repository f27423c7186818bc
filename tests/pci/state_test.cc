// Export and import of the guest-visible config state (snapshot/restore),
// and hidden capabilities staying hidden on every way of reading.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/pci/fake_device.h"

namespace vmpci_test {
namespace {

void DeclareFromResources(vmpci_config* cfg, const std::string& fixture) {
  std::vector<Resource> res = LoadResources(fixture);
  for (unsigned i = 0; i < res.size(); i++) {
    if (!res[i].size()) continue;
    ASSERT_EQ(vmpci_config_bar_declare(cfg, i, res[i].size(),
                                       BarType(res[i], i)),
              0);
  }
}

std::vector<uint8_t> Dump(vmpci_config* cfg) {
  std::vector<uint8_t> out(vmpci_config_size(cfg));
  EXPECT_EQ(vmpci_config_dump(cfg, out.data(), out.size()), 0);
  return out;
}

// The e1000e as a guest leaves it: BARs placed, PM and AER hidden, a
// virtual vendor capability, interrupt line set, BAR3 moved while memory
// decode is off.
void Prepare(Function& f) {
  DeclareFromResources(f.cfg, kE1000e);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0xe0000000), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 1, 0xe0020000), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 2, 0x1000), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 3, 0xe0040000), 0);
  ASSERT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_PM), 0);
  ASSERT_EQ(vmpci_config_ext_cap_hide(f.cfg, PCI_EXT_CAP_ID_ERR), 0);
  const uint8_t body[2] = {4, 0x5a};
  ASSERT_EQ(vmpci_config_cap_add(f.cfg, PCI_CAP_ID_VNDR, body, 2, nullptr), 0);
  ASSERT_EQ(f.WriteReg(PCI_INTERRUPT_LINE, 1, 0x0b), 0);
  ASSERT_EQ(f.WriteReg(PCI_COMMAND, 2, 0), 0);
  ASSERT_EQ(f.WriteReg(PCI_BASE_ADDRESS_3, 4, 0xe0080000), 0);
}

TEST(ConfigStateTest, RoundTripIntoAFreshDeviceRestoresTheGuestView) {
  Function from(kE1000e);
  Prepare(from);
  auto st = std::make_unique<vmpci_config_state>();
  ASSERT_EQ(vmpci_config_state_get(from.cfg, st.get()), 0);
  EXPECT_EQ(st->size, 4096);
  EXPECT_EQ(st->command, 0);
  EXPECT_EQ(st->cap_count, 7);
  EXPECT_EQ(st->bars[3].addr, 0xe0040000u);

  Function to(kE1000e);
  to.dev.Set(PCI_COMMAND, 2, 0);  // as the guest left the hardware
  DeclareFromResources(to.cfg, kE1000e);
  ASSERT_EQ(vmpci_config_state_set(to.cfg, st.get()), 0);
  EXPECT_TRUE(to.dev.writes.empty());
  EXPECT_EQ(Dump(to.cfg), Dump(from.cfg));
  EXPECT_EQ(vmpci_config_command(to.cfg), 0);
  ASSERT_EQ(vmpci_config_cap_count(to.cfg), 7u);
  for (size_t i = 0; i < 7; i++) {
    vmpci_cap a, b;
    ASSERT_EQ(vmpci_config_cap_get(from.cfg, i, &a), 0);
    ASSERT_EQ(vmpci_config_cap_get(to.cfg, i, &b), 0);
    EXPECT_EQ(a.offset, b.offset);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.length, b.length);
    EXPECT_EQ(a.flags, b.flags);
  }
  // The move the guest made with decode off is still pending, and probes
  // still size the BARs.
  BarLog log;
  vmpci_config_set_bar_hook(to.cfg, RecordBars, &log);
  ASSERT_EQ(to.WriteReg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY), 0);
  ASSERT_EQ(log.moves.size(), 1u);
  EXPECT_EQ(log.moves[0].index, 3u);
  EXPECT_EQ(log.moves[0].old_addr, 0xe0040000u);
  EXPECT_EQ(log.moves[0].new_addr, 0xe0080000u);
  ASSERT_EQ(to.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xffffffff), 0);
  EXPECT_EQ(to.Read(PCI_BASE_ADDRESS_0, 4), 0xfffe0000u);
}

TEST(ConfigStateTest, ImportWithoutDeclaredBarsTakesTheStateBars) {
  Function from(kE1000e);
  Prepare(from);
  auto st = std::make_unique<vmpci_config_state>();
  ASSERT_EQ(vmpci_config_state_get(from.cfg, st.get()), 0);
  Function to(kE1000e);
  ASSERT_EQ(vmpci_config_state_set(to.cfg, st.get()), 0);
  vmpci_bar_info info;
  ASSERT_EQ(vmpci_config_bar_get(to.cfg, 2, &info), 0);
  EXPECT_EQ(info.addr, 0x1000u);
  EXPECT_EQ(info.size, 32u);
  EXPECT_EQ(info.type, VMPCI_BAR_IO);
}

TEST(ConfigStateTest, AnotherDeviceIsRefusedAndNothingChanges) {
  Function nvme(kNvme);
  auto st = std::make_unique<vmpci_config_state>();
  ASSERT_EQ(vmpci_config_state_get(nvme.cfg, st.get()), 0);
  Function e1000e(kE1000e);
  std::vector<uint8_t> before = Dump(e1000e.cfg);
  EXPECT_EQ(vmpci_config_state_set(e1000e.cfg, st.get()), -ENODEV);
  EXPECT_EQ(Dump(e1000e.cfg), before);
  EXPECT_EQ(vmpci_config_cap_count(e1000e.cfg), 6u);
}

TEST(ConfigStateTest, BarDeclaredWithAnotherSizeIsRefused) {
  Function from(kE1000e);
  Prepare(from);
  auto st = std::make_unique<vmpci_config_state>();
  ASSERT_EQ(vmpci_config_state_get(from.cfg, st.get()), 0);
  Function to(kE1000e);
  ASSERT_EQ(vmpci_config_bar_declare(to.cfg, 0, 0x40000, VMPCI_BAR_MEM32), 0);
  EXPECT_EQ(vmpci_config_state_set(to.cfg, st.get()), -ENODEV);
  EXPECT_EQ(vmpci_config_cap_count(to.cfg), 6u);
}

TEST(ConfigStateTest, MalformedStatesAreRefusedAndNothingChanges) {
  Function from(kE1000e);
  Prepare(from);
  auto good = std::make_unique<vmpci_config_state>();
  ASSERT_EQ(vmpci_config_state_get(from.cfg, good.get()), 0);

  Function to(kE1000e);
  std::vector<uint8_t> before = Dump(to.cfg);
  using Mutation = void (*)(vmpci_config_state*);
  const Mutation bad[] = {
      [](vmpci_config_state* s) { s->size = 300; },
      [](vmpci_config_state* s) { s->cap_count = VMPCI_CONFIG_MAX_CAPS + 1; },
      [](vmpci_config_state* s) { s->caps[0].offset = 0x3c; },
      [](vmpci_config_state* s) { s->caps[0].offset = 0xc9; },
      [](vmpci_config_state* s) { s->caps[1].offset = s->caps[0].offset; },
      [](vmpci_config_state* s) { s->caps[2].length = 0x40; },
      [](vmpci_config_state* s) { s->caps[0].flags |= VMPCI_CAP_HEADER; },
      [](vmpci_config_state* s) { s->caps[5].length = 0x1000; },
      [](vmpci_config_state* s) { std::swap(s->caps[0], s->caps[5]); },
      [](vmpci_config_state* s) { s->bars[0].size = 0x30000; },
      [](vmpci_config_state* s) { s->bars[0].addr = 0xe0001000; },
      [](vmpci_config_state* s) { s->bars[0].addr = 0xfffe0000ull << 4; },
      [](vmpci_config_state* s) { s->bars[4].type = VMPCI_BAR_MEM32; },
      [](vmpci_config_state* s) {
        s->bars[5] = {0, 0x1000, VMPCI_BAR_MEM64};  // no upper half
      },
      [](vmpci_config_state* s) { s->image[PCI_BASE_ADDRESS_2] = 0x00; },
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    auto st = std::make_unique<vmpci_config_state>(*good);
    bad[i](st.get());
    int rc = vmpci_config_state_set(to.cfg, st.get());
    EXPECT_EQ(rc, -EINVAL) << "mutation " << i;
    EXPECT_EQ(Dump(to.cfg), before) << "mutation " << i;
    EXPECT_EQ(vmpci_config_cap_count(to.cfg), 6u);
  }
  EXPECT_EQ(vmpci_config_state_set(to.cfg, good.get()), 0);
}

TEST(ConfigStateTest, IdentityMismatchInTheImageIsRefused) {
  Function from(kE1000e);
  auto st = std::make_unique<vmpci_config_state>();
  ASSERT_EQ(vmpci_config_state_get(from.cfg, st.get()), 0);
  Function to(kE1000e);
  const uint16_t ids[] = {PCI_VENDOR_ID, PCI_DEVICE_ID, PCI_REVISION_ID,
                          PCI_CLASS_DEVICE, PCI_SUBSYSTEM_ID};
  for (uint16_t off : ids) {
    auto bad = std::make_unique<vmpci_config_state>(*st);
    bad->image[off] ^= 1;
    EXPECT_EQ(vmpci_config_state_set(to.cfg, bad.get()), -ENODEV) << off;
  }
}

TEST(HiddenCapTest, StaysHiddenOnEveryReadPath) {
  Function f(kE1000e);
  ASSERT_EQ(vmpci_config_cap_hide(f.cfg, PCI_CAP_ID_PM), 0);
  ASSERT_EQ(vmpci_config_ext_cap_hide(f.cfg, PCI_EXT_CAP_ID_ERR), 0);

  // Direct reads.
  EXPECT_EQ(f.Read(0xc8, 4), 0u);
  EXPECT_EQ(f.Read(0x104, 4), 0u);
  EXPECT_EQ(f.Read(PCI_CAPABILITY_LIST, 1), 0xd0u);

  // Through the bus: port I/O and ECAM.
  vmpci_bus* bus = nullptr;
  ASSERT_EQ(vmpci_bus_new(VMPCI_BUS_HOST_BRIDGE, &bus), 0);
  vmpci_config_ops ops = {vmpci_config_op_read, vmpci_config_op_write};
  ASSERT_EQ(vmpci_bus_slot_alloc_at(bus, 0, 5), 0);
  ASSERT_EQ(vmpci_bus_add_function(bus, 0, 5, 0, &ops, f.cfg), 0);
  uint32_t v = 1;
  ASSERT_EQ(vmpci_bus_pio_write(bus, 0xcf8, 4, 0x800028c8), 0);
  ASSERT_EQ(vmpci_bus_pio_read(bus, 0xcfc, 4, &v), 0);
  EXPECT_EQ(v, 0u);
  ASSERT_EQ(vmpci_bus_ecam_read(bus, (5u << 15) | 0x100, 4, &v), 0);
  EXPECT_EQ(v, 0x14000000u);
  ASSERT_EQ(vmpci_bus_ecam_read(bus, (5u << 15) | 0x108, 4, &v), 0);
  EXPECT_EQ(v, 0u);
  vmpci_bus_free(bus);

  // A dump, and its lspci text.
  std::vector<uint8_t> bytes = Dump(f.cfg);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin() + 0xc8, bytes.begin() + 0xd0),
            std::vector<uint8_t>(8, 0));
  std::string text(VMPCI_CONFIG_LSPCI_MAX, '\0');
  size_t n = 0;
  ASSERT_EQ(vmpci_config_format_lspci(f.cfg, 0, 5, 0, &text[0], text.size(),
                                      &n),
            0);
  EXPECT_NE(text.find("c0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
                      "d0: 05 e0 80 00"),
            std::string::npos);

  // After a snapshot and a restore into a fresh device.
  auto st = std::make_unique<vmpci_config_state>();
  ASSERT_EQ(vmpci_config_state_get(f.cfg, st.get()), 0);
  Function g(kE1000e);
  ASSERT_EQ(vmpci_config_state_set(g.cfg, st.get()), 0);
  EXPECT_EQ(g.Read(0xc8, 4), 0u);
  EXPECT_EQ(g.Read(0x100, 4), 0x14000000u);
  EXPECT_EQ(g.Read(PCI_CAPABILITY_LIST, 1), 0xd0u);
  vmpci_cap c;
  EXPECT_EQ(vmpci_config_cap_find(g.cfg, PCI_CAP_ID_PM, &c), -ENOENT);
  EXPECT_EQ(vmpci_config_ext_cap_find(g.cfg, PCI_EXT_CAP_ID_ERR, &c), -ENOENT);
  EXPECT_EQ(g.dev.reads, 0);
}

}  // namespace
}  // namespace vmpci_test
