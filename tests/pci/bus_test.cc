// The bus: slot numbering (cloud-hypervisor's bus.rs cases by name), real
// functions 1-7, absent functions, and the CF8/CFC and ECAM decoders.
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <vector>

#include "tests/pci/fake_device.h"

namespace vmpci_test {
namespace {

const vmpci_config_ops kConfigOps = {vmpci_config_op_read,
                                     vmpci_config_op_write};

class BusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(vmpci_bus_new(VMPCI_BUS_HOST_BRIDGE, &bus_), 0);
  }
  void TearDown() override { vmpci_bus_free(bus_); }

  // Put a config space at busnr:slot.fn (allocating the slot if needed).
  void Attach(uint8_t busnr, uint8_t slot, uint8_t fn, Function& f) {
    if (!vmpci_bus_slot_is_allocated(bus_, busnr, slot)) {
      ASSERT_EQ(vmpci_bus_slot_alloc_at(bus_, busnr, slot), 0);
    }
    ASSERT_EQ(vmpci_bus_add_function(bus_, busnr, slot, fn, &kConfigOps,
                                     f.cfg),
              0);
  }
  uint32_t Read(uint8_t b, uint8_t d, uint8_t f, uint16_t reg, unsigned sz) {
    uint32_t v = 0xdeadbeef;
    EXPECT_EQ(vmpci_bus_read(bus_, b, d, f, reg, sz, &v), 0);
    return v;
  }
  uint32_t Pio(uint16_t port, unsigned size, int expect_rc = 0) {
    uint32_t v = 0xdeadbeef;
    EXPECT_EQ(vmpci_bus_pio_read(bus_, port, size, &v), expect_rc);
    return v;
  }
  uint32_t Ecam(uint64_t offset, unsigned size, int expect_rc = 0) {
    uint32_t v = 0xdeadbeef;
    EXPECT_EQ(vmpci_bus_ecam_read(bus_, offset, size, &v), expect_rc);
    return v;
  }

  vmpci_bus* bus_ = nullptr;
};

// cloud-hypervisor pci/src/bus.rs unit tests, same names.

TEST_F(BusTest, AllocateDeviceIdNextFree) {
  for (uint8_t want = 1; want < 32; want++) {
    uint8_t slot = 0xff;
    ASSERT_EQ(vmpci_bus_slot_alloc(bus_, 0, &slot), 0);
    EXPECT_EQ(slot, want);
  }
}

TEST_F(BusTest, AllocateDeviceIdRequestId) {
  for (uint8_t want : {0x01, 0x10, 31}) {
    EXPECT_EQ(vmpci_bus_slot_alloc_at(bus_, 0, want), 0);
    EXPECT_EQ(vmpci_bus_slot_is_allocated(bus_, 0, want), 1);
  }
}

TEST_F(BusTest, AllocateDeviceIdZeroIsTakenByTheHostBridge) {
  EXPECT_EQ(vmpci_bus_slot_alloc_at(bus_, 0, 0), -EEXIST);
}

TEST(BusWithoutHostBridgeTest, AllocateDeviceIdZeroWithoutHostBridge) {
  vmpci_bus* bus = nullptr;
  ASSERT_EQ(vmpci_bus_new(0, &bus), 0);
  EXPECT_EQ(vmpci_bus_slot_alloc_at(bus, 0, 0), 0);
  EXPECT_EQ(vmpci_bus_slot_alloc_at(bus, 0, 0), -EEXIST);
  // Allocating a slot puts no function on the bus.
  for (uint8_t fn = 0; fn < 8; fn++)
    EXPECT_EQ(vmpci_bus_has_function(bus, 0, 0, fn), 0);
  vmpci_bus_free(bus);
}

TEST(BusWithoutHostBridgeTest, AllocateDeviceIdNextFreeWithoutHostBridge) {
  vmpci_bus* bus = nullptr;
  ASSERT_EQ(vmpci_bus_new(0, &bus), 0);
  for (uint8_t want = 0; want < 32; want++) {
    uint8_t slot = 0xff;
    ASSERT_EQ(vmpci_bus_slot_alloc(bus, 0, &slot), 0);
    EXPECT_EQ(slot, want);
  }
  vmpci_bus_free(bus);
}

TEST_F(BusTest, AllocateDeviceIdFillsGaps) {
  for (uint8_t r : {1, 3, 6}) ASSERT_EQ(vmpci_bus_slot_reserve(bus_, 0, r), 0);
  for (uint8_t want : {2, 4, 5, 7}) {
    uint8_t slot = 0xff;
    ASSERT_EQ(vmpci_bus_slot_alloc(bus_, 0, &slot), 0);
    EXPECT_EQ(slot, want);
  }
}

TEST_F(BusTest, ReserveDeviceIdTwiceFails) {
  EXPECT_EQ(vmpci_bus_slot_reserve(bus_, 0, 31), 0);
  EXPECT_EQ(vmpci_bus_slot_reserve(bus_, 0, 31), -EEXIST);
}

TEST_F(BusTest, AllocateDeviceIdAfterReserve) {
  ASSERT_EQ(vmpci_bus_slot_reserve(bus_, 0, 0x10), 0);
  EXPECT_EQ(vmpci_bus_slot_is_allocated(bus_, 0, 0x10), 0);
  EXPECT_EQ(vmpci_bus_slot_alloc_at(bus_, 0, 0x10), 0);
  EXPECT_EQ(vmpci_bus_slot_is_allocated(bus_, 0, 0x10), 1);
}

TEST_F(BusTest, AllocateDeviceIdRequestInvalidIdFails) {
  EXPECT_EQ(vmpci_bus_slot_alloc_at(bus_, 0, 33), -EINVAL);
  EXPECT_EQ(vmpci_bus_slot_reserve(bus_, 0, 32), -EINVAL);
}

TEST_F(BusTest, AllocateDeviceIdNoneLeft) {
  for (uint8_t s = 1; s < 32; s++)
    ASSERT_EQ(vmpci_bus_slot_alloc_at(bus_, 0, s), 0);
  uint8_t slot = 0xff;
  EXPECT_EQ(vmpci_bus_slot_alloc(bus_, 0, &slot), -ENOSPC);
}

// Slot lifetime and functions.

TEST_F(BusTest, SlotsAreNumberedPerBus) {
  uint8_t slot = 0xff;
  ASSERT_EQ(vmpci_bus_slot_alloc(bus_, 1, &slot), 0);
  EXPECT_EQ(slot, 0);  // the host bridge is on bus 0 only
}

TEST_F(BusTest, ReleasedSlotIsAllocatedAgain) {
  uint8_t slot = 0;
  ASSERT_EQ(vmpci_bus_slot_alloc(bus_, 0, &slot), 0);
  EXPECT_EQ(vmpci_bus_slot_release(bus_, 0, slot), 0);
  EXPECT_EQ(vmpci_bus_slot_release(bus_, 0, slot), -ENOENT);
  uint8_t again = 0;
  ASSERT_EQ(vmpci_bus_slot_alloc(bus_, 0, &again), 0);
  EXPECT_EQ(again, slot);
}

TEST_F(BusTest, SlotWithFunctionsCannotBeReleased) {
  Function f(kEdu);
  Attach(0, 3, 0, f);
  EXPECT_EQ(vmpci_bus_slot_release(bus_, 0, 3), -EBUSY);
  EXPECT_EQ(vmpci_bus_remove_function(bus_, 0, 3, 0), 0);
  EXPECT_EQ(vmpci_bus_remove_function(bus_, 0, 3, 0), -ENOENT);
  EXPECT_EQ(vmpci_bus_slot_release(bus_, 0, 3), 0);
  EXPECT_EQ(vmpci_bus_slot_release(bus_, 0, 0), -EBUSY);  // host bridge
}

TEST_F(BusTest, FunctionsAreCheckedLikeBusRanges) {
  // vm-device bus_insert: an occupied place or a bad one is refused.
  Function f(kEdu);
  EXPECT_EQ(vmpci_bus_add_function(bus_, 0, 3, 0, &kConfigOps, f.cfg),
            -ENOENT);  // slot not allocated
  Attach(0, 3, 0, f);
  EXPECT_EQ(vmpci_bus_add_function(bus_, 0, 3, 0, &kConfigOps, f.cfg),
            -EEXIST);
  EXPECT_EQ(vmpci_bus_add_function(bus_, 0, 3, 8, &kConfigOps, f.cfg),
            -EINVAL);
  EXPECT_EQ(vmpci_bus_add_function(bus_, 0, 32, 0, &kConfigOps, f.cfg),
            -EINVAL);
  EXPECT_EQ(vmpci_bus_add_function(bus_, 0, 3, 1, nullptr, f.cfg), -EINVAL);
  EXPECT_EQ(vmpci_bus_add_function(bus_, 0, 3, 1, &kConfigOps, f.cfg), 0);
  EXPECT_EQ(vmpci_bus_remove_function(bus_, 0, 0, 0), -EPERM);
}

TEST_F(BusTest, HostBridgeSitsAt0000) {
  EXPECT_EQ(Read(0, 0, 0, PCI_VENDOR_ID, 4), 0x0d578086u);
  EXPECT_EQ(Read(0, 0, 0, PCI_CLASS_REVISION, 4), 0x06000000u);
  EXPECT_EQ(Read(0, 0, 0, PCI_HEADER_TYPE, 1), 0x00u);
  EXPECT_EQ(Read(0, 0, 0, PCI_BASE_ADDRESS_0, 4), 0u);
  EXPECT_EQ(vmpci_bus_has_function(bus_, 0, 0, 0), 1);
}

TEST_F(BusTest, FunctionsOneToSevenAreRealFunctions) {
  Function nvme(kNvme), e1000e(kE1000e);
  Attach(0, 3, 0, nvme);
  EXPECT_EQ(Read(0, 3, 0, PCI_HEADER_TYPE, 1), 0x00u);
  Attach(0, 3, 5, e1000e);
  EXPECT_EQ(Read(0, 3, 5, PCI_VENDOR_ID, 4), 0x10d38086u);
  // Function 0 now says the device is multi-function, in every access
  // size that covers the header type.
  EXPECT_EQ(Read(0, 3, 0, PCI_HEADER_TYPE, 1), 0x80u);
  EXPECT_EQ(Read(0, 3, 0, PCI_HEADER_TYPE, 2), 0x0080u);
  EXPECT_EQ(Read(0, 3, 0, PCI_CACHE_LINE_SIZE, 4) >> 16, 0x0080u);
  EXPECT_EQ(Read(0, 3, 5, PCI_HEADER_TYPE, 1), 0x00u);
  ASSERT_EQ(vmpci_bus_remove_function(bus_, 0, 3, 5), 0);
  EXPECT_EQ(Read(0, 3, 0, PCI_HEADER_TYPE, 1), 0x00u);
}

TEST_F(BusTest, AbsentFunctionsReadAllOnesAndIgnoreWrites) {
  Function f(kEdu);
  Attach(0, 3, 0, f);
  EXPECT_EQ(Read(0, 3, 1, PCI_VENDOR_ID, 4), 0xffffffffu);
  EXPECT_EQ(Read(0, 7, 0, PCI_VENDOR_ID, 2), 0xffffu);
  EXPECT_EQ(Read(9, 0, 0, PCI_VENDOR_ID, 1), 0xffu);
  EXPECT_EQ(vmpci_bus_write(bus_, 0, 7, 0, PCI_COMMAND, 2, 0xffff), 0);
  EXPECT_TRUE(f.dev.writes.empty());
}

TEST_F(BusTest, MalformedAccessesReadAllOnes) {
  Function f(kE1000e);
  Attach(0, 3, 0, f);
  uint32_t v = 0;
  EXPECT_EQ(vmpci_bus_read(bus_, 0, 3, 0, 0x3, 2, &v), -EINVAL);
  EXPECT_EQ(v, 0xffffu);
  EXPECT_EQ(vmpci_bus_read(bus_, 0, 3, 0, 0x0, 3, &v), -EINVAL);
  EXPECT_EQ(v, 0xffffffffu);
  EXPECT_EQ(vmpci_bus_read(bus_, 0, 3, 0, 0x1000, 4, &v), -EINVAL);
  EXPECT_EQ(vmpci_bus_read(bus_, 0, 32, 0, 0, 4, &v), -EINVAL);
  EXPECT_EQ(vmpci_bus_write(bus_, 0, 3, 0, 0xffe, 4, 0), -EINVAL);
  EXPECT_TRUE(f.dev.writes.empty());
}

// Configuration mechanism #1.

TEST_F(BusTest, DataPortServesByteWordDwordAtEveryOffset) {
  Function f(kNvme);
  Attach(0, 3, 0, f);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x80001800), 0);
  EXPECT_EQ(Pio(0xcfc, 4), 0x00101b36u);
  EXPECT_EQ(Pio(0xcfc, 2), 0x1b36u);
  EXPECT_EQ(Pio(0xcfe, 2), 0x0010u);
  EXPECT_EQ(Pio(0xcfd, 2), 0x101bu);
  EXPECT_EQ(Pio(0xcfd, 1), 0x1bu);
  EXPECT_EQ(Pio(0xcff, 1), 0x00u);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x80001808), 0);
  EXPECT_EQ(Pio(0xcfc, 4), 0x01080202u);
  EXPECT_EQ(Pio(0xcfe, 2), 0x0108u);
}

TEST_F(BusTest, DataPortWritesReachTheFunction) {
  Function f(kNvme);
  Attach(0, 3, 0, f);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x8000183c), 0);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcfc, 1, 0x0b), 0);
  EXPECT_EQ(f.Read(PCI_INTERRUPT_LINE, 1), 0x0bu);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x8000180c), 0);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcfc, 1, 0x10), 0);
  EXPECT_EQ(f.dev.Get(PCI_CACHE_LINE_SIZE, 1), 0x10u);
}

TEST_F(BusTest, DataAccessCrossingTheDwordIsAllOnesAndDropped) {
  Function f(kNvme);
  Attach(0, 3, 0, f);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x8000180c), 0);
  EXPECT_EQ(Pio(0xcfe, 4, -EINVAL), 0xffffffffu);
  EXPECT_EQ(Pio(0xcff, 2, -EINVAL), 0xffffu);
  EXPECT_EQ(Pio(0xcfc, 3, -EINVAL), 0xffffffffu);
  EXPECT_EQ(vmpci_bus_pio_write(bus_, 0xcfd, 4, 0xffffffff), -EINVAL);
  EXPECT_TRUE(f.dev.writes.empty());
}

TEST_F(BusTest, EnableBitClearReadsAllOnesAndDropsWrites) {
  Function f(kNvme);
  Attach(0, 3, 0, f);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x0000180c), 0);
  EXPECT_EQ(Pio(0xcfc, 4), 0xffffffffu);
  EXPECT_EQ(vmpci_bus_pio_write(bus_, 0xcfc, 1, 0x10), 0);
  EXPECT_TRUE(f.dev.writes.empty());
}

TEST_F(BusTest, AddressPortIsADwordAtCf8) {
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x80001810), 0);
  EXPECT_EQ(Pio(0xcf8, 4), 0x80001810u);
  // Reserved bits read as zero.
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0xffffffff), 0);
  EXPECT_EQ(Pio(0xcf8, 4), 0x80fffffcu);
}

TEST_F(BusTest, SubDwordAddressPortAccessesAreLeftToTheVmm) {
  // PCI 3.0, 3.2.2.3.2: only a dword at 0xCF8 is CONFIG_ADDRESS.
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x80001810), 0);
  EXPECT_EQ(vmpci_bus_pio_write(bus_, 0xcfa, 1, 0x02), -ENXIO);
  EXPECT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 2, 0x2814), -ENXIO);
  EXPECT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 1, 0x14), -ENXIO);
  EXPECT_EQ(vmpci_bus_pio_write(bus_, 0xcfa, 4, 0), -ENXIO);
  EXPECT_EQ(Pio(0xcfb, 1, -ENXIO), 0xffu);
  EXPECT_EQ(Pio(0xcf9, 2, -ENXIO), 0xffffu);
  EXPECT_EQ(Pio(0xcf8, 4), 0x80001810u);
}

TEST_F(BusTest, ResetThroughCf9LeavesConfigAddressUntouched) {
  // outb(6, 0xCF9): Linux reboot=pci and the ACPI reset register.
  Function f(kNvme);
  Attach(0, 3, 0, f);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x80001800), 0);
  EXPECT_EQ(vmpci_bus_pio_write(bus_, 0xcf9, 1, 0x06), -ENXIO);
  EXPECT_EQ(Pio(0xcf8, 4), 0x80001800u);
  EXPECT_EQ(Pio(0xcfc, 4), 0x00101b36u);
}

TEST_F(BusTest, PortsOutsideTheDecoderAreRefused) {
  // vm-device bus_read_write: accesses outside the range are refused.
  EXPECT_EQ(Pio(0xcf7, 1, -EINVAL), 0xffu);
  EXPECT_EQ(Pio(0xd00, 4, -EINVAL), 0xffffffffu);
  EXPECT_EQ(vmpci_bus_pio_write(bus_, 0xcf4, 4, 0), -EINVAL);
  Pio(0xcf8, 4);
  Pio(0xcff, 1);
}

TEST_F(BusTest, FunctionSeesTheRegisterNotTheWindowOffset) {
  // vm-device bus_read_write_values: the device sees offsets relative to
  // itself; here, config-space offsets whatever the window or port.
  struct Seen {
    std::vector<uint16_t> regs;
  } seen;
  vmpci_config_ops ops = {
      [](void* o, uint16_t reg, unsigned size, uint32_t* val) {
        static_cast<Seen*>(o)->regs.push_back(reg);
        *val = reg + size;
        return 0;
      },
      nullptr};
  ASSERT_EQ(vmpci_bus_slot_alloc_at(bus_, 2, 7), 0);
  ASSERT_EQ(vmpci_bus_add_function(bus_, 2, 7, 3, &ops, &seen), 0);
  EXPECT_EQ(Ecam((2u << 20) | (7u << 15) | (3u << 12) | 0x15, 1), 0x16u);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x80023b14), 0);
  EXPECT_EQ(Pio(0xcfd, 1), 0x16u);
  EXPECT_EQ(seen.regs, (std::vector<uint16_t>{0x15, 0x15}));
  // No write callback: writes are dropped.
  EXPECT_EQ(vmpci_bus_ecam_write(bus_, (2u << 20) | (7u << 15) | (3u << 12),
                                 4, 0),
            0);
}

// ECAM.

TEST_F(BusTest, EcamDecodesBusDeviceFunctionRegister) {
  Function nvme(kNvme), e1000e(kE1000e);
  Attach(0, 3, 0, nvme);
  Attach(1, 2, 3, e1000e);
  EXPECT_EQ(Ecam((3u << 15) | 0x08, 4), 0x01080202u);
  EXPECT_EQ(Ecam((1u << 20) | (2u << 15) | (3u << 12), 4), 0x10d38086u);
  EXPECT_EQ(Ecam((1u << 20) | (2u << 15) | (3u << 12) | 0x2, 2), 0x10d3u);
  EXPECT_EQ(Ecam((1u << 20) | (2u << 15) | (2u << 12), 4), 0xffffffffu);
  ASSERT_EQ(vmpci_bus_ecam_write(bus_, (3u << 15) | 0x3c, 1, 0x0c), 0);
  EXPECT_EQ(nvme.Read(PCI_INTERRUPT_LINE, 1), 0x0cu);
}

TEST_F(BusTest, EcamReachesExtendedConfigSpace) {
  Function e1000e(kE1000e);
  Attach(0, 4, 0, e1000e);
  EXPECT_EQ(Ecam((4u << 15) | 0x100, 4), 0x14020001u);
  EXPECT_EQ(Ecam((4u << 15) | 0x140, 4), 0x00010003u);
  Function edu(kEdu);  // conventional: no extended space
  Attach(0, 5, 0, edu);
  uint32_t v = 0;
  EXPECT_EQ(vmpci_bus_ecam_read(bus_, (5u << 15) | 0x100, 4, &v), -EINVAL);
  EXPECT_EQ(v, 0xffffffffu);
}

TEST_F(BusTest, EcamOutsideTheWindowOrCrossingADwordIsAllOnes) {
  Function f(kNvme);
  Attach(0, 3, 0, f);
  EXPECT_EQ(Ecam(VMPCI_BUS_ECAM_SIZE, 4, -EINVAL), 0xffffffffu);
  EXPECT_EQ(Ecam((3u << 15) | 0xffe, 4, -EINVAL), 0xffffffffu);
  EXPECT_EQ(Ecam((3u << 15) | 0x2, 8, -EINVAL), 0xffffffffu);
  EXPECT_EQ(vmpci_bus_ecam_write(bus_, VMPCI_BUS_ECAM_SIZE + 4, 4, 0), -EINVAL);
  EXPECT_TRUE(f.dev.writes.empty());
}

TEST_F(BusTest, EveryBusNumberIsAddressable) {
  Function f(kEdu);
  Attach(255, 31, 7, f);
  EXPECT_EQ(Ecam((255ull << 20) | (31u << 15) | (7u << 12), 4), 0x11e81234u);
  ASSERT_EQ(vmpci_bus_pio_write(bus_, 0xcf8, 4, 0x80ffff00), 0);
  EXPECT_EQ(Pio(0xcfc, 4), 0x11e81234u);
}

TEST_F(BusTest, RandomGuestAccessesNeverCrash) {
  // Every guest value is data: sizes, offsets and ports from a fixed
  // pseudo-random stream, through every way in. ASan watches the rest.
  Function nvme(kNvme), e1000e(kE1000e), edu(kEdu);
  Attach(0, 3, 0, nvme);
  Attach(0, 3, 1, e1000e);
  Attach(0, 4, 0, edu);
  ASSERT_EQ(vmpci_config_cap_hide(e1000e.cfg, PCI_CAP_ID_PM), 0);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  auto next = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const unsigned sizes[] = {0, 1, 2, 3, 4, 8};
  for (int i = 0; i < 200000; i++) {
    uint64_t r = next();
    unsigned size = sizes[r % 6];
    uint32_t val = static_cast<uint32_t>(r >> 32);
    uint32_t got = 0;
    switch ((r >> 3) % 4) {
      case 0:
        vmpci_bus_pio_write(bus_, static_cast<uint16_t>(0xcf6 + (r >> 8) % 12),
                            size, (r & 0x100000) ? val | 0x80000000u : val);
        break;
      case 1:
        vmpci_bus_pio_read(bus_, static_cast<uint16_t>(0xcf6 + (r >> 8) % 12),
                           size, &got);
        break;
      case 2:
        vmpci_bus_ecam_write(bus_, (r >> 12) % (1u << 21), size, val);
        break;
      default:
        vmpci_bus_ecam_read(bus_, (r >> 12) % (1u << 21), size, &got);
        break;
    }
  }
  // The identity survived whatever was written.
  EXPECT_EQ(Read(0, 3, 0, PCI_VENDOR_ID, 4), 0x00101b36u);
  EXPECT_EQ(Read(0, 3, 1, 0xc8, 4), 0u);
  EXPECT_EQ(Read(0, 0, 0, PCI_VENDOR_ID, 4), 0x0d578086u);
}

}  // namespace
}  // namespace vmpci_test
