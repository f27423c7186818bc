#include "tests/pci/fake_device.h"

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "tests/support/fixtures.h"

namespace vmpci_test {

const char kNvme[] = VMPCI_TEST_NVME ".bin";
const char kE1000e[] = VMPCI_TEST_E1000E ".bin";
const char kEdu[] = VMPCI_TEST_EDU ".bin";
const char kVirtioNetLegacy[] = VMPCI_TEST_VIRTIO_NET ".bin";
const char kIvshmem[] = VMPCI_TEST_IVSHMEM ".bin";
const char kFcNet[] = VMPCI_TEST_FC_NET ".bin";
const char kFcBlock[] = VMPCI_TEST_FC_BLOCK ".bin";
const char kFcRng[] = VMPCI_TEST_FC_RNG ".bin";
const char kFcBalloon[] = VMPCI_TEST_FC_BALLOON ".bin";
const char kFcVsock[] = VMPCI_TEST_FC_VSOCK ".bin";
const char kFcHostBridge[] = VMPCI_TEST_FC_HOST_BRIDGE ".bin";

std::vector<std::string> AllFixtures() {
  std::vector<std::string> out;
  for (const vmpci_test_fixture &f : vmpci_test_fixtures)
    out.push_back(std::string(f.path) + ".bin");
  return out;
}

std::vector<uint8_t> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<Resource> LoadResources(const std::string& bin_path) {
  std::string path = bin_path.substr(0, bin_path.size() - 4) + ".resource";
  std::vector<Resource> out;
  FILE* f = fopen(path.c_str(), "r");
  if (!f) return out;
  Resource r;
  while (out.size() < 7 && fscanf(f, "%" SCNx64 " %" SCNx64 " %" SCNx64,
                                  &r.start, &r.end, &r.flags) == 3)
    out.push_back(r);
  fclose(f);
  return out;
}

uint32_t BarType(const Resource& r, unsigned index) {
  constexpr uint64_t kIo = 0x100, kPrefetch = 0x2000, kMem64 = 0x100000;
  if (!r.size()) return 0;
  if (index == VMPCI_BAR_ROM_INDEX) return VMPCI_BAR_ROM;
  if (r.flags & kIo) return VMPCI_BAR_IO;
  uint32_t t = (r.flags & kMem64) ? VMPCI_BAR_MEM64 : VMPCI_BAR_MEM32;
  return t | ((r.flags & kPrefetch) ? VMPCI_BAR_PREFETCH : 0);
}

uint32_t FakeDevice::Get(uint16_t offset, unsigned size) const {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; i++)
    v |= static_cast<uint32_t>(bytes_.at(offset + i)) << (8 * i);
  return v;
}

void FakeDevice::Set(uint16_t offset, unsigned size, uint32_t val) {
  for (unsigned i = 0; i < size; i++)
    bytes_.at(offset + i) = static_cast<uint8_t>(val >> (8 * i));
}

int FakeDevice::Read(void* opaque, uint16_t offset, unsigned size,
                     uint32_t* val) {
  auto* d = static_cast<FakeDevice*>(opaque);
  d->reads++;
  if (d->fail_reads_with) return d->fail_reads_with;
  *val = d->Get(offset, size);
  return 0;
}

// STATUS error bits clear when written with 1, as on hardware.
int FakeDevice::DoWrite(void* opaque, uint16_t offset, unsigned size,
                        uint32_t val) {
  auto* d = static_cast<FakeDevice*>(opaque);
  d->writes.push_back({offset, size, val});
  for (unsigned i = 0; i < size; i++) {
    uint16_t at = static_cast<uint16_t>(offset + i);
    uint8_t b = static_cast<uint8_t>(val >> (8 * i));
    if (at == PCI_STATUS + 1)
      d->bytes_[at] = static_cast<uint8_t>(d->bytes_[at] & ~(b & 0xf9));
    else if (at != PCI_STATUS)  // the low byte is read-only
      d->bytes_[at] = b;
  }
  return 0;
}

const vmpci_config_ops FakeDevice::kOps = {FakeDevice::Read,
                                           FakeDevice::DoWrite};

Function::Function(const std::string& fixture) : Function(LoadConfig(fixture)) {}

Function::Function(std::vector<uint8_t> bytes) : dev(std::move(bytes)) {
  create_rc = vmpci_config_new(&FakeDevice::kOps, &dev, dev.size(), &cfg);
  dev.reads = 0;
  dev.writes.clear();
}

Function::~Function() { vmpci_config_free(cfg); }

uint32_t Function::Read(uint16_t offset, unsigned size) {
  uint32_t v = 0xdeadbeef;
  vmpci_config_read(cfg, offset, size, &v);
  return v;
}

int Function::WriteReg(uint16_t offset, unsigned size, uint32_t val) {
  return vmpci_config_write(cfg, offset, size, val);
}

void RecordBars(void* opaque, const vmpci_bar_move* moves, unsigned count) {
  auto* log = static_cast<BarLog*>(opaque);
  log->calls++;
  for (unsigned i = 0; i < count; i++)
    (moves[i].old_addr != moves[i].new_addr ? log->moves : log->decodes)
        .push_back(moves[i]);
}

}  // namespace vmpci_test
