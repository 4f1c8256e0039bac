#pragma once
// Shared by the emulated kernels' tests: their parameters and names, random images over
// the dtype's range, and the CPU backend's result to compare with.

#include "gpu/compare.h"

#include <wb/eager.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <tuple>

namespace wb::test {

using ImageParam = std::tuple<Shape, DType, BorderMode>;

inline std::string paramName(const ::testing::TestParamInfo<ImageParam>& param)
{
    const auto& [shape, dtype, border] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype)) + "_" + std::string(name(border));
}

inline Backend& cpu() { return Runtime::instance().cpu(); }

inline Array randomImage(const Shape& shape, DType dtype, std::uint64_t seed)
{
    Array image = Array::emptyHost(shape, dtype);
    std::mt19937_64 generator(seed);
    std::uniform_real_distribution<double> uniform(0.0, highest(dtype));
    for (std::int64_t i = 0; i < image.numel(); ++i) {
        const double value = uniform(generator);
        switch (dtype) {
        case DType::U8: image.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(value); break;
        case DType::U16: image.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(value); break;
        default: image.data<float>()[i] = static_cast<float>(value); break;
        }
    }
    return image;
}

inline Array runCpu(std::unique_ptr<UnaryOp> op, const Array& image, DType outDType)
{
    Array out = Array::emptyHost(image.shape(), outDType);
    op->run(image, out);
    return out;
}

} // namespace wb::test
