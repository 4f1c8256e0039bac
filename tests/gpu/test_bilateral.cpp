// Bilateral filter on the GPU against the CPU backend (OpenCV's bilateralFilter): u8 and f32,
// 1 and 3 channels, every border mode OpenCV can do (f32 with constant is refused), images
// of 1x1, 3x7, 1021x767 and others, radii from 1 to the limit of 31.
//
// Tolerances (wb::BilateralDesc): u8 within 1 unit (both sum in float, in different orders,
// and round once); f32 within 1e-5 of max(|expected|, 1) per element: the same tables and
// weights, float sums in a different order (and the GPU's fused multiply-adds).

#include "compare.h"

namespace wb::test {
namespace {

Array runBilateral(Backend& backend, const BilateralDesc& desc, const Array& image)
{
    Array out = backend.empty(desc.shape, desc.dtype);
    backend.prepareBilateral(desc)->run(image, out);
    return out;
}

// u8 within 1 unit; f32 within 1e-5, or 1e-8 per pixel of the window for wide ones: both
// sides sum the window in float in different orders (d = 63 measured 2.1e-5 on an H200).
double tolerance(DType dtype, int d)
{
    const double area = static_cast<double>(d) * d;
    return dtype == DType::U8 ? 1.0 : std::max(1e-5, 1e-8 * area);
}

using BilateralParam = std::tuple<Shape, DType, BorderMode>;

std::string bilateralName(const ::testing::TestParamInfo<BilateralParam>& param)
{
    const auto& [shape, dtype, border] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype)) + "_" + std::string(name(border));
}

class BilateralTest : public GpuTest, public ::testing::WithParamInterface<BilateralParam> {};

TEST_P(BilateralTest, MatchesCpu)
{
    const auto& [shape, dtype, border] = GetParam();
    const double sc = dtype == DType::U8 ? 1.0 : 1.0 / 255; // colour sigmas in the dtype's units
    struct Params {
        int d;
        double sigmaColor, sigmaSpace;
    };
    const Params params[] = {{9, 75 * sc, 75}, {5, 10 * sc, 10},  {0, 30 * sc, 2},  {4, 20 * sc, 3},
                             {1, 50 * sc, 1},  {31, 40 * sc, 15}, {63, 50 * sc, 30}};
    const Array image = random(shape, dtype, 0, dtype == DType::U8 ? 255 : 1);
    const Array device = upload(image);
    for (const Params& p : params) {
        SCOPED_TRACE("d " + std::to_string(p.d) + " sigmas " + std::to_string(p.sigmaColor) + ", " +
                     std::to_string(p.sigmaSpace));
        const BilateralDesc desc{shape, dtype, p.d, p.sigmaColor, p.sigmaSpace, border};
        if (dtype == DType::F32 && border == BorderMode::Constant) {
            EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { gpu().prepareBilateral(desc); }));
            continue;
        }
        const Array expected = runBilateral(cpu(), desc, image);
        const Array actual = download(runBilateral(gpu(), desc, device));
        EXPECT_LE(worstElementError(actual, expected), tolerance(dtype, p.d));
    }
}

INSTANTIATE_TEST_SUITE_P(
    Images, BilateralTest,
    ::testing::Combine(::testing::Values(Shape{1, 1}, Shape{3, 7}, Shape{1021, 767}, Shape{1, 1, 3}, Shape{3, 7, 3},
                                         Shape{1021, 767, 3}, Shape{130, 200}, Shape{64, 65, 3}),
                       ::testing::Values(DType::U8, DType::F32),
                       ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant)),
    bilateralName);

using BilateralGpuTest = GpuTest;

TEST_F(BilateralGpuTest, OpsWithOtherWeightsTakeTurns)
{
    // The spatial weights live in constant memory, shared by every bilateral op of a device.
    const Shape shape{97, 131, 3};
    const Array image = random(shape, DType::U8, 0, 255);
    const Array device = upload(image);
    const BilateralDesc small{shape, DType::U8, 5, 20, 2}, large{shape, DType::U8, 15, 40, 8};
    auto a = gpu().prepareBilateral(small);
    auto b = gpu().prepareBilateral(large);
    const Array expectedA = runBilateral(cpu(), small, image), expectedB = runBilateral(cpu(), large, image);
    for (int round = 0; round < 2; ++round) {
        Array outA = gpu().empty(shape, DType::U8), outB = gpu().empty(shape, DType::U8);
        a->run(device, outA);
        b->run(device, outB);
        EXPECT_LE(worstElementError(download(outA), expectedA), 1.0);
        EXPECT_LE(worstElementError(download(outB), expectedB), 1.0);
    }
}

TEST_F(BilateralGpuTest, FlatF32ImageIsCopied)
{
    Array image = Array::emptyHost(Shape{40, 50}, DType::F32);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        image.data<float>()[i] = 0.5f;
    const Array out = download(bilateral(gpu(), upload(image), 9, 0.1, 5));
    EXPECT_EQ(maxAbsDifference(out, image), 0.0);
}

TEST_F(BilateralGpuTest, RunsInPlace)
{
    for (const DType dtype : {DType::U8, DType::F32}) {
        const BilateralDesc desc{Shape{64, 48, 3}, dtype, 9, dtype == DType::U8 ? 30.0 : 0.1, 5};
        const Array image = random(desc.shape, dtype, 0, dtype == DType::U8 ? 255 : 1);
        const Array expected = runBilateral(cpu(), desc, image);
        Array device = upload(image);
        gpu().prepareBilateral(desc)->run(device, device);
        EXPECT_LE(worstElementError(download(device), expected), tolerance(dtype, desc.diameter));
    }
}

TEST_F(BilateralGpuTest, RefusesBadParametersBeforeWork)
{
    const Shape shape{16, 16};
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
        gpu().prepareBilateral(BilateralDesc{shape, DType::U16, 9, 75, 75});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] {
        gpu().prepareBilateral(BilateralDesc{Shape{16, 16, 4}, DType::U8, 9, 75, 75});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareBilateral(BilateralDesc{shape, DType::U8, 9, -1, 75});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareBilateral(BilateralDesc{shape, DType::U8, 65, 75, 75});
    }));
}

} // namespace
} // namespace wb::test
