#pragma once
// Shared by the emulated kernels' tests: their parameters and names, random images over
// the dtype's range (cpu_test_util's randomArray), and the CPU backend's result to compare
// with.

#include "cpu/cpu_test_util.h"
#include "gpu/compare.h"
#include "gpu/derivative_cases.h"

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

// Every derivative case of the GPU tests and the Laplacians against OpenCV, within their
// tolerance (and exactly for u8 sums); emulate(filters, image, border) is the kernel's.
template <typename Emulate>
void expectDerivativesMatch(const Shape& shape, DType dtype, BorderMode border, const Array& image, Emulate emulate)
{
    for (const DerivativeDesc& desc : derivativeCases(shape, dtype, border)) {
        SCOPED_TRACE(caseText(desc));
        const Array expected = runCpu(cpuBackend().prepareDerivative(desc), image, DType::F32);
        const Array actual = emulate(derivativeFilters(desc), image, border);
        EXPECT_LE(errorInTolerances(actual, expected, derivativeFilters(desc), highest(dtype)), 1.0);
        if (dtype == DType::U8 && desc.scale == 1 && !desc.magnitude) {
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0) << "u8 sums are exact in float";
        }
    }
    for (const int ksize : {1, 3, 7}) {
        SCOPED_TRACE("laplacian ksize " + std::to_string(ksize));
        const LaplacianDesc desc{shape, dtype, ksize, 1.0, 0.0, border};
        const Array expected = runCpu(cpuBackend().prepareLaplacian(desc), image, DType::F32);
        const Array actual = emulate(derivativeFilters(desc), image, border);
        EXPECT_LE(errorInTolerances(actual, expected, derivativeFilters(desc), highest(dtype)), 1.0);
    }
}

} // namespace wb::test
