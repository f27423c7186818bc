// State -> document -> state is exact, for every fixture, and the document
// stays inside its size budget at 2048 MSI-X vectors (its time budget is
// measured by :snapshot_bench).
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <cstring>
#include <string>

#include "tests/migration/state_builder.h"

namespace {

StatePtr Parse(const std::string &json) {
  StatePtr st = NewState();
  char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
  EXPECT_EQ(vmpci__snapshot_parse(json.data(), json.size(), st.get(), err,
                                 sizeof(err)),
            0)
      << err;
  return st;
}

class FixtureRoundTrip
    : public testing::TestWithParam<std::tuple<std::string, unsigned>> {};

TEST_P(FixtureRoundTrip, DocumentParsesBackToTheSameBytes) {
  StatePtr st = StateFromFixture(std::get<0>(GetParam()),
                                 std::get<1>(GetParam()));
  ASSERT_NE(st, nullptr);
  std::string json = Write(*st);
  ASSERT_FALSE(json.empty());
  StatePtr back = Parse(json);
  EXPECT_TRUE(StatesEqual(*st, *back));
  // Writing the parsed state gives the same document again.
  EXPECT_EQ(Write(*back), json);
}

INSTANTIATE_TEST_SUITE_P(
    AllFixtures, FixtureRoundTrip,
    testing::Combine(testing::ValuesIn(FixtureBases()),
                     testing::Values(0u, 1u, 2u)),
    [](const testing::TestParamInfo<FixtureRoundTrip::ParamType> &info) {
      std::string name = std::get<0>(info.param) + "_v" +
                         std::to_string(std::get<1>(info.param));
      for (char &c : name)
        if (!isalnum((unsigned char)c)) c = '_';
      return name;
    });

TEST(SnapshotRoundTripTest, FixturesCoverMsiMsixIntxHiddenAndVirtualCaps) {
  bool msi = false, msix = false, intx = false, hidden = false,
       virt = false, ext = false, mem64 = false, io = false;
  for (const std::string &base : FixtureBases()) {
    StatePtr st = StateFromFixture(base, 2);
    ASSERT_NE(st, nullptr);
    msi |= st->has_msi;
    msix |= st->has_msix;
    intx |= st->has_intx;
    for (unsigned i = 0; i < st->config.cap_count; i++) {
      hidden |= (st->config.caps[i].flags & VMPCI_CAP_HIDDEN) != 0;
      virt |= (st->config.caps[i].flags & VMPCI_CAP_VIRTUAL) != 0;
      ext |= (st->config.caps[i].flags & VMPCI_CAP_EXTENDED) != 0;
    }
    for (const auto &b : st->config.bars) {
      mem64 |= (b.type & VMPCI_BAR_MEM64) != 0;
      io |= (b.type & VMPCI_BAR_IO) != 0;
    }
  }
  EXPECT_TRUE(msi && msix && intx && hidden && virt && ext && mem64 && io);
}

TEST(SnapshotRoundTripTest, DocumentStartsWithFormatAndVersion) {
  StatePtr st = StateFromFixture("qemu-emulated/1af4-1000-0000_00_06.0", 0);
  ASSERT_NE(st, nullptr);
  std::string json = Write(*st);
  EXPECT_EQ(json.rfind("{\"format\":\"vmpci-snapshot\",\"version\":2,", 0),
            0u)
      << json.substr(0, 80);
}

TEST(SnapshotRoundTripTest, UnsupportedVfioMigrationIsStatedNotOmitted) {
  StatePtr st = StateFromFixture("qemu-emulated/1af4-1000-0000_00_06.0", 0);
  ASSERT_NE(st, nullptr);
  ASSERT_FALSE(st->vfio.supported);
  EXPECT_NE(Write(*st).find("\"vfio_migration\":{\"supported\":false}"),
            std::string::npos);
}

TEST(SnapshotRoundTripTest, AbsentInterruptCapabilitiesAreNull) {
  StatePtr st = MinimalState();
  std::string json = Write(*st);
  EXPECT_NE(json.find("\"msi\":null,\"msix\":null,\"intx\":null"),
            std::string::npos);
  StatePtr back = Parse(json);
  EXPECT_TRUE(StatesEqual(*st, *back));
}

TEST(SnapshotRoundTripTest, EmptyDeviceDataRoundTripsAsSupportedWithNoBytes) {
  StatePtr st = MinimalState();
  st->vfio.supported = true;
  std::string json = Write(*st);
  EXPECT_NE(json.find("\"vfio_migration\":{\"supported\":true,\"data\":\"\"}"),
            std::string::npos);
  StatePtr back = Parse(json);
  EXPECT_TRUE(back->vfio.supported);
  EXPECT_EQ(back->vfio.data, nullptr);
  EXPECT_EQ(back->vfio.size, 0u);
}

TEST(SnapshotRoundTripTest, DeviceDataOfEveryLengthModThreeRoundTrips) {
  for (size_t n : {1u, 2u, 3u, 4u, 255u, 256u, 257u}) {
    StatePtr st = MinimalState();
    st->vfio.supported = true;
    st->vfio.size = n;
    st->vfio.data = static_cast<uint8_t *>(malloc(n));
    for (size_t i = 0; i < n; i++) st->vfio.data[i] = (uint8_t)(255 - i);
    StatePtr back = Parse(Write(*st));
    EXPECT_TRUE(StatesEqual(*st, *back)) << n;
  }
}

TEST(SnapshotRoundTripTest, MsixEntryIsOneCompactString) {
  StatePtr st = MinimalState();
  // A one-entry MSI-X capability at 0x40 for the state to fit.
  uint8_t *img = st->config.image;
  img[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
  img[PCI_CAPABILITY_LIST] = 0x40;
  img[0x40] = PCI_CAP_ID_MSIX;
  st->config.cap_count = 1;
  st->config.caps[0] = {0x40, PCI_CAP_ID_MSIX, 12, 0};
  st->has_msix = true;
  st->msix.nr_entries = 1;
  st->msix.entries[0] = {0xfee01004, 0x4021, 1};
  st->msix.pba[0] = 1;
  EXPECT_NE(Write(*st).find(
                "\"entries\":[\"0xfee01004 0x4021 0x1\"],\"pba\":[\"0x1\"]"),
            std::string::npos);
}

TEST(SnapshotBudgetTest, TwoThousandVectorsWorstCaseStaysUnder200KB) {
  StatePtr st = LargestMsixState();
  ASSERT_NE(st, nullptr);
  free(st->vfio.data);  // device data is the function's, not the budget's
  st->vfio.data = nullptr;
  st->vfio.size = 0;
  std::string json = Write(*st);
  EXPECT_LT(json.size(), 200u * 1000u);
  StatePtr back = Parse(json);
  EXPECT_TRUE(StatesEqual(*st, *back));
}

TEST(SnapshotWriteTest, InconsistentStateIsRefusedNamingTheField) {
  StatePtr st = MinimalState();
  st->msix.nr_entries = 3;  // but has_msix is false
  char *json = reinterpret_cast<char *>(1);
  char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
  EXPECT_EQ(vmpci__snapshot_write(st.get(), &json, nullptr, err, sizeof(err)),
            -EINVAL);
  EXPECT_EQ(json, nullptr);
  EXPECT_STREQ(err, "msix: null, but the state has MSI-X values");
}

TEST(SnapshotWriteTest, PlacedUnimplementedBarIsRefused) {
  StatePtr st = MinimalState();
  st->placed[2] = true;
  char *json = nullptr;
  char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
  EXPECT_EQ(vmpci__snapshot_write(st.get(), &json, nullptr, err, sizeof(err)),
            -EINVAL);
  EXPECT_STREQ(err, "bars: BAR 2 is placed but has no size");
}

TEST(SnapshotWriteTest, BytesPastTheConfigSizeAreRefused) {
  StatePtr st = MinimalState();
  st->config.writable[300] = 1;
  char err[VMPCI__SNAPSHOT_ERR_MAX] = "";
  EXPECT_EQ(vmpci__snapshot_check(st.get(), err, sizeof(err)), -EINVAL);
  EXPECT_STREQ(err,
               "config: bytes past the 256-byte config space are not zero");
}

}  // namespace
