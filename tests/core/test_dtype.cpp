#include <wb/dtype.h>
#include <wb/error.h>

#include <gtest/gtest.h>

namespace {

TEST(DType, SizesMatchNumPy)
{
    EXPECT_EQ(wb::sizeOf(wb::DType::U8), 1u);
    EXPECT_EQ(wb::sizeOf(wb::DType::U16), 2u);
    EXPECT_EQ(wb::sizeOf(wb::DType::I32), 4u);
    EXPECT_EQ(wb::sizeOf(wb::DType::F16), 2u);
    EXPECT_EQ(wb::sizeOf(wb::DType::BF16), 2u);
    EXPECT_EQ(wb::sizeOf(wb::DType::F32), 4u);
    EXPECT_EQ(wb::sizeOf(wb::DType::F64), 8u);
    EXPECT_EQ(wb::sizeOf(wb::DType::C64), 8u);
    EXPECT_EQ(wb::sizeOf(wb::DType::C128), 16u);
}

TEST(DType, NamesRoundTrip)
{
    for (wb::DType dtype : wb::kAllDTypes)
        EXPECT_EQ(wb::parseDType(wb::name(dtype)), dtype) << wb::name(dtype);
}

TEST(DType, AcceptsNumPySpellings)
{
    EXPECT_EQ(wb::parseDType("float32"), wb::DType::F32);
    EXPECT_EQ(wb::parseDType("complex128"), wb::DType::C128);
    EXPECT_EQ(wb::parseDType("uint8"), wb::DType::U8);
    EXPECT_FALSE(wb::parseDType("float128").has_value());
    EXPECT_FALSE(wb::parseDType("").has_value());
}

TEST(DType, ComplexAndRealParts)
{
    EXPECT_EQ(wb::complexOf(wb::DType::F32), wb::DType::C64);
    EXPECT_EQ(wb::complexOf(wb::DType::F64), wb::DType::C128);
    EXPECT_EQ(wb::realPart(wb::DType::C64), wb::DType::F32);
    EXPECT_EQ(wb::realPart(wb::DType::U8), wb::DType::U8);
    EXPECT_THROW(wb::complexOf(wb::DType::U8), wb::Error);
    EXPECT_TRUE(wb::isComplex(wb::DType::C128));
    EXPECT_TRUE(wb::isReal(wb::DType::BF16));
    EXPECT_FALSE(wb::isReal(wb::DType::I32));
    EXPECT_TRUE(wb::isInteger(wb::DType::U16));
}

} // namespace
