#include <wb/error.h>
#include <wb/ops.h>

#include <gtest/gtest.h>

#include <numeric>

namespace {

wb::ErrorCode codeOf(const auto& desc)
{
    try {
        desc.validate();
    } catch (const wb::Error& error) {
        return error.code();
    }
    ADD_FAILURE() << "validate() accepted the descriptor";
    return wb::ErrorCode::Internal;
}

TEST(MatmulDesc, ShapesCostAndBatches)
{
    const wb::MatmulDesc desc{{8, 3, 5}, {8, 5, 7}, wb::DType::F32, wb::Precision::TF32};
    desc.validate();
    EXPECT_EQ(desc.outputShape(), (wb::Shape{8, 3, 7}));
    EXPECT_EQ(desc.batch(), 8);
    EXPECT_DOUBLE_EQ(desc.cost().flops, 2.0 * 3 * 5 * 7 * 8);
    EXPECT_DOUBLE_EQ(desc.cost().bytes, 4.0 * 8 * (15 + 35 + 21));
}

TEST(MatmulDesc, SharedTwoDimensionalB)
{
    const wb::MatmulDesc desc{{4, 2, 3}, {3, 6}, wb::DType::F64};
    desc.validate();
    EXPECT_EQ(desc.outputShape(), (wb::Shape{4, 2, 6}));
    EXPECT_DOUBLE_EQ(desc.cost().bytes, 8.0 * (4 * 6 + 18 + 4 * 12));
}

TEST(MatmulDesc, RefusesWhatDoesNotFit)
{
    EXPECT_EQ(codeOf(wb::MatmulDesc{{3, 4}, {5, 6}, wb::DType::F32}), wb::ErrorCode::ShapeMismatch);
    EXPECT_EQ(codeOf(wb::MatmulDesc{{2, 3, 4}, {3, 4, 6}, wb::DType::F32}), wb::ErrorCode::ShapeMismatch);
    EXPECT_EQ(codeOf(wb::MatmulDesc{{4}, {4, 2}, wb::DType::F32}), wb::ErrorCode::ShapeMismatch);
    EXPECT_EQ(codeOf(wb::MatmulDesc{{3, 4}, {4, 2}, wb::DType::U8}), wb::ErrorCode::DTypeMismatch);
    EXPECT_EQ(codeOf(wb::MatmulDesc{{3, 4}, {4, 2}, wb::DType::F32, wb::Precision::FP64}),
              wb::ErrorCode::DTypeMismatch);
    EXPECT_EQ(codeOf(wb::MatmulDesc{{3, 0}, {0, 2}, wb::DType::F32}), wb::ErrorCode::ShapeMismatch);
}

TEST(Precision, ParsesAndResolves)
{
    EXPECT_EQ(wb::parsePrecision("tf32"), wb::Precision::TF32);
    EXPECT_THROW(wb::parsePrecision("fp8"), wb::Error);
    EXPECT_EQ(wb::resolve(wb::Precision::Default, wb::DType::BF16), wb::Precision::BF16);
    EXPECT_EQ(wb::dtypeFor(wb::Precision::FP16), wb::DType::F16);
}

TEST(FftDesc, OutputShapesFollowNumPy)
{
    wb::FftDesc r2c{{6, 10}, wb::DType::F32, wb::FftKind::R2C, wb::FftDirection::Forward, 2};
    r2c.validate();
    EXPECT_EQ(r2c.outputShape(), (wb::Shape{6, 6}));
    EXPECT_EQ(r2c.outputDType(), wb::DType::C64);

    wb::FftDesc c2r{{6, 6}, wb::DType::C128, wb::FftKind::C2R, wb::FftDirection::Inverse, 2, 11};
    c2r.validate();
    EXPECT_EQ(c2r.outputShape(), (wb::Shape{6, 11}));
    EXPECT_EQ(c2r.outputDType(), wb::DType::F64);
    EXPECT_EQ(c2r.transformShape(), (wb::Shape{6, 11}));

    wb::FftDesc batched{{3, 16}, wb::DType::C64, wb::FftKind::C2C, wb::FftDirection::Forward, 1};
    batched.validate();
    EXPECT_EQ(batched.batch(), 3);
    EXPECT_DOUBLE_EQ(batched.cost().flops, 3 * 5.0 * 16 * 4);
}

TEST(FftDesc, RefusesWhatDoesNotFit)
{
    EXPECT_EQ(codeOf(wb::FftDesc{{8, 8}, wb::DType::F32, wb::FftKind::C2C, wb::FftDirection::Forward, 2}),
              wb::ErrorCode::DTypeMismatch);
    EXPECT_EQ(codeOf(wb::FftDesc{{8}, wb::DType::C64, wb::FftKind::C2C, wb::FftDirection::Forward, 2}),
              wb::ErrorCode::ShapeMismatch);
    EXPECT_EQ(codeOf(wb::FftDesc{{8, 5}, wb::DType::C64, wb::FftKind::C2R, wb::FftDirection::Inverse, 2, 12}),
              wb::ErrorCode::ShapeMismatch);
    EXPECT_EQ(codeOf(wb::FftDesc{{8}, wb::DType::C64, wb::FftKind::C2C, wb::FftDirection::Forward, 3}),
              wb::ErrorCode::InvalidArgument);
}

TEST(GaussianDesc, KernelSizesFollowOpenCV)
{
    wb::GaussianDesc f32{{64, 64}, wb::DType::F32, 3.0};
    f32.validate();
    EXPECT_EQ(f32.resolvedKsizeX(), 25); // round(3*4*2+1) | 1
    wb::GaussianDesc u8{{64, 64}, wb::DType::U8, 3.0};
    EXPECT_EQ(u8.resolvedKsizeX(), 19); // round(3*3*2+1) | 1
    wb::GaussianDesc fixed{{64, 64}, wb::DType::F32, 0.0, 0.0, 5, 0};
    fixed.validate();
    EXPECT_EQ(fixed.resolvedKsizeY(), 5);
}

TEST(GaussianDesc, KernelIsNormalisedAndSymmetric)
{
    for (auto [ksize, sigma] : {std::pair{5, 0.0}, {7, 0.0}, {9, 0.0}, {19, 3.0}, {25, 3.0}}) {
        const auto k = wb::gaussianKernel(ksize, sigma);
        ASSERT_EQ(static_cast<int>(k.size()), ksize);
        EXPECT_NEAR(std::accumulate(k.begin(), k.end(), 0.0), 1.0, 1e-12);
        for (int i = 0; i < ksize / 2; ++i)
            EXPECT_DOUBLE_EQ(k[i], k[ksize - 1 - i]);
    }
    EXPECT_EQ(wb::gaussianKernel(3, 0.0), (std::vector<double>{0.25, 0.5, 0.25}));
}

TEST(GaussianDesc, RefusesBadParameters)
{
    EXPECT_EQ(codeOf(wb::GaussianDesc{{8, 8}, wb::DType::F32, 0.0}), wb::ErrorCode::InvalidArgument);
    EXPECT_EQ(codeOf(wb::GaussianDesc{{8, 8}, wb::DType::F32, -1.0}), wb::ErrorCode::InvalidArgument);
    EXPECT_EQ(codeOf(wb::GaussianDesc{{8, 8}, wb::DType::F32, 1.0, 0.0, 4, 4}), wb::ErrorCode::InvalidArgument);
    EXPECT_EQ(codeOf(wb::GaussianDesc{{8, 8}, wb::DType::F32, 40.0}), wb::ErrorCode::InvalidArgument);
    EXPECT_EQ(codeOf(wb::GaussianDesc{{8, 8}, wb::DType::F64, 1.0}), wb::ErrorCode::DTypeMismatch);
    EXPECT_EQ(codeOf(wb::GaussianDesc{{8, 8, 5}, wb::DType::F32, 1.0}), wb::ErrorCode::ShapeMismatch);
}

TEST(OtherDescs, ValidateAndShapes)
{
    wb::GrayscaleDesc gray{{4, 5, 3}, wb::DType::U8};
    gray.validate();
    EXPECT_EQ(gray.outputShape(), (wb::Shape{4, 5}));
    EXPECT_EQ(codeOf(wb::GrayscaleDesc{{4, 5}, wb::DType::U8}), wb::ErrorCode::ShapeMismatch);
    EXPECT_EQ(codeOf(wb::ConvertDesc{{4}, wb::DType::C64, wb::DType::F32}), wb::ErrorCode::DTypeMismatch);
    EXPECT_EQ(codeOf(wb::RandomDesc{{4}, wb::DType::I32}), wb::ErrorCode::DTypeMismatch);
    EXPECT_EQ(codeOf(wb::RandomDesc{{4}, wb::DType::F32, wb::Distribution::Uniform, 1, 2.0, 1.0}),
              wb::ErrorCode::InvalidArgument);
    EXPECT_EQ(wb::parseBorderMode("replicate"), wb::BorderMode::Replicate);
    EXPECT_THROW(wb::parseBorderMode("wrap"), wb::Error);
}

} // namespace
