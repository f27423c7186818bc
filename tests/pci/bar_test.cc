// BAR registers: sizing probes, 64-bit pairs, ROM, and the detection of
// guest moves (reported only while decode is on, rolled back on refusal).
#include <errno.h>
#include <gtest/gtest.h>
#include <linux/pci_regs.h>

#include <vector>

#include "tests/pci/fake_device.h"

namespace vmpci_test {
namespace {

uint64_t AcceptedAddr(vmpci_config* cfg, unsigned index) {
  vmpci_bar_info info;
  EXPECT_EQ(vmpci_config_bar_get(cfg, index, &info), 0);
  return info.addr;
}

// A function with its BARs declared from the fixture's resource file.
struct BarFunction : Function {
  explicit BarFunction(const std::string& fixture) : Function(fixture) {
    std::vector<Resource> res = LoadResources(fixture);
    for (unsigned i = 0; i < res.size(); i++) {
      if (!res[i].size()) continue;
      EXPECT_EQ(vmpci_config_bar_declare(cfg, i, res[i].size(),
                                         BarType(res[i], i)),
                0);
    }
    vmpci_config_set_bar_hook(cfg, RecordBars, &log);
  }
  void Command(uint16_t cmd) { ASSERT_EQ(WriteReg(PCI_COMMAND, 2, cmd), 0); }
  uint64_t Addr(unsigned index) { return AcceptedAddr(cfg, index); }
  BarLog log;
};

void ExpectMove(const vmpci_bar_move& m, unsigned index, uint32_t type,
                uint64_t old_addr, uint64_t new_addr, uint64_t size) {
  EXPECT_EQ(m.index, index);
  EXPECT_EQ(m.type, type);
  EXPECT_EQ(m.old_addr, old_addr);
  EXPECT_EQ(m.new_addr, new_addr);
  EXPECT_EQ(m.size, size);
}

TEST(BarRegisterTest, UndeclaredBarsReadZeroAndIgnoreWrites) {
  Function f(kNvme);  // the device's BAR0 holds host address 0xfe940004
  for (uint16_t off = PCI_BASE_ADDRESS_0; off <= PCI_BASE_ADDRESS_5; off += 4) {
    EXPECT_EQ(f.Read(off, 4), 0u);
    EXPECT_EQ(f.WriteReg(off, 4, 0xffffffff), 0);
    EXPECT_EQ(f.Read(off, 4), 0u);
  }
  EXPECT_EQ(f.WriteReg(PCI_ROM_ADDRESS, 4, 0xffffffff), 0);
  EXPECT_EQ(f.Read(PCI_ROM_ADDRESS, 4), 0u);
  EXPECT_TRUE(f.dev.writes.empty());
  EXPECT_EQ(f.dev.reads, 0);
}

TEST(BarRegisterTest, Mem32AllOnesProbeReadsTheSizeMask) {
  BarFunction f(kE1000e);  // BAR0: 128 KiB, 32-bit
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0u);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xffffffff), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0xfffe0000u);
  EXPECT_TRUE(f.dev.writes.empty());
}

TEST(BarRegisterTest, OpenBsdMemoryProbeReadsTheSizeMask) {
  BarFunction f(kE1000e);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0xfffffff0), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 0xfffe0000u);
}

TEST(BarRegisterTest, IoProbesReadTheSizeMaskWithTheIoBit) {
  BarFunction f(kE1000e);  // BAR2: 32 ports
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_2, 4), 0x00000001u);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_2, 4, 0xffffffff), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_2, 4), 0xffffffe1u);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_2, 4, 0xfffffffc), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_2, 4), 0xffffffe1u);
}

TEST(BarRegisterTest, Mem64ProbeSizesBothHalves) {
  BarFunction f(kNvme);  // BAR0: 16 KiB, 64-bit
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0x00000004u);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xffffffff), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0xffffffff), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0xffffc004u);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 0xffffffffu);
  vmpci_bar_info upper;
  ASSERT_EQ(vmpci_config_bar_get(f.cfg, 1, &upper), 0);
  EXPECT_EQ(upper.type, 0u);
  EXPECT_EQ(upper.size, 0u);
}

TEST(BarRegisterTest, Mem64LargerThan4GiBSizesTheUpperHalf) {
  Function f(kNvme);
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, 0, 1ull << 33, VMPCI_BAR_MEM64), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xffffffff), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0xffffffff), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0x00000004u);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 0xfffffffeu);
}

TEST(BarRegisterTest, PrefetchableBitIsReported) {
  BarFunction f(kIvshmem);  // BAR2: 1 MiB, 64-bit prefetchable
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_2, 4), 0x0000000cu);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_2, 4, 0xffffffff), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_2, 4), 0xfff0000cu);
}

TEST(BarRegisterTest, RomProbeKeepsTheEnableBitWritable) {
  Function f(kNvme);
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, VMPCI_BAR_ROM_INDEX, 0x10000,
                                     VMPCI_BAR_ROM),
            0);
  EXPECT_EQ(f.WriteReg(PCI_ROM_ADDRESS, 4, 0xfffffffe), 0);
  EXPECT_EQ(f.Read(PCI_ROM_ADDRESS, 4), 0xffff0000u);
  EXPECT_EQ(f.WriteReg(PCI_ROM_ADDRESS, 4, 0xffffffff), 0);
  EXPECT_EQ(f.Read(PCI_ROM_ADDRESS, 4), 0xffff0001u);
  EXPECT_EQ(f.WriteReg(PCI_ROM_ADDRESS, 4, 0xfeb00001), 0);
  EXPECT_EQ(f.Read(PCI_ROM_ADDRESS, 4), 0xfeb00001u);
}

TEST(BarRegisterTest, EveryFixtureBarSizesLikeItsHardware) {
  for (const std::string& name : AllFixtures()) {
    SCOPED_TRACE(name);
    BarFunction f(name);
    std::vector<Resource> res = LoadResources(name);
    for (unsigned i = 0; i < res.size(); i++) {
      uint32_t type = BarType(res[i], i);
      if (!type) continue;
      uint16_t off = i == VMPCI_BAR_ROM_INDEX ? PCI_ROM_ADDRESS
                                              : PCI_BASE_ADDRESS_0 + 4 * i;
      uint64_t mask = ~(res[i].size() - 1);
      EXPECT_EQ(f.WriteReg(off, 4, 0xffffffff), 0);
      uint32_t low = f.Read(off, 4);
      if (type & VMPCI_BAR_IO) {
        EXPECT_EQ(low, (static_cast<uint32_t>(mask) & ~3u) | 1u);
      } else if (type & VMPCI_BAR_ROM) {
        EXPECT_EQ(low, (static_cast<uint32_t>(mask) & ~0x7ffu) | 1u);
      } else {
        EXPECT_EQ(low & ~0xfu, static_cast<uint32_t>(mask) & ~0xfu);
        // The type bits are the ones the real BAR register holds.
        uint32_t real = f.dev.Get(off, 4);
        EXPECT_EQ(low & 0xfu, real & 0xfu);
      }
      if (type & VMPCI_BAR_MEM64) {
        EXPECT_EQ(f.WriteReg(off + 4, 4, 0xffffffff), 0);
        EXPECT_EQ(f.Read(off + 4, 4), static_cast<uint32_t>(mask >> 32));
        i++;
      }
    }
    EXPECT_TRUE(f.log.moves.empty());
  }
}

TEST(BarMoveTest, MoveWhileMemoryDecodeIsOnIsReported) {
  BarFunction f(kE1000e);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0xe0000000), 0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xd0000000), 0);
  ASSERT_EQ(f.log.moves.size(), 1u);
  ExpectMove(f.log.moves[0], 0, VMPCI_BAR_MEM32, 0xe0000000, 0xd0000000,
             0x20000);
  EXPECT_EQ(f.Addr(0), 0xd0000000u);
}

TEST(BarMoveTest, MoveWhileDecodeIsOffIsReportedWhenDecodeTurnsOn) {
  BarFunction f(kE1000e);
  f.Command(0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_3, 4, 0xfe944000), 0);
  EXPECT_TRUE(f.log.moves.empty());
  EXPECT_EQ(f.Addr(3), 0u);
  f.Command(PCI_COMMAND_MEMORY);
  ASSERT_EQ(f.log.moves.size(), 1u);
  ExpectMove(f.log.moves[0], 3, VMPCI_BAR_MEM32, 0, 0xfe944000, 0x4000);
  EXPECT_EQ(f.Addr(3), 0xfe944000u);
  // Turning it on again reports nothing new.
  f.Command(0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.log.moves.size(), 1u);
}

TEST(BarMoveTest, Mem64EveryHalfWriteMovesTheBarWhileDecodeIsOn) {
  // Hardware decodes the pair as it stands after each dword write.
  BarFunction f(kNvme);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0x100000000ull), 0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0x00200000), 0);
  ASSERT_EQ(f.log.moves.size(), 1u);
  ExpectMove(f.log.moves[0], 0, VMPCI_BAR_MEM64, 0x100000000ull,
             0x100200000ull, 0x4000);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0x2), 0);
  ASSERT_EQ(f.log.moves.size(), 2u);
  ExpectMove(f.log.moves[1], 0, VMPCI_BAR_MEM64, 0x100200000ull,
             0x200200000ull, 0x4000);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0x00200004u);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 0x2u);
}

TEST(BarMoveTest, Mem64LowDwordOnlyUpdateMovesTheBar) {
  BarFunction f(kNvme);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0x100000000ull), 0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0x00200000), 0);
  EXPECT_EQ(f.Addr(0), 0x100200000ull);
}

TEST(BarMoveTest, Mem64HighThenLowEndsAtTheFinalAddress) {
  BarFunction f(kNvme);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0x100000000ull), 0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0x2), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0x00200000), 0);
  EXPECT_EQ(f.Addr(0), 0x200200000ull);
}

// A BAR whose low address bits are all ones under a real high dword is an
// address, not a sizing probe (issue 15: these moves were lost).
TEST(BarMoveTest, Mem64TwoGiBBarMovesAbove4GiBWithAllOnesLowBits) {
  Function f(kNvme);
  BarLog log;
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, 0, 2ull << 30, VMPCI_BAR_MEM64),
            0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0x100000000ull), 0);
  vmpci_config_set_bar_hook(f.cfg, RecordBars, &log);
  ASSERT_EQ(f.WriteReg(PCI_COMMAND, 2, 0), 0);
  ASSERT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0x80000000), 0);
  ASSERT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0x40), 0);
  ASSERT_EQ(f.WriteReg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY), 0);
  ASSERT_EQ(log.moves.size(), 1u);
  ExpectMove(log.moves[0], 0, VMPCI_BAR_MEM64, 0x100000000ull,
             0x4080000000ull, 2ull << 30);
  EXPECT_EQ(AcceptedAddr(f.cfg, 0), 0x4080000000ull);
}

TEST(BarMoveTest, Mem64TwoHundredFiftySixMiBBarMovesWhileDecodeIsOn) {
  Function f(kNvme);
  BarLog log;
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, 0, 256ull << 20,
                                     VMPCI_BAR_MEM64 | VMPCI_BAR_PREFETCH),
            0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0x100000000ull), 0);
  vmpci_config_set_bar_hook(f.cfg, RecordBars, &log);
  ASSERT_EQ(f.WriteReg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY), 0);
  ASSERT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0x40), 0);
  ASSERT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xf0000000), 0);
  ASSERT_FALSE(log.moves.empty());
  EXPECT_EQ(log.moves.back().new_addr, 0x40f0000000ull);
  EXPECT_EQ(AcceptedAddr(f.cfg, 0), 0x40f0000000ull);
}

TEST(BarDecodeTest, ClearingMemoryDecodeReportsEveryMemoryBarOffInOneCall) {
  BarFunction f(kE1000e);  // BARs 0, 1, 3 memory, 2 I/O
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0xe0000000), 0);
  f.Command(PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
  f.log = BarLog();
  f.Command(PCI_COMMAND_IO);
  EXPECT_EQ(f.log.calls, 1u);
  ASSERT_EQ(f.log.decodes.size(), 3u);
  for (const vmpci_bar_move& m : f.log.decodes) {
    EXPECT_NE(m.index, 2u);
    EXPECT_TRUE(m.was_on);
    EXPECT_FALSE(m.on);
  }
  EXPECT_EQ(f.log.decodes[0].old_addr, 0xe0000000u);
  EXPECT_EQ(vmpci_config_bar_decoding(f.cfg, 0), 0);
  EXPECT_EQ(vmpci_config_bar_decoding(f.cfg, 2), 1);
  f.Command(PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
  EXPECT_EQ(f.log.calls, 2u);
  ASSERT_EQ(f.log.decodes.size(), 6u);
  EXPECT_TRUE(f.log.decodes[3].on);
  EXPECT_EQ(vmpci_config_bar_decoding(f.cfg, 0), 1);
}

TEST(BarDecodeTest, SwapMadeWithDecodeOffArrivesAsOneBatch) {
  BarFunction f(kE1000e);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0xe0000000), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 1, 0xe0020000), 0);
  f.Command(0);
  f.log = BarLog();
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xe0020000), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0xe0000000), 0);
  EXPECT_EQ(f.log.calls, 0u);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.log.calls, 1u);
  ASSERT_EQ(f.log.moves.size(), 2u);
  ExpectMove(f.log.moves[0], 0, VMPCI_BAR_MEM32, 0xe0000000, 0xe0020000,
             0x20000);
  ExpectMove(f.log.moves[1], 1, VMPCI_BAR_MEM32, 0xe0020000, 0xe0000000,
             0x20000);
}

TEST(BarDecodeTest, RomEnableBitTurnsTheRomDecodeOnAndOff) {
  Function f(kNvme);
  BarLog log;
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, VMPCI_BAR_ROM_INDEX, 0x10000,
                                     VMPCI_BAR_ROM),
            0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, VMPCI_BAR_ROM_INDEX, 0xfeb00000),
            0);
  vmpci_config_set_bar_hook(f.cfg, RecordBars, &log);
  ASSERT_EQ(f.WriteReg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY), 0);
  EXPECT_EQ(f.WriteReg(PCI_ROM_ADDRESS, 4, 0xfeb00001), 0);
  ASSERT_EQ(log.decodes.size(), 1u);
  EXPECT_TRUE(log.decodes[0].on);
  EXPECT_EQ(f.WriteReg(PCI_ROM_ADDRESS, 4, 0xfeb00000), 0);
  ASSERT_EQ(log.decodes.size(), 2u);
  EXPECT_FALSE(log.decodes[1].on);
  EXPECT_EQ(log.decodes[1].old_addr, 0xfeb00000u);
  EXPECT_TRUE(log.moves.empty());
}

TEST(BarMoveTest, Mem64ProbeOfTheUpperHalfFirstIsNotAMove) {
  BarFunction f(kNvme);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0x100000000ull), 0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0xffffffff), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xffffffff), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0x0), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0x1), 0);
  EXPECT_TRUE(f.log.moves.empty());
  EXPECT_EQ(f.Addr(0), 0x100000000ull);
}

TEST(BarMoveTest, IoMoveWaitsForIoDecode) {
  BarFunction f(kE1000e);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 2, 0xc000), 0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_2, 4, 0xd000), 0);
  EXPECT_TRUE(f.log.moves.empty());
  f.Command(PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
  ASSERT_EQ(f.log.moves.size(), 1u);
  ExpectMove(f.log.moves[0], 2, VMPCI_BAR_IO, 0xc000, 0xd000, 32);
}

TEST(BarMoveTest, AcceptedMoveCanBeUndoneWithSetAddr) {
  BarFunction f(kE1000e);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 1, 0xe0020000), 0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0xd0000000), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 1, 0xe0020000), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 0xe0020000u);
  EXPECT_EQ(f.log.moves.size(), 1u);
}

TEST(BarMoveTest, MemBarSizeProbeIgnoresAllAddressBitsSet) {
  // cloud-hypervisor configuration.rs: a 512 KiB 32-bit BAR at 0xc0000000
  // with memory decode on, probed with 0xfffffff0.
  Function f(kEdu);
  BarLog log;
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, 0, 512 << 10, VMPCI_BAR_MEM32), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0xc0000000), 0);
  vmpci_config_set_bar_hook(f.cfg, RecordBars, &log);
  ASSERT_EQ(f.WriteReg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xfffffff0), 0);
  EXPECT_TRUE(log.moves.empty());
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0xfff80000u);
  EXPECT_EQ(AcceptedAddr(f.cfg, 0), 0xc0000000u);
}

TEST(BarMoveTest, UnusedBarSizeProbeDoesNotReprogramPreviousBar) {
  // cloud-hypervisor configuration.rs: probe BAR0 and the unused BAR1,
  // restore BAR0, turn memory decode on.
  Function f(kEdu);
  BarLog log;
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, 0, 1 << 20, VMPCI_BAR_MEM32), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0xc0000000), 0);
  vmpci_config_set_bar_hook(f.cfg, RecordBars, &log);
  ASSERT_EQ(f.WriteReg(PCI_COMMAND, 2, 0), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xffffffff), 0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_1, 4, 0xffffffff), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 0u);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xc0000000), 0);
  ASSERT_EQ(f.WriteReg(PCI_COMMAND, 2, PCI_COMMAND_MEMORY), 0);
  EXPECT_TRUE(log.moves.empty());
  EXPECT_EQ(AcceptedAddr(f.cfg, 0), 0xc0000000u);
}

TEST(BarMoveTest, ProbeLeftInPlaceWhenDecodeTurnsOnIsNotAMove) {
  BarFunction f(kE1000e);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0xe0000000), 0);
  f.Command(0);
  EXPECT_EQ(f.WriteReg(PCI_BASE_ADDRESS_0, 4, 0xffffffff), 0);
  f.Command(PCI_COMMAND_MEMORY);
  EXPECT_TRUE(f.log.moves.empty());
  EXPECT_EQ(f.Addr(0), 0xe0000000u);
}

TEST(BarMoveTest, RomMoveIsReportedOnlyWhileTheRomIsEnabled) {
  Function f(kNvme);
  BarLog log;
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, VMPCI_BAR_ROM_INDEX, 0x10000,
                                     VMPCI_BAR_ROM),
            0);
  vmpci_config_set_bar_hook(f.cfg, RecordBars, &log);
  EXPECT_EQ(f.WriteReg(PCI_ROM_ADDRESS, 4, 0xfeb00000), 0);
  EXPECT_TRUE(log.moves.empty());
  EXPECT_EQ(f.WriteReg(PCI_ROM_ADDRESS, 4, 0xfeb00001), 0);
  ASSERT_EQ(log.moves.size(), 1u);
  ExpectMove(log.moves[0], VMPCI_BAR_ROM_INDEX, VMPCI_BAR_ROM, 0, 0xfeb00000,
             0x10000);
}

TEST(BarMoveTest, SetAddrProgramsTheRegisterWithoutAnEvent) {
  BarFunction f(kVirtioNetLegacy);
  f.Command(PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0xc060), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 1, 0xfe948000), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 4, 0x8000000000ull), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0x0000c061u);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 0xfe948000u);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_4, 4), 0x0000000cu);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_5, 4), 0x00000080u);
  EXPECT_TRUE(f.log.moves.empty());
  EXPECT_EQ(f.Addr(4), 0x8000000000ull);
}

TEST(BarDeclareTest, BadDeclarationsAreRefused) {
  Function f(kNvme);
  vmpci_config* c = f.cfg;
  EXPECT_EQ(vmpci_config_bar_declare(c, 0, 0x3000, VMPCI_BAR_MEM32), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 0, 2, VMPCI_BAR_IO), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 0, 8, VMPCI_BAR_MEM32), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 0, 1ull << 32, VMPCI_BAR_MEM32),
            -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 0, 0x10000, VMPCI_BAR_ROM), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 6, 0x10000, VMPCI_BAR_MEM32), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 6, 0x400, VMPCI_BAR_ROM), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 5, 0x1000, VMPCI_BAR_MEM64), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 0, 0x100,
                                     VMPCI_BAR_IO | VMPCI_BAR_PREFETCH),
            -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 0, 0x100,
                                     VMPCI_BAR_IO | VMPCI_BAR_MEM32),
            -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 0, 0x1000, 0x80), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_declare(c, 7, 0x1000, VMPCI_BAR_MEM32), -EINVAL);

  ASSERT_EQ(vmpci_config_bar_declare(c, 2, 0x1000, VMPCI_BAR_MEM32), 0);
  EXPECT_EQ(vmpci_config_bar_declare(c, 1, 0x1000, VMPCI_BAR_MEM64), -EBUSY);
  ASSERT_EQ(vmpci_config_bar_declare(c, 0, 0x4000, VMPCI_BAR_MEM64), 0);
  EXPECT_EQ(vmpci_config_bar_declare(c, 1, 0x1000, VMPCI_BAR_MEM32), -EBUSY);

  EXPECT_EQ(vmpci_config_bar_set_addr(c, 0, 0x1000), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_set_addr(c, 2, 0x100000000ull), -EINVAL);
  EXPECT_EQ(vmpci_config_bar_set_addr(c, 3, 0x1000), -EINVAL);
}

TEST(BarDeclareTest, RedeclaringA64BitBarFreesItsUpperHalf) {
  Function f(kNvme);
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, 0, 0x4000, VMPCI_BAR_MEM64), 0);
  ASSERT_EQ(vmpci_config_bar_set_addr(f.cfg, 0, 0x100000000ull), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 1u);
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, 0, 0x4000, VMPCI_BAR_MEM32), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_1, 4), 0u);
  EXPECT_EQ(vmpci_config_bar_declare(f.cfg, 1, 0x1000, VMPCI_BAR_MEM32), 0);
  ASSERT_EQ(vmpci_config_bar_declare(f.cfg, 0, 0, 0), 0);
  EXPECT_EQ(f.Read(PCI_BASE_ADDRESS_0, 4), 0u);
}

}  // namespace
}  // namespace vmpci_test
