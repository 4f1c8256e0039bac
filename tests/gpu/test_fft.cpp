// FFTs on cuFFT against FFTW (1-D and 2-D, C2C both ways, R2C, C2R, odd and batched
// sizes, single and double precision), and fftshift against the CPU backend.

#include "compare.h"

namespace wb::test {
namespace {

struct FftCase {
    Shape shape; // the input shape
    FftKind kind;
    FftDirection direction;
    int rank;
    std::int64_t lastAxisOut = 0; // C2R only
};

void PrintTo(const FftCase& c, std::ostream* out)
{
    *out << c.shape.toString()
         << (c.kind == FftKind::C2C   ? " C2C "
             : c.kind == FftKind::R2C ? " R2C "
                                      : " C2R ")
         << (c.direction == FftDirection::Forward ? "forward" : "inverse") << " rank " << c.rank;
}

std::string caseName(const FftCase& c, DType dtype)
{
    const char* kind = c.kind == FftKind::C2C   ? (c.direction == FftDirection::Forward ? "c2c" : "c2cinv")
                       : c.kind == FftKind::R2C ? "r2c"
                                                : "c2r";
    // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + string.
    std::string text = kind;
    text += "_rank";
    text += std::to_string(c.rank);
    text += '_';
    text += shapeName(c.shape);
    if (c.lastAxisOut) {
        text += "_to";
        text += std::to_string(c.lastAxisOut);
    }
    text += '_';
    text += name(dtype);
    return text;
}

// FFT round-off grows like log2(N) times the format's epsilon; these leave a wide margin.
double tolerance(DType dtype) { return realPart(dtype) == DType::F64 ? 1e-12 : 1e-5; }

class FftTest : public GpuTest, public ::testing::WithParamInterface<std::tuple<FftCase, bool>> {
protected:
    // Input for a case: random complex data for C2C, random real data for R2C, and for C2R
    // the (Hermitian) spectrum of random real data, computed on the CPU, since the two
    // libraries may treat a spectrum that no real signal has differently.
    Array input(const FftCase& c, bool f64)
    {
        const DType real = f64 ? DType::F64 : DType::F32;
        switch (c.kind) {
        case FftKind::C2C: return random(c.shape, complexOf(real));
        case FftKind::R2C: return random(c.shape, real);
        case FftKind::C2R: break;
        }
        const std::int64_t n = c.lastAxisOut ? c.lastAxisOut : 2 * (c.shape[-1] - 1);
        const Array signal = random(c.shape.with(-1, n), real);
        return fft(cpu(), signal, FftKind::R2C, FftDirection::Forward, c.rank);
    }
};

TEST_P(FftTest, MatchesCpu)
{
    const auto& [c, f64] = GetParam();
    const Array x = input(c, f64);
    ASSERT_EQ(x.shape(), c.shape);
    const Array expected = fft(cpu(), x, c.kind, c.direction, c.rank, c.lastAxisOut);
    const Array deviceInput = upload(x);
    const Array actual = download(fft(gpu(), deviceInput, c.kind, c.direction, c.rank, c.lastAxisOut));
    EXPECT_LE(relativeError(actual, expected), tolerance(x.dtype()));
    // cuFFT's C2R overwrites its input; the op must not.
    EXPECT_EQ(maxAbsDifference(download(deviceInput), x), 0.0);
}

std::string fftName(const ::testing::TestParamInfo<FftTest::ParamType>& param)
{
    const auto& [c, f64] = param.param;
    const DType real = f64 ? DType::F64 : DType::F32;
    return caseName(c, c.kind == FftKind::R2C ? real : complexOf(real));
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, FftTest,
    ::testing::Combine(::testing::Values(FftCase{Shape{1}, FftKind::C2C, FftDirection::Forward, 1},
                                         FftCase{Shape{7}, FftKind::C2C, FftDirection::Forward, 1},
                                         FftCase{Shape{64}, FftKind::C2C, FftDirection::Inverse, 1},
                                         FftCase{Shape{3, 1000}, FftKind::C2C, FftDirection::Forward, 1},
                                         FftCase{Shape{4, 97}, FftKind::C2C, FftDirection::Inverse, 1},
                                         FftCase{Shape{17, 33}, FftKind::C2C, FftDirection::Forward, 2},
                                         FftCase{Shape{2, 9, 16}, FftKind::C2C, FftDirection::Inverse, 2},
                                         FftCase{Shape{5, 1}, FftKind::C2C, FftDirection::Forward, 2},
                                         FftCase{Shape{15}, FftKind::R2C, FftDirection::Forward, 1},
                                         FftCase{Shape{4, 16}, FftKind::R2C, FftDirection::Forward, 1},
                                         FftCase{Shape{9, 14}, FftKind::R2C, FftDirection::Forward, 2},
                                         FftCase{Shape{3, 7, 11}, FftKind::R2C, FftDirection::Forward, 2},
                                         FftCase{Shape{8}, FftKind::C2R, FftDirection::Inverse, 1, 15},
                                         FftCase{Shape{5, 9}, FftKind::C2R, FftDirection::Inverse, 1},
                                         FftCase{Shape{9, 8}, FftKind::C2R, FftDirection::Inverse, 2},
                                         FftCase{Shape{3, 7, 6}, FftKind::C2R, FftDirection::Inverse, 2, 11}),
                       ::testing::Bool()),
    fftName);

using FftErrorTest = GpuTest;

TEST_F(FftErrorTest, RefusesRealInputToComplexTransform)
{
    const Array x = upload(random(Shape{16}, DType::F32));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { fft(gpu(), x, FftKind::C2C, FftDirection::Forward, 1); }));
}

TEST_F(FftErrorTest, PreparingTheSameTransformAgainReusesItsPlan)
{
    const FftDesc forward{Shape{3, 96, 80}, DType::C64, FftKind::C2C, FftDirection::Forward, 2};
    const auto first = gpu().prepareFft(forward);
    const std::uint64_t before = gpu().allocator().stats().allocations;
    FftDesc inverse = forward;
    inverse.direction = FftDirection::Inverse;
    const auto second = gpu().prepareFft(inverse); // the direction is not part of the plan
    EXPECT_EQ(gpu().allocator().stats().allocations, before) << "a second plan and work area were made";

    // Both ops still run, and an inverse after a forward gives the input back.
    const Array input =
        upload(wb::convert(cpu(), wb::random(cpu(), forward.input, DType::F32, Distribution::Uniform, 6), DType::C64));
    Array spectrum = gpu().empty(forward.input, DType::C64);
    Array back = gpu().empty(forward.input, DType::C64);
    first->run(input, spectrum);
    second->run(spectrum, back);
    EXPECT_LT(relativeError(download(back), download(input)), 1e-5);
}

TEST_F(FftErrorTest, PreparedOpRefusesOtherShapes)
{
    auto op = gpu().prepareFft(FftDesc{Shape{4, 8}, DType::C64, FftKind::C2C, FftDirection::Forward, 2});
    const Array wrong = upload(random(Shape{8, 4}, DType::C64));
    Array out = gpu().empty(Shape{4, 8}, DType::C64);
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] { op->run(wrong, out); }));
    gpu().synchronize();
}

// ---- fftshift ---------------------------------------------------------------------------

class FftShiftTest : public GpuTest, public ::testing::WithParamInterface<std::tuple<Shape, DType, bool>> {};

TEST_P(FftShiftTest, MatchesCpuExactly)
{
    const auto& [shape, dtype, inverse] = GetParam();
    const Array x = random(shape, dtype, -100, 100);
    const Array expected = fftshift(cpu(), x, inverse);
    const Array actual = download(fftshift(gpu(), upload(x), inverse));
    EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
}

std::string shiftName(const ::testing::TestParamInfo<FftShiftTest::ParamType>& param)
{
    const auto& [shape, dtype, inverse] = param.param;
    return std::string(inverse ? "ifftshift_" : "fftshift_") + shapeName(shape) + "_" + std::string(name(dtype));
}

INSTANTIATE_TEST_SUITE_P(Shapes, FftShiftTest,
                         ::testing::Combine(::testing::Values(Shape{1}, Shape{7}, Shape{8}, Shape{5, 6}, Shape{3, 4, 5},
                                                              Shape{2, 3, 4, 5}, Shape{9, 1, 7, 300}),
                                            ::testing::Values(DType::U8, DType::F16, DType::F32, DType::C64,
                                                              DType::C128),
                                            ::testing::Bool()),
                         shiftName);

TEST_F(FftErrorTest, FftShiftRefusesToRunInPlace)
{
    Array x = upload(random(Shape{6, 6}, DType::F32));
    auto op = gpu().prepareFftShift(FftShiftDesc{x.shape(), DType::F32});
    EXPECT_TRUE(throwsCode(ErrorCode::Unsupported, [&] { op->run(x, x); }));
}

} // namespace
} // namespace wb::test
