// The kernel parameter lists launch() checks its arguments against (wb/kernel_signature.h).

#include <wb/error.h>
#include <wb/kernel_signature.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace wb {
namespace {

std::string errorOf(std::string_view source, std::string_view name)
{
    try {
        parseKernelSignature(source, name);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        return e.what();
    }
    return "no error";
}

TEST(KernelSignature, ReadsTypesPointersNamesAndConst)
{
    const char* source = R"(
extern "C" __global__ void saxpy(int n, float a, const float* __restrict__ x, float *y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
})";
    const KernelSignature s = parseKernelSignature(source, "saxpy");
    EXPECT_EQ(s.name, "saxpy");
    EXPECT_EQ(s.line, 2);
    EXPECT_EQ(s.column, 28);
    EXPECT_FALSE(s.templated);
    ASSERT_EQ(s.params.size(), 4u);
    EXPECT_EQ(s.params[0].name, "n");
    EXPECT_EQ(s.params[0].type, "int");
    EXPECT_EQ(s.params[0].kind, KernelParamKind::Integer);
    EXPECT_EQ(s.params[0].scalarBytes, 4u);
    EXPECT_EQ(s.params[1].kind, KernelParamKind::Real);
    EXPECT_EQ(s.params[1].dtype, DType::F32);
    EXPECT_EQ(s.params[2].name, "x");
    EXPECT_EQ(s.params[2].type, "const float*");
    EXPECT_EQ(s.params[2].kind, KernelParamKind::Pointer);
    EXPECT_EQ(s.params[2].dtype, DType::F32);
    EXPECT_TRUE(s.params[2].pointeeConst);
    EXPECT_EQ(s.params[3].name, "y");
    EXPECT_EQ(s.params[3].type, "float*");
    EXPECT_FALSE(s.params[3].pointeeConst);
}

TEST(KernelSignature, MultiWordTypesUnnamedParametersAndDefaults)
{
    const char* source = "__global__ void k(unsigned int count, unsigned char* pixels, long long, "
                         "double2 *spectrum, size_t n = 16, __half* h, const unsigned short* levels) {}";
    const KernelSignature s = parseKernelSignature(source, "k");
    ASSERT_EQ(s.params.size(), 7u);
    EXPECT_EQ(s.params[0].type, "unsigned int");
    EXPECT_EQ(s.params[0].name, "count");
    EXPECT_EQ(s.params[0].kind, KernelParamKind::Integer);
    EXPECT_EQ(s.params[1].dtype, DType::U8);
    EXPECT_EQ(s.params[2].name, "");
    EXPECT_EQ(s.params[2].type, "long long");
    EXPECT_EQ(s.params[2].scalarBytes, 8u);
    EXPECT_EQ(s.params[3].dtype, DType::C128);
    EXPECT_EQ(s.params[4].name, "n");
    EXPECT_EQ(s.params[4].scalarBytes, 8u);
    EXPECT_EQ(s.params[5].dtype, DType::F16);
    EXPECT_EQ(s.params[6].dtype, DType::U16);
    EXPECT_TRUE(s.params[6].pointeeConst);
}

TEST(KernelSignature, SkipsCommentsStringsLaunchBoundsAndFindsTemplates)
{
    const char* source = R"src(
// __global__ void commented(int x)
/* __global__ void blocked(float y) */
const char* text = "__global__ void quoted(int)";
template <typename T, int TILE>
__global__ void __launch_bounds__(256, 2) tiled(const T* in, T* out, int n) {}
__global__ void none() {}
__global__ void nothing(void) {}
)src";
    const std::vector<std::string> names = kernelNames(source);
    EXPECT_EQ(names, (std::vector<std::string>{"tiled", "none", "nothing"}));
    const KernelSignature tiled = parseKernelSignature(source, "tiled");
    EXPECT_TRUE(tiled.templated);
    ASSERT_EQ(tiled.params.size(), 3u);
    EXPECT_EQ(tiled.params[0].kind, KernelParamKind::Pointer);
    EXPECT_FALSE(tiled.params[0].dtype.has_value()); // T: only an instantiation knows
    EXPECT_EQ(tiled.params[2].kind, KernelParamKind::Integer);
    EXPECT_TRUE(parseKernelSignature(source, "none").params.empty());
    EXPECT_TRUE(parseKernelSignature(source, "nothing").params.empty());
    EXPECT_FALSE(parseKernelSignature(source, "none").templated);
}

TEST(KernelSignature, StructsByValueAreNotBindable)
{
    const KernelSignature s = parseKernelSignature("struct P { int a; };\n__global__ void k(P p, int& r) {}", "k");
    ASSERT_EQ(s.params.size(), 2u);
    EXPECT_EQ(s.params[0].kind, KernelParamKind::Other);
    EXPECT_EQ(s.params[0].name, "p");
    EXPECT_EQ(s.params[1].kind, KernelParamKind::Other); // a reference
}

TEST(KernelSignature, UnknownKernelsNameTheOnesThereAre)
{
    const char* source = "__global__ void saxpy(int n) {}\n__global__ void scale(float* x) {}";
    EXPECT_EQ(errorOf(source, "sxpy"), "no kernel 'sxpy' in the source; its kernels: saxpy, scale");
    EXPECT_EQ(errorOf("int main() {}", "k"), "no kernel 'k' in the source; it has no __global__ function");
    EXPECT_EQ(errorOf("__global__ void k(int n", "k"), "kernel 'k': its parameter list is not closed");
}

TEST(KernelSignature, EverySampleKernelIsRead)
{
    int kernels = 0;
    for (const auto& entry : std::filesystem::directory_iterator(WARPBENCH_KERNELS_DIR)) {
        if (entry.path().extension() != ".cu")
            continue;
        std::ifstream file(entry.path());
        std::stringstream text;
        text << file.rdbuf();
        for (const std::string& name : kernelNames(text.str())) {
            SCOPED_TRACE(entry.path().filename().string() + ": " + name);
            const KernelSignature s = parseKernelSignature(text.str(), name);
            EXPECT_FALSE(s.params.empty());
            for (const KernelParam& p : s.params) {
                EXPECT_FALSE(p.name.empty()) << p.type;
                EXPECT_NE(p.kind, KernelParamKind::Other) << p.type;
            }
            ++kernels;
        }
    }
    EXPECT_GE(kernels, 6);
}

} // namespace
} // namespace wb
