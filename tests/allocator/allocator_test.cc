// Address-range allocator and id numberer. The cases cloud-hypervisor's
// vm-allocator tests check are here under our names, with our error codes;
// allocate-anywhere is top-down as theirs, so the expected addresses match.
#include <errno.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tests/shim/vmpci_c.h"

namespace {

struct Alloc {
	vmpci_alloc *a = nullptr;
	Alloc(uint64_t base, uint64_t size)
	{
		EXPECT_EQ(vmpci_alloc_new(base, size, &a), 0);
	}
	~Alloc() { vmpci_alloc_free(a); }
};

uint64_t Take(vmpci_alloc *a, uint64_t size, uint64_t align)
{
	uint64_t addr = 0;
	EXPECT_EQ(vmpci_alloc_take(a, size, align, &addr), 0);
	return addr;
}

TEST(AddressAllocatorTest, NewRefusesRangePastTopOfSpace)
{
	vmpci_alloc *a = nullptr;
	EXPECT_EQ(vmpci_alloc_new(UINT64_MAX, 0x100, &a), -EINVAL);
	EXPECT_EQ(a, nullptr);
}

TEST(AddressAllocatorTest, NewAcceptsRangeEndingAtTopOfSpace)
{
	Alloc al(UINT64_MAX - 0xfff, 0x1000);
	ASSERT_NE(al.a, nullptr);
	EXPECT_EQ(Take(al.a, 0x1000, 0x1000), UINT64_MAX - 0xfff);
}

TEST(AddressAllocatorTest, NewRefusesZeroSize)
{
	vmpci_alloc *a = nullptr;
	EXPECT_EQ(vmpci_alloc_new(0x1000, 0, &a), -EINVAL);
}

TEST(AddressAllocatorTest, TakeRefusesZeroAlignment)
{
	Alloc al(0x1000, 0x10000);
	uint64_t addr;
	EXPECT_EQ(vmpci_alloc_take(al.a, 0x100, 0, &addr), -EINVAL);
	EXPECT_EQ(vmpci_alloc_count(al.a), 0u);
}

TEST(AddressAllocatorTest, TakeRefusesNonPowerOfTwoAlignment)
{
	Alloc al(0x1000, 0x10000);
	uint64_t addr;
	EXPECT_EQ(vmpci_alloc_take(al.a, 0x100, 200, &addr), -EINVAL);
	EXPECT_EQ(vmpci_alloc_count(al.a), 0u);
}

TEST(AddressAllocatorTest, TakeRefusesZeroSize)
{
	Alloc al(0x1000, 0x10000);
	uint64_t addr;
	EXPECT_EQ(vmpci_alloc_take(al.a, 0, 1, &addr), -EINVAL);
}

TEST(AddressAllocatorTest, TakeFailsWhenNothingFitsAndKeepsWhatFits)
{
	Alloc al(0x1000, 0x1000);
	uint64_t addr = 0;
	EXPECT_EQ(Take(al.a, 0x800, 0x100), 0x1800u);
	EXPECT_EQ(vmpci_alloc_take(al.a, 0x900, 0x100, &addr), -ENOSPC);
	EXPECT_EQ(vmpci_alloc_count(al.a), 1u);
	EXPECT_EQ(Take(al.a, 0x400, 0x100), 0x1400u);
}

TEST(AddressAllocatorTest, TakeHonoursAlignmentFromTheTop)
{
	Alloc al(0x1000, 0x10000);
	EXPECT_EQ(Take(al.a, 0x110, 0x100), 0x10e00u);
	EXPECT_EQ(Take(al.a, 0x100, 0x100), 0x10d00u);
	EXPECT_EQ(Take(al.a, 0x10, 0x100), 0x10c00u);
}

TEST(AddressAllocatorTest, TakeUsesAnExactFitGap)
{
	Alloc al(0x0, 0x3000);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x0, 0x1000, 1), 0);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x2000, 0x1000, 1), 0);
	EXPECT_EQ(Take(al.a, 0x1000, 0x1000), 0x1000u);
	uint64_t addr;
	EXPECT_EQ(vmpci_alloc_take(al.a, 1, 1, &addr), -ENOSPC);
}

TEST(AddressAllocatorTest, TakeAtGrantsFixedRanges)
{
	Alloc al(0x1000, 0x1000);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1200, 0x800, 1), 0);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1a00, 0x100, 1), 0);
	EXPECT_EQ(vmpci_alloc_count(al.a), 2u);
}

TEST(AddressAllocatorTest, TakeAtRefusesMisalignedAddress)
{
	Alloc al(0x1000, 0x1000);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1200, 0x800, 0x100), 0);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1210, 0x100, 0x100), -EINVAL);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1b00, 0x100, 0x100), 0);
	EXPECT_EQ(vmpci_alloc_count(al.a), 2u);
}

TEST(AddressAllocatorTest, TakeAtRefusesRangeLargerThanTheGap)
{
	Alloc al(0x1000, 0x1000);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x1000, 0x800, 1), 0);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x1a00, 0x600, 1), 0);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1800, 0x800, 1), -EEXIST);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1800, 0x100, 1), 0);
}

TEST(AddressAllocatorTest, TakeAtRefusesOverlapWithTakenRange)
{
	Alloc al(0x1000, 0x1000);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x1400, 0x400, 1), 0);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1300, 0x200, 1), -EEXIST);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x17ff, 0x2, 1), -EEXIST);
	EXPECT_EQ(vmpci_alloc_count(al.a), 1u);
}

TEST(AddressAllocatorTest, TakeAtRefusesRangeOutsideTheSpace)
{
	Alloc al(0x1000, 0x1000);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x800, 0x1000, 1), -ENOSPC);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1f00, 0x200, 1), -ENOSPC);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, UINT64_MAX, 2, 1), -EINVAL);
}

TEST(AddressAllocatorTest, ReleaseThenTakeAtSameAddress)
{
	Alloc al(0x1000, 0x1000);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x1200, 0x800, 0x100), 0);
	ASSERT_EQ(vmpci_alloc_release(al.a, 0x1200, 0x800), 0);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1200, 0x800, 0x100), 0);
}

TEST(AddressAllocatorTest, ReleaseWithWrongSizeChangesNothing)
{
	Alloc al(0x1000, 0x1000);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x1200, 0x800, 0x100), 0);
	EXPECT_EQ(vmpci_alloc_release(al.a, 0x1200, 0x900), -ENOENT);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1200, 0x800, 0x100), -EEXIST);
	EXPECT_EQ(vmpci_alloc_count(al.a), 1u);
}

TEST(AddressAllocatorTest, ReleaseOfUnknownRangeIsHarmless)
{
	Alloc al(0x1000, 0x1000);
	EXPECT_EQ(vmpci_alloc_release(al.a, 0x1200, 0x100), -ENOENT);
	EXPECT_EQ(vmpci_alloc_take_at(al.a, 0x1200, 0x800, 0x100), 0);
}

TEST(AddressAllocatorTest, ReleasedNeighboursMergeIntoOneHole)
{
	Alloc al(0x0, 0x3000);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x0, 0x1000, 1), 0);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x1000, 0x1000, 1), 0);
	ASSERT_EQ(vmpci_alloc_take_at(al.a, 0x2000, 0x1000, 1), 0);
	ASSERT_EQ(vmpci_alloc_release(al.a, 0x0, 0x1000), 0);
	ASSERT_EQ(vmpci_alloc_release(al.a, 0x2000, 0x1000), 0);
	ASSERT_EQ(vmpci_alloc_release(al.a, 0x1000, 0x1000), 0);
	EXPECT_EQ(Take(al.a, 0x3000, 1), 0x0u);
}

TEST(AddressAllocatorTest, ManyRangesTakeAndReleaseConsistently)
{
	Alloc al(0x0, 1ull << 32);
	std::vector<uint64_t> addrs;
	for (int i = 0; i < 10000; i++)
		addrs.push_back(Take(al.a, 0x1000, 0x1000));
	EXPECT_EQ(vmpci_alloc_count(al.a), 10000u);
	for (size_t i = 0; i < addrs.size(); i += 2)
		ASSERT_EQ(vmpci_alloc_release(al.a, addrs[i], 0x1000), 0);
	// Every other page is free now: a two-page range must come from above
	// all of them, a one-page range from the highest freed page.
	EXPECT_EQ(Take(al.a, 0x1000, 0x1000), addrs[0]);
	uint64_t lowest = addrs.back();
	EXPECT_EQ(Take(al.a, 0x2000, 0x1000), lowest - 0x2000);
}

struct Ids {
	vmpci_idalloc *ids = nullptr;
	Ids(uint32_t first, uint32_t count)
	{
		EXPECT_EQ(vmpci_idalloc_new(first, count, &ids), 0);
	}
	~Ids() { vmpci_idalloc_free(ids); }
};

TEST(IdAllocatorTest, HandsOutExactlyItsSize)
{
	for (uint32_t size = 1; size <= 128; size++) {
		Ids n(0, size);
		uint32_t id;
		for (uint32_t i = 0; i < size; i++)
			ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
		EXPECT_EQ(vmpci_idalloc_take(n.ids, &id), -ENOSPC) << size;
	}
}

TEST(IdAllocatorTest, FirstIdIsTheOffset)
{
	Ids n(24, 100);
	uint32_t id = 0;
	ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	EXPECT_EQ(id, 24u);
}

TEST(IdAllocatorTest, TakeAllThenReleaseAllInReverse)
{
	Ids n(0, 4096);
	uint32_t id;
	for (uint32_t i = 0; i < 4096; i++) {
		ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
		ASSERT_EQ(id, i);
	}
	for (uint32_t i = 4096; i-- > 0;)
		ASSERT_EQ(vmpci_idalloc_release(n.ids, i), 0);
	ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	EXPECT_EQ(id, 0u);
}

TEST(IdAllocatorTest, ReleaseOfFreeIdFails)
{
	Ids n(0, 16);
	uint32_t id;
	EXPECT_EQ(vmpci_idalloc_release(n.ids, 3), -ENOENT);
	ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	ASSERT_EQ(vmpci_idalloc_release(n.ids, id), 0);
	EXPECT_EQ(vmpci_idalloc_release(n.ids, id), -ENOENT);
}

TEST(IdAllocatorTest, IdsOutsideTheRangeAreRefused)
{
	Ids n(24, 4072);
	EXPECT_EQ(vmpci_idalloc_release(n.ids, 23), -EINVAL);
	EXPECT_EQ(vmpci_idalloc_release(n.ids, 4096), -EINVAL);
	EXPECT_EQ(vmpci_idalloc_take_at(n.ids, 4096), -EINVAL);
	EXPECT_EQ(vmpci_idalloc_is_taken(n.ids, 4096), 0);
}

TEST(IdAllocatorTest, LowestFreeIdIsReused)
{
	Ids n(0, 8);
	uint32_t id;
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	ASSERT_EQ(vmpci_idalloc_release(n.ids, 1), 0);
	ASSERT_EQ(vmpci_idalloc_release(n.ids, 3), 0);
	ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	EXPECT_EQ(id, 1u);
	ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	EXPECT_EQ(id, 3u);
	ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	EXPECT_EQ(id, 5u);
}

TEST(IdAllocatorTest, TakeAtSkipsReservedIds)
{
	Ids n(0, 8);
	ASSERT_EQ(vmpci_idalloc_take_at(n.ids, 0), 0);
	ASSERT_EQ(vmpci_idalloc_take_at(n.ids, 2), 0);
	EXPECT_EQ(vmpci_idalloc_take_at(n.ids, 2), -EEXIST);
	uint32_t id;
	ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	EXPECT_EQ(id, 1u);
	ASSERT_EQ(vmpci_idalloc_take(n.ids, &id), 0);
	EXPECT_EQ(id, 3u);
}

// x86: legacy IRQs 5..23 under the IOAPIC and GSIs from 24 are two numberers.
TEST(IdAllocatorTest, ApicIrqsExhaustWhileGsisRemain)
{
	Ids irqs(5, 19);
	Ids gsis(24, 4096 - 24);
	uint32_t id;
	for (uint32_t i = 0; i < 19; i++) {
		ASSERT_EQ(vmpci_idalloc_take(irqs.ids, &id), 0);
		ASSERT_EQ(id, 5 + i);
	}
	EXPECT_EQ(vmpci_idalloc_take(irqs.ids, &id), -ENOSPC);
	ASSERT_EQ(vmpci_idalloc_take(gsis.ids, &id), 0);
	EXPECT_EQ(id, 24u);
}

TEST(IdAllocatorTest, ReleasedGsiIsTakenAgain)
{
	Ids gsis(24, 4096 - 24);
	uint32_t id, again;
	EXPECT_EQ(vmpci_idalloc_release(gsis.ids, 24), -ENOENT);
	ASSERT_EQ(vmpci_idalloc_take(gsis.ids, &id), 0);
	ASSERT_EQ(vmpci_idalloc_release(gsis.ids, id), 0);
	ASSERT_EQ(vmpci_idalloc_take(gsis.ids, &again), 0);
	EXPECT_EQ(again, id);
}

TEST(IdAllocatorTest, NewRefusesEmptyOrOverflowingRange)
{
	vmpci_idalloc *ids = nullptr;
	EXPECT_EQ(vmpci_idalloc_new(0, 0, &ids), -EINVAL);
	EXPECT_EQ(vmpci_idalloc_new(UINT32_MAX, 2, &ids), -EINVAL);
	EXPECT_EQ(ids, nullptr);
}

} // namespace
