// The guest-visible config space, dumped with vmpci_config_format_lspci,
// decodes with the real `lspci -F FILE -vvv`: the same capabilities as the
// fixture minus the hidden ones, and the BARs at their virtual addresses.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/pci/fake_device.h"

namespace vmpci_test {
namespace {

const char kLspci[] = "/usr/bin/lspci";

std::string TempDir() {
  const char* dir = getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

// Runs lspci on a dump; its stderr (libkmod chatter) is dropped.
std::string Lspci(const std::string& dump) {
  std::string path = TempDir() + "/vmpci-lspci-XXXXXX";
  int fd = mkstemp(&path[0]);
  EXPECT_GE(fd, 0);
  if (fd < 0) return "";
  EXPECT_EQ(write(fd, dump.data(), dump.size()),
            static_cast<ssize_t>(dump.size()));
  close(fd);
  std::string cmd = std::string(kLspci) + " -F " + path + " -vvv 2>/dev/null";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  if (!p) return "";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0);
  unlink(path.c_str());
  return out;
}

// The fixture's raw bytes in the same format, as the reference.
std::string RawDump(const std::vector<uint8_t>& bytes) {
  std::string out = "00:04.0 raw\n";
  char line[24];
  for (size_t off = 0; off < bytes.size(); off++) {
    if (off % 16 == 0) {
      snprintf(line, sizeof(line), "%02zx:", off);
      out += line;
    }
    snprintf(line, sizeof(line), " %02x", bytes[off]);
    out += line;
    if (off % 16 == 15) out += "\n";
  }
  return out;
}

// The lines of lspci's output that start with `prefix` after the tab.
std::vector<std::string> Lines(const std::string& out,
                               const std::string& prefix) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("\t" + prefix, 0) == 0) lines.push_back(line.substr(1));
  return lines;
}

std::string CapTag(const vmpci_cap& c) {
  char tag[16];
  if (c.flags & VMPCI_CAP_EXTENDED)
    snprintf(tag, sizeof(tag), "[%03x ", c.offset);
  else
    snprintf(tag, sizeof(tag), "[%02x]", c.offset);
  return tag;
}

struct Case {
  const char* fixture;
  std::vector<uint8_t> hide;
  std::vector<uint16_t> hide_ext;
};

// Places every BAR the way a VMM's allocator would and returns the
// Region lines lspci must print for them.
std::vector<std::string> PlaceBars(vmpci_config* cfg,
                                   const std::string& fixture) {
  std::vector<Resource> res = LoadResources(fixture);
  uint64_t mem32 = 0xe0000000, mem64 = 0x8000000000ull, io = 0x2000;
  std::vector<std::string> regions;
  for (unsigned i = 0; i < res.size() && i < VMPCI_BAR_ROM_INDEX; i++) {
    uint32_t type = BarType(res[i], i);
    if (!type) continue;
    uint64_t size = res[i].size();
    EXPECT_EQ(vmpci_config_bar_declare(cfg, i, size, type), 0);
    uint64_t* next = (type & VMPCI_BAR_IO)      ? &io
                     : (type & VMPCI_BAR_MEM64) ? &mem64
                                                : &mem32;
    uint64_t addr = (*next + size - 1) & ~(size - 1);
    *next = addr + size;
    EXPECT_EQ(vmpci_config_bar_set_addr(cfg, i, addr), 0);
    char line[128];
    if (type & VMPCI_BAR_IO) {
      snprintf(line, sizeof(line), "Region %u: I/O ports at %04" PRIx64, i,
               addr);
    } else {
      snprintf(line, sizeof(line), "Region %u: Memory at %08" PRIx64
               " (%s-bit, %sprefetchable)", i, addr,
               (type & VMPCI_BAR_MEM64) ? "64" : "32",
               (type & VMPCI_BAR_PREFETCH) ? "" : "non-");
    }
    regions.push_back(line);
  }
  return regions;
}

TEST(LspciTest, DumpDecodesWithTheFixtureCapabilitiesMinusHiddenOnes) {
  if (access(kLspci, X_OK) != 0) {
    printf("SKIPPED: %s is not installed (pciutils)\n", kLspci);
    GTEST_SKIP();
  }
  const Case cases[] = {
      {kNvme, {PCI_CAP_ID_PM}, {}},
      {kE1000e, {PCI_CAP_ID_PM}, {PCI_EXT_CAP_ID_ERR}},
      {kE1000e, {PCI_CAP_ID_MSI}, {PCI_EXT_CAP_ID_DSN}},
      {kEdu, {PCI_CAP_ID_MSI}, {}},
      {kVirtioNetLegacy, {PCI_CAP_ID_VNDR}, {}},
      {kIvshmem, {}, {}},
      {kFcNet, {PCI_CAP_ID_MSIX}, {}},
      {kFcBlock, {}, {}},
      {kFcRng, {}, {}},
      {kFcBalloon, {}, {}},
      {kFcVsock, {}, {}},
      {kFcHostBridge, {}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fixture);
    Function f(c.fixture);
    ASSERT_EQ(f.create_rc, 0);
    std::vector<std::string> regions = PlaceBars(f.cfg, c.fixture);
    for (uint8_t id : c.hide) ASSERT_EQ(vmpci_config_cap_hide(f.cfg, id), 0);
    for (uint16_t id : c.hide_ext)
      ASSERT_EQ(vmpci_config_ext_cap_hide(f.cfg, id), 0);

    std::string text(VMPCI_CONFIG_LSPCI_MAX, '\0');
    size_t n = 0;
    ASSERT_EQ(vmpci_config_format_lspci(f.cfg, 0, 4, 0, &text[0], text.size(),
                                        &n),
              0);
    text.resize(n);
    std::string ours = Lspci(text);
    std::string raw = Lspci(RawDump(LoadConfig(c.fixture)));
    ASSERT_FALSE(ours.empty());

    // Expected: the fixture's capability lines without the hidden ones;
    // a hidden first extended capability stays as lspci's "Null" anchor
    // when others follow it.
    std::vector<vmpci_cap> caps(vmpci_config_cap_count(f.cfg));
    bool ext_visible = false;
    for (size_t i = 0; i < caps.size(); i++) {
      ASSERT_EQ(vmpci_config_cap_get(f.cfg, i, &caps[i]), 0);
      if ((caps[i].flags & VMPCI_CAP_EXTENDED) &&
          !(caps[i].flags & VMPCI_CAP_HIDDEN))
        ext_visible = true;
    }
    std::vector<std::string> expected = Lines(raw, "Capabilities: [");
    for (const vmpci_cap& cap : caps) {
      if (!(cap.flags & VMPCI_CAP_HIDDEN)) continue;
      std::string tag = "Capabilities: " + CapTag(cap);
      auto it = expected.begin();
      while (it != expected.end() && it->rfind(tag, 0) != 0) ++it;
      ASSERT_NE(it, expected.end()) << tag;
      if (cap.offset == 0x100 && ext_visible)
        *it = "Capabilities: [100 v0] Null";
      else
        expected.erase(it);
    }
    EXPECT_EQ(Lines(ours, "Capabilities: ["), expected) << ours;
    // pciutils 3.9 also lists the upper half of a 64-bit BAR as a region
    // of its own (the raw fixtures show it too): leave those out.
    std::vector<std::string> shown;
    for (const std::string& line : Lines(ours, "Region ")) {
      unsigned index = static_cast<unsigned>(line[7] - '0');
      vmpci_bar_info lower = {};
      if (index > 0) {
        ASSERT_EQ(vmpci_config_bar_get(f.cfg, index - 1, &lower), 0);
      }
      if (!(lower.type & VMPCI_BAR_MEM64)) shown.push_back(line);
    }
    EXPECT_EQ(shown, regions) << ours;
  }
}

}  // namespace
}  // namespace vmpci_test
