// Shape and dtype inference before a pipeline runs: the figures from the op descriptors,
// and every inference diagnostic with its exact place.

#include "io/temp_dir.h"
#include "pipeline_test_util.h"

#include <wb/io.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace wb::pipeline;

namespace {

Inference inferText(const std::string& source, const std::string& base = ".")
{
    const ParseResult parsed = parseAndCheck(source);
    EXPECT_TRUE(parsed.ok()) << source;
    RunOptions options = defaultRunOptions(parsed.program);
    options.baseDirectory = base;
    return infer(parsed.program, options);
}

std::vector<std::string> diagnosticsOf(const std::string& source, const std::string& base = ".")
{
    return wb::test::diagnosticLines(inferText(source, base).diagnostics);
}

std::string typeOf(const InferredName& name) { return std::string(wb::name(name.dtype)) + " " + name.shape.toString(); }

} // namespace

TEST(Inference, ShapesAndDTypesFollowTheOpDescriptors)
{
    const Inference inference = inferText("A = rand(4, 3, f64)\n"
                                          "B = randn(3, 5, f64)\n"
                                          "C = A @ B\n"
                                          "D = matmul(C, rand(5, 2, f64))\n"
                                          "img = rand(16, 8)\n"
                                          "blur = gaussian(img, sigma=1)\n"
                                          "S = fftshift(fft2(astype(blur, c64)))\n"
                                          "H = rfft2(blur)\n"
                                          "back = irfft2(H, n=8)\n");
    ASSERT_TRUE(inference.ok());
    std::vector<std::string> types;
    for (const InferredName& name : inference.names)
        types.push_back(name.name + ": " + typeOf(name));
    EXPECT_EQ(types, (std::vector<std::string>{"A: f64 (4, 3)", "B: f64 (3, 5)", "C: f64 (4, 5)", "D: f64 (4, 2)",
                                               "img: f32 (16, 8)", "blur: f32 (16, 8)", "S: c64 (16, 8)",
                                               "H: c64 (16, 5)", "back: f32 (16, 8)"}));
    EXPECT_EQ(inference.names[2].location, (SourceLocation{3, 1}));
    // Every array kept: A, B, C, the nested rand, D, img, blur, astype, fft2, S, H, back.
    const std::uint64_t expected = (12 + 15 + 20 + 10 + 8) * 8 + 128 * 4 * 2 + 128 * 8 * 3 + 80 * 8 + 128 * 4;
    EXPECT_EQ(inference.deviceBytes, expected);
}

TEST(Inference, FiltersKeepShapeAndDType)
{
    const Inference inference = inferText("img = astype(rand(9, 13, 3), u8, scale=255)\n"
                                          "m = box(img, (5, 3))\n"
                                          "e = erode(astype(img, u16), 3, cross, iterations=2)\n"
                                          "o = morph_open(rand(4, 4), ksize=(1, 3))\n"
                                          "c = morph_close(m, 5, border=replicate)\n"
                                          "d = dilate(c)\n");
    ASSERT_TRUE(inference.ok());
    std::vector<std::string> types;
    for (const InferredName& name : inference.names)
        types.push_back(name.name + ": " + typeOf(name));
    EXPECT_EQ(types, (std::vector<std::string>{"img: u8 (9, 13, 3)", "m: u8 (9, 13, 3)", "e: u16 (9, 13, 3)",
                                               "o: f32 (4, 4)", "c: u8 (9, 13, 3)", "d: u8 (9, 13, 3)"}));
}

TEST(Inference, MedianAndBilateralKeepShapeAndDType)
{
    const Inference inference = inferText("img = astype(rand(9, 13, 3), u8, scale=255)\n"
                                          "m = median(img, 5)\n"
                                          "w = median(astype(img, u16), ksize=7, border=replicate)\n"
                                          "b = bilateral(img, 5, sigma_color=30, sigma_space=3)\n"
                                          "f = bilateral(rand(8, 8), d=0, sigma_color=0.1, sigma_space=2)\n");
    ASSERT_TRUE(inference.ok());
    std::vector<std::string> types;
    for (const InferredName& name : inference.names)
        types.push_back(name.name + ": " + typeOf(name));
    EXPECT_EQ(types, (std::vector<std::string>{"img: u8 (9, 13, 3)", "m: u8 (9, 13, 3)", "w: u16 (9, 13, 3)",
                                               "b: u8 (9, 13, 3)", "f: f32 (8, 8)"}));
}

TEST(Inference, DerivativesGiveF32OfTheInputsShape)
{
    const Inference inference = inferText("img = astype(rand(9, 13, 3), u8, scale=255)\n"
                                          "gx = sobel(img)\n"
                                          "gy = scharr(astype(img, u16), 0, 1)\n"
                                          "m = sobel_magnitude(rand(4, 6), ksize=5)\n"
                                          "s = scharr_magnitude(img)\n"
                                          "l = laplacian(img, 7, border=replicate)\n");
    ASSERT_TRUE(inference.ok());
    std::vector<std::string> types;
    for (const InferredName& name : inference.names)
        types.push_back(name.name + ": " + typeOf(name));
    EXPECT_EQ(types, (std::vector<std::string>{"img: u8 (9, 13, 3)", "gx: f32 (9, 13, 3)", "gy: f32 (9, 13, 3)",
                                               "m: f32 (4, 6)", "s: f32 (9, 13, 3)", "l: f32 (9, 13, 3)"}));
}

TEST(Inference, DerivativeParametersAreRefusedAtTheCall)
{
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = sobel(a, ksize=4)\n"),
              (std::vector<std::string>{"2:5: sobel ksize must be 1, 3, 5 or 7, got 4"}));
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = sobel(a, dx=0, dy=0)\n"),
              (std::vector<std::string>{
                  "2:5: sobel with ksize 3 takes orders dx, dy in 0..2 with dx + dy >= 1, got dx=0 dy=0"}));
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = scharr(a, dx=1, dy=1)\n"),
              (std::vector<std::string>{"2:5: scharr needs dx + dy == 1 (dx, dy >= 0), got dx=1 dy=1"}));
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8, f64)\nb = laplacian(a)\n"),
              (std::vector<std::string>{"2:5: laplacian takes u8, u16 or f32 images, got f64"}));
}

TEST(Inference, MedianAndBilateralParametersAreRefusedAtTheCall)
{
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = median(a, 4)\n"),
              (std::vector<std::string>{"2:5: median kernel size must be odd and positive, got 4"}));
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = median(a, 33)\n"),
              (std::vector<std::string>{"2:5: median kernel size 33 is larger than the limit of 31 for f32"}));
    EXPECT_EQ(diagnosticsOf("a = astype(rand(8, 8), u16)\nb = bilateral(a)\n"),
              (std::vector<std::string>{"2:5: bilateral takes u8 or f32 images, got u16"}));
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = bilateral(a, sigma_space=0)\n"),
              (std::vector<std::string>{"2:5: bilateral sigma_color and sigma_space must be finite numbers > 0"}));
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = bilateral(a, 0)\n"),
              (std::vector<std::string>{
                  "2:5: bilateral radius 112 (from sigma_space) is larger than the limit of 31 (d up to 63)"}));
}

TEST(Inference, FilterParametersAreRefusedAtTheCall)
{
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = box(a, (4, 3))\n"),
              (std::vector<std::string>{"2:5: box kernel sizes must be odd and positive, got 4x3"}));
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8, f64)\nb = erode(a)\n"),
              (std::vector<std::string>{"2:5: erode takes u8, u16 or f32 images, got f64"}));
    EXPECT_EQ(diagnosticsOf("a = rand(8, 8)\nb = dilate(a, 255, iterations=64)\n"),
              (std::vector<std::string>{"2:5: dilate with 64 iterations of a 255x255 rectangle is one 16257x16257 "
                                        "rectangle, larger than the limit of 1023"}));
}

TEST(Inference, DirectivesGiveTheDefaultOptions)
{
    const ParseResult parsed = parseAndCheck("@backends cpu, gpu\n@repeat 7\n@warmup 0\n@seed 9\nA = rand(2)\n");
    const RunOptions options = defaultRunOptions(parsed.program);
    EXPECT_EQ(options.backends, (std::vector<std::string>{"cpu", "gpu"}));
    EXPECT_EQ(options.repeat, 7);
    EXPECT_EQ(options.warmup, 0);
    EXPECT_EQ(options.seed, 9u);
}

TEST(Inference, ShapeMismatchIsReportedAtTheOperator)
{
    EXPECT_EQ(diagnosticsOf("A = rand(4, 3)\nB = rand(4, 3)\n  C = A @ B\n"),
              (std::vector<std::string>{"3:9: shapes (4, 3) and (4, 3) do not fit: 3 columns against 4 rows"}));
}

TEST(Inference, DTypeMismatchesAreReportedAtTheirCalls)
{
    const std::vector<std::string> lines = diagnosticsOf("A = rand(4, 4)\n"
                                                         "B = rand(4, 4, f64)\n"
                                                         "C = A @ B\n"
                                                         "F = fft2(A)\n"
                                                         "G = gaussian(B, sigma=1)\n");
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "3:5: matmul of f32 and f64: convert one with astype()");
    EXPECT_EQ(lines[1].rfind("4:5: ", 0), 0u) << lines[1];
    EXPECT_EQ(lines[2].rfind("5:5: ", 0), 0u) << lines[2];
}

TEST(Inference, AStatementAfterAnErrorIsStillInferred)
{
    const Inference inference = inferText("A = rand(4, 3)\nC = A @ A\nD = rand(2, 2)\n");
    ASSERT_EQ(inference.diagnostics.size(), 1u);
    ASSERT_EQ(inference.names.size(), 2u);
    EXPECT_EQ(inference.names[1].name, "D");
}

TEST(Inference, MissingFileIsReportedAtThePath)
{
    const std::vector<std::string> lines = diagnosticsOf("img = load(\"nowhere.npy\")\n", "/nonexistent-dir");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "1:12: file 'nowhere.npy' does not exist (looked for /nonexistent-dir/nowhere.npy)");
}

TEST(Inference, LoadReadsTheNpyHeaderRelativeToTheBaseDirectory)
{
    wb::test::TempDir dir;
    wb::saveNpy(dir.file("m.npy"), wb::Array::emptyHost({3, 5}, wb::DType::F64));
    const Inference inference = inferText("m = load(\"m.npy\")\nT = m @ rand(5, 2, f64)\n", dir.path().string());
    ASSERT_TRUE(inference.ok());
    EXPECT_EQ(typeOf(inference.names[0]), "f64 (3, 5)");
    EXPECT_EQ(typeOf(inference.names[1]), "f64 (3, 2)");
}

TEST(Inference, ElementwiseShapesMustMatchOrBeOneElement)
{
    EXPECT_TRUE(diagnosticsOf("A = rand(4)\nB = A + A * sum(A)\n").empty());
    const std::vector<std::string> lines = diagnosticsOf("A = rand(4)\nB = rand(5)\nC = A + B\n");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind("3:7: shapes (4,) and (5,) do not match in 'add'", 0), 0u) << lines[0];
}
