#pragma once
// Shared by the emulated kernels' tests: their parameters and names, random images over
// the dtype's range (cpu_test_util's randomArray), and the CPU backend's result to compare
// with.

#include "cpu/cpu_test_util.h"
#include "gpu/compare.h"

#include <wb/eager.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>

namespace wb::test {

using ImageParam = std::tuple<Shape, DType, BorderMode>;

inline std::string paramName(const ::testing::TestParamInfo<ImageParam>& param)
{
    const auto& [shape, dtype, border] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype)) + "_" + std::string(name(border));
}

// A random image over the dtype's range, as the GPU filter tests draw them.
inline Array randomImage(const Shape& shape, DType dtype, std::uint64_t seed)
{
    return randomArray(shape, dtype, seed, 0.0, highest(dtype));
}

inline Array runCpu(std::unique_ptr<UnaryOp> op, const Array& image, DType outDType)
{
    Array out = Array::emptyHost(image.shape(), outDType);
    op->run(image, out);
    return out;
}

} // namespace wb::test
