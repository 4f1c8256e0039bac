#include "cpu_test_util.h"

#include "core/half.h"
#include "cpu/cpu_backend.h"

#include <wb/device.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace wb::test {

namespace {

template <typename Int> Int roundSaturate(double value)
{
    if (std::isnan(value))
        return 0;
    const double r = std::nearbyint(value);
    return static_cast<Int>(std::clamp(r, static_cast<double>(std::numeric_limits<Int>::min()),
                                       static_cast<double>(std::numeric_limits<Int>::max())));
}

} // namespace

Backend& cpuBackend() { return Runtime::instance().cpu(); }

std::complex<double> complexAt(const Array& array, std::int64_t i)
{
    const void* data = array.data();
    switch (array.dtype()) {
    case DType::U8: return static_cast<const std::uint8_t*>(data)[i];
    case DType::U16: return static_cast<const std::uint16_t*>(data)[i];
    case DType::I32: return static_cast<const std::int32_t*>(data)[i];
    case DType::F16: return detail::halfToFloat(static_cast<const std::uint16_t*>(data)[i]);
    case DType::BF16: return detail::bf16ToFloat(static_cast<const std::uint16_t*>(data)[i]);
    case DType::F32: return static_cast<const float*>(data)[i];
    case DType::F64: return static_cast<const double*>(data)[i];
    case DType::C64: return static_cast<const std::complex<float>*>(data)[i];
    case DType::C128: return static_cast<const std::complex<double>*>(data)[i];
    }
    return {};
}

double realAt(const Array& array, std::int64_t i)
{
    EXPECT_FALSE(isComplex(array.dtype())) << "realAt on a complex array";
    return complexAt(array, i).real();
}

void setAt(Array& array, std::int64_t i, std::complex<double> value)
{
    void* data = array.data();
    const double re = value.real();
    switch (array.dtype()) {
    case DType::U8: static_cast<std::uint8_t*>(data)[i] = roundSaturate<std::uint8_t>(re); break;
    case DType::U16: static_cast<std::uint16_t*>(data)[i] = roundSaturate<std::uint16_t>(re); break;
    case DType::I32: static_cast<std::int32_t*>(data)[i] = roundSaturate<std::int32_t>(re); break;
    case DType::F16: static_cast<std::uint16_t*>(data)[i] = detail::floatToHalf(static_cast<float>(re)); break;
    case DType::BF16: static_cast<std::uint16_t*>(data)[i] = detail::floatToBf16(static_cast<float>(re)); break;
    case DType::F32: static_cast<float*>(data)[i] = static_cast<float>(re); break;
    case DType::F64: static_cast<double*>(data)[i] = re; break;
    case DType::C64: static_cast<std::complex<float>*>(data)[i] = std::complex<float>(value); break;
    case DType::C128: static_cast<std::complex<double>*>(data)[i] = value; break;
    }
}

Array randomArray(const Shape& shape, DType dtype, std::uint64_t seed, double low, double high)
{
    Array array = Array::emptyHost(shape, dtype);
    std::mt19937_64 engine(seed);
    std::uniform_real_distribution<double> uniform(low, high);
    for (std::int64_t i = 0; i < array.numel(); ++i) {
        const double re = uniform(engine);
        const double im = isComplex(dtype) ? uniform(engine) : 0.0;
        setAt(array, i, {re, im});
    }
    return array;
}

std::optional<std::int64_t> borderIndex(std::int64_t p, std::int64_t n, BorderMode border)
{
    if (p >= 0 && p < n)
        return p;
    switch (border) {
    case BorderMode::Constant: return std::nullopt;
    case BorderMode::Replicate: return p < 0 ? 0 : n - 1;
    case BorderMode::Reflect101:
        if (n == 1)
            return 0;
        while (p < 0 || p >= n)
            p = p < 0 ? -p : 2 * (n - 1) - p;
        return p;
    }
    return std::nullopt;
}

ErrorCode errorCodeOf(const std::function<void()>& call)
{
    try {
        call();
    } catch (const Error& error) {
        EXPECT_FALSE(error.message().empty());
        return error.code();
    } catch (const std::exception& other) {
        ADD_FAILURE() << "threw a non-wb exception: " << other.what();
        return ErrorCode::Internal;
    }
    ADD_FAILURE() << "no error was thrown";
    return ErrorCode::Internal;
}

ThreadCountScope::ThreadCountScope(int threads)
    : m_previous(cpu::threads())
{
    cpu::setThreads(threads);
}

ThreadCountScope::~ThreadCountScope() { cpu::setThreads(m_previous); }

} // namespace wb::test
