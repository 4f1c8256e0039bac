// fftshift / ifftshift over every axis, as numpy.fft.fftshift(x) with axes=None.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

namespace {

using namespace wb;
using test::cpuBackend;

TEST(FftShift, NumPyExamples)
{
    // numpy.fft.fftshift([0, 1, 2, 3, 4]) == [3, 4, 0, 1, 2]; ifftshift gives [2, 3, 4, 0, 1].
    Array x = Array::emptyHost(Shape{5}, DType::I32);
    for (int i = 0; i < 5; ++i)
        test::setAt(x, i, i);
    const Array shifted = fftshift(cpuBackend(), x);
    const Array unshifted = fftshift(cpuBackend(), x, true);
    const int expectedShift[] = {3, 4, 0, 1, 2}, expectedInverse[] = {2, 3, 4, 0, 1};
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(test::realAt(shifted, i), expectedShift[i]) << i;
        EXPECT_EQ(test::realAt(unshifted, i), expectedInverse[i]) << i;
    }
}

// Element at multi-index i moves to (i_d + n_d/2) mod n_d on every axis d.
TEST(FftShift, MovesEveryAxisByHalfItsLength)
{
    for (DType dtype : {DType::U8, DType::F16, DType::F32, DType::C64, DType::C128}) {
        for (const Shape& shape :
             {Shape{8}, Shape{7}, Shape{1}, Shape{4, 5}, Shape{3, 1, 6}, Shape{2, 3, 4, 5}, Shape{5, 4, 3, 7}}) {
            SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString());
            const Array x = test::randomArray(shape, dtype, 7, 0, 200);
            const Array y = fftshift(cpuBackend(), x);
            std::array<std::int64_t, 4> dims{1, 1, 1, 1};
            const int pad = 4 - shape.ndim();
            for (int d = 0; d < shape.ndim(); ++d)
                dims[pad + d] = shape[d];
            int failures = 0;
            for (std::int64_t i = 0; i < x.numel(); ++i) {
                std::int64_t rest = i, target = 0, stride = 1;
                for (int d = 3; d >= 0; --d) {
                    const std::int64_t index = rest % dims[d];
                    rest /= dims[d];
                    target += (index + dims[d] / 2) % dims[d] * stride;
                    stride *= dims[d];
                }
                if (test::complexAt(y, target) != test::complexAt(x, i) && ++failures <= 3)
                    ADD_FAILURE() << "element " << i << " did not land at " << target;
            }
            const Array back = fftshift(cpuBackend(), y, true);
            EXPECT_EQ(std::memcmp(back.data(), x.data(), x.nbytes()), 0) << "ifftshift(fftshift(x)) != x";
        }
    }
}

TEST(FftShift, RefusesBadOperands)
{
    Backend& cpu = cpuBackend();
    EXPECT_EQ(test::errorCodeOf([&] { cpu.prepareFftShift({Shape{}, DType::F32}); }), ErrorCode::ShapeMismatch);
    auto op = cpu.prepareFftShift({Shape{4, 4}, DType::F32});
    Array x = test::randomArray(Shape{4, 4}, DType::F32, 1);
    Array wrong = Array::emptyHost(Shape{4, 4}, DType::F64);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(x, wrong); }), ErrorCode::DTypeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(x, x); }), ErrorCode::Unsupported);
}

} // namespace
