// Byte-range handlers: how the interrupt models take over the MSI and
// MSI-X capability registers.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <vector>

#include "tests/pci/fake_device.h"

namespace vmpci_test {
namespace {

struct Call {
  uint16_t offset;
  unsigned size;
  uint32_t val;
};

struct Recorder {
  std::vector<Call> reads, writes;
  uint32_t set_bits = 0;  // ORed into what a read returns
  int read_rc = 0;
};

int RecRead(void* o, uint16_t offset, unsigned size, uint32_t* val) {
  auto* r = static_cast<Recorder*>(o);
  r->reads.push_back({offset, size, *val});
  *val |= r->set_bits;
  return r->read_rc;
}

int RecWrite(void* o, uint16_t offset, unsigned size, uint32_t val) {
  static_cast<Recorder*>(o)->writes.push_back({offset, size, val});
  return 0;
}

const vmpci_config_ops kRecOps = {RecRead, RecWrite};

TEST(ConfigHandlerTest, ServesItsBytesInsteadOfImageAndDevice) {
  Function f(kNvme);  // MSI-X at 0x40
  Recorder rec;
  rec.set_bits = PCI_MSIX_FLAGS_ENABLE << 16;
  ASSERT_EQ(vmpci_config_add_handler(f.cfg, 0x40, PCI_CAP_MSIX_SIZEOF,
                                     &kRecOps, &rec),
            0);
  // The handler gets the image bytes and returns its own view.
  EXPECT_EQ(f.Read(0x40, 4), 0x80408011u);
  ASSERT_EQ(rec.reads.size(), 1u);
  EXPECT_EQ(rec.reads[0].offset, 0x40);
  EXPECT_EQ(rec.reads[0].size, 4u);
  EXPECT_EQ(rec.reads[0].val, 0x00408011u);
  // Writes go to the handler, not to the device, not to the image.
  EXPECT_EQ(f.WriteReg(0x42, 2, 0xc000), 0);
  ASSERT_EQ(rec.writes.size(), 1u);
  EXPECT_EQ(rec.writes[0].offset, 0x42);
  EXPECT_EQ(rec.writes[0].size, 2u);
  EXPECT_EQ(rec.writes[0].val, 0xc000u);
  EXPECT_TRUE(f.dev.writes.empty());
  EXPECT_EQ(f.dev.reads, 0);
  uint32_t img = 0;
  ASSERT_EQ(vmpci_config_peek(f.cfg, 0x42, 2, &img), 0);
  EXPECT_EQ(img, 0x0040u);
}

TEST(ConfigHandlerTest, AccessesPartlyInsideAreSplitAtItsEdges) {
  Function f(kEdu);  // MSI at 0x40: 05 00 80 00
  Recorder rec;
  rec.set_bits = 0x1;
  ASSERT_EQ(vmpci_config_add_handler(f.cfg, 0x42, 2, &kRecOps, &rec), 0);
  EXPECT_EQ(f.Read(0x40, 4), 0x00810005u);
  EXPECT_EQ(f.Read(0x41, 2), 0x8100u);
  ASSERT_EQ(rec.reads.size(), 2u);
  EXPECT_EQ(rec.reads[0].offset, 0x42);
  EXPECT_EQ(rec.reads[0].size, 2u);
  EXPECT_EQ(rec.reads[1].offset, 0x42);
  EXPECT_EQ(rec.reads[1].size, 1u);
  EXPECT_EQ(f.WriteReg(0x40, 4, 0xffffffff), 0);
  ASSERT_EQ(rec.writes.size(), 1u);
  EXPECT_EQ(rec.writes[0].offset, 0x42);
  EXPECT_EQ(rec.writes[0].val, 0xffffu);
  EXPECT_EQ(f.Read(0x40, 2), 0x0005u);  // id and next stay read-only
}

TEST(ConfigHandlerTest, OddRangesAreServedInAlignedPieces) {
  Function f(kEdu);
  Recorder rec;
  ASSERT_EQ(vmpci_config_add_handler(f.cfg, 0x43, 3, &kRecOps, &rec), 0);
  f.Read(0x40, 4);
  f.Read(0x44, 4);
  ASSERT_EQ(rec.reads.size(), 2u);
  EXPECT_EQ(rec.reads[0].offset, 0x43);
  EXPECT_EQ(rec.reads[0].size, 1u);
  EXPECT_EQ(rec.reads[1].offset, 0x44);
  EXPECT_EQ(rec.reads[1].size, 2u);
}

TEST(ConfigHandlerTest, RangesAreCheckedLikeBusRanges) {
  // vm-device bus_insert: empty and overlapping ranges are refused in
  // every shape, adjacent ones are fine.
  Function f(kEdu);
  vmpci_config* c = f.cfg;
  Recorder rec;
  EXPECT_EQ(vmpci_config_add_handler(c, 0x40, 0, &kRecOps, &rec), -EINVAL);
  EXPECT_EQ(vmpci_config_add_handler(c, 0xf0, 0x20, &kRecOps, &rec), -EINVAL);
  EXPECT_EQ(vmpci_config_add_handler(c, 0x40, 4, nullptr, &rec), -EINVAL);
  ASSERT_EQ(vmpci_config_add_handler(c, 0x40, 8, &kRecOps, &rec), 0);
  EXPECT_EQ(vmpci_config_add_handler(c, 0x40, 8, &kRecOps, &rec), -EEXIST);
  EXPECT_EQ(vmpci_config_add_handler(c, 0x42, 2, &kRecOps, &rec), -EEXIST);
  EXPECT_EQ(vmpci_config_add_handler(c, 0x3c, 8, &kRecOps, &rec), -EEXIST);
  EXPECT_EQ(vmpci_config_add_handler(c, 0x46, 4, &kRecOps, &rec), -EEXIST);
  EXPECT_EQ(vmpci_config_add_handler(c, 0x30, 0x20, &kRecOps, &rec), -EEXIST);
  EXPECT_EQ(vmpci_config_add_handler(c, 0x48, 4, &kRecOps, &rec), 0);
  EXPECT_EQ(vmpci_config_add_handler(c, 0x3c, 4, &kRecOps, &rec), 0);
  for (uint16_t at = 0x80; at < 0x80 + 5 * 4; at += 4)
    ASSERT_EQ(vmpci_config_add_handler(c, at, 4, &kRecOps, &rec), 0);
  EXPECT_EQ(vmpci_config_add_handler(c, 0xa0, 4, &kRecOps, &rec), -ENOSPC);
  EXPECT_EQ(vmpci_config_remove_handler(c, 0x41), -ENOENT);
  EXPECT_EQ(vmpci_config_remove_handler(c, 0x40), 0);
  EXPECT_EQ(vmpci_config_add_handler(c, 0xa0, 4, &kRecOps, &rec), 0);
}

TEST(ConfigHandlerTest, HandlerReadErrorReadsAllOnes) {
  Function f(kEdu);
  Recorder rec;
  rec.read_rc = -EIO;
  ASSERT_EQ(vmpci_config_add_handler(f.cfg, 0x42, 2, &kRecOps, &rec), 0);
  uint32_t v = 0;
  EXPECT_EQ(vmpci_config_read(f.cfg, 0x40, 4, &v), -EIO);
  EXPECT_EQ(v, 0xffff0005u);
}

TEST(ConfigHandlerTest, HandlerWithoutCallbacksServesTheImageAndDropsWrites) {
  Function f(kEdu);  // 0x50 belongs to no capability: raw pass-through
  vmpci_config_ops none = {nullptr, nullptr};
  ASSERT_EQ(vmpci_config_poke(f.cfg, 0x50, 4, 0x11223344), 0);
  ASSERT_EQ(vmpci_config_add_handler(f.cfg, 0x50, 4, &none, nullptr), 0);
  EXPECT_EQ(f.Read(0x50, 4), 0x11223344u);
  EXPECT_EQ(f.WriteReg(0x50, 4, 0), 0);
  EXPECT_EQ(f.dev.reads, 0);
  EXPECT_TRUE(f.dev.writes.empty());
  ASSERT_EQ(vmpci_config_remove_handler(f.cfg, 0x50), 0);
  EXPECT_EQ(f.Read(0x50, 4), 0u);  // the device again
  EXPECT_EQ(f.dev.reads, 1);
}

}  // namespace
}  // namespace vmpci_test
