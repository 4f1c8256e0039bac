// The NVRTC compiler wrapper without a GPU: a failed compile is a result with NVRTC's whole
// log and parsed diagnostics, name expressions give lowered names, PTX on request, the
// target architecture for a device, and the NVRTC checker's error context.

#include "cuda/check.h"
#include "cuda/nvrtc_compiler.h"

#include <wb/error.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace wb::cuda {
namespace {

CompileRequest request(std::string source, std::string arch = "sm_90")
{
    CompileRequest r;
    r.source = std::move(source);
    r.programName = "user.cu";
    r.arch = std::move(arch);
    return r;
}

TEST(NvrtcCompiler, CompilesACubinForARealArchitecture)
{
    const CompileResult result = compile(request("extern \"C\" __global__ void k(float* p) { p[0] = 1; }"));
    ASSERT_TRUE(result.success) << result.log;
    EXPECT_TRUE(result.log.empty()) << result.log;
    ASSERT_GT(result.cubin.size(), 4u);
    EXPECT_EQ(std::string(result.cubin.data(), 4), "\x7f"
                                                   "ELF");
    EXPECT_TRUE(result.ptx.empty());
    EXPECT_EQ(result.image(), static_cast<const void*>(result.cubin.data()));
}

TEST(NvrtcCompiler, GivesPtxOnRequestAndForAVirtualArchitecture)
{
    CompileRequest withPtx = request("extern \"C\" __global__ void k(float* p) { p[0] = 1; }");
    withPtx.wantPtx = true;
    const CompileResult both = compile(withPtx);
    ASSERT_TRUE(both.success) << both.log;
    EXPECT_FALSE(both.cubin.empty());
    EXPECT_NE(both.ptx.find(".entry k"), std::string::npos) << both.ptx;

    const CompileResult ptxOnly =
        compile(request("extern \"C\" __global__ void k(float* p) { p[0] = 1; }", "compute_80"));
    ASSERT_TRUE(ptxOnly.success) << ptxOnly.log;
    EXPECT_TRUE(ptxOnly.cubin.empty());
    EXPECT_NE(ptxOnly.ptx.find(".target sm_80"), std::string::npos) << ptxOnly.ptx;
    EXPECT_NE(ptxOnly.ptx.back(), '\0'); // the terminating NUL is not part of the string
    EXPECT_EQ(ptxOnly.image(), static_cast<const void*>(ptxOnly.ptx.c_str()));
}

TEST(NvrtcCompiler, NameExpressionsGiveLoweredNames)
{
    CompileRequest r = request("namespace demo {\n"
                               "template <typename T> __global__ void scale(T* p, T f) { p[threadIdx.x] *= f; }\n"
                               "}\n");
    r.nameExpressions = {"demo::scale<float>", "demo::scale<double>"};
    const CompileResult result = compile(r);
    ASSERT_TRUE(result.success) << result.log;
    ASSERT_EQ(result.loweredNames.size(), 2u);
    const std::string_view f = result.loweredName("demo::scale<float>");
    const std::string_view d = result.loweredName("demo::scale<double>");
    EXPECT_EQ(f.substr(0, 2), "_Z");
    EXPECT_NE(f.find("scale"), std::string_view::npos);
    EXPECT_NE(f, d);
    EXPECT_TRUE(result.loweredName("demo::scale<int>").empty());
}

TEST(NvrtcCompiler, InMemoryHeadersAreIncluded)
{
    CompileRequest r = request("#include \"factor.h\"\nextern \"C\" __global__ void k(float* p) { p[0] = kFactor; }\n");
    r.headers = {{"factor.h", "constexpr float kFactor = 2.5f;\n"}};
    r.options = {"-std=c++17"};
    const CompileResult result = compile(r);
    EXPECT_TRUE(result.success) << result.log;
}

// Sixty errors, each on its own line: all of them are in the log and in the diagnostics
// with their line and column, and the failed compile is a result, not an exception.
TEST(NvrtcCompiler, ABrokenProgramGivesTheWholeLogWithLinesAndColumns)
{
    constexpr int kErrors = 60;
    std::string source = "extern \"C\" __global__ void k(float* p)\n{\n";
    for (int i = 0; i < kErrors; ++i)
        source += "    p[" + std::to_string(i) + "] = missing_" + std::to_string(i) + ";\n";
    source += "}\n";
    const CompileResult result = compile(request(source));
    EXPECT_FALSE(result.success);
    EXPECT_TRUE(result.cubin.empty());
    for (int i = 0; i < kErrors; ++i) {
        const std::string line = "user.cu(" + std::to_string(i + 3) + "): error: identifier \"missing_" +
                                 std::to_string(i) + "\" is undefined";
        EXPECT_NE(result.log.find(line), std::string::npos) << line << " is not in the log:\n" << result.log;
    }
    EXPECT_NE(result.log.find("60 errors detected in the compilation of \"user.cu\""), std::string::npos) << result.log;
    ASSERT_EQ(result.diagnostics.size(), static_cast<std::size_t>(kErrors)) << result.log;
    for (int i = 0; i < kErrors; ++i) {
        const Diagnostic& d = result.diagnostics[static_cast<std::size_t>(i)];
        EXPECT_EQ(d.file, "user.cu");
        EXPECT_EQ(d.line, i + 3);
        // "    p[i] = missing_i;": the identifier starts after "    p[i] = ".
        EXPECT_EQ(d.column, 4 + 2 + static_cast<int>(std::to_string(i).size()) + 4 + 1) << d.message;
        EXPECT_EQ(d.severity, "error");
        EXPECT_EQ(d.message, "identifier \"missing_" + std::to_string(i) + "\" is undefined");
    }
}

TEST(NvrtcCompiler, WarningsAreKeptWithASuccessfulCompile)
{
    const CompileResult result =
        compile(request("extern \"C\" __global__ void k(float* p)\n{\n\tint unused = 3;\n    p[0] = 1;\n}\n"));
    ASSERT_TRUE(result.success) << result.log;
    ASSERT_EQ(result.diagnostics.size(), 1u) << result.log;
    const Diagnostic& d = result.diagnostics[0];
    EXPECT_EQ(d.severity, "warning");
    EXPECT_EQ(d.line, 3);
    EXPECT_EQ(d.column, 6); // the tab counts as one column
    EXPECT_EQ(d.message.substr(0, 6), "#177-D") << d.message;
    EXPECT_NE(d.message.find("\"unused\""), std::string::npos) << d.message;
}

TEST(NvrtcCompiler, AnInvalidOptionIsAFailedCompileWithAMessage)
{
    CompileRequest r = request("extern \"C\" __global__ void k() {}");
    r.options = {"--no-such-option"};
    const CompileResult result = compile(r);
    EXPECT_FALSE(result.success);
    EXPECT_NE(result.log.find("--no-such-option"), std::string::npos) << result.log;
}

TEST(NvrtcCompiler, RefusesAnArchitectureThatIsNotOne)
{
    try {
        compile(request("extern \"C\" __global__ void k() {}", "hopper"));
        ADD_FAILURE() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
        EXPECT_NE(std::string(error.what()).find("hopper"), std::string::npos);
    }
}

TEST(NvrtcCompiler, TargetArchitecture)
{
    const std::vector<int> supported = supportedArchitectures();
    ASSERT_FALSE(supported.empty());
    EXPECT_TRUE(std::is_sorted(supported.begin(), supported.end()));
    EXPECT_NE(std::find(supported.begin(), supported.end(), 90), supported.end());
    EXPECT_EQ(targetArchitecture(9, 0, supported), "sm_90");
    // A device newer than NVRTC gets PTX of the newest architecture below it.
    EXPECT_EQ(targetArchitecture(9, 5, {75, 80, 86, 90, 100}), "compute_90");
    EXPECT_EQ(targetArchitecture(13, 0, {75, 80, 90}), "compute_90");
    try {
        targetArchitecture(5, 2, {75, 80});
        ADD_FAILURE() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::Unsupported);
        EXPECT_NE(std::string(error.what()).find("sm_75"), std::string::npos) << error.what();
    }
}

TEST(NvrtcCompiler, ParsesDiagnosticsWithoutCaretLines)
{
    const auto diagnostics = parseDiagnostics("a.cu(7): catastrophic error: cannot open source file \"x.h\"\n"
                                              "Remark: The warnings can be suppressed with \"-diag-suppress\"\n"
                                              "not(a): message\n"
                                              "b.cu(12): remark #1234: something\n");
    ASSERT_EQ(diagnostics.size(), 2u);
    EXPECT_EQ(diagnostics[0].file, "a.cu");
    EXPECT_EQ(diagnostics[0].line, 7);
    EXPECT_EQ(diagnostics[0].column, 0);
    EXPECT_EQ(diagnostics[0].severity, "catastrophic error");
    EXPECT_EQ(diagnostics[1].severity, "remark");
    EXPECT_EQ(diagnostics[1].message, "#1234: something");
}

TEST(NvrtcCompiler, VersionIsKnown)
{
    const NvrtcVersion version = nvrtcVersion();
    EXPECT_GE(version.major, 12);
}

// The checker names the call, the library, NVRTC's name for the status and the place.
TEST(NvrtcCheck, ThrowsWithTheCallAndNvrtcsName)
{
    try {
        WB_NVRTC_CHECK(nvrtcCompileProgram(nullptr, 0, nullptr));
        ADD_FAILURE() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::CudaCallFailed);
        EXPECT_EQ(error.context().library, "NVRTC");
        EXPECT_EQ(error.context().nativeName, "NVRTC_ERROR_INVALID_PROGRAM");
        EXPECT_EQ(error.context().nativeCode, NVRTC_ERROR_INVALID_PROGRAM);
        EXPECT_EQ(error.context().call, "nvrtcCompileProgram(nullptr, 0, nullptr)");
        EXPECT_NE(error.context().where.find("test_nvrtc_compiler.cpp:"), std::string::npos) << error.context().where;
        EXPECT_NE(error.message().find("program handle is invalid"), std::string::npos) << error.message();
    }
}

} // namespace
} // namespace wb::cuda
