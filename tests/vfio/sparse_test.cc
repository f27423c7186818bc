// Sparse-area computation: which parts of a BAR are mapped into the guest.
#include <gtest/gtest.h>
#include <linux/vfio.h>

#include <utility>
#include <vector>

#include "tests/shim/vmpci_c.h"

namespace {

using Areas = std::vector<std::pair<uint64_t, uint64_t>>;

constexpr uint32_t kMmap = VFIO_REGION_INFO_FLAG_READ |
                           VFIO_REGION_INFO_FLAG_WRITE |
                           VFIO_REGION_INFO_FLAG_MMAP;

vmpci_vfio_region Bar(uint64_t size, uint32_t caps = 0) {
  vmpci_vfio_region r = {};
  r.size = size;
  r.flags = kMmap | (caps ? VFIO_REGION_INFO_FLAG_CAPS : 0);
  r.caps = caps;
  return r;
}

vmpci_vfio_region MsixBar(uint64_t size) {
  return Bar(size, VMPCI_VFIO_CAP_MSIX_MAPPABLE);
}

vmpci_vfio_sparse_params Params(uint64_t page, uint64_t table_off = 0,
                                uint64_t table_size = 0, uint64_t pba_off = 0,
                                uint64_t pba_size = 0) {
  vmpci_vfio_sparse_params p = {};
  p.page_size = page;
  p.table_offset = table_off;
  p.table_size = table_size;
  p.pba_offset = pba_off;
  p.pba_size = pba_size;
  return p;
}

Areas Compute(const vmpci_vfio_region &r, const vmpci_vfio_sparse_params &p) {
  vmpci_vfio_sparse s;
  EXPECT_EQ(0, vmpci_vfio_sparse_areas(&r, &p, &s));
  EXPECT_EQ(r.size, s.region_size);
  Areas out;
  for (uint32_t i = 0; i < s.nr; i++)
    out.emplace_back(s.areas[i].offset, s.areas[i].size);
  return out;
}

TEST(SparseTest, BarWithoutMsixMapsWhole) {
  EXPECT_EQ(Areas({{0, 0x100000}}), Compute(Bar(0x100000), Params(4096)));
}

TEST(SparseTest, TableAtPageBoundariesLeavesTheRestMapped) {
  // nvme: 65 entries at 0x2000, PBA at 0x3000 in a 16 KiB BAR.
  EXPECT_EQ(Areas({{0, 0x2000}}),
            Compute(MsixBar(0x4000), Params(4096, 0x2000, 65 * 16, 0x3000, 16)));
}

TEST(SparseTest, TableMidPageHolesRoundTheEndUp) {
  // Table [0x2800, 0x3800): the hole is [0x2000, 0x4000), so the table's
  // tail in page 0x3000 is not mapped (aligning the size instead, as
  // cloud-hypervisor does, gives [0x2000, 0x3000) and maps that tail).
  EXPECT_EQ(Areas({{0, 0x2000}, {0x4000, 0xc000}}),
            Compute(MsixBar(0x10000), Params(4096, 0x2800, 0x1000)));
}

TEST(SparseTest, TableAndPbaSharingAPageMakeOneHole) {
  // virtio-net: table at 0, PBA at 0x800, both in the only page.
  EXPECT_EQ(Areas({}), Compute(MsixBar(0x1000), Params(4096, 0, 64, 0x800, 8)));
  EXPECT_EQ(Areas({{0x1000, 0x3000}}),
            Compute(MsixBar(0x4000), Params(4096, 0, 64, 0x800, 8)));
}

TEST(SparseTest, PbaBeforeTable) {
  EXPECT_EQ(Areas({{0, 0x1000}, {0x2000, 0x2000}, {0x5000, 0x3000}}),
            Compute(MsixBar(0x8000), Params(4096, 0x4000, 0x100, 0x1000, 8)));
}

TEST(SparseTest, SixtyFourKibPagesWidenTheHoles) {
  // e1000e's layout (table at 0, PBA at 0x2000) in a 256 KiB BAR on a
  // 64 KiB-page host: the whole first 64 KiB page is trapped.
  EXPECT_EQ(Areas({{0x10000, 0x30000}}),
            Compute(MsixBar(0x40000), Params(65536, 0, 0x50, 0x2000, 8)));
  // Same BAR with 4 KiB pages keeps pages 1 and 3.
  EXPECT_EQ(Areas({{0x1000, 0x1000}, {0x3000, 0x3d000}}),
            Compute(MsixBar(0x40000), Params(4096, 0, 0x50, 0x2000, 8)));
}

TEST(SparseTest, BarSmallerThanAPageMapsItsWholePage) {
  // ivshmem's 256-byte registers at 4 KiB pages; a 16 KiB BAR without
  // MSI-X structures at 64 KiB pages.
  EXPECT_EQ(Areas({{0, 0x1000}}), Compute(Bar(0x100), Params(4096)));
  EXPECT_EQ(Areas({{0, 0x10000}}), Compute(Bar(0x4000), Params(65536)));
}

TEST(SparseTest, SubPageBarMappedBytesAreTheBarsOwn) {
  vmpci_vfio_region r = Bar(0x100);
  vmpci_vfio_sparse_params p = Params(4096);
  vmpci_vfio_sparse s;
  ASSERT_EQ(vmpci_vfio_sparse_areas(&r, &p, &s), 0);
  EXPECT_EQ(vmpci_vfio_sparse_mapped_bytes(&s), 0x100u);
  EXPECT_EQ(vmpci_vfio_mapped_fraction(&s, 1), 1.0);
}

TEST(SparseTest, SubPageBarHoldingMsixStructuresIsTrapped) {
  // virtio-net's 4 KiB MSI-X BAR at 64 KiB pages: its page holds the table.
  EXPECT_EQ(Areas({}), Compute(MsixBar(0x1000), Params(65536, 0, 64, 0x800, 8)));
  EXPECT_EQ(Areas({}), Compute(MsixBar(0x4000), Params(65536, 0x3000, 16)));
}

TEST(SparseTest, SubPageBarWithASparseListIsTrapped) {
  // A SPARSE_MMAP list names what may be mapped: a sub-page part of it
  // cannot be, whole pages only.
  vmpci_vfio_region r = Bar(0x100, VMPCI_VFIO_CAP_SPARSE_MMAP);
  r.nr_sparse = 1;
  r.sparse[0] = {0, 0x100};
  EXPECT_EQ(Areas({}), Compute(r, Params(4096)));
}

TEST(SparseTest, SixtyFourBitBarAboveFourGib) {
  // An 8 GiB BAR with the table in its last 64 KiB page.
  const uint64_t size = 8ull << 30;
  EXPECT_EQ(Areas({{0, size - 0x10000}}),
            Compute(MsixBar(size), Params(65536, size - 0x8000, 0x1000,
                                          size - 0x4000, 0x100)));
}

TEST(SparseTest, MsixBarWithoutMsixMappableIsTrappedWhole) {
  EXPECT_EQ(Areas({}),
            Compute(Bar(0x4000), Params(4096, 0x2000, 0x410, 0x3000, 16)));
}

TEST(SparseTest, ExcludedBarIsTrapped) {
  vmpci_vfio_sparse_params p = Params(4096);
  p.exclude = true;
  EXPECT_EQ(Areas({}), Compute(Bar(0x100000), p));
}

TEST(SparseTest, RegionWithoutMmapFlagIsTrapped) {
  vmpci_vfio_region r = Bar(0x4000);
  r.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
  EXPECT_EQ(Areas({}), Compute(r, Params(4096)));
}

TEST(SparseTest, SparseCapAreasAreUsedAndShrunkToPages) {
  vmpci_vfio_region r = Bar(0x10000, VMPCI_VFIO_CAP_SPARSE_MMAP);
  r.nr_sparse = 3;
  r.sparse[0] = {0x8000, 0x1000};
  r.sparse[1] = {0x0, 0x2800};  // shrinks to [0, 0x2000)
  r.sparse[2] = {0xf800, 0x10000};  // runs past the BAR: nothing whole
  EXPECT_EQ(Areas({{0, 0x2000}, {0x8000, 0x1000}}), Compute(r, Params(4096)));
}

TEST(SparseTest, MsixHolesAreCutOutOfSparseCapAreas) {
  vmpci_vfio_region r = Bar(0x10000, VMPCI_VFIO_CAP_SPARSE_MMAP);
  r.nr_sparse = 1;
  r.sparse[0] = {0, 0x10000};
  EXPECT_EQ(Areas({{0, 0x4000}, {0x6000, 0xa000}}),
            Compute(r, Params(4096, 0x4000, 0x1800, 0x5800, 8)));
}

TEST(SparseTest, TableOutsideTheBarIsIgnored) {
  EXPECT_EQ(Areas({{0, 0x4000}}),
            Compute(MsixBar(0x4000), Params(4096, 0x8000, 0x100)));
}

TEST(SparseTest, HugeTableSizeDoesNotWrap) {
  EXPECT_EQ(Areas({{0, 0x1000}}),
            Compute(MsixBar(0x4000), Params(4096, 0x1000, UINT64_MAX)));
}

TEST(SparseTest, BadPageSizeIsRejected) {
  vmpci_vfio_region r = Bar(0x4000);
  vmpci_vfio_sparse s;
  vmpci_vfio_sparse_params p = Params(0x3000);
  EXPECT_EQ(-EINVAL, vmpci_vfio_sparse_areas(&r, &p, &s));
  p.page_size = 2048;
  EXPECT_EQ(-EINVAL, vmpci_vfio_sparse_areas(&r, &p, &s));
  EXPECT_EQ(-EINVAL, vmpci_vfio_sparse_areas(nullptr, &p, &s));
}

TEST(SparseTest, MappedFractionSumsOverBars) {
  vmpci_vfio_sparse s[2];
  vmpci_vfio_region nvme = MsixBar(0x4000), edu = Bar(0x100000);
  vmpci_vfio_sparse_params p1 = Params(4096, 0x2000, 0x410, 0x3000, 16);
  vmpci_vfio_sparse_params p2 = Params(4096);
  ASSERT_EQ(0, vmpci_vfio_sparse_areas(&nvme, &p1, &s[0]));
  ASSERT_EQ(0, vmpci_vfio_sparse_areas(&edu, &p2, &s[1]));
  EXPECT_EQ(0x2000u, vmpci_vfio_sparse_mapped_bytes(&s[0]));
  EXPECT_DOUBLE_EQ(0.5, vmpci_vfio_mapped_fraction(s, 1));
  EXPECT_DOUBLE_EQ((0x2000 + 0x100000) / double(0x104000),
                   vmpci_vfio_mapped_fraction(s, 2));
  EXPECT_DOUBLE_EQ(0.0, vmpci_vfio_mapped_fraction(s, 0));
}

}  // namespace
