// The disk cache of compiled kernels: where it lives, hits and misses, and that a corrupt,
// truncated, foreign or unwritable cache never makes a compile fail.

#include "cuda/kernel_disk_cache.h"

#include "io/temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wb::cuda {
namespace {

// Sets environment variables for one test and puts the old values back after it.
class ScopedEnvironment {
public:
    ~ScopedEnvironment()
    {
        for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
            if (it->second)
                ::setenv(it->first.c_str(), it->second->c_str(), 1);
            else
                ::unsetenv(it->first.c_str());
        }
    }
    void set(const std::string& name, const char* value)
    {
        const char* old = std::getenv(name.c_str());
        m_saved.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
        if (value)
            ::setenv(name.c_str(), value, 1);
        else
            ::unsetenv(name.c_str());
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

CompileRequest kernelRequest(const std::string& body = "p[0] = 1;")
{
    CompileRequest r;
    r.source = "extern \"C\" __global__ void k(float* p) { " + body + " }\n";
    r.programName = "cached.cu";
    r.options = {"-std=c++17"};
    r.arch = "sm_90";
    return r;
}

std::string readAll(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeAll(const std::filesystem::path& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

int filesIn(const std::filesystem::path& folder)
{
    int count = 0;
    if (std::filesystem::exists(folder)) {
        for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder))
            ++count;
    }
    return count;
}

class KernelDiskCacheTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_env.set("WB_KERNEL_CACHE", nullptr);
        m_env.set("XDG_CACHE_HOME", m_temp.path().c_str());
    }
    std::filesystem::path folder() const { return m_temp.path() / "warpbench" / "kernels"; }

    ScopedEnvironment m_env;
    test::TempDir m_temp;
};

TEST_F(KernelDiskCacheTest, FolderFollowsTheEnvironment)
{
    EXPECT_EQ(KernelDiskCache::directoryFromEnvironment(), folder());
    m_env.set("XDG_CACHE_HOME", "relative/path"); // ignored, as the XDG specification says
    m_env.set("HOME", "/home/someone");
    EXPECT_EQ(KernelDiskCache::directoryFromEnvironment(),
              std::filesystem::path("/home/someone/.cache/warpbench/kernels"));
    m_env.set("XDG_CACHE_HOME", nullptr);
    EXPECT_EQ(KernelDiskCache::directoryFromEnvironment(),
              std::filesystem::path("/home/someone/.cache/warpbench/kernels"));
    m_env.set("WB_KERNEL_CACHE", "off");
    EXPECT_EQ(KernelDiskCache::directoryFromEnvironment(), std::nullopt);
    m_env.set("WB_KERNEL_CACHE", "on");
    EXPECT_NE(KernelDiskCache::directoryFromEnvironment(), std::nullopt);
}

TEST_F(KernelDiskCacheTest, SecondCompileComesFromDisk)
{
    const KernelCacheCounters before = kernelCacheCounters();
    CompileSource source = CompileSource::Disk;
    const CompileResult first = compileCached(kernelRequest(), &source);
    ASSERT_TRUE(first.success) << first.log;
    EXPECT_EQ(source, CompileSource::Compiled);
    EXPECT_EQ(filesIn(folder()), 1); // the entry, and no temporary file left behind
    EXPECT_TRUE(std::filesystem::exists(KernelDiskCache(folder()).fileFor(kernelRequest())));

    const CompileResult second = compileCached(kernelRequest(), &source);
    EXPECT_EQ(source, CompileSource::Disk);
    ASSERT_TRUE(second.success);
    EXPECT_EQ(second.cubin, first.cubin);
    EXPECT_EQ(second.log, first.log);
    const KernelCacheCounters after = kernelCacheCounters();
    EXPECT_EQ(after.compiles - before.compiles, 1u);
    EXPECT_EQ(after.diskHits - before.diskHits, 1u);
}

TEST_F(KernelDiskCacheTest, EverythingInTheRequestIsInTheKey)
{
    const KernelDiskCache cache(folder());
    const std::filesystem::path base = cache.fileFor(kernelRequest());
    CompileRequest other = kernelRequest("p[0] = 2;");
    EXPECT_NE(cache.fileFor(other), base);
    other = kernelRequest();
    other.arch = "sm_80";
    EXPECT_NE(cache.fileFor(other), base);
    other = kernelRequest();
    other.options.push_back("-DX=1");
    EXPECT_NE(cache.fileFor(other), base);
    other = kernelRequest();
    other.wantPtx = true;
    EXPECT_NE(cache.fileFor(other), base);
    other = kernelRequest();
    other.headers = {{"a.h", ""}};
    EXPECT_NE(cache.fileFor(other), base);
    other = kernelRequest();
    other.nameExpressions = {"k"};
    EXPECT_NE(cache.fileFor(other), base);
    EXPECT_EQ(cache.fileFor(kernelRequest()), base);
}

TEST_F(KernelDiskCacheTest, PtxAndLoweredNamesRoundTrip)
{
    CompileRequest r;
    r.source = "template <typename T> __global__ void t(T* p) { p[0] = T(1); }\n";
    r.nameExpressions = {"t<float>"};
    r.wantPtx = true;
    const CompileResult compiled = compileCached(r);
    ASSERT_TRUE(compiled.success) << compiled.log;
    const std::optional<CompileResult> stored = KernelDiskCache(folder()).load(r);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->ptx, compiled.ptx);
    EXPECT_EQ(stored->cubin, compiled.cubin);
    EXPECT_EQ(stored->loweredNames, compiled.loweredNames);
}

TEST_F(KernelDiskCacheTest, CorruptOrTruncatedFilesAreIgnoredAndRewritten)
{
    const CompileRequest r = kernelRequest();
    ASSERT_TRUE(compileCached(r).success);
    const KernelDiskCache cache(folder());
    const std::filesystem::path file = cache.fileFor(r);
    const std::string good = readAll(file);
    ASSERT_GT(good.size(), 100u);

    std::string flipped = good;
    flipped[flipped.size() / 2] ^= 0x20;
    const std::string variants[] = {good.substr(0, good.size() - 9), good.substr(0, 5), flipped, "", "garbage"};
    for (const std::string& bad : variants) {
        writeAll(file, bad);
        EXPECT_FALSE(cache.load(r)) << bad.size() << " bytes";
        const KernelCacheCounters before = kernelCacheCounters();
        CompileSource source = CompileSource::Disk;
        const CompileResult result = compileCached(r, &source);
        EXPECT_TRUE(result.success);
        EXPECT_EQ(source, CompileSource::Compiled);
        EXPECT_EQ(kernelCacheCounters().compiles - before.compiles, 1u);
        EXPECT_EQ(readAll(file), good) << "the entry was not rewritten";
    }
}

// Another request's entry under this request's name (a hash collision) is a miss.
TEST_F(KernelDiskCacheTest, AnEntryForAnotherRequestIsAMiss)
{
    const CompileRequest a = kernelRequest("p[0] = 1;");
    const CompileRequest b = kernelRequest("p[0] = 2;");
    ASSERT_TRUE(compileCached(a).success);
    const KernelDiskCache cache(folder());
    std::filesystem::copy_file(cache.fileFor(a), cache.fileFor(b));
    EXPECT_FALSE(cache.load(b));
    EXPECT_TRUE(cache.load(a));
}

TEST_F(KernelDiskCacheTest, OffWritesNothingAndCompilesEveryTime)
{
    m_env.set("WB_KERNEL_CACHE", "off");
    const KernelCacheCounters before = kernelCacheCounters();
    for (int i = 0; i < 2; ++i) {
        CompileSource source = CompileSource::Disk;
        EXPECT_TRUE(compileCached(kernelRequest(), &source).success);
        EXPECT_EQ(source, CompileSource::Compiled);
    }
    EXPECT_EQ(kernelCacheCounters().compiles - before.compiles, 2u);
    EXPECT_FALSE(std::filesystem::exists(m_temp.path() / "warpbench"));
}

TEST_F(KernelDiskCacheTest, AnUnwritableFolderIsNotAnError)
{
    // The cache folder's parent is a plain file, so the folder cannot be made.
    writeAll(m_temp.path() / "warpbench", "not a folder");
    CompileSource source = CompileSource::Disk;
    const CompileResult result = compileCached(kernelRequest(), &source);
    EXPECT_TRUE(result.success);
    EXPECT_EQ(source, CompileSource::Compiled);
    EXPECT_FALSE(KernelDiskCache(folder()).store(kernelRequest(), result));
}

// Text made from an entry (the SASS of its cubin) beside it: found for the same request and
// source only, and a file that is not whole is a miss. No compile is needed for that.
TEST_F(KernelDiskCacheTest, DerivedTextIsTiedToItsRequestAndSource)
{
    const KernelDiskCache cache(folder());
    const CompileRequest request = kernelRequest();
    EXPECT_EQ(cache.loadDerived(request, "sass", "cubin bytes"), std::nullopt);
    ASSERT_TRUE(cache.storeDerived(request, "sass", "cubin bytes", "        /*0000*/ EXIT ;\n"));
    EXPECT_EQ(cache.loadDerived(request, "sass", "cubin bytes"), "        /*0000*/ EXIT ;\n");
    EXPECT_EQ(cache.loadDerived(request, "sass", "other cubin"), std::nullopt);
    EXPECT_EQ(cache.loadDerived(kernelRequest("p[0] = 2;"), "sass", "cubin bytes"), std::nullopt);
    EXPECT_EQ(cache.loadDerived(request, "listing", "cubin bytes"), std::nullopt);
    EXPECT_EQ(filesIn(folder()), 1); // and no temporary file left behind

    const std::filesystem::path file = cache.fileFor(request).string() + ".sass";
    const std::string whole = readAll(file);
    writeAll(file, whole.substr(0, whole.size() - 3));
    EXPECT_EQ(cache.loadDerived(request, "sass", "cubin bytes"), std::nullopt);
    std::string flipped = whole;
    flipped[flipped.size() / 2] ^= 0x20;
    writeAll(file, flipped);
    EXPECT_EQ(cache.loadDerived(request, "sass", "cubin bytes"), std::nullopt);
}

TEST_F(KernelDiskCacheTest, FailedCompilesAreNotStored)
{
    const CompileRequest broken = kernelRequest("p[0] = nothing;");
    EXPECT_FALSE(compileCached(broken).success);
    EXPECT_FALSE(std::filesystem::exists(KernelDiskCache(folder()).fileFor(broken)));
}

} // namespace
} // namespace wb::cuda
