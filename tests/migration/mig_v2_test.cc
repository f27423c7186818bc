// VFIO migration v2: the transitions of a save and a load, and the recovery
// from every failure (cloud-hypervisor's migration state machine cases),
// against a test-double backend whose data fd is a pipe.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/vfio.h>

#include <string>
#include <vector>

#include "tests/migration/mig_double.h"
#include "tests/shim/vmpci_c.h"

extern "C" {
#include "vfio/mig_v2.h"
}

namespace {

constexpr uint32_t kStop = VFIO_DEVICE_STATE_STOP;
constexpr uint32_t kRunning = VFIO_DEVICE_STATE_RUNNING;
constexpr uint32_t kStopCopy = VFIO_DEVICE_STATE_STOP_COPY;
constexpr uint32_t kResuming = VFIO_DEVICE_STATE_RESUMING;

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; i++) v[i] = (uint8_t)(i * 13 + 1);
  return v;
}

struct Saved {
  int rc;
  std::vector<uint8_t> data;
  std::string err;
};

Saved Save(MigDouble &d) {
  uint8_t *data = nullptr;
  size_t size = 0;
  char err[256] = "";
  int rc = vmpci__vfio_mig_save(d.backend(), &data, &size, err, sizeof(err));
  Saved s{rc, std::vector<uint8_t>(data, data + size), err};
  free(data);
  if (rc) {
    EXPECT_EQ(data, nullptr);
    EXPECT_EQ(size, 0u);
  }
  return s;
}

int Load(MigDouble &d, const std::vector<uint8_t> &data, std::string *err) {
  char buf[256] = "";
  int rc = vmpci__vfio_mig_load(d.backend(), data.data(), data.size(), buf,
                               sizeof(buf));
  *err = buf;
  return rc;
}

using States = std::vector<uint32_t>;

TEST(MigV2Test, ProbeReportsStopCopy) {
  MigDouble d;
  uint64_t flags = 0;
  EXPECT_EQ(vmpci__vfio_mig_probe(d.backend(), &flags), 0);
  EXPECT_EQ(flags, (uint64_t)VFIO_MIGRATION_STOP_COPY);
  d.supported = false;
  EXPECT_EQ(vmpci__vfio_mig_probe(d.backend(), &flags), -EOPNOTSUPP);
}

TEST(MigV2Test, SaveSuccessGoesStopCopyThenStopAndReturnsTheData) {
  MigDouble d;
  d.device_data = Pattern(5000);
  Saved s = Save(d);
  EXPECT_EQ(s.rc, 0) << s.err;
  EXPECT_EQ(s.data, d.device_data);
  EXPECT_EQ(d.transitions, (States{kStopCopy, kStop}));
  EXPECT_EQ(d.resets, 0);
}

TEST(MigV2Test, SaveOfDataLargerThanTheFirstBufferReadsToEndOfFile) {
  MigDouble d;
  d.use_memfd = true;
  d.device_data = Pattern(300 * 1024 + 17);
  Saved s = Save(d);
  EXPECT_EQ(s.rc, 0) << s.err;
  EXPECT_EQ(s.data, d.device_data);
}

TEST(MigV2Test, SaveOfEmptyDataReturnsNoBuffer) {
  MigDouble d;
  Saved s = Save(d);
  EXPECT_EQ(s.rc, 0);
  EXPECT_TRUE(s.data.empty());
  EXPECT_EQ(d.transitions, (States{kStopCopy, kStop}));
}

TEST(MigV2Test, StopCopyFailureRetreatsToStopWithoutReset) {
  MigDouble d;
  d.fail_set[kStopCopy] = EIO;
  Saved s = Save(d);
  EXPECT_EQ(s.rc, -EIO);
  EXPECT_EQ(d.transitions, (States{kStopCopy, kStop}));
  EXPECT_EQ(d.resets, 0);
  EXPECT_EQ(s.err, "entering STOP_COPY failed (Input/output error); "
                   "retreated to STOP");
}

TEST(MigV2Test, StopCopyAndStopFailureResetsOnce) {
  MigDouble d;
  d.fail_set[kStopCopy] = EIO;
  d.fail_set[kStop] = EBUSY;
  Saved s = Save(d);
  EXPECT_EQ(s.rc, -EIO);
  EXPECT_EQ(d.transitions, (States{kStopCopy, kStop}));
  EXPECT_EQ(d.resets, 1);
  EXPECT_NE(s.err.find("retreat to STOP failed"), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("function reset"), std::string::npos) << s.err;
}

TEST(MigV2Test, ReadFailureStillStopsWithoutResetAndFails) {
  MigDouble d;
  d.device_data = Pattern(100);
  d.bad_data_fd = true;
  Saved s = Save(d);
  EXPECT_EQ(s.rc, -EBADF);
  EXPECT_EQ(d.transitions, (States{kStopCopy, kStop}));
  EXPECT_EQ(d.resets, 0);
  EXPECT_EQ(s.err.rfind("reading the STOP_COPY data failed", 0), 0u) << s.err;
}

TEST(MigV2Test, ReadFailureAndStopFailureResetsOnce) {
  MigDouble d;
  d.bad_data_fd = true;
  d.fail_set[kStop] = EIO;
  Saved s = Save(d);
  EXPECT_EQ(s.rc, -EBADF);
  EXPECT_EQ(d.transitions, (States{kStopCopy, kStop}));
  EXPECT_EQ(d.resets, 1);
}

TEST(MigV2Test, StopFailureAfterTheReadResetsAndDropsTheData) {
  MigDouble d;
  d.device_data = Pattern(64);
  d.fail_set[kStop] = EIO;
  Saved s = Save(d);
  EXPECT_EQ(s.rc, -EIO);
  EXPECT_EQ(d.resets, 1);
  EXPECT_EQ(s.err, "entering STOP failed (Input/output error); function reset");
}

TEST(MigV2Test, LoadSuccessEntersResumingWritesTheDataAndStaysThere) {
  MigDouble d;
  std::vector<uint8_t> data = Pattern(10000);
  std::string err;
  EXPECT_EQ(Load(d, data, &err), 0) << err;
  EXPECT_EQ(d.transitions, (States{kResuming}));
  EXPECT_EQ(d.Loaded(), data);
  EXPECT_EQ(d.resets, 0);
}

TEST(MigV2Test, LoadOfLargeDataWritesEveryByte) {
  MigDouble d;
  d.use_memfd = true;
  std::vector<uint8_t> data = Pattern(700 * 1024);
  std::string err;
  EXPECT_EQ(Load(d, data, &err), 0) << err;
  EXPECT_EQ(d.Loaded(), data);
}

TEST(MigV2Test, ResumingFailureRetreatsToStopWithoutReset) {
  MigDouble d;
  d.fail_set[kResuming] = EINVAL;
  std::string err;
  EXPECT_EQ(Load(d, Pattern(10), &err), -EINVAL);
  EXPECT_EQ(d.transitions, (States{kResuming, kStop}));
  EXPECT_EQ(d.resets, 0);
  EXPECT_EQ(err, "entering RESUMING failed (Invalid argument); retreated to STOP");
}

TEST(MigV2Test, ResumingAndStopFailureResetsOnce) {
  MigDouble d;
  d.fail_set[kResuming] = EINVAL;
  d.fail_set[kStop] = EIO;
  std::string err;
  EXPECT_EQ(Load(d, Pattern(10), &err), -EINVAL);
  EXPECT_EQ(d.transitions, (States{kResuming, kStop}));
  EXPECT_EQ(d.resets, 1);
}

TEST(MigV2Test, WriteFailureResetsWithoutTryingStop) {
  MigDouble d;
  d.bad_data_fd = true;
  std::string err;
  EXPECT_EQ(Load(d, Pattern(10), &err), -EBADF);
  EXPECT_EQ(d.transitions, (States{kResuming}));
  EXPECT_EQ(d.resets, 1);
  EXPECT_EQ(err, "writing the RESUMING data failed (Bad file descriptor); "
                 "function reset");
}

TEST(MigV2Test, TransitionWithoutRecoveryStateResetsAndNamesTheState) {
  MigDouble d;
  d.fail_set[kRunning] = EIO;
  char err[256] = "";
  EXPECT_EQ(vmpci__vfio_mig_set_state(d.backend(), kRunning, err, sizeof(err)),
            -EIO);
  EXPECT_EQ(d.transitions, (States{kRunning}));
  EXPECT_EQ(d.resets, 1);
  EXPECT_STREQ(err, "entering RUNNING failed (Input/output error); "
                    "function reset");
}

TEST(MigV2Test, SetStateMovesBetweenStopAndRunning) {
  MigDouble d;
  EXPECT_EQ(vmpci__vfio_mig_set_state(d.backend(), kStop, nullptr, 0), 0);
  EXPECT_EQ(vmpci__vfio_mig_set_state(d.backend(), kRunning, nullptr, 0), 0);
  EXPECT_EQ(d.transitions, (States{kStop, kRunning}));
}

TEST(MigV2Test, SetStateRefusesDataStates) {
  MigDouble d;
  EXPECT_EQ(vmpci__vfio_mig_set_state(d.backend(), kStopCopy, nullptr, 0),
            -EINVAL);
  EXPECT_EQ(vmpci__vfio_mig_set_state(d.backend(), kResuming, nullptr, 0),
            -EINVAL);
  EXPECT_EQ(vmpci__vfio_mig_set_state(d.backend(), 99, nullptr, 0), -EINVAL);
  EXPECT_TRUE(d.transitions.empty());
}

TEST(MigV2Test, LoadIntoFunctionWithoutMigrationIsRefusedUntouched) {
  MigDouble d;
  d.supported = false;
  std::string err;
  EXPECT_EQ(Load(d, Pattern(10), &err), -EOPNOTSUPP);
  EXPECT_TRUE(d.transitions.empty());
  EXPECT_EQ(d.resets, 0);
  EXPECT_EQ(err.rfind("10 bytes of VFIO device data to load, but the function "
                      "has no VFIO migration support",
                      0),
            0u)
      << err;
}

TEST(MigV2Test, SaveOfFunctionWithoutMigrationIsRefusedUntouched) {
  MigDouble d;
  d.supported = false;
  Saved s = Save(d);
  EXPECT_EQ(s.rc, -EOPNOTSUPP);
  EXPECT_TRUE(d.transitions.empty());
}

TEST(MigV2Test, StateNamesFollowTheKernelEnum) {
  EXPECT_STREQ(vmpci__vfio_mig_state_name(kStopCopy), "STOP_COPY");
  EXPECT_STREQ(vmpci__vfio_mig_state_name(kResuming), "RESUMING");
  EXPECT_STREQ(vmpci__vfio_mig_state_name(42), "UNKNOWN");
}

}  // namespace
