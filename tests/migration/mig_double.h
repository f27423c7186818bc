// A test double for VFIO migration v2: a function's device_feature and
// reset ops that record every state SET and reset, fail the SETs they are
// told to, and hand out pipes (or memfds) as data fds. Optionally forwards
// every other op to a real backend (the simulated one), so a device can be
// built on it.
#ifndef VMPCI_TESTS_MIGRATION_MIG_DOUBLE_H
#define VMPCI_TESTS_MIGRATION_MIG_DOUBLE_H

#include <linux/vfio.h>

#include <cstdint>
#include <map>
#include <vector>

#include "tests/shim/vmpci_c.h"

class MigDouble {
 public:
  bool supported = true;
  std::map<uint32_t, int> fail_set;  // state -> errno to fail its SET with
  bool bad_data_fd = false;          // data fd of the wrong direction
  bool use_memfd = false;            // a memfd instead of a pipe (big data)
  std::vector<uint8_t> device_data;  // what STOP_COPY streams
  std::vector<uint32_t> transitions;
  int resets = 0;

  // `inner` (may be null) serves every op but device_feature and reset.
  explicit MigDouble(const vmpci_vfio_backend *inner = nullptr);
  ~MigDouble();
  MigDouble(const MigDouble &) = delete;
  MigDouble &operator=(const MigDouble &) = delete;

  const vmpci_vfio_backend *backend() const { return &be_; }
  const vmpci_vfio_backend *inner() const { return inner_; }

  // What the last load wrote into the RESUMING data fd.
  std::vector<uint8_t> Loaded();

 private:
  int OnFeature(uint32_t flags, void *data, size_t size);
  int StopCopyFd();
  int ResumingFd();
  static int Feature(void *opaque, uint32_t flags, void *data, size_t size);
  static int Reset(void *opaque);

  const vmpci_vfio_backend *inner_;
  vmpci_vfio_backend_ops ops_{};
  vmpci_vfio_backend be_{};
  int keep_fd_ = -1;
};

#endif
