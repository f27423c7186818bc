// Mapping a BAR's sparse areas into the guest through the host ops, over
// the simulated backend's memfd-backed BARs and a recording host.
#include <gtest/gtest.h>
#include <linux/vfio.h>

#include <cstring>
#include <vector>

#include "tests/shim/vmpci_c.h"
#include "tests/support/fixtures.h"
#include "tests/support/recording_host.h"

namespace {

class BarMapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // e1000e: BAR3 holds the MSI-X table at 0 and the PBA at 0x2000.
    ASSERT_EQ(0, vmpci_vfio_sim_new_from_files(VMPCI_TEST_E1000E, nullptr,
                                               &sim_));
    be_ = vmpci_vfio_sim_backend(sim_);
    host_ = *rec_.host();
    vmpci_vfio_region r;
    ASSERT_EQ(0, be_->ops->region_info(be_->opaque, 3, &r));
    vmpci_vfio_sparse_params p = {};
    p.page_size = 4096;
    p.table_size = 5 * 16;
    p.pba_offset = 0x2000;
    p.pba_size = 8;
    ASSERT_EQ(0, vmpci_vfio_sparse_areas(&r, &p, &sparse_));
    ASSERT_EQ(2u, sparse_.nr);
  }
  void TearDown() override { vmpci_vfio_sim_free(sim_); }

  vmpci_vfio_sim *sim_ = nullptr;
  const vmpci_vfio_backend *be_ = nullptr;
  vmpci_test::RecordingHost rec_;
  vmpci_host host_;
  vmpci_vfio_sparse sparse_;
};

TEST_F(BarMapTest, AttachMapsEveryAreaAtBasePlusOffset) {
  vmpci_vfio_bar_map *m = nullptr;
  ASSERT_EQ(0, vmpci_vfio_bar_map_new(be_, &host_, 3, &sparse_, &m));
  EXPECT_TRUE(rec_.Memory().empty());
  ASSERT_EQ(0, vmpci_vfio_bar_map_attach(m, 0xfe944000));
  ASSERT_EQ(2u, rec_.Memory().size());
  EXPECT_EQ(0xfe945000u, rec_.Memory()[0].gpa);
  EXPECT_EQ(0x1000u, rec_.Memory()[0].size);
  EXPECT_EQ(0xfe947000u, rec_.Memory()[1].gpa);
  EXPECT_TRUE(vmpci_vfio_bar_map_attached(m));
  EXPECT_EQ(0xfe944000u, vmpci_vfio_bar_map_gpa(m));
  EXPECT_EQ(-EBUSY, vmpci_vfio_bar_map_attach(m, 0x1000));
  vmpci_vfio_bar_map_free(m);
  ASSERT_EQ(4u, rec_.Memory().size());
  EXPECT_EQ(VMPCI_TEST_UNMAP, rec_.Memory()[2].op);
  EXPECT_EQ(rec_.Memory()[0].handle, rec_.Memory()[2].handle);
  EXPECT_EQ(rec_.Memory()[1].handle, rec_.Memory()[3].handle);
}

TEST_F(BarMapTest, FailedAttachRemovesTheSlotsItMade) {
  vmpci_vfio_bar_map *m = nullptr;
  ASSERT_EQ(0, vmpci_vfio_bar_map_new(be_, &host_, 3, &sparse_, &m));
  rec_.Fail(VMPCI_TEST_MAP, ENOSPC, 1);
  EXPECT_EQ(-ENOSPC, vmpci_vfio_bar_map_attach(m, 0x10000000));
  ASSERT_EQ(2u, rec_.Memory().size());
  EXPECT_EQ(VMPCI_TEST_MAP, rec_.Memory()[0].op);
  EXPECT_EQ(VMPCI_TEST_UNMAP, rec_.Memory()[1].op);
  EXPECT_EQ(rec_.Memory()[0].handle, rec_.Memory()[1].handle);
  EXPECT_FALSE(vmpci_vfio_bar_map_attached(m));
  vmpci_vfio_bar_map_free(m);
  EXPECT_EQ(2u, rec_.Memory().size());
}

TEST_F(BarMapTest, MoveRemapsAtTheNewAddress) {
  vmpci_vfio_bar_map *m = nullptr;
  ASSERT_EQ(0, vmpci_vfio_bar_map_new(be_, &host_, 3, &sparse_, &m));
  ASSERT_EQ(0, vmpci_vfio_bar_map_attach(m, 0x10000000));
  ASSERT_EQ(0, vmpci_vfio_bar_map_move(m, 0x20000000));
  ASSERT_EQ(6u, rec_.Memory().size());
  EXPECT_EQ(0x20001000u, rec_.Memory()[4].gpa);
  EXPECT_EQ(0x20003000u, rec_.Memory()[5].gpa);
  EXPECT_EQ(0x20000000u, vmpci_vfio_bar_map_gpa(m));
  vmpci_vfio_bar_map_free(m);
}

TEST_F(BarMapTest, FailedMoveStaysMappedAtTheOldAddress) {
  vmpci_vfio_bar_map *m = nullptr;
  ASSERT_EQ(0, vmpci_vfio_bar_map_new(be_, &host_, 3, &sparse_, &m));
  ASSERT_EQ(0, vmpci_vfio_bar_map_attach(m, 0x10000000));
  rec_.Fail(VMPCI_TEST_MAP, ENOSPC, 1);  // the second area at the new address
  EXPECT_EQ(-ENOSPC, vmpci_vfio_bar_map_move(m, 0x20000000));
  EXPECT_TRUE(vmpci_vfio_bar_map_attached(m));
  EXPECT_EQ(0x10000000u, vmpci_vfio_bar_map_gpa(m));
  const vmpci_test_call last = rec_.Memory().back();
  EXPECT_EQ(0x10003000u, last.gpa);
  vmpci_vfio_bar_map_free(m);
}

TEST_F(BarMapTest, MappedAreasShareMemoryWithTheRegion) {
  vmpci_vfio_bar_map *m = nullptr;
  ASSERT_EQ(0, vmpci_vfio_bar_map_new(be_, &host_, 3, &sparse_, &m));
  vmpci_vfio_area area;
  auto *p = static_cast<volatile uint32_t *>(
      vmpci_vfio_bar_map_area(m, 1, &area));
  ASSERT_NE(nullptr, p);
  EXPECT_EQ(0x3000u, area.offset);
  p[2] = 0xabcd1234;
  uint32_t v = 0;
  ASSERT_EQ(0, be_->ops->region_read(be_->opaque, 3, 0x3008, &v, 4));
  EXPECT_EQ(0xabcd1234u, v);
  EXPECT_EQ(nullptr, vmpci_vfio_bar_map_area(m, 2, nullptr));
  vmpci_vfio_bar_map_free(m);
}

TEST_F(BarMapTest, EmptyAreasMakeAnEmptyMap) {
  vmpci_vfio_sparse none = {};
  vmpci_vfio_bar_map *m = nullptr;
  ASSERT_EQ(0, vmpci_vfio_bar_map_new(be_, &host_, 2, &none, &m));
  EXPECT_EQ(0u, vmpci_vfio_bar_map_count(m));
  EXPECT_EQ(0, vmpci_vfio_bar_map_attach(m, 0x1000));
  EXPECT_TRUE(rec_.Memory().empty());
  vmpci_vfio_bar_map_free(m);
}

TEST_F(BarMapTest, UnmappableRegionFailsWithoutLeaks) {
  // BAR2 is I/O: the simulation has no mmap fd for it.
  vmpci_vfio_bar_map *m = nullptr;
  vmpci_vfio_sparse s = {};
  s.nr = 1;
  s.areas[0] = {0, 0x1000};
  EXPECT_EQ(-EINVAL, vmpci_vfio_bar_map_new(be_, &host_, 2, &s, &m));
  EXPECT_EQ(nullptr, m);
  vmpci_vfio_bar_map_free(nullptr);
}

}  // namespace
