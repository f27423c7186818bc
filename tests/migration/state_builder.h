// Snapshot states built from the real config-space fixtures, with MSI,
// MSI-X, INTx and VFIO data filled with varied values, for the JSON tests.
#ifndef VMPCI_TESTS_MIGRATION_STATE_BUILDER_H
#define VMPCI_TESTS_MIGRATION_STATE_BUILDER_H

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "tests/shim/vmpci_c.h"

// The document without a device: vmpci's internal header, not the shim's.
extern "C" {
#include "migration/document.h"
}

// Frees a heap state and its device data.
struct StateFree {
  void operator()(vmpci_device_state *st) const {
    if (st) free(st->vfio.data);
    free(st);
  }
};
using StatePtr = std::unique_ptr<vmpci_device_state, StateFree>;

// A zeroed state on the heap (padding included, so memcmp compares values).
StatePtr NewState();

// Every fixture under tests/data/pci-config, as "<dir>/<name>" without the
// extension.
const std::vector<std::string> &FixtureBases();

// The state of the fixture's function: config exported from
// vmpci_config_new_emulated with the BARs of its resource file declared and
// placed, a capability hidden and a virtual one added where there is room,
// and interrupt / VFIO state chosen by `variant` (0, 1, 2 give different
// values). Fails the calling test (and returns nullptr) when a step fails.
StatePtr StateFromFixture(const std::string &base, unsigned variant);

// A state whose MSI-X table has all 2048 vectors, every field of every
// entry set, in a 4 KiB config space: the size budget's worst case.
StatePtr LargestMsixState();

// A minimal valid state (256-byte space, no BARs, no interrupts), for the
// rejection tests.
StatePtr MinimalState();

// The state's document as a string (fails the test on error).
std::string Write(const vmpci_device_state &st);

// Two states equal byte for byte, VFIO data compared by content.
bool StatesEqual(const vmpci_device_state &a, const vmpci_device_state &b);

#endif
