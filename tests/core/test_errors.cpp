#include <wb/error.h>

#include <gtest/gtest.h>

namespace {

TEST(Error, MessageCarriesTheContext)
{
    wb::ErrorContext context;
    context.op = "matmul";
    context.library = "cuBLAS";
    context.call = "cublasGemmEx(...)";
    context.nativeName = "CUBLAS_STATUS_NOT_SUPPORTED";
    context.nativeCode = 15;
    context.where = "matmul.cpp:42";
    const wb::Error error(wb::ErrorCode::CudaCallFailed, "the operation is not supported", context);
    EXPECT_EQ(error.code(), wb::ErrorCode::CudaCallFailed);
    EXPECT_EQ(error.message(), "the operation is not supported");
    EXPECT_STREQ(error.what(), "matmul: the operation is not supported [cuBLAS cublasGemmEx(...) returned "
                               "CUBLAS_STATUS_NOT_SUPPORTED (15) at matmul.cpp:42]");
}

TEST(Error, PipelineLineAndOpAreAddedByHigherLayers)
{
    const wb::Error plain(wb::ErrorCode::ShapeMismatch, "shapes do not fit");
    const wb::Error located = plain.withOp("matmul").withPipelineLine(7);
    EXPECT_STREQ(located.what(), "line 7: matmul: shapes do not fit");
    EXPECT_EQ(located.context().pipelineLine, 7);
    // An op already named is kept: the innermost layer knows best.
    EXPECT_EQ(located.withOp("other").context().op, "matmul");
}

TEST(Error, FailThrowsWithTheCode)
{
    try {
        wb::fail(wb::ErrorCode::Io, "cannot open x.png");
    } catch (const wb::Error& error) {
        EXPECT_EQ(error.code(), wb::ErrorCode::Io);
        EXPECT_EQ(wb::name(error.code()), "I/O error");
        return;
    }
    FAIL() << "fail() returned";
}

} // namespace
