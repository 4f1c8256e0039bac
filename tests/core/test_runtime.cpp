#include <wb/device.h>
#include <wb/error.h>

#include <gtest/gtest.h>

namespace {

TEST(Runtime, CpuInfoIsRead)
{
    const wb::CpuInfo info = wb::Runtime::instance().cpuInfo();
    EXPECT_FALSE(info.model.empty());
    EXPECT_GE(info.logicalCores, 1);
    EXPECT_GT(info.memoryBytes, 0u);
}

TEST(Runtime, CudaStatusIsEitherDevicesOrOneReason)
{
    const wb::CudaStatus& status = wb::Runtime::instance().cudaStatus();
    if (status.available) {
        EXPECT_FALSE(status.gpus.empty());
        EXPECT_GT(status.runtimeVersion, 0);
    } else {
        EXPECT_FALSE(status.reason.empty());
        EXPECT_EQ(status.reason.find('\n'), std::string::npos) << status.reason;
        try {
            wb::Runtime::instance().cuda(0);
            FAIL() << "cuda(0) succeeded without a GPU";
        } catch (const wb::Error& error) {
            EXPECT_EQ(error.code(), wb::ErrorCode::Unavailable);
            EXPECT_NE(std::string(error.what()).find(status.reason), std::string::npos);
        }
    }
}

TEST(Runtime, BackendNames)
{
    EXPECT_EQ(wb::Runtime::instance().backend("cpu").name(), "cpu");
    EXPECT_THROW(wb::Runtime::instance().backend("tpu"), wb::Error);
    EXPECT_THROW(wb::Runtime::instance().backend("cuda:x"), wb::Error);
}

} // namespace
