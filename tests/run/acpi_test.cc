// The ACPI tables `vmpci run` writes (tools/run/acpi.c), read back from
// guest RAM the way Linux finds them: RSDP -> XSDT -> FADT/MADT/MCFG, FADT
// -> DSDT. Needs no KVM: the machine's RAM exists before the KVM VM.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tools/run/acpi.h"

namespace {

uint64_t Le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint8_t Sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;
	while (len--)
		s = static_cast<uint8_t>(s + *p++);
	return s;
}

class AcpiTest : public ::testing::Test {
protected:
	void SetUp() override
	{
		ASSERT_EQ(run_vm_new(64 << 20, &vm_), 0);
		ASSERT_EQ(run_acpi_write(vm_, 2, &rsdp_), 0);
	}
	void TearDown() override { run_vm_free(vm_); }

	const uint8_t *At(uint64_t gpa, uint64_t len)
	{
		return static_cast<const uint8_t *>(run_guest_ptr(vm_, gpa, len));
	}

	// The table the XSDT lists with this signature, checked whole.
	const uint8_t *Table(const char *sig)
	{
		const uint8_t *xsdt = At(Le(At(rsdp_, 36) + 24, 8), 36);
		uint32_t len = static_cast<uint32_t>(Le(xsdt + 4, 4));
		for (uint32_t off = 36; off + 8 <= len; off += 8) {
			const uint8_t *t = At(Le(xsdt + off, 8), 36);
			if (t && !memcmp(t, sig, 4))
				return At(Le(xsdt + off, 8), Le(t + 4, 4));
		}
		return nullptr;
	}

	run_vm *vm_ = nullptr;
	uint64_t rsdp_ = 0;
};

TEST_F(AcpiTest, RsdpIsWhereTheLegacyScanLooksWithBothChecksums)
{
	const uint8_t *r = At(rsdp_, 36);
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(rsdp_ % 16, 0u);
	EXPECT_GE(rsdp_, 0xe0000u);
	EXPECT_LT(rsdp_, 0x100000u);
	EXPECT_EQ(std::string(reinterpret_cast<const char *>(r), 8),
		  "RSD PTR ");
	EXPECT_EQ(r[15], 2); // revision: XSDT present
	EXPECT_EQ(Sum(r, 20), 0);
	EXPECT_EQ(Sum(r, 36), 0);
}

TEST_F(AcpiTest, EveryTableTheXsdtListsHasAValidChecksum)
{
	for (const char *sig : {"FACP", "APIC", "MCFG"}) {
		const uint8_t *t = Table(sig);
		ASSERT_NE(t, nullptr) << sig;
		EXPECT_EQ(Sum(t, Le(t + 4, 4)), 0) << sig;
	}
}

TEST_F(AcpiTest, FadtPointsAtTheDsdtAndThePowerRegisters)
{
	const uint8_t *f = Table("FACP");
	ASSERT_NE(f, nullptr);
	ASSERT_EQ(Le(f + 4, 4), 276u); // revision 6 length
	EXPECT_EQ(Le(f + 40, 4), Le(f + 140, 8)); // DSDT == X_DSDT
	EXPECT_EQ(Le(f + 46, 2), 9u);		  // SCI_INT
	EXPECT_EQ(Le(f + 56, 4), 0x600u);	  // PM1a_EVT_BLK
	EXPECT_EQ(Le(f + 64, 4), 0x604u);	  // PM1a_CNT_BLK
	EXPECT_EQ(f[88], 4);			  // PM1_EVT_LEN
	EXPECT_EQ(f[89], 2);			  // PM1_CNT_LEN
	EXPECT_TRUE(Le(f + 112, 4) & (1u << 10)); // RESET_REG_SUP
	EXPECT_EQ(f[116], 1);			  // RESET_REG in system I/O
	EXPECT_EQ(Le(f + 120, 8), 0xcf9u);
	EXPECT_EQ(f[128], 6);			  // RESET_VALUE
	EXPECT_EQ(Le(f + 172 + 4, 8), 0x604u);	  // X_PM1a_CNT_BLK address

	const uint8_t *d = At(Le(f + 140, 8), 36);
	ASSERT_NE(d, nullptr);
	EXPECT_EQ(std::string(reinterpret_cast<const char *>(d), 4), "DSDT");
	EXPECT_EQ(Sum(At(Le(f + 140, 8), Le(d + 4, 4)), Le(d + 4, 4)), 0);
}

TEST_F(AcpiTest, MadtHasOneLapicPerCpuTheIoapicAndBothOverrides)
{
	const uint8_t *m = Table("APIC");
	ASSERT_NE(m, nullptr);
	EXPECT_EQ(Le(m + 36, 4), 0xfee00000u);
	int lapics = 0, ioapics = 0, overrides = 0;
	for (uint32_t off = 44; off + 2 <= Le(m + 4, 4); off += m[off + 1]) {
		ASSERT_GT(m[off + 1], 0);
		switch (m[off]) {
		case 0: // processor LAPIC: UID, APIC id, enabled
			EXPECT_EQ(m[off + 3], lapics);
			EXPECT_EQ(Le(m + off + 4, 4), 1u);
			lapics++;
			break;
		case 1:
			EXPECT_EQ(Le(m + off + 4, 4), 0xfec00000u);
			EXPECT_EQ(Le(m + off + 8, 4), 0u); // GSI base
			ioapics++;
			break;
		case 2: // IRQ0 -> GSI 2; SCI 9 -> 9 level, active low
			if (m[off + 3] == 0)
				EXPECT_EQ(Le(m + off + 4, 4), 2u);
			else
				EXPECT_EQ(Le(m + off + 8, 2), 0x000fu);
			overrides++;
			break;
		}
	}
	EXPECT_EQ(lapics, 2);
	EXPECT_EQ(ioapics, 1);
	EXPECT_EQ(overrides, 2);
}

TEST_F(AcpiTest, McfgDescribesTheEcamOfBusZero)
{
	const uint8_t *m = Table("MCFG");
	ASSERT_NE(m, nullptr);
	ASSERT_EQ(Le(m + 4, 4), 36u + 8 + 16);
	EXPECT_EQ(Le(m + 44, 8), RUN_ECAM_BASE);
	EXPECT_EQ(Le(m + 52, 2), 0u); // segment
	EXPECT_EQ(m[54], 0);	      // first bus
	EXPECT_EQ(m[55], 0);	      // last bus
}

TEST(RunIntxGsiTest, SwizzlesSlotAndPinOverGsis16To23)
{
	EXPECT_EQ(run_intx_gsi(1, 0), 17u);
	EXPECT_EQ(run_intx_gsi(1, 3), 20u);
	EXPECT_EQ(run_intx_gsi(7, 1), 16u);
	EXPECT_EQ(run_intx_gsi(31, 3), 18u);
}

} // namespace
