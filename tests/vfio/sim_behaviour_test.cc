// The simulated backend, built from each QEMU device's fixture, passes the
// same behavioural checks the kernel backend passes in the guest
// (kernel_backend_guest_test): any difference is a simulation bug.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "tests/shim/vmpci_c.h"
#include "tests/support/fixtures.h"
extern "C" {
#include "tests/vfio/behaviour.h"
}

namespace {

struct Results {
  int passed = 0;
};

void Record(void *opaque, bool pass, const char *what) {
  if (pass) {
    static_cast<Results *>(opaque)->passed++;
  } else {
    ADD_FAILURE() << what;
  }
}

class SimBehaviourTest
    : public ::testing::TestWithParam<std::tuple<unsigned, unsigned>> {};

TEST_P(SimBehaviourTest, MatchesKernel) {
  const vb_expect &e = vb_devices[std::get<0>(GetParam())];
  const vb_check &check = vb_checks[std::get<1>(GetParam())];
  const vmpci_test_fixture *f = vmpci_test_fixture_find(e.vendor, e.device);
  ASSERT_NE(f, nullptr);
  vmpci_vfio_sim *sim = nullptr;
  ASSERT_EQ(0, vmpci_vfio_sim_new_from_files(f->path, nullptr, &sim));
  const vmpci_vfio_backend *be = vmpci_vfio_sim_backend(sim);
  uint16_t vendor = 0, device = 0;
  ASSERT_EQ(0, vb_identify(be, &vendor, &device));
  EXPECT_EQ(&e, vb_expect_find(vendor, device));
  Results results;
  vb_report report = {Record, &results, e.name};
  check.fn(&report, &e, be);
  // Scratch applies to RAM BARs only; every other check reports.
  if (e.scratch_bar >= 0 || std::string(check.name) != "Scratch") {
    EXPECT_GT(results.passed, 0);
  }
  vmpci_vfio_sim_free(sim);
}

std::string Name(
    const ::testing::TestParamInfo<SimBehaviourTest::ParamType> &info) {
  std::string dev = vb_devices[std::get<0>(info.param)].name;
  for (char &c : dev)
    if (c == '-') c = '_';
  return dev + "_" + vb_checks[std::get<1>(info.param)].name;
}

INSTANTIATE_TEST_SUITE_P(
    QemuDevices, SimBehaviourTest,
    ::testing::Combine(::testing::Range(0u, vb_nr_devices),
                       ::testing::Range(0u, vb_nr_checks)),
    Name);

}  // namespace
