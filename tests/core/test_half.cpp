#include "core/half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace {

using wb::detail::bf16ToFloat;
using wb::detail::floatToBf16;
using wb::detail::floatToHalf;
using wb::detail::halfToFloat;

TEST(Half, KnownEncodings)
{
    EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
    EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
    EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
    EXPECT_EQ(floatToHalf(65536.0f), 0x7c00);      // overflow to infinity
    EXPECT_EQ(floatToHalf(5.9604645e-8f), 0x0001); // smallest subnormal
    EXPECT_EQ(floatToHalf(0.0f), 0x0000);
    EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
    EXPECT_EQ(floatToHalf(1.0f + 1.0f / 2048), 0x3c00); // tie rounds to even
    EXPECT_EQ(floatToHalf(1.0f + 3.0f / 2048), 0x3c02);
    EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(Half, EveryHalfRoundTripsThroughFloat)
{
    for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
        const auto h = static_cast<std::uint16_t>(bits);
        const float f = halfToFloat(h);
        if (std::isnan(f))
            continue;
        ASSERT_EQ(floatToHalf(f), h) << "half bits " << bits;
    }
}

TEST(BFloat16, KnownEncodingsAndRounding)
{
    EXPECT_EQ(floatToBf16(1.0f), 0x3f80);
    EXPECT_EQ(bf16ToFloat(0x3f80), 1.0f);
    EXPECT_EQ(floatToBf16(-3.0f), 0xc040);
    // 1 + 2^-8 lies halfway between two bf16 values and rounds to even (1.0).
    EXPECT_EQ(floatToBf16(1.0f + 1.0f / 256), 0x3f80);
    EXPECT_EQ(floatToBf16(1.0f + 3.0f / 256), 0x3f82);
    EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(std::numeric_limits<float>::quiet_NaN()))));
}

} // namespace
