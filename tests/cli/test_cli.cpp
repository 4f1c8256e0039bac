// warpbench-cli run as a user runs it: exit statuses, one-line errors before any work,
// the device report with the reason there is no GPU, bench tables and run records, the
// demo at a small size on the CPU, the op list and the pipeline check.

#include "io/temp_dir.h"

#include <wb/device.h>
#include <wb/version.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using nlohmann::json;
using wb::test::TempDir;

struct CliRun {
    int status = -1;
    std::string out;
    std::string err;
};

std::string readFile(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs warpbench-cli with `args` (shell words) and optional environment assignments.
CliRun runCli(const TempDir& dir, const std::string& args, const std::string& environment = "")
{
    const std::string out = dir.file("stdout.txt"), err = dir.file("stderr.txt");
    const std::string command =
        "env " + environment + " '" WARPBENCH_CLI_PATH "' " + args + " > '" + out + "' 2> '" + err + "' < /dev/null";
    const int raw = std::system(command.c_str());
    CliRun run;
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.out = readFile(out);
    run.err = readFile(err);
    return run;
}

int lineCount(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

constexpr const char* kNoGpu = "WB_DISABLE_CUDA=1";

// Each (arguments, phrase): exit 2 with one line on stderr that has the phrase, nothing on stdout.
template <std::size_t N> void expectRefused(const TempDir& dir, const std::pair<std::string, std::string> (&cases)[N])
{
    for (const auto& [args, phrase] : cases) {
        SCOPED_TRACE(args);
        const CliRun run = runCli(dir, args);
        EXPECT_EQ(run.status, 2);
        EXPECT_EQ(lineCount(run.err), 1) << run.err;
        EXPECT_TRUE(contains(run.err, phrase)) << run.err;
        EXPECT_TRUE(run.out.empty()) << run.out;
    }
}

TEST(Cli, VersionAndHelp)
{
    TempDir dir;
    const CliRun version = runCli(dir, "--version");
    EXPECT_EQ(version.status, 0);
    EXPECT_EQ(version.out, std::string("warpbench-cli ") + wb::kVersionString + "\n");
    const CliRun help = runCli(dir, "help");
    EXPECT_EQ(help.status, 0);
    EXPECT_TRUE(contains(help.out, "warpbench-cli bench --op matmul|fft2|gaussian|FILTER"));
    EXPECT_TRUE(contains(help.out, "warpbench-cli demo"));
    EXPECT_TRUE(contains(help.out, "warpbench-cli ops [--json]"));
    EXPECT_TRUE(contains(help.out, "warpbench-cli check FILE.wbp"));
    EXPECT_TRUE(contains(help.out, "warpbench-cli bench-filters"));
}

TEST(Cli, DevicesReportsTheCpuAndEachGpuOrWhyThereIsNone)
{
    TempDir dir;
    const CliRun run = runCli(dir, "devices");
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "model"));
    EXPECT_TRUE(contains(run.out, "BLAS"));
    EXPECT_TRUE(contains(run.out, "FFT"));
    EXPECT_TRUE(contains(run.out, "OpenCV"));
    const wb::CudaStatus& status = wb::Runtime::instance().cudaStatus();
    if (status.available)
        EXPECT_TRUE(contains(run.out, "GPU 0: " + status.gpus.front().name)) << run.out;
    else
        EXPECT_TRUE(contains(run.out, "none: " + status.reason)) << run.out;
}

TEST(Cli, DevicesSaysWhenTheGpuIsDisabled)
{
    TempDir dir;
    const CliRun run = runCli(dir, "devices", kNoGpu);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "none: GPU disabled by WB_DISABLE_CUDA")) << run.out;
}

TEST(Cli, DevicesJsonCarriesHostLibrariesAndCuda)
{
    TempDir dir;
    const CliRun run = runCli(dir, "devices --json", kNoGpu);
    ASSERT_EQ(run.status, 0) << run.err;
    const json record = json::parse(run.out);
    EXPECT_EQ(record["tool"], "warpbench-cli");
    EXPECT_EQ(record["version"], wb::kVersionString);
    EXPECT_GT(record["host"]["logical_cores"].get<int>(), 0);
    EXPECT_GT(record["host"]["memory_total_bytes"].get<double>(), 0);
    EXPECT_TRUE(record["cpu_libraries"]["blas"].is_string());
    EXPECT_GT(record["cpu_libraries"]["threads"].get<int>(), 0);
    EXPECT_FALSE(record["cuda"]["available"].get<bool>());
    EXPECT_EQ(record["cuda"]["reason"], "GPU disabled by WB_DISABLE_CUDA");
}

TEST(Cli, BenchOnTheCpuWritesARunRecord)
{
    TempDir dir;
    const std::string path = dir.file("matmul.json");
    const CliRun run =
        runCli(dir, "bench --op matmul --sizes 16,33 --backends cpu --repeat 3 --warmup 1 --json " + path);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "median ms"));
    EXPECT_TRUE(contains(run.out, "GFLOP/s"));
    EXPECT_TRUE(contains(run.out, "33x33"));
    const json record = json::parse(readFile(path));
    EXPECT_EQ(record["command"], "bench");
    EXPECT_TRUE(record["date"].is_string());
    EXPECT_TRUE(record.contains("host"));
    EXPECT_TRUE(record.contains("cpu_libraries"));
    EXPECT_TRUE(record["cuda"].contains("available"));
    EXPECT_EQ(record["parameters"]["op"], "matmul");
    EXPECT_EQ(record["parameters"]["dtype"], "f32");
    EXPECT_EQ(record["parameters"]["precision"], "fp32");
    EXPECT_EQ(record["parameters"]["repeat"], 3);
    EXPECT_EQ(record["parameters"]["sizes"], json({16, 33}));
    ASSERT_EQ(record["rows"].size(), 2u);
    for (const json& row : record["rows"]) {
        EXPECT_EQ(row["backend"], "cpu");
        EXPECT_EQ(row["time_ms"]["n"], 3);
        EXPECT_EQ(row["time_ms"]["samples"].size(), 3u);
        EXPECT_LE(row["time_ms"]["min"].get<double>(), row["time_ms"]["median"].get<double>());
        EXPECT_LE(row["time_ms"]["median"].get<double>(), row["time_ms"]["max"].get<double>());
        EXPECT_GT(row["throughput"].get<double>(), 0.0);
        EXPECT_EQ(row["throughput_unit"], "GFLOP/s");
        EXPECT_GT(row["flops"].get<double>(), 0.0);
    }
    EXPECT_EQ(record["rows"][1]["size"], 33);
    EXPECT_FALSE(record["verification_failed"].get<bool>());
}

TEST(Cli, BenchFft2AndGaussianOnTheCpu)
{
    TempDir dir;
    const CliRun fft =
        runCli(dir, "bench --op fft2 --sizes 32 --dtype f64 --backends cpu --repeat 2 --json " + dir.file("fft.json"));
    ASSERT_EQ(fft.status, 0) << fft.err;
    EXPECT_EQ(json::parse(readFile(dir.file("fft.json")))["rows"][0]["dtype"], "c128");
    const CliRun gaussian = runCli(dir, "bench --op gaussian --sizes 40 --dtype u8 --sigma 1.5 --backends cpu "
                                        "--repeat 2 --threads 1 --json " +
                                            dir.file("g.json"));
    ASSERT_EQ(gaussian.status, 0) << gaussian.err;
    EXPECT_TRUE(contains(gaussian.out, "GB/s"));
    const json record = json::parse(readFile(dir.file("g.json")));
    EXPECT_EQ(record["rows"][0]["throughput_unit"], "GB/s");
    EXPECT_EQ(record["parameters"]["sigma"], 1.5);
    EXPECT_EQ(record["parameters"]["threads"], 1);
}

TEST(Cli, BenchRunsAnImageFilterCaseOnTheCpu)
{
    TempDir dir;
    const CliRun run =
        runCli(dir, "bench --op erode --case \"erode rect 15x15\" --dtype u8 --sizes 33,64 --backends cpu "
                    "--repeat 2 --json " +
                        dir.file("e.json"));
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "erode rect 15x15 u8")) << run.out;
    const json record = json::parse(readFile(dir.file("e.json")));
    EXPECT_EQ(record["parameters"]["op"], "erode");
    EXPECT_EQ(record["parameters"]["case"], "erode rect 15x15");
    ASSERT_EQ(record["rows"].size(), 2u);
    EXPECT_EQ(record["rows"][1]["dtype"], "u8");
    EXPECT_EQ(record["rows"][1]["throughput_unit"], "GB/s");
    // One read and one write of a 64x64 u8 image.
    EXPECT_EQ(record["rows"][1]["bytes"], 2 * 64 * 64);
}

TEST(Cli, BenchWithoutAGpuRunsTheCpuRowsAndSaysWhy)
{
    TempDir dir;
    const CliRun run = runCli(dir, "bench --op matmul --sizes 16 --repeat 2 --json " + dir.file("b.json"), kNoGpu);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n') > 0, true);
    EXPECT_TRUE(contains(run.out, "GPU rows skipped: GPU disabled by WB_DISABLE_CUDA")) << run.out;
    const json record = json::parse(readFile(dir.file("b.json")));
    EXPECT_EQ(record["parameters"]["backends"], json({"cpu"}));
    EXPECT_EQ(record["parameters"]["backends_requested"], json({"cpu", "gpu"}));
    EXPECT_EQ(record["rows"].size(), 1u);
}

TEST(Cli, BenchOnAMissingGpuAloneIsRefused)
{
    TempDir dir;
    const CliRun run = runCli(dir, "bench --op matmul --sizes 16 --backends gpu", kNoGpu);
    EXPECT_EQ(run.status, 2);
    EXPECT_EQ(lineCount(run.err), 1) << run.err;
    EXPECT_TRUE(contains(run.err, "GPU disabled by WB_DISABLE_CUDA")) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
}

TEST(Cli, BadCommandLinesAreOneLineErrorsWithStatus2)
{
    TempDir dir;
    const std::pair<const char*, const char*> cases[] = {
        {"", "no command"},
        {"frobnicate", "unknown command 'frobnicate'"},
        {"devices --verbose", "unknown option '--verbose'"},
        {"bench --sizes 64", "needs --op"},
        {"bench --op matmul", "needs --sizes"},
        {"bench --op conv3d --sizes 64", "unknown op 'conv3d' (expected matmul, fft2, gaussian, box, erode"},
        {"bench --op box --sizes 64 --case \"box 4x4\"", "no case of box fits 'box 4x4'; its cases: 'box 3x3' (f32)"},
        {"bench --op erode --sizes 64 --dtype u16", "no case of erode fits with dtype u16"},
        {"bench --op box --sizes 64 --precision fp16", "precision applies to matmul and fft2, not to box"},
        {"bench --op matmul --sizes 64,abc", "size 'abc' is not a positive whole number"},
        {"bench --op matmul --sizes 0", "at least 1"},
        {"bench --op matmul --sizes -64", "'-64' is not a positive whole number"},
        {"bench --op matmul --sizes 64,,128", "empty item"},
        {"bench --op matmul --sizes 99999999999999999999999", "too large"},
        {"bench --op matmul --sizes 4000000", "host memory"},
        {"bench --op matmul --sizes 64 --repeat 0", "--repeat"},
        {"bench --op matmul --sizes 64 --repeat", "--repeat needs a value"},
        {"bench --op matmul --sizes 64 --dtype f128", "unknown dtype 'f128'"},
        {"bench --op matmul --sizes 64 --precision fp8", "unknown precision 'fp8'"},
        {"bench --op matmul --sizes 64 --precision fp16 --dtype f32", "precision fp16 runs on f16"},
        {"bench --op matmul --sizes 64 --backends cpu,tpu", "unknown backend 'tpu'"},
        {"bench --op matmul --sizes 64 --sigma -1", "--sigma"},
        {"bench --op matmul --sizes 64 --sizes 32", "given twice"},
        {"bench --op matmul --sizes 64 --json /no/such/folder/x.json", "does not exist"},
        {"bench --op gaussian --sizes 64 --sigma 50", "larger than the limit"},
        {"bench-filters --ops warp", "no filter cases for op 'warp'"},
        {"compile k.cu --ptx --sass", "compile takes --ptx or --sass, not both"},
        {"bench-filters --channels 5", "--channels"},
        {"bench-filters --width 0", "--width"},
        {"bench-filters --cpu-only --width 1048576 --height 1048576", "host memory"},
        {"demo --size 0", "at least 1"},
        {"demo --size 4000000", "host memory"},
        {"demo --count x", "--count"},
        {"demo --gpu-only", "unknown option '--gpu-only'"},
        {"demo 5000", "unexpected argument '5000'"},
    };
    for (const auto& [args, phrase] : cases) {
        SCOPED_TRACE(args);
        const CliRun run = runCli(dir, args, kNoGpu);
        EXPECT_EQ(run.status, 2);
        EXPECT_EQ(lineCount(run.err), 1) << run.err;
        EXPECT_TRUE(contains(run.err, phrase)) << run.err;
        EXPECT_TRUE(run.out.empty()) << run.out;
    }
}

TEST(Cli, BenchFiltersCpuOnlyTimesEveryCaseAndWritesARunRecord)
{
    TempDir dir;
    const std::string path = dir.file("filters.json");
    const CliRun run = runCli(
        dir, "bench-filters --cpu-only --width 67 --height 33 --cpu-repeat 2 --threads 1 --json " + path, kNoGpu);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "67x33 frame, 1 channel")) << run.out;
    EXPECT_TRUE(contains(run.out, "CPU ms")) << run.out;
    for (const char* label : {"gaussian s=3 19x19", "box 63x63", "erode rect 31x31", "dilate rect 3x3"})
        EXPECT_TRUE(contains(run.out, label)) << label;
    EXPECT_FALSE(contains(run.out, "cold us")) << run.out;
    const json record = json::parse(readFile(path));
    EXPECT_EQ(record["command"], "bench-filters");
    EXPECT_EQ(record["parameters"]["width"], 67);
    EXPECT_EQ(record["parameters"]["shape"], json({33, 67}));
    EXPECT_TRUE(record["parameters"]["cpu_only"].get<bool>());
    EXPECT_TRUE(record["gpu"].is_null());
    EXPECT_TRUE(record["copies"].empty());
    ASSERT_EQ(record["cases"].size(), 37u);
    for (const json& c : record["cases"]) {
        EXPECT_EQ(c["cpu"]["time_ms"]["n"], 2);
        EXPECT_GT(c["cpu"]["gb_per_s"].get<double>(), 0.0);
        // The frame and the output: resize's is 34x16 for 1/2 (OpenCV's rounding), 134x66 for 2x.
        const double pixel = c["dtype"] == "u8" ? 1 : 4;
        const bool enlarged = c["case"].get<std::string>().find("2x") != std::string::npos;
        const double out = c["op"] != "resize" ? 67.0 * 33 : enlarged ? 134.0 * 66 : 34.0 * 16;
        EXPECT_EQ(c["bytes"].get<double>(), pixel * (67.0 * 33 + out)) << c["case"];
        EXPECT_TRUE(c["gpu"].is_null());
        EXPECT_TRUE(c["target_us"].is_null()); // not the target's 4K frame
        EXPECT_FALSE(c["verification"]["checked"].get<bool>());
        EXPECT_TRUE(c["speedup_vs_cpu"].is_null());
    }
    EXPECT_FALSE(record["verification_failed"].get<bool>());

    const CliRun some = runCli(dir, "bench-filters --cpu-only --ops box,erode --width 9 --height 5 --channels 3 "
                                    "--cpu-repeat 1 --json " +
                                        path);
    ASSERT_EQ(some.status, 0) << some.err;
    const json picked = json::parse(readFile(path));
    EXPECT_EQ(picked["parameters"]["shape"], json({5, 9, 3}));
    ASSERT_EQ(picked["cases"].size(), 10u);
    for (const json& c : picked["cases"])
        EXPECT_TRUE(c["op"] == "box" || c["op"] == "erode") << c["op"];
}

TEST(Cli, BenchFiltersWithoutAGpuSaysSoAndFails)
{
    TempDir dir;
    const CliRun run = runCli(dir, "bench-filters --width 16 --height 16", kNoGpu);
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(lineCount(run.err), 1) << run.err;
    EXPECT_TRUE(contains(run.err, "GPU disabled by WB_DISABLE_CUDA")) << run.err;
    EXPECT_TRUE(contains(run.err, "--cpu-only")) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
}

TEST(Cli, DemoRunsTheCpuSideAndSaysWhyTheGpuSideDidNot)
{
    TempDir dir;
    const CliRun run = runCli(dir, "demo --size 256 --count 2 --repeat 1 --json " + dir.file("demo.json"), kNoGpu);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "2 products of two random 256x256 float64 matrices")) << run.out;
    EXPECT_TRUE(contains(run.out, "passed")) << run.out;
    EXPECT_TRUE(contains(run.out, "GPU side did not run: GPU disabled by WB_DISABLE_CUDA")) << run.out;
    EXPECT_FALSE(contains(run.out, "speedup:")) << run.out;
    const json record = json::parse(readFile(dir.file("demo.json")));
    EXPECT_EQ(record["parameters"]["size"], 256);
    EXPECT_EQ(record["parameters"]["count"], 2);
    EXPECT_TRUE(record["cpu"]["verification"]["passed"].get<bool>());
    EXPECT_EQ(record["cpu"]["loop_ms"]["n"], 1);
    EXPECT_TRUE(record["gpu"].is_null());
    EXPECT_EQ(record["gpu_skipped"], "GPU disabled by WB_DISABLE_CUDA");
}

TEST(Cli, DemoCpuOnly)
{
    TempDir dir;
    const CliRun run = runCli(dir, "demo --cpu-only --size 64 --count 1 --repeat 2");
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "GPU side did not run: not requested")) << run.out;
}

TEST(Cli, OpsListsEveryOpByCategoryWithSignatureAndDoc)
{
    TempDir dir;
    const CliRun run = runCli(dir, "ops");
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(run.err.empty()) << run.err;
    EXPECT_TRUE(contains(run.out, "\nimage\n  gaussian(x, sigma, ksize=0, border=reflect101)\n      Gaussian blur"))
        << run.out;
    EXPECT_TRUE(contains(run.out, "  show(x, ...)\n")) << run.out;
    EXPECT_TRUE(contains(run.out, "  rand(shape..., dtype=f32, seed=0, low=0, high=1)\n")) << run.out;
    EXPECT_EQ(run.out.rfind("creation\n", 0), 0u) << run.out;
}

TEST(Cli, OpsJsonCarriesParametersForMachines)
{
    TempDir dir;
    const CliRun run = runCli(dir, "ops --json");
    ASSERT_EQ(run.status, 0) << run.err;
    const json list = json::parse(run.out);
    ASSERT_TRUE(list.is_array());
    const auto gaussian =
        std::find_if(list.begin(), list.end(), [](const json& op) { return op["name"] == "gaussian"; });
    ASSERT_NE(gaussian, list.end());
    EXPECT_EQ((*gaussian)["category"], "image");
    EXPECT_EQ((*gaussian)["signature"], "gaussian(x, sigma, ksize=0, border=reflect101)");
    EXPECT_FALSE((*gaussian)["sink"].get<bool>());
    const json& params = (*gaussian)["params"];
    ASSERT_EQ(params.size(), 4u);
    EXPECT_EQ(params[1]["name"], "sigma");
    EXPECT_EQ(params[1]["type"], "float");
    EXPECT_TRUE(params[1]["required"].get<bool>());
    EXPECT_FALSE(params[1].contains("default"));
    EXPECT_EQ(params[2]["default"], "0");
    EXPECT_EQ(params[2]["maximum"], 129);
    EXPECT_EQ(params[3]["choices"], json({"reflect101", "replicate", "constant"}));
    for (const json& op : list)
        EXPECT_FALSE(op["doc"].get<std::string>().empty()) << op["name"];
}

TEST(Cli, CheckAcceptsACleanPipeline)
{
    TempDir dir;
    const std::string path =
        dir.write("good.wbp", "@repeat 3\nimg = rand(64, 48)\nb = gaussian(img, sigma=2)\nshow(b)\n");
    const CliRun run = runCli(dir, "check " + path);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(run.err.empty()) << run.err;
    EXPECT_EQ(run.out, path + ": ok (3 statements, 1 directive)\n");
}

TEST(Cli, CheckWithOnlyWarningsSucceeds)
{
    TempDir dir;
    const std::string path = dir.write("warn.wbp", "A = astype(rand(4), c64)\nfft(A)\n");
    const CliRun run = runCli(dir, "check " + path);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.err, path + ":2:1: warning: the result is not used; assign it to a name or pass it to show()\n");
}

TEST(Cli, CheckPrintsEveryErrorAsFileLineColumn)
{
    TempDir dir;
    const std::string path =
        dir.write("broken.wbp", "img = load(\"a.png\")\nb = gausian(img, 3)\nc = gaussian(img, sigm=1)\nshow(d)\n");
    const CliRun run = runCli(dir, "check " + path);
    EXPECT_EQ(run.status, 2);
    EXPECT_TRUE(run.out.empty()) << run.out;
    EXPECT_EQ(run.err,
              path + ":2:5: error: unknown function 'gausian' (did you mean 'gaussian'?)\n" + path +
                  ":3:5: error: missing required argument 'sigma' of gaussian(x, sigma, ksize=0, border=reflect101)\n" +
                  path +
                  ":3:19: error: unknown keyword argument 'sigm' for gaussian() (parameters: x, sigma, ksize, "
                  "border)\n" +
                  path + ":4:6: error: undefined name 'd' (did you mean 'b' or 'c'?)\n");
}

// Beyond names and types, what the editor's check finds too: a file load() cannot read, a
// shape that does not fit, a launch() whose arguments are not its kernel's.
TEST(Cli, CheckFindsShapesFilesAndLaunchArgumentsAsTheEditorDoes)
{
    TempDir dir;
    std::ofstream(dir.file("saxpy.cu"))
        << "extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y) { }\n";
    const std::string path = dir.write("later.wbp", "a = rand(4, 5)\nb = a @ a\n"
                                                    "c = load(\"missing.npy\")\n"
                                                    "x = rand(100)\n"
                                                    "y = launch(\"saxpy.cu:saxpy\", args=(100, x, 2.0, x))\n");
    const CliRun run = runCli(dir, "check " + path, kNoGpu);
    EXPECT_EQ(run.status, 2) << run.out << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
    for (const char* where : {":2:", ":3:", ":5:"})
        EXPECT_TRUE(contains(run.err, path + where)) << where << "\n" << run.err;
    EXPECT_TRUE(contains(run.err, "missing.npy")) << run.err;
    EXPECT_TRUE(contains(run.err, "parameter 'a' (float) of saxpy takes a number, found an array")) << run.err;
}

TEST(Cli, CheckReportsSyntaxErrors)
{
    TempDir dir;
    const std::string path = dir.write("syntax.wbp", "a = (1 +\n@repat 2\n");
    const CliRun run = runCli(dir, "check " + path);
    EXPECT_EQ(run.status, 2);
    EXPECT_TRUE(contains(run.err, path + ":2:1: error: ")) << run.err;
    EXPECT_TRUE(contains(run.err, "unknown directive '@repat'")) << run.err;
}

TEST(Cli, CheckRefusesAFileItCannotRead)
{
    TempDir dir;
    const std::pair<std::string, std::string> cases[] = {
        {"check " + dir.file("missing.wbp"), "cannot read '" + dir.file("missing.wbp") + "': No such file"},
        {"check " + dir.path().string(), "it is a folder"},
        {"check", "check needs exactly one pipeline file"},
        {"check a.wbp b.wbp", "check needs exactly one pipeline file"},
    };
    expectRefused(dir, cases);
}

TEST(Cli, RunPrintsAStepTableOnTheCpu)
{
    TempDir dir;
    const CliRun run =
        runCli(dir, "run '" WARPBENCH_PIPELINES_DIR "/spectrum.wbp' --repeat 2 --warmup 0 --json " + dir.file("r.json"),
               kNoGpu);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "note: running on the CPU only")) << run.out;
    EXPECT_TRUE(contains(run.out, "median of 2 after 0 warm-up runs")) << run.out;
    for (const char* row : {"img ", "blur ", "spec ", "total ", "GFLOP/s", "GB/s", "shown: blur spec"})
        EXPECT_TRUE(contains(run.out, row)) << row << "\n" << run.out;
    EXPECT_TRUE(contains(run.out, "check spec (line 10): not compared, only one backend ran")) << run.out;
    const json record = json::parse(readFile(dir.file("r.json")));
    EXPECT_EQ(record["command"], "run");
    EXPECT_EQ(record["parameters"]["repeat"], 2);
    ASSERT_EQ(record["steps"].size(), 5u);
    EXPECT_EQ(record["steps"][1]["step"], "blur");
    EXPECT_EQ(record["steps"][1]["n"], 2);
    EXPECT_EQ(record["checks"].size(), 2u);
    EXPECT_TRUE(record["ok"].get<bool>());
}

// A failed check says, under its line, how many elements are out and where the largest
// difference is, as the workbench's Problems entry does.
TEST(Cli, RunOfAFailedCheckSaysWhereItsArraysDiffer)
{
    TempDir dir;
    const std::string path = dir.file("differ.wbp");
    std::ofstream(path) << "x = arange(6)\nr = x + where(x == 4, 2.5, 0)\ncheck(x, ref=r, atol=0.5)\n";
    const CliRun run = runCli(dir, "run '" + path + "' --repeat 1 --warmup 0", kNoGpu);
    EXPECT_EQ(run.status, 1) << run.out << run.err;
    EXPECT_TRUE(contains(run.out, "check x against r (line 3): FAILED")) << run.out;
    EXPECT_TRUE(contains(run.out, "  on cpu: 1 of 6 elements out of tolerance; the largest difference, 2.5, is at (4): "
                                  "4 against 6.5"))
        << run.out;
}

TEST(Cli, RunOfATuningPipelineOnTheCpuSaysWhyItDidNotTune)
{
    TempDir dir;
    const CliRun run = runCli(
        dir,
        "run '" WARPBENCH_PIPELINES_DIR "/kernel_tuning_block.wbp' --repeat 1 --warmup 0 --json " + dir.file("t.json"),
        kNoGpu);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(contains(run.out, "tuning y (line 11): not tuned: launch() runs on the GPU, and this run has none"))
        << run.out;
    const json tuning = json::parse(readFile(dir.file("t.json")))["tuning"];
    EXPECT_EQ(tuning["step"], "y");
    EXPECT_EQ(tuning["parameters"], json({"block"}));
    ASSERT_EQ(tuning["configurations"].size(), 5u);
    EXPECT_EQ(tuning["configurations"][4]["values"], json({1024}));
    EXPECT_EQ(tuning["configurations"][4]["label"], "block=1024");
    EXPECT_TRUE(tuning["best"].is_null());
}

TEST(Cli, RunPrintsTheTuningTableOnTheGpu)
{
    if (!wb::Runtime::instance().cudaStatus().available)
        GTEST_SKIP() << wb::Runtime::instance().cudaStatus().reason;
    TempDir dir;
    const CliRun run = runCli(dir, "run '" WARPBENCH_PIPELINES_DIR "/kernel_tuning.wbp' --backends gpu --repeat 3");
    EXPECT_EQ(run.status, 0) << run.err << run.out;
    EXPECT_TRUE(contains(run.out, "tuning C (line 13) on cuda:0: median of 3 after 1 warm-up runs")) << run.out;
    for (const char* column : {"TILE", "median ms", "compile ms", "passed, best", "best: TILE="})
        EXPECT_TRUE(contains(run.out, column)) << column << "\n" << run.out;
}

TEST(Cli, RunRefusesAPipelineWithErrors)
{
    TempDir dir;
    const std::string syntax = dir.write("syntax.wbp", "a = (1 +\n");
    EXPECT_EQ(runCli(dir, "run " + syntax).status, 2);
    const std::string shapes = dir.write("shapes.wbp", "A = rand(4, 3)\nB = A @ A\n");
    const CliRun run = runCli(dir, "run " + shapes + " --backends cpu");
    EXPECT_EQ(run.status, 2);
    EXPECT_TRUE(contains(run.err, shapes + ":2:7: error: shapes (4, 3) and (4, 3) do not fit")) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
}

TEST(Cli, RunOnTheGpuAloneWithoutAGpuIsRefused)
{
    TempDir dir;
    const std::string path = dir.write("gpu.wbp", "A = rand(4, 4)\n");
    const CliRun run = runCli(dir, "run " + path + " --backends gpu", kNoGpu);
    EXPECT_EQ(run.status, 2);
    EXPECT_TRUE(contains(run.err, "no GPU to run on")) << run.err;
}

// ---- compile (NVRTC, no GPU needed; a build without CUDA says it cannot) -----------------

TEST(Cli, CompileReportsErrorsAsFileLineColumn)
{
    TempDir dir;
    dir.write("tile.h", "constexpr int kTile = 16;\n");
    const std::string path =
        dir.write("bad.cu", "#include \"tile.h\"\nextern \"C\" __global__ void k(float* x)\n{\n  x[0] = y;\n}\n");
    const CliRun run = runCli(dir, "compile " + path + " --arch sm_90", kNoGpu);
    if (contains(run.err, "no CUDA compiler"))
        GTEST_SKIP() << run.err;
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_TRUE(run.out.empty()) << run.out;
    EXPECT_EQ(run.err,
              path + ":4:10: error: identifier \"y\" is undefined\n" + path + ": does not compile for sm_90\n");
}

TEST(Cli, CompileReportsEachKernelsResourcesOrThePtx)
{
    TempDir dir;
    dir.write("tile.h", "constexpr int kTile = 16;\n");
    const std::string path =
        dir.write("good.cu", "#include \"tile.h\"\nextern \"C\" __global__ void reverse(float* x)\n{\n"
                             "  __shared__ float s[kTile];\n  s[threadIdx.x] = x[threadIdx.x];\n  __syncthreads();\n"
                             "  x[threadIdx.x] = s[kTile - 1 - threadIdx.x];\n}\n");
    const CliRun run = runCli(dir, "compile " + path, kNoGpu);
    if (contains(run.err, "no CUDA compiler"))
        GTEST_SKIP() << run.err;
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(run.err.empty()) << run.err;
    EXPECT_TRUE(run.out.rfind(path + ": compiled for sm_90 in ", 0) == 0) << run.out;
    EXPECT_TRUE(contains(run.out, "registers")) << run.out;
    // One row: the kernel, its registers, 64 bytes of shared memory, no stack, no spills, one barrier.
    const std::size_t row = run.out.find("\nreverse ");
    ASSERT_NE(row, std::string::npos) << run.out;
    std::istringstream fields(run.out.substr(row + 1));
    std::string name;
    int registers = 0, shared = 0, stack = 0, spills = 0, barriers = 0;
    fields >> name >> registers >> shared >> stack >> spills >> barriers;
    EXPECT_GT(registers, 0);
    EXPECT_EQ(shared, 64);
    EXPECT_EQ(stack, 0);
    EXPECT_EQ(spills, 0);
    EXPECT_EQ(barriers, 1);

    const CliRun ptx = runCli(dir, "compile " + path + " --arch compute_80 --ptx --option -DUNUSED=1", kNoGpu);
    ASSERT_EQ(ptx.status, 0) << ptx.err;
    EXPECT_TRUE(contains(ptx.out, ".target sm_80")) << ptx.out.substr(0, 300);
    EXPECT_TRUE(contains(ptx.out, ".entry reverse(")) << ptx.out.substr(0, 300);
}

TEST(Cli, CompileRefusesWhatItCannotRead)
{
    TempDir dir;
    const std::pair<std::string, std::string> cases[] = {
        {"compile " + dir.file("missing.cu"), "cannot read '" + dir.file("missing.cu") + "': No such file"},
        {"compile", "compile needs a kernel file"},
        {"compile " + dir.write("k.cu", "") + " --arch", "--arch"},
    };
    expectRefused(dir, cases);
}

} // namespace
