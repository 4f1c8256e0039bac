// Random arrays: the Philox generator's known answers, determinism across thread counts
// and shapes, ranges and moments.

#include "cpu_test_util.h"

#include "cpu/philox.h"

#include <wb/eager.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace {

using namespace wb;
using test::cpuBackend;

TEST(Philox, MatchesRandom123KnownAnswers)
{
    // Random123's kat_vectors for philox4x32 with 10 rounds.
    EXPECT_EQ(cpu::philox4x32x10({0, 0, 0, 0}, {0, 0}),
              (cpu::PhiloxCounter{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}));
    EXPECT_EQ(cpu::philox4x32x10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}),
              (cpu::PhiloxCounter{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}));
    EXPECT_EQ(cpu::philox4x32x10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, {0xa4093822u, 0x299f31d0u}),
              (cpu::PhiloxCounter{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}));
}

constexpr DType kRandomTypes[] = {DType::F16, DType::BF16, DType::F32, DType::F64};

bool sameBytes(const Array& x, const Array& y)
{
    return x.nbytes() == y.nbytes() && std::memcmp(x.data(), y.data(), x.nbytes()) == 0;
}

TEST(Random, SameSeedSameNumbersWhateverTheThreadCount)
{
    // Large enough to be split into several chunks per thread.
    const Shape shape{3, 100001};
    for (DType dtype : kRandomTypes) {
        for (Distribution distribution : {Distribution::Uniform, Distribution::Normal}) {
            SCOPED_TRACE(std::string(name(dtype)) + (distribution == Distribution::Normal ? " normal" : " uniform"));
            Array one, two, seven;
            {
                test::ThreadCountScope scope(1);
                one = random(cpuBackend(), shape, dtype, distribution, 42);
            }
            {
                test::ThreadCountScope scope(2);
                two = random(cpuBackend(), shape, dtype, distribution, 42);
            }
            {
                test::ThreadCountScope scope(7);
                seven = random(cpuBackend(), shape, dtype, distribution, 42);
            }
            EXPECT_TRUE(sameBytes(one, two));
            EXPECT_TRUE(sameBytes(one, seven));
            const Array other = random(cpuBackend(), shape, dtype, distribution, 43);
            EXPECT_FALSE(sameBytes(one, other)) << "seeds 42 and 43 gave the same numbers";
        }
    }
}

TEST(Random, ElementDependsOnlyOnSeedAndIndex)
{
    for (DType dtype : kRandomTypes) {
        SCOPED_TRACE(std::string(name(dtype)));
        const Array small = random(cpuBackend(), Shape{7}, dtype, Distribution::Normal, 9, 1.0, 2.0);
        const Array large = random(cpuBackend(), Shape{5, 11}, dtype, Distribution::Normal, 9, 1.0, 2.0);
        EXPECT_EQ(std::memcmp(small.data(), large.data(), small.nbytes()), 0);
    }
}

struct Moments {
    double mean = 0;
    double stddev = 0;
    double min = INFINITY;
    double max = -INFINITY;
};

Moments momentsOf(const Array& x)
{
    Moments m;
    double sum = 0, squares = 0;
    for (std::int64_t i = 0; i < x.numel(); ++i) {
        const double v = test::realAt(x, i);
        sum += v;
        squares += v * v;
        m.min = std::min(m.min, v);
        m.max = std::max(m.max, v);
    }
    const double n = static_cast<double>(x.numel());
    m.mean = sum / n;
    m.stddev = std::sqrt(std::max(0.0, squares / n - m.mean * m.mean));
    return m;
}

TEST(Random, UniformStaysInRangeWithTheRightMoments)
{
    const std::int64_t n = 200000;
    for (DType dtype : kRandomTypes) {
        SCOPED_TRACE(std::string(name(dtype)));
        const double low = -2.0, high = 3.0;
        const Moments m = momentsOf(random(cpuBackend(), Shape{n}, dtype, Distribution::Uniform, 5, low, high));
        EXPECT_GE(m.min, low);
        EXPECT_LT(m.max, high);
        const double width = high - low, sigma = width / std::sqrt(12.0);
        // Five standard errors, plus the rounding of the narrow types.
        const double rounding = dtype == DType::BF16 ? 0x1p-8 * high : 0x1p-11 * high;
        EXPECT_NEAR(m.mean, (low + high) / 2, 5 * sigma / std::sqrt(static_cast<double>(n)) + rounding);
        EXPECT_NEAR(m.stddev, sigma, 0.01 * sigma + rounding);
        EXPECT_LT(m.min, low + 0.001 * width);
        EXPECT_GT(m.max, high - 0.001 * width - rounding);
    }
}

TEST(Random, UniformNeverReachesTheUpperBoundAfterRounding)
{
    // Most values of [0.99, 1) round to 1 in f16 and bf16; none may come out as 1.
    for (DType dtype : kRandomTypes) {
        SCOPED_TRACE(std::string(name(dtype)));
        const Array x = random(cpuBackend(), Shape{50000}, dtype, Distribution::Uniform, 3, 0.99, 1.0);
        const Moments m = momentsOf(x);
        EXPECT_LT(m.max, 1.0);
        EXPECT_GE(m.min, 0.99);
    }
    // 0.1 is not an f16 value: the smallest one above it is the lowest allowed.
    const Moments m = momentsOf(random(cpuBackend(), Shape{50000}, DType::F16, Distribution::Uniform, 3, 0.1, 0.2));
    EXPECT_GE(m.min, 0.1);
    EXPECT_LT(m.max, 0.2);
}

TEST(Random, NormalHasTheRightMoments)
{
    const std::int64_t n = 200000;
    for (DType dtype : kRandomTypes) {
        SCOPED_TRACE(std::string(name(dtype)));
        const double mean = 1.5, stddev = 0.5;
        const Moments m = momentsOf(random(cpuBackend(), Shape{n}, dtype, Distribution::Normal, 8, mean, stddev));
        const double rounding = dtype == DType::BF16 ? 0x1p-8 * 4 : 0x1p-11 * 4;
        EXPECT_NEAR(m.mean, mean, 5 * stddev / std::sqrt(static_cast<double>(n)) + rounding);
        EXPECT_NEAR(m.stddev, stddev, 0.01 * stddev + rounding);
        // 200000 draws reach beyond 4 sigma on one side or the other, rarely beyond 6.
        EXPECT_LT(m.min, mean - 3.5 * stddev);
        EXPECT_GT(m.max, mean + 3.5 * stddev);
        EXPECT_GT(m.min, mean - 7 * stddev);
        EXPECT_LT(m.max, mean + 7 * stddev);
    }
}

TEST(Random, ZeroStddevGivesTheMean)
{
    const Moments m = momentsOf(random(cpuBackend(), Shape{100}, DType::F32, Distribution::Normal, 1, 2.5, 0.0));
    EXPECT_EQ(m.min, 2.5);
    EXPECT_EQ(m.max, 2.5);
}

TEST(Random, RefusesBadParameters)
{
    Backend& cpu = cpuBackend();
    Array i32 = Array::emptyHost(Shape{4}, DType::I32);
    EXPECT_EQ(test::errorCodeOf([&] { cpu.fillRandom({Shape{4}, DType::I32}, i32); }), ErrorCode::DTypeMismatch);
    Array f32 = Array::emptyHost(Shape{4}, DType::F32);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.fillRandom({Shape{4}, DType::F32, Distribution::Uniform, 0, 1.0, 1.0}, f32);
              }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(test::errorCodeOf([&] { cpu.fillRandom({Shape{5}, DType::F32}, f32); }), ErrorCode::ShapeMismatch);
    // No f16 value lies in [1.0001, 1.0002).
    Array f16 = Array::emptyHost(Shape{4}, DType::F16);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.fillRandom({Shape{4}, DType::F16, Distribution::Uniform, 0, 1.0001, 1.0002}, f16);
              }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.fillRandom({Shape{4}, DType::F64, Distribution::Uniform, 0, -1e308, 1e308}, f16);
              }),
              ErrorCode::DTypeMismatch);
    Array f64 = Array::emptyHost(Shape{4}, DType::F64);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.fillRandom({Shape{4}, DType::F64, Distribution::Uniform, 0, -1e308, 1e308}, f64);
              }),
              ErrorCode::InvalidArgument);
}

} // namespace
