// The engine's `compile` request (docs/protocol.md): NVRTC on the user's kernel, with no GPU
// needed. Diagnostics name the user's file, line and column (also inside a header next to
// the kernel); a good kernel gives PTX for the architecture asked for and ptxas's resource
// report for machine code; bad fields are
// refused; a second compile of the same kernel and headers comes from the disk cache;
// compiles are answered in order while the session keeps serving other requests; every
// sample in resources/kernels/ compiles for sm_90 without a diagnostic.

#include "engine_client.h"

#include "engine/session.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

namespace wb::test {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

json compileRequest(std::int64_t id, const std::string& source, json fields = json::object())
{
    json request = {{"type", "compile"}, {"id", id}, {"source", source}};
    request.update(fields);
    return request;
}

// A build without the CUDA module cannot compile: the reply says so, and the rest is moot.
#define REQUIRE_COMPILER(reply)                                                                                        \
    do {                                                                                                               \
        if (!WB_TEST_HAVE_CUDA) {                                                                                      \
            EXPECT_EQ((reply)["error"]["code"], "Unavailable") << (reply).dump();                                      \
            GTEST_SKIP() << "this build has no CUDA module";                                                           \
        }                                                                                                              \
    } while (false)

constexpr const char* kScale = R"(extern "C" __global__ void scale(float* x, float a, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] *= a;
}
)";

TEST(EngineCompile, HelloOffersIt)
{
    InProcessEngine engine;
    const json reply = engine.client().hello();
    const json& capabilities = reply["capabilities"];
    EXPECT_NE(std::find(capabilities.begin(), capabilities.end(), "compile"), capabilities.end()) << reply.dump();
}

TEST(EngineCompile, ABrokenKernelGivesItsDiagnosticsAtTheUsersFile)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const std::string source = "extern \"C\" __global__ void k(float* x)\n{\n    x[0] = y;\n}\n";
    const json reply = client.request(compileRequest(1, source, {{"file", "/home/me/kernels/broken.cu"}}));
    REQUIRE_COMPILER(reply);
    ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
    EXPECT_FALSE(reply["success"].get<bool>());
    EXPECT_EQ(reply["arch"], "sm_90"); // no GPU here: the default
    ASSERT_EQ(reply["diagnostics"].size(), 1u) << reply.dump();
    const json& diagnostic = reply["diagnostics"][0];
    EXPECT_EQ(diagnostic["file"], "/home/me/kernels/broken.cu");
    EXPECT_EQ(diagnostic["line"], 3);
    EXPECT_EQ(diagnostic["column"], 12);
    EXPECT_EQ(diagnostic["severity"], "error");
    EXPECT_TRUE(contains(diagnostic["message"], "identifier \"y\" is undefined")) << diagnostic.dump();
    EXPECT_TRUE(contains(reply["log"], "/home/me/kernels/broken.cu(3)")) << reply["log"];
    EXPECT_FALSE(reply.contains("ptx"));
    EXPECT_GT(reply["compile_ms"].get<double>(), 0);
}

TEST(EngineCompile, AGoodKernelGivesPtxForTheArchitectureAskedFor)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json reply =
        client.request(compileRequest(1, kScale, {{"file", "scale.cu"}, {"arch", "compute_80"}, {"ptx", true}}));
    REQUIRE_COMPILER(reply);
    ASSERT_TRUE(reply["success"].get<bool>()) << reply.dump();
    EXPECT_EQ(reply["arch"], "compute_80");
    EXPECT_TRUE(reply["diagnostics"].empty()) << reply.dump();
    const std::string ptx = reply["ptx"];
    EXPECT_TRUE(contains(ptx, ".target sm_80")) << ptx.substr(0, 400);
    EXPECT_TRUE(contains(ptx, ".entry scale(")) << ptx.substr(0, 400);

    // Without "ptx" the text stays in the engine; options reach NVRTC.
    const json quiet = client.request(compileRequest(
        2, "#if N != 4\n#error N must be 4\n#endif\n" + std::string(kScale), {{"options", json::array({"-DN=4"})}}));
    EXPECT_TRUE(quiet["success"].get<bool>()) << quiet.dump();
    EXPECT_FALSE(quiet.contains("ptx"));
    // Machine code (the default sm_90) comes with ptxas's resource report; PTX alone has none.
    EXPECT_TRUE(reply["kernels"].empty()) << reply["kernels"].dump();
    ASSERT_EQ(quiet["kernels"].size(), 1u) << quiet.dump();
    const json& kernel = quiet["kernels"][0];
    EXPECT_EQ(kernel["name"], "scale");
    EXPECT_GT(kernel["registers"].get<int>(), 0);
    EXPECT_EQ(kernel["spill_store_bytes"], 0);
    EXPECT_EQ(kernel["shared_bytes"], 0);
}

// SASS comes from the toolkit's nvdisasm or cuobjdump where the machine has one (the GPU
// machine does), else the reply says why there is none; a PTX-only target has none either.
TEST(EngineCompile, SassIsTheDisassemblyOrSaysWhyThereIsNone)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json reply = client.request(compileRequest(1, kScale, {{"file", "scale.cu"}, {"sass", true}}));
    REQUIRE_COMPILER(reply);
    ASSERT_TRUE(reply["success"].get<bool>()) << reply.dump();
    const std::string sass = reply["sass"], note = reply["sass_note"];
    if (sass.empty()) {
        EXPECT_TRUE(contains(note, "neither nvdisasm nor cuobjdump was found")) << note;
    } else {
        EXPECT_TRUE(contains(note, "disassembled by")) << note;
        EXPECT_TRUE(contains(sass, "scale")) << sass.substr(0, 400);
        EXPECT_TRUE(contains(sass, "EXIT")) << sass.substr(0, 400); // every kernel ends with one
    }
    const json ptxOnly = client.request(compileRequest(2, kScale, {{"arch", "compute_90"}, {"sass", true}}));
    ASSERT_TRUE(ptxOnly["success"].get<bool>()) << ptxOnly.dump();
    EXPECT_EQ(ptxOnly["sass"], "");
    if (!sass.empty()) {
        EXPECT_TRUE(contains(ptxOnly["sass_note"], "PTX only")) << ptxOnly.dump();
    }
    const json without = client.request(compileRequest(3, kScale));
    EXPECT_FALSE(without.contains("sass")) << without.dump();
}

// How the disassembler is run, with a stand-in for nvdisasm first on PATH (this machine may
// have no toolkit tools): it is given the cubin (an ELF file), its output is the SASS, kept
// in the kernel cache for the next compile of that text, and a failure is reported with its
// exit status and output.
TEST(EngineCompile, TheDisassemblerGetsTheCubinItsSassIsCachedAndItsFailuresAreReported)
{
    const std::filesystem::path folder =
        std::filesystem::temp_directory_path() / ("wb-test-sass-tool-" + std::to_string(getpid()));
    std::filesystem::create_directories(folder);
    const std::filesystem::path tool = folder / "nvdisasm";
    auto writeTool = [&](const std::string& body) {
        std::ofstream(tool) << "#!/bin/sh\n" << body << '\n';
        std::filesystem::permissions(tool, std::filesystem::perms::owner_all);
    };
    const std::string oldPath = std::getenv("PATH") ? std::getenv("PATH") : "";
    const char* oldCache = std::getenv("XDG_CACHE_HOME");
    const std::string keptCache = oldCache ? oldCache : "";
    setenv("PATH", (folder.string() + ":" + oldPath).c_str(), 1);
    setenv("XDG_CACHE_HOME", (folder / "cache").c_str(), 1);
    writeTool(R"sh(printf 'option %s, file starts with %s\n' "$1" "$(head -c 4 "$2" | tail -c 3)")sh");
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json reply = client.request(compileRequest(1, kScale, {{"sass", true}}));
    writeTool("echo 'cannot read it'; exit 3");
    // The same text: its SASS from the cache, the failing tool not run.
    const json again = client.request(compileRequest(2, kScale, {{"sass", true}}));
    const json failed = client.request(compileRequest(3, std::string(kScale) + "// another text\n", {{"sass", true}}));
    setenv("PATH", oldPath.c_str(), 1);
    if (oldCache)
        setenv("XDG_CACHE_HOME", keptCache.c_str(), 1);
    else
        unsetenv("XDG_CACHE_HOME");
    std::filesystem::remove_all(folder);
    REQUIRE_COMPILER(reply);
    EXPECT_EQ(reply["sass"], "option -c, file starts with ELF\n") << reply.dump();
    EXPECT_EQ(reply["sass_note"], "disassembled by " + tool.string());
    EXPECT_EQ(again["sass"], reply["sass"]) << again.dump();
    EXPECT_EQ(again["sass_note"], "disassembled by " + tool.string() + ", from the kernel cache");
    EXPECT_EQ(failed["sass"], "");
    EXPECT_EQ(failed["sass_note"], "nvdisasm failed (exit status 3): cannot read it\n") << failed.dump();
}

TEST(EngineCompile, HeadersNextToTheKernelAndCudasOwnAreFound)
{
    const std::filesystem::path folder = std::filesystem::temp_directory_path() / "wb-test-compile-includes";
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "tile.h") << "#pragma once\n#include <cuda_fp16.h>\nconstexpr int kTile = 16;\n";
    std::ofstream(folder / "broken.h") << "#pragma once\nconstexpr int kBad = undefined_name;\n";

    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const std::string kernel = (folder / "k.cu").string();
    const json good = client.request(compileRequest(1,
                                                    "#include \"tile.h\"\nextern \"C\" __global__ void k(__half* x) { "
                                                    "x[threadIdx.x % kTile] = __float2half(1.f); }\n",
                                                    {{"file", kernel}, {"directory", folder.string()}}));
    REQUIRE_COMPILER(good);
    EXPECT_TRUE(good["success"].get<bool>()) << good.dump();

    const json bad = client.request(
        compileRequest(2, "#include \"broken.h\"\n", {{"file", kernel}, {"directory", folder.string()}}));
    ASSERT_FALSE(bad["success"].get<bool>()) << bad.dump();
    ASSERT_FALSE(bad["diagnostics"].empty()) << bad.dump();
    EXPECT_EQ(bad["diagnostics"][0]["file"], (folder / "broken.h").string()) << bad.dump();
    EXPECT_EQ(bad["diagnostics"][0]["line"], 2);

    // A quoted include is looked for beside the including file first (as nvcc does), then
    // in "directory": a kernel named without its folder finds its headers only through it.
    const json beside = client.request(compileRequest(3, "#include \"tile.h\"\n", {{"file", kernel}}));
    EXPECT_TRUE(beside["success"].get<bool>()) << beside.dump();
    const json missing = client.request(compileRequest(4, "#include \"tile.h\"\n", {{"file", "k.cu"}}));
    ASSERT_FALSE(missing["success"].get<bool>()) << missing.dump();
    EXPECT_TRUE(contains(missing["log"], "tile.h")) << missing["log"];
    const json through =
        client.request(compileRequest(5, "#include \"tile.h\"\n", {{"file", "k.cu"}, {"directory", folder.string()}}));
    EXPECT_TRUE(through["success"].get<bool>()) << through.dump();
    std::filesystem::remove_all(folder);
}

TEST(EngineCompile, TheSecondCompileOfTheSameKernelIsACacheHitUntilAHeaderChanges)
{
    const std::filesystem::path folder = std::filesystem::temp_directory_path() / "wb-test-compile-cache";
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder / "cache");
    std::ofstream(folder / "scale.h") << "constexpr float kScale = 2.0f;\n";
    const char* previous = std::getenv("XDG_CACHE_HOME");
    const std::string kept = previous ? previous : "";
    ::setenv("XDG_CACHE_HOME", (folder / "cache").c_str(), 1);

    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const std::string source =
        "#include \"scale.h\"\nextern \"C\" __global__ void k(float* x) { x[threadIdx.x] *= kScale; }\n";
    const json fields = {{"file", (folder / "k.cu").string()}};
    const json first = client.request(compileRequest(1, source, fields));
    REQUIRE_COMPILER(first);
    const json second = client.request(compileRequest(2, source, fields));
    std::ofstream(folder / "scale.h") << "constexpr float kScale = 3.0f;\n";
    const json edited = client.request(compileRequest(3, source, fields));
    if (previous)
        ::setenv("XDG_CACHE_HOME", kept.c_str(), 1);
    else
        ::unsetenv("XDG_CACHE_HOME");
    std::filesystem::remove_all(folder);

    ASSERT_TRUE(first["success"].get<bool>()) << first.dump();
    EXPECT_FALSE(first["cache_hit"].get<bool>());
    EXPECT_TRUE(second["cache_hit"].get<bool>()) << second.dump();
    EXPECT_EQ(second["kernels"], first["kernels"]);
    EXPECT_EQ(second["log"], first["log"]);
    EXPECT_FALSE(edited["cache_hit"].get<bool>()) << "a changed header must compile again";
    EXPECT_TRUE(edited["success"].get<bool>()) << edited.dump();
}

TEST(EngineCompile, BadFieldsAreRefusedAndAnUnknownArchitectureIsAnError)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json noSource = client.request({{"type", "compile"}, {"id", 1}});
    EXPECT_EQ(noSource["error"]["code"], "InvalidArgument") << noSource.dump();
    EXPECT_TRUE(contains(noSource["error"]["message"], "'source'")) << noSource.dump();
    const json options = client.request(compileRequest(2, kScale, {{"options", "-DN=4"}}));
    EXPECT_EQ(options["error"]["code"], "InvalidArgument") << options.dump();
    EXPECT_TRUE(contains(options["error"]["message"], "list of texts")) << options.dump();
    const json arch = client.request(compileRequest(3, kScale, {{"arch", "sm_9000"}}));
    REQUIRE_COMPILER(arch);
    EXPECT_FALSE(arch["ok"].get<bool>() && arch["success"].get<bool>()) << arch.dump();
    const json notArch = client.request(compileRequest(4, kScale, {{"arch", "hopper"}}));
    EXPECT_EQ(notArch["error"]["code"], "InvalidArgument") << notArch.dump();
    EXPECT_TRUE(contains(notArch["error"]["message"], "neither sm_XY nor compute_XY")) << notArch.dump();
}

TEST(EngineCompile, CompilesAreAnsweredInOrderWhileOtherRequestsAreServed)
{
    // A real NVRTC run (tens of milliseconds at least), not a disk cache hit of a compile of
    // the same kernel before (a fraction of one), so that the check is surely served first.
    const char* previous = std::getenv("WB_KERNEL_CACHE");
    const std::string kept = previous ? previous : "";
    ::setenv("WB_KERNEL_CACHE", "off", 1);
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    client.send(compileRequest(1, kScale));
    client.send(compileRequest(2, "this is not C++\n"));
    client.send({{"type", "check"}, {"id", 3}, {"pipeline", "a = rand(2, 2)\n"}});
    const std::vector<json> frames = client.until(2);
    if (previous)
        ::setenv("WB_KERNEL_CACHE", kept.c_str(), 1);
    else
        ::unsetenv("WB_KERNEL_CACHE");
    std::vector<std::int64_t> order;
    for (const json& frame : frames)
        if (frame.value("type", "") == "reply")
            order.push_back(frame["id"]);
    // The check does not wait for the compiles; the compiles keep their order.
    ASSERT_FALSE(order.empty());
    EXPECT_EQ(order.front(), 3) << json(order).dump();
    EXPECT_EQ(std::count(order.begin(), order.end(), 1), 1);
    EXPECT_LT(std::find(order.begin(), order.end(), 1), std::find(order.begin(), order.end(), 2));
}

// Every sample kernel (issue 7) compiles for sm_90 without an error or a warning, and the
// resource report has a row for every extern "C" kernel its text declares.
TEST(EngineCompile, EverySampleKernelCompilesCleanlyForSm90)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const std::regex declaration(R"(extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\()");
    std::int64_t id = 0;
    for (const auto& entry : std::filesystem::directory_iterator(WARPBENCH_KERNELS_DIR)) {
        if (entry.path().extension() != ".cu")
            continue;
        const std::string file = entry.path().string();
        SCOPED_TRACE(file);
        std::stringstream text;
        text << std::ifstream(entry.path()).rdbuf();
        const std::string source = text.str();
        std::set<std::string> declared;
        for (auto it = std::sregex_iterator(source.begin(), source.end(), declaration); it != std::sregex_iterator();
             ++it)
            declared.insert((*it)[1].str());
        EXPECT_FALSE(declared.empty()) << "no extern \"C\" __global__ kernel in it";

        const json reply = client.request(compileRequest(++id, source, {{"file", file}, {"arch", "sm_90"}}));
        REQUIRE_COMPILER(reply);
        ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
        EXPECT_TRUE(reply["success"].get<bool>()) << reply["log"];
        EXPECT_TRUE(reply["diagnostics"].empty()) << reply["diagnostics"].dump();
        EXPECT_FALSE(contains(reply["log"], "warning")) << reply["log"];
        std::set<std::string> reported;
        for (const json& kernel : reply["kernels"])
            reported.insert(kernel["name"].get<std::string>());
        EXPECT_EQ(reported, declared) << reply["kernels"].dump();
    }
    EXPECT_GE(id, 6) << "the samples of issue 7 and saxpy.cu";
}

} // namespace
} // namespace wb::test
