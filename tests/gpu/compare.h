#pragma once
// Shared by the GPU tests: a fixture that skips, naming the reason, where there is no GPU;
// fresh random host arrays; and the comparison of a GPU result with the CPU backend's.
//
// Every GPU op is checked against the CPU backend on the same random input. The data
// differ from run to run; each failure names the seed, and WB_TEST_SEED=<seed> repeats it.

#include "core/half.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/error.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

// How GoogleTest prints parameters (in failure messages and CTest names).
namespace wb {
inline void PrintTo(DType dtype, std::ostream* out) { *out << name(dtype); }
inline void PrintTo(Precision precision, std::ostream* out) { *out << name(precision); }
inline void PrintTo(BorderMode border, std::ostream* out) { *out << name(border); }
inline void PrintTo(const Shape& shape, std::ostream* out) { *out << shape.toString(); }
} // namespace wb

namespace wb::test {

// One seed per process: WB_TEST_SEED when set, otherwise a fresh one.
inline std::uint64_t processSeed()
{
    static const std::uint64_t seed = [] {
        if (const char* text = std::getenv("WB_TEST_SEED"); text && *text)
            return static_cast<std::uint64_t>(std::strtoull(text, nullptr, 10));
        std::random_device device;
        return (static_cast<std::uint64_t>(device()) << 32) ^ device();
    }();
    return seed;
}

class GpuTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        const CudaStatus& status = Runtime::instance().cudaStatus();
        if (!status.available)
            GTEST_SKIP() << "no GPU: " << status.reason;
        // Each test draws its own data from the process seed and its name.
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        m_generator.seed(processSeed() ^
                         std::hash<std::string>{}(std::string(info->test_suite_name()) + "." + info->name()));
    }

    static Backend& gpu() { return Runtime::instance().cuda(0); }
    static Backend& cpu() { return Runtime::instance().cpu(); }
    static Array upload(const Array& host) { return toBackend(gpu(), host); }
    static Array download(const Array& device) { return toHost(gpu(), device); }

    // A host array with values uniform in [low, high) (both parts of complex values);
    // integer dtypes get whole numbers in [low, high] clipped to their range.
    Array random(const Shape& shape, DType dtype, double low = -1.0, double high = 1.0)
    {
        Array array = Array::emptyHost(shape, dtype);
        const std::int64_t n = array.numel();
        std::uniform_real_distribution<double> real(low, high);
        auto integer = [&](double lowest, double highest) {
            std::uniform_int_distribution<std::int64_t> pick(
                static_cast<std::int64_t>(std::ceil(std::max(low, lowest))),
                static_cast<std::int64_t>(std::floor(std::min(high, highest))));
            return pick(m_generator);
        };
        for (std::int64_t i = 0; i < n; ++i) {
            switch (dtype) {
            case DType::U8: array.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(integer(0, 255)); break;
            case DType::U16: array.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(integer(0, 65535)); break;
            case DType::I32:
                array.data<std::int32_t>()[i] = static_cast<std::int32_t>(integer(-2147483648.0, 2147483647.0));
                break;
            case DType::F16:
                array.data<std::uint16_t>()[i] = detail::floatToHalf(static_cast<float>(real(m_generator)));
                break;
            case DType::BF16:
                array.data<std::uint16_t>()[i] = detail::floatToBf16(static_cast<float>(real(m_generator)));
                break;
            case DType::F32: array.data<float>()[i] = static_cast<float>(real(m_generator)); break;
            case DType::F64: array.data<double>()[i] = real(m_generator); break;
            case DType::C64:
                array.data<float>()[2 * i] = static_cast<float>(real(m_generator));
                array.data<float>()[2 * i + 1] = static_cast<float>(real(m_generator));
                break;
            case DType::C128:
                array.data<double>()[2 * i] = real(m_generator);
                array.data<double>()[2 * i + 1] = real(m_generator);
                break;
            }
        }
        return array;
    }

private:
    std::mt19937_64 m_generator;
    ::testing::ScopedTrace m_trace{__FILE__, __LINE__,
                                   std::string("random data from WB_TEST_SEED=") + std::to_string(processSeed())};
};

// The values of a host array as doubles; complex values as (re, im) pairs.
inline std::vector<double> values(const Array& host)
{
    const std::int64_t n = host.numel() * (isComplex(host.dtype()) ? 2 : 1);
    std::vector<double> out(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        double& v = out[static_cast<std::size_t>(i)];
        switch (host.dtype()) {
        case DType::U8: v = host.data<std::uint8_t>()[i]; break;
        case DType::U16: v = host.data<std::uint16_t>()[i]; break;
        case DType::I32: v = host.data<std::int32_t>()[i]; break;
        case DType::F16: v = detail::halfToFloat(host.data<std::uint16_t>()[i]); break;
        case DType::BF16: v = detail::bf16ToFloat(host.data<std::uint16_t>()[i]); break;
        case DType::F32:
        case DType::C64: v = host.data<float>()[i]; break;
        case DType::F64:
        case DType::C128: v = host.data<double>()[i]; break;
        }
    }
    return out;
}

// The values of a result and its reference, host arrays of one shape and dtype.
inline std::pair<std::vector<double>, std::vector<double>> bothValues(const Array& result, const Array& reference)
{
    EXPECT_EQ(result.shape(), reference.shape());
    EXPECT_EQ(result.dtype(), reference.dtype());
    return {values(result), values(reference)};
}

// ||result − reference|| / ||reference|| in the 2-norm over all elements (the absolute
// error when the reference is all zeros).
inline double relativeError(const Array& result, const Array& reference)
{
    const auto [r, e] = bothValues(result, reference);
    if (r.size() != e.size())
        return INFINITY;
    double difference = 0, norm = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
        // Equal values, the same infinity included (an i32 beyond f16's range), agree exactly;
        // an infinity on one side only, or a NaN, still makes the error infinite or NaN.
        if (std::isfinite(e[i]))
            norm += e[i] * e[i];
        if (r[i] != e[i])
            difference += (r[i] - e[i]) * (r[i] - e[i]);
    }
    return norm > 0 ? std::sqrt(difference / norm) : std::sqrt(difference);
}

inline double maxAbsDifference(const Array& result, const Array& reference)
{
    const auto [r, e] = bothValues(result, reference);
    if (r.size() != e.size())
        return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < r.size(); ++i)
        worst = std::max(worst, std::fabs(r[i] - e[i]));
    return worst;
}

// The largest |result − reference| over the elements, in units for integer dtypes and relative
// to max(|reference|, 1) for real ones: the image filters' tolerances. Infinite for a NaN.
inline double worstElementError(const Array& result, const Array& reference)
{
    const auto [r, e] = bothValues(result, reference);
    if (r.size() != e.size())
        return INFINITY;
    const bool real = isReal(result.dtype());
    double worst = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
        const double error = std::fabs(r[i] - e[i]) / (real ? std::max(std::fabs(e[i]), 1.0) : 1.0);
        worst = std::max(worst, std::isnan(error) ? INFINITY : error);
    }
    return worst;
}

// The image filters' random inputs span the dtype's range: 255, 65535, or [0, 1) for f32.
inline double highest(DType dtype) { return dtype == DType::U8 ? 255 : dtype == DType::U16 ? 65535 : 1; }

// Runs a prepared unary op into a fresh array of the given shape and dtype on its backend.
inline Array runUnary(Backend& backend, std::unique_ptr<UnaryOp> op, const Shape& shape, DType dtype,
                      const Array& image)
{
    Array out = backend.empty(shape, dtype);
    op->run(image, out);
    return out;
}

// Succeeds when `call` throws wb::Error with `code`: EXPECT_TRUE(throwsCode(code, [&] {...})).
template <typename Call>::testing::AssertionResult throwsCode(ErrorCode code, Call&& call)
{
    try {
        call();
    } catch (const Error& error) {
        if (error.code() == code)
            return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure()
               << "expected " << name(code) << ", got " << name(error.code()) << ": " << error.what();
    }
    return ::testing::AssertionFailure() << "expected " << name(code) << ", nothing was thrown";
}

// Readable parameter names for parameterised tests: "129x257" for (129, 257).
inline std::string shapeName(const Shape& shape)
{
    std::string text;
    for (int axis = 0; axis < shape.ndim(); ++axis) {
        if (axis)
            text += 'x';
        text += std::to_string(shape[axis]);
    }
    return text;
}

} // namespace wb::test
