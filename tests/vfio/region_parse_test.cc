// Parsing kernel-format region info with its capability chain.
#include <gtest/gtest.h>
#include <linux/vfio.h>

#include <vector>

#include "tests/shim/vmpci_c.h"

namespace {

// Builds a vfio_region_info followed by caps, chained in order.
class Info {
 public:
  Info() : buf_(sizeof(vfio_region_info)) {
    auto *ri = Ri();
    ri->argsz = sizeof(*ri);
    ri->index = 3;
    ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP;
    ri->size = 0x4000;
    ri->offset = 3ull << 40;
  }
  size_t AddCap(const void *cap, size_t len) {
    size_t at = buf_.size();
    const auto *bytes = static_cast<const uint8_t *>(cap);
    buf_.insert(buf_.end(), bytes, bytes + len);
    if (last_)
      reinterpret_cast<vfio_info_cap_header *>(buf_.data() + last_)->next =
          static_cast<uint32_t>(at);
    else
      Ri()->cap_offset = static_cast<uint32_t>(at);
    Ri()->flags |= VFIO_REGION_INFO_FLAG_CAPS;
    last_ = at;
    return at;
  }
  vfio_region_info *Ri() {
    return reinterpret_cast<vfio_region_info *>(buf_.data());
  }
  std::vector<uint8_t> buf_;
  size_t last_ = 0;
};

std::vector<uint8_t> Sparse(uint32_t n) {
  std::vector<uint8_t> b(sizeof(vfio_region_info_cap_sparse_mmap) +
                         n * sizeof(vfio_region_sparse_mmap_area));
  auto *s = reinterpret_cast<vfio_region_info_cap_sparse_mmap *>(b.data());
  s->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
  s->header.version = 1;
  s->nr_areas = n;
  for (uint32_t i = 0; i < n; i++) {
    s->areas[i].offset = i * 0x2000;
    s->areas[i].size = 0x1000;
  }
  return b;
}

TEST(RegionParseTest, PlainRegionHasNoCaps) {
  Info info;
  vmpci_vfio_region r;
  ASSERT_EQ(0, vmpci_vfio_region_parse(info.buf_.data(), info.buf_.size(), &r));
  EXPECT_EQ(3u, r.index);
  EXPECT_EQ(0x4000u, r.size);
  EXPECT_EQ(3ull << 40, r.offset);
  EXPECT_EQ(0u, r.caps);
}

TEST(RegionParseTest, ChainWithSparseMsixMappableAndType) {
  Info info;
  auto sparse = Sparse(2);
  info.AddCap(sparse.data(), sparse.size());
  vfio_info_cap_header mm = {VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 1, 0};
  info.AddCap(&mm, sizeof(mm));
  vfio_region_info_cap_type t = {};
  t.header.id = VFIO_REGION_INFO_CAP_TYPE;
  t.type = VFIO_REGION_TYPE_MIGRATION_DEPRECATED;
  t.subtype = 1;
  info.AddCap(&t, sizeof(t));
  vmpci_vfio_region r;
  ASSERT_EQ(0, vmpci_vfio_region_parse(info.buf_.data(), info.buf_.size(), &r));
  EXPECT_EQ(VMPCI_VFIO_CAP_SPARSE_MMAP | VMPCI_VFIO_CAP_MSIX_MAPPABLE |
                VMPCI_VFIO_CAP_TYPE,
            r.caps);
  ASSERT_EQ(2u, r.nr_sparse);
  EXPECT_EQ(0x2000u, r.sparse[1].offset);
  EXPECT_EQ(0x1000u, r.sparse[1].size);
  EXPECT_EQ(uint32_t(VFIO_REGION_TYPE_MIGRATION_DEPRECATED), r.type);
  EXPECT_EQ(1u, r.subtype);
}

TEST(RegionParseTest, UnknownCapsAreSkipped) {
  Info info;
  vfio_info_cap_header unknown = {0x77, 1, 0};
  info.AddCap(&unknown, sizeof(unknown));
  vfio_info_cap_header mm = {VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 1, 0};
  info.AddCap(&mm, sizeof(mm));
  vmpci_vfio_region r;
  ASSERT_EQ(0, vmpci_vfio_region_parse(info.buf_.data(), info.buf_.size(), &r));
  EXPECT_EQ(VMPCI_VFIO_CAP_MSIX_MAPPABLE, r.caps);
}

TEST(RegionParseTest, LoopingChainIsRejected) {
  Info info;
  vfio_info_cap_header mm = {VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 1, 0};
  size_t at = info.AddCap(&mm, sizeof(mm));
  reinterpret_cast<vfio_info_cap_header *>(info.buf_.data() + at)->next =
      static_cast<uint32_t>(at);
  vmpci_vfio_region r;
  EXPECT_EQ(-EINVAL,
            vmpci_vfio_region_parse(info.buf_.data(), info.buf_.size(), &r));
}

TEST(RegionParseTest, CapPastTheBufferIsRejected) {
  Info info;
  info.Ri()->flags |= VFIO_REGION_INFO_FLAG_CAPS;
  info.Ri()->cap_offset = 0x1000;
  vmpci_vfio_region r;
  EXPECT_EQ(-EINVAL,
            vmpci_vfio_region_parse(info.buf_.data(), info.buf_.size(), &r));
  auto sparse = Sparse(4);
  Info truncated;
  truncated.AddCap(sparse.data(), sparse.size());
  EXPECT_EQ(-EINVAL, vmpci_vfio_region_parse(truncated.buf_.data(),
                                             truncated.buf_.size() - 8, &r));
}

TEST(RegionParseTest, TooManySparseAreasIsE2big) {
  Info info;
  auto sparse = Sparse(VMPCI_VFIO_MAX_SPARSE_AREAS + 1);
  info.AddCap(sparse.data(), sparse.size());
  vmpci_vfio_region r;
  EXPECT_EQ(-E2BIG,
            vmpci_vfio_region_parse(info.buf_.data(), info.buf_.size(), &r));
}

TEST(RegionParseTest, ShortBufferIsRejected) {
  Info info;
  vmpci_vfio_region r;
  EXPECT_EQ(-EINVAL, vmpci_vfio_region_parse(info.buf_.data(), 8, &r));
}

}  // namespace
