#include <gtest/gtest.h>

#include "tests/shim/vmpci_c.h"

TEST(ShimTest, HeadersCompileAsCxx) { EXPECT_EQ(VMPCI_LOG_ERROR, 0); }
