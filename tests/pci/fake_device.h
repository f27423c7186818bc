// A PCI function for the config model to sit on: the bytes of a real config
// space fixture behind the vmpci_config_ops callbacks, counting every call
// and logging writes, with the STATUS write-1-to-clear bits of real hardware.
#ifndef VMPCI_TESTS_PCI_FAKE_DEVICE_H
#define VMPCI_TESTS_PCI_FAKE_DEVICE_H

#include <linux/pci_regs.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/shim/vmpci_c.h"

namespace vmpci_test {

// Fixture files, relative to the runfiles root.
extern const char kNvme[];           // QEMU nvme 1b36:0010, 4 KiB
extern const char kE1000e[];         // QEMU e1000e 8086:10d3, 4 KiB, AER+DSN
extern const char kEdu[];            // QEMU edu 1234:11e8, MSI only
extern const char kVirtioNetLegacy[];  // QEMU virtio-net 1af4:1000
extern const char kIvshmem[];        // QEMU ivshmem 1af4:1110, no caps
extern const char kFcNet[];          // production VMM virtio-net 1af4:1041
extern const char kFcBlock[];
extern const char kFcRng[];
extern const char kFcBalloon[];
extern const char kFcVsock[];
extern const char kFcHostBridge[];   // 8086:0d57, no caps

// Every fixture, for tests that hold for all of them.
std::vector<std::string> AllFixtures();

// The raw bytes of a fixture's .bin file; empty on error.
std::vector<uint8_t> LoadConfig(const std::string& path);

// One line of a sysfs resource file.
struct Resource {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t flags = 0;
  uint64_t size() const { return start || end ? end - start + 1 : 0; }
};
// BAR0-5 and the ROM (7 entries) from the fixture's .resource file.
std::vector<Resource> LoadResources(const std::string& bin_path);
// The vmpci BAR type of a resource line (0 for an empty line).
uint32_t BarType(const Resource& r, unsigned index);

struct Write {
  uint16_t offset;
  unsigned size;
  uint32_t val;
};

class FakeDevice {
 public:
  explicit FakeDevice(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}

  static const vmpci_config_ops kOps;

  uint8_t* bytes() { return bytes_.data(); }
  uint16_t size() const { return static_cast<uint16_t>(bytes_.size()); }
  uint32_t Get(uint16_t offset, unsigned size) const;
  void Set(uint16_t offset, unsigned size, uint32_t val);

  int reads = 0;
  std::vector<Write> writes;
  int fail_reads_with = 0;

 private:
  static int Read(void* opaque, uint16_t offset, unsigned size, uint32_t* val);
  static int DoWrite(void* opaque, uint16_t offset, unsigned size,
                     uint32_t val);
  std::vector<uint8_t> bytes_;
};

// A config space over a fake device built from a fixture; counters start
// at zero after creation.
struct Function {
  explicit Function(const std::string& fixture);
  explicit Function(std::vector<uint8_t> bytes);
  ~Function();
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;

  uint32_t Read(uint16_t offset, unsigned size);
  int WriteReg(uint16_t offset, unsigned size, uint32_t val);

  FakeDevice dev;
  vmpci_config* cfg = nullptr;
  int create_rc = 0;
};

// What the BAR hook reported: address changes in `moves`, decode-only
// changes in `decodes`, and how many calls (one per guest write).
struct BarLog {
  std::vector<vmpci_bar_move> moves;
  std::vector<vmpci_bar_move> decodes;
  unsigned calls = 0;
};

// A vmpci_config_bar_fn filling the BarLog at `opaque`.
void RecordBars(void* opaque, const vmpci_bar_move* moves, unsigned count);

}  // namespace vmpci_test

#endif
