// The AML encoder of `vmpci run` (tools/run/aml.h): the byte encodings of
// ACPI 6.4 chapter 20 that the DSDT depends on.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/run/aml.h"

namespace {

class AmlTest : public ::testing::Test {
protected:
	void TearDown() override { run_aml_free(&a_); }

	std::vector<uint8_t> Bytes() const
	{
		EXPECT_FALSE(a_.failed);
		return std::vector<uint8_t>(a_.buf, a_.buf + a_.len);
	}

	run_aml a_ = {};
};

TEST_F(AmlTest, IntegerTakesTheSmallestEncoding)
{
	run_aml_integer(&a_, 0);
	run_aml_integer(&a_, 1);
	run_aml_integer(&a_, 0xff);
	run_aml_integer(&a_, 0x100);
	run_aml_integer(&a_, 0x10000);
	run_aml_integer(&a_, 0x100000000ull);
	EXPECT_EQ(Bytes(), (std::vector<uint8_t>{
		0x00, 0x01, 0x0a, 0xff, 0x0b, 0x00, 0x01,
		0x0c, 0x00, 0x00, 0x01, 0x00,
		0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}));
}

TEST_F(AmlTest, EisaIdCompressesPnp0A03)
{
	run_aml_eisaid(&a_, "PNP0A03");
	// The value ASL's EISAID("PNP0A03") compiles to: 0x030AD041.
	EXPECT_EQ(Bytes(), (std::vector<uint8_t>{0x0c, 0x41, 0xd0, 0x0a, 0x03}));
}

TEST_F(AmlTest, NameStringPadsSegmentsAndPrefixesPaths)
{
	run_aml_name_string(&a_, "\\_SB.PCI0");
	run_aml_name_string(&a_, "_S5");
	run_aml_name_string(&a_, "A.B.C");
	std::vector<uint8_t> b = Bytes();
	EXPECT_EQ(std::string(b.begin(), b.end()),
		  std::string("\\\x2e_SB_PCI0_S5_\x2f\x03"
			      "A___B___C___"));
}

TEST_F(AmlTest, ScopeOfSixtyTwoBytesHasAOneBytePkgLength)
{
	size_t mark = run_aml_scope(&a_, "ABCD");
	for (int i = 0; i < 58; i++)
		run_aml_u8(&a_, 0x01);
	run_aml_close(&a_, mark);
	std::vector<uint8_t> b = Bytes();
	ASSERT_EQ(b.size(), 1u + 1 + 62);
	EXPECT_EQ(b[0], 0x10);
	EXPECT_EQ(b[1], 63); // counts itself: 1 + 4 (name) + 58
}

TEST_F(AmlTest, ScopeOfSixtyThreeBytesTakesATwoBytePkgLength)
{
	size_t mark = run_aml_scope(&a_, "ABCD");
	for (int i = 0; i < 59; i++)
		run_aml_u8(&a_, 0x01);
	run_aml_close(&a_, mark);
	std::vector<uint8_t> b = Bytes();
	ASSERT_EQ(b.size(), 1u + 2 + 63);
	// 65 = 0x41: lead byte 0x40 | low nibble 1, then 65 >> 4 = 4.
	EXPECT_EQ(b[1], 0x41);
	EXPECT_EQ(b[2], 0x04);
	EXPECT_EQ(b[3], 'A');
}

TEST_F(AmlTest, BufferWritesItsSizeBeforeItsBytes)
{
	size_t mark = run_aml_buffer(&a_);
	run_aml_res_end(&a_);
	run_aml_close(&a_, mark);
	// BufferOp, PkgLength 5, BufferSize 2 (BytePrefix), end tag, checksum.
	EXPECT_EQ(Bytes(),
		  (std::vector<uint8_t>{0x11, 0x05, 0x0a, 0x02, 0x79, 0x00}));
}

TEST_F(AmlTest, PackageCountsElementsAndNestsLengths)
{
	size_t outer = run_aml_package(&a_, 1);
	size_t inner = run_aml_package(&a_, 2);
	run_aml_integer(&a_, 0);
	run_aml_integer(&a_, 0x10);
	run_aml_close(&a_, inner);
	run_aml_close(&a_, outer);
	EXPECT_EQ(Bytes(), (std::vector<uint8_t>{0x12, 0x08, 0x01, 0x12, 0x05,
						 0x02, 0x00, 0x0a, 0x10}));
}

TEST_F(AmlTest, QWordMemoryDescriptorCoversTheWindow)
{
	run_aml_res_mem64(&a_, 0x4000000000ull, 0x4000000000ull);
	std::vector<uint8_t> b = Bytes();
	ASSERT_EQ(b.size(), 3u + 43);
	EXPECT_EQ(b[0], 0x8a);
	EXPECT_EQ(b[1] | b[2] << 8, 43);
	uint64_t min = 0, max = 0, len = 0;
	for (int i = 7; i >= 0; i--) {
		min = min << 8 | b[14 + i];
		max = max << 8 | b[22 + i];
		len = len << 8 | b[38 + i];
	}
	EXPECT_EQ(min, 0x4000000000ull);
	EXPECT_EQ(max, 0x7fffffffffull);
	EXPECT_EQ(len, 0x4000000000ull);
}

} // namespace
