// Fixture paths of the QEMU devices the behavioural checks know.
#ifndef VMPCI_TESTS_VFIO_FIXTURES_H
#define VMPCI_TESTS_VFIO_FIXTURES_H

#include <cstdint>
#include <string>

namespace vfio_test {

// "tests/data/pci-config/qemu-emulated/VVVV-DDDD-BDF" (no extension) of the
// fixture for vendor:device, or "" when there is none.
inline std::string FixtureBase(uint16_t vendor, uint16_t device) {
  static const struct {
    uint16_t vendor, device;
    const char *base;
  } kFixtures[] = {
      {0x1234, 0x11e8, "1234-11e8-0000_00_03.0"},
      {0x1b36, 0x0010, "1b36-0010-0000_00_04.0"},
      {0x8086, 0x10d3, "8086-10d3-0000_00_05.0"},
      {0x1af4, 0x1000, "1af4-1000-0000_00_06.0"},
      {0x1af4, 0x1110, "1af4-1110-0000_00_07.0"},
  };
  for (const auto &f : kFixtures)
    if (f.vendor == vendor && f.device == device)
      return std::string("tests/data/pci-config/qemu-emulated/") + f.base;
  return "";
}

}  // namespace vfio_test

#endif
