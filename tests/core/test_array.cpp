#include <wb/array.h>
#include <wb/error.h>

#include <gtest/gtest.h>

namespace {

TEST(Shape, BasicsAndNegativeAxes)
{
    const wb::Shape shape{2, 3, 4};
    EXPECT_EQ(shape.ndim(), 3);
    EXPECT_EQ(shape.numel(), 24);
    EXPECT_EQ(shape[-1], 4);
    EXPECT_EQ(shape[0], 2);
    EXPECT_EQ(shape.toString(), "(2, 3, 4)");
    EXPECT_EQ(wb::Shape{5}.toString(), "(5,)");
    EXPECT_EQ(shape.with(-1, 9), (wb::Shape{2, 3, 9}));
    EXPECT_THROW(shape[3], wb::Error);
    EXPECT_THROW(shape[-4], wb::Error);
}

TEST(Shape, RefusesMoreThanFourDimensionsAndNegativeSizes)
{
    EXPECT_THROW((wb::Shape{1, 2, 3, 4, 5}), wb::Error);
    EXPECT_THROW((wb::Shape{2, -1}), wb::Error);
}

TEST(Shape, OverflowingElementCountIsAnError)
{
    const wb::Shape huge{1LL << 31, 1LL << 31, 1LL << 31};
    EXPECT_THROW(huge.numel(), wb::Error);
}

TEST(Array, HostAllocationsAreCountedAndReturned)
{
    wb::Allocator& allocator = wb::hostAllocator();
    const auto before = allocator.stats();
    {
        wb::Array a = wb::Array::emptyHost({100, 10}, wb::DType::F64);
        EXPECT_EQ(a.nbytes(), 8000u);
        const auto during = allocator.stats();
        EXPECT_EQ(during.currentBytes, before.currentBytes + 8000);
        EXPECT_GE(during.peakBytes, during.currentBytes);
        EXPECT_EQ(during.allocations, before.allocations + 1);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % 64, 0u);
    }
    EXPECT_EQ(allocator.stats().currentBytes, before.currentBytes);
}

TEST(Array, PeakCanBeReset)
{
    wb::Allocator& allocator = wb::hostAllocator();
    {
        wb::Array big = wb::Array::emptyHost({1 << 20}, wb::DType::U8);
        (void)big;
    }
    allocator.resetPeak();
    EXPECT_EQ(allocator.stats().peakBytes, allocator.stats().currentBytes);
}

TEST(Array, ReshapeSharesTheBuffer)
{
    wb::Array a = wb::Array::emptyHost({4, 6}, wb::DType::F32);
    a.data<float>()[5] = 42.0f;
    wb::Array b = a.reshape({2, 3, 4});
    EXPECT_EQ(b.data(), a.data());
    EXPECT_EQ(b.data<float>()[5], 42.0f);
    EXPECT_EQ(b.strides()[0], 12);
    EXPECT_EQ(b.strides()[2], 1);
    EXPECT_TRUE(b.isContiguous());
    EXPECT_THROW(a.reshape({5, 5}), wb::Error);
}

TEST(Array, AtIsAViewOfOneIndexOfTheFirstAxis)
{
    wb::Array a = wb::Array::emptyHost({3, 2, 4}, wb::DType::F64);
    for (int i = 0; i < 24; ++i)
        a.data<double>()[i] = i;
    const wb::Array middle = a.at(1);
    EXPECT_EQ(middle.shape(), (wb::Shape{2, 4}));
    EXPECT_EQ(middle.data<double>()[0], 8.0);
    EXPECT_EQ(middle.at(1).data<double>()[3], 15.0);
    EXPECT_EQ(middle.nbytes(), 64u);
    EXPECT_THROW(a.at(3), wb::Error);
    EXPECT_THROW(a.at(-1), wb::Error);
}

TEST(Array, DescribeNamesDTypeShapeAndPlace)
{
    wb::Array a = wb::Array::emptyHost({3, 2}, wb::DType::C64);
    EXPECT_EQ(a.describe(), "c64 (3, 2) on host");
    EXPECT_EQ(wb::Place::cuda(1).toString(), "cuda:1");
}

TEST(Array, ImpossibleAllocationIsOutOfMemory)
{
    try {
        wb::Array::emptyHost({1LL << 40, 1LL << 20}, wb::DType::F64);
        FAIL() << "allocation of 8 EiB succeeded";
    } catch (const wb::Error& error) {
        EXPECT_EQ(error.code(), wb::ErrorCode::OutOfMemory);
    }
}

} // namespace
