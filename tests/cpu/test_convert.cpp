// dtype conversion: every pair, rounding, saturation and scaling.

#include "cpu_test_util.h"

#include "core/half.h"

#include <wb/eager.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace {

using namespace wb;
using test::cpuBackend;

Array fromValues(DType dtype, std::initializer_list<double> list)
{
    Array array = Array::emptyHost(Shape{static_cast<std::int64_t>(list.size())}, dtype);
    std::int64_t i = 0;
    for (double v : list)
        test::setAt(array, i++, v);
    return array;
}

TEST(Convert, EveryPairKeepsSmallIntegers)
{
    // 0..100 is exact in every dtype, so every allowed pair must carry it unchanged.
    for (DType from : kAllDTypes) {
        for (DType to : kAllDTypes) {
            if (isComplex(from) && !isComplex(to))
                continue;
            SCOPED_TRACE(std::string(name(from)) + " -> " + std::string(name(to)));
            Array x = Array::emptyHost(Shape{101}, from);
            for (int i = 0; i <= 100; ++i)
                test::setAt(x, i, {static_cast<double>(i), isComplex(from) ? -i : 0.0});
            const Array y = convert(cpuBackend(), x, to);
            ASSERT_EQ(y.dtype(), to);
            for (int i = 0; i <= 100; ++i)
                ASSERT_EQ(test::complexAt(y, i), test::complexAt(x, i)) << "element " << i;
        }
    }
}

TEST(Convert, IntegerTargetsRoundToNearestEvenAndSaturate)
{
    const Array x = fromValues(DType::F32, {-5.0, 0.4, 0.5, 1.5, 2.5, 254.6, 300.0, -0.5});
    const Array y = convert(cpuBackend(), x, DType::U8);
    const double expected[] = {0, 0, 0, 2, 2, 255, 255, 0};
    for (int i = 0; i < 8; ++i)
        EXPECT_EQ(test::realAt(y, i), expected[i]) << "element " << i;

    const Array big = fromValues(DType::F64, {3e9, -3e9, 2147483647.4, -2147483648.6, 65535.5, 70000.0});
    const Array asI32 = convert(cpuBackend(), big, DType::I32);
    EXPECT_EQ(test::realAt(asI32, 0), std::numeric_limits<std::int32_t>::max());
    EXPECT_EQ(test::realAt(asI32, 1), std::numeric_limits<std::int32_t>::min());
    EXPECT_EQ(test::realAt(asI32, 2), 2147483647.0);
    EXPECT_EQ(test::realAt(asI32, 3), -2147483648.0);
    const Array asU16 = convert(cpuBackend(), big, DType::U16);
    EXPECT_EQ(test::realAt(asU16, 4), 65535.0);
    EXPECT_EQ(test::realAt(asU16, 5), 65535.0);
    EXPECT_EQ(test::realAt(asU16, 1), 0.0);
}

TEST(Convert, NanBecomesZeroInIntegers)
{
    Array x = Array::emptyHost(Shape{1}, DType::F32);
    x.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_EQ(test::realAt(convert(cpuBackend(), x, DType::I32), 0), 0.0);
}

TEST(Convert, HalfTargetsAreRoundedOnceFromDouble)
{
    // 1 + 2^-11 + 2^-40 lies just above the half-way point between the f16 values 1 and
    // 1 + 2^-10. Going through float first would land exactly on the tie and round to 1.
    Array x = Array::emptyHost(Shape{2}, DType::F64);
    x.data<double>()[0] = 1.0 + 0x1p-11 + 0x1p-40;
    x.data<double>()[1] = 1.0 + 0x1p-8 + 0x1p-40; // likewise for bf16 (1 and 1 + 2^-7)
    const Array half = convert(cpuBackend(), x, DType::F16);
    EXPECT_EQ(half.data<std::uint16_t>()[0], 0x3c01u);
    const Array bf16 = convert(cpuBackend(), x, DType::BF16);
    EXPECT_EQ(bf16.data<std::uint16_t>()[1], 0x3f81u);
    // Ties themselves go to even.
    x.data<double>()[0] = 1.0 + 0x1p-11;
    EXPECT_EQ(convert(cpuBackend(), x, DType::F16).data<std::uint16_t>()[0], 0x3c00u);
}

TEST(Convert, ScaleAndOffset)
{
    const Array x = fromValues(DType::U8, {0, 128, 255});
    const Array y = convert(cpuBackend(), x, DType::F32, 1.0 / 255.0, -0.5);
    EXPECT_FLOAT_EQ(static_cast<float>(test::realAt(y, 0)), -0.5f);
    EXPECT_FLOAT_EQ(static_cast<float>(test::realAt(y, 1)), static_cast<float>(128.0 / 255.0 - 0.5));
    EXPECT_FLOAT_EQ(static_cast<float>(test::realAt(y, 2)), 0.5f);

    const Array back = convert(cpuBackend(), fromValues(DType::F32, {0.0, 0.5, 1.0, 1.2}), DType::U8, 255.0);
    const double expected[] = {0, 128, 255, 255};
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(test::realAt(back, i), expected[i]) << i;
}

TEST(Convert, ComplexTargets)
{
    const Array real = fromValues(DType::F64, {1.5, -2.0});
    const Array z = convert(cpuBackend(), real, DType::C64, 2.0, 1.0);
    EXPECT_EQ(test::complexAt(z, 0), std::complex<double>(4.0, 0.0));
    EXPECT_EQ(test::complexAt(z, 1), std::complex<double>(-3.0, 0.0));

    Array c = Array::emptyHost(Shape{1}, DType::C64);
    test::setAt(c, 0, {1.0, -3.0});
    const Array wide = convert(cpuBackend(), c, DType::C128, 2.0, 0.5);
    EXPECT_EQ(test::complexAt(wide, 0), std::complex<double>(2.5, -6.0));
}

TEST(Convert, LargeArraysAreConvertedWholeWithAnyThreadCount)
{
    const Array x = test::randomArray(Shape{3, 100003}, DType::F64, 5, -10, 300);
    Array one, two;
    {
        test::ThreadCountScope scope(1);
        one = convert(cpuBackend(), x, DType::U8, 1.0, 0.25);
    }
    {
        test::ThreadCountScope scope(2);
        two = convert(cpuBackend(), x, DType::U8, 1.0, 0.25);
    }
    for (std::int64_t i = 0; i < x.numel(); ++i) {
        const double expected = std::clamp(std::nearbyint(test::realAt(x, i) + 0.25), 0.0, 255.0);
        ASSERT_EQ(test::realAt(one, i), expected) << "element " << i;
    }
    EXPECT_EQ(std::memcmp(one.data(), two.data(), one.nbytes()), 0);
}

TEST(Convert, RefusesComplexToRealAndBadOperands)
{
    Backend& cpu = cpuBackend();
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareConvert({Shape{2}, DType::C64, DType::F32});
              }),
              ErrorCode::DTypeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareConvert({Shape{2}, DType::F32, DType::F64, std::numeric_limits<double>::infinity()});
              }),
              ErrorCode::InvalidArgument);
    auto op = cpu.prepareConvert({Shape{4}, DType::F32, DType::F64});
    Array in = Array::emptyHost(Shape{4}, DType::F32);
    Array out = Array::emptyHost(Shape{4}, DType::F32);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(in, out); }), ErrorCode::DTypeMismatch);
}

} // namespace
