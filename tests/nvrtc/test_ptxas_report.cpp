// ptxas's resource report through NVRTC: registers, shared memory, stack, spills and
// barriers per kernel, C++ names demangled, from a real compile and from a log with what
// real compiles rarely show here (spills).

#include "cuda/nvrtc_compiler.h"
#include "cuda/ptxas_report.h"

#include <gtest/gtest.h>

#include <string>

namespace wb::cuda {
namespace {

TEST(PtxasReport, ARealCompileReportsEveryKernel)
{
    CompileRequest request;
    request.programName = "two.cu";
    request.arch = "sm_90";
    request.options = {"--ptxas-options=-v"};
    request.source = R"(
extern "C" __global__ void reverse(float* x)
{
    __shared__ float tile[256];
    tile[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    x[threadIdx.x] = tile[255 - threadIdx.x];
}
template <typename T> __global__ void fill(T* x, T value) { x[threadIdx.x] = value; }
template __global__ void fill<double>(double*, double);
)";
    const CompileResult result = compile(request);
    ASSERT_TRUE(result.success) << result.log;
    const std::vector<KernelResources> kernels = parsePtxasReport(result.log);
    ASSERT_EQ(kernels.size(), 2u) << result.log;
    const auto find = [&](const std::string& name) {
        for (const KernelResources& kernel : kernels)
            if (kernel.name == name)
                return kernel;
        ADD_FAILURE() << name << " not in\n" << result.log;
        return KernelResources{};
    };
    const KernelResources reverse = find("reverse");
    EXPECT_EQ(reverse.mangledName, "reverse");
    EXPECT_TRUE(reverse.reported);
    EXPECT_EQ(reverse.sharedBytes, 1024);
    EXPECT_EQ(reverse.barriers, 1);
    EXPECT_GT(reverse.registers, 0);
    EXPECT_EQ(reverse.spillStoreBytes, 0);
    const KernelResources fill = find("void fill<double>(double*, double)");
    EXPECT_EQ(fill.mangledName, "_Z4fillIdEvPT_S0_");
    EXPECT_EQ(fill.sharedBytes, 0);
    EXPECT_EQ(fill.barriers, 0);
}

TEST(PtxasReport, SpillsStackAndOtherLinesAreRead)
{
    const std::string log = "ptxas warning : For profile sm_90 adjusting per thread register count of 16 to lower "
                            "bound of 24\n"
                            "ptxas info    : 0 bytes gmem\n"
                            "ptxas info    : Compiling entry function '_Z5heavyPf' for 'sm_90'\n"
                            "ptxas info    : Function properties for _Z5heavyPf\n"
                            "ptxas         .     48 bytes stack frame, 40 bytes spill stores, 36 bytes spill loads\n"
                            "ptxas info    : Used 24 registers, used 2 barriers, 4096 bytes smem, 360 bytes cmem[0]\n"
                            "ptxas info    : Compile time = 8.809 ms\n"
                            "user.cu(3): warning #177-D: variable \"unused\" was declared but never referenced\n";
    const std::vector<KernelResources> kernels = parsePtxasReport(log);
    ASSERT_EQ(kernels.size(), 1u);
    EXPECT_EQ(kernels[0].name, "heavy(float*)");
    EXPECT_EQ(kernels[0].stackBytes, 48);
    EXPECT_EQ(kernels[0].spillStoreBytes, 40);
    EXPECT_EQ(kernels[0].spillLoadBytes, 36);
    EXPECT_EQ(kernels[0].registers, 24);
    EXPECT_EQ(kernels[0].barriers, 2);
    EXPECT_EQ(kernels[0].sharedBytes, 4096);
    EXPECT_TRUE(parsePtxasReport("").empty());
    EXPECT_TRUE(parsePtxasReport("ptxas info    : Used 8 registers\n").empty()); // no kernel named before it
}

} // namespace
} // namespace wb::cuda
