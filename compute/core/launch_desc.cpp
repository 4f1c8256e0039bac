#include <wb/error.h>
#include <wb/kernel_launch.h>

#include <algorithm>
#include <filesystem>

namespace wb {

namespace {

constexpr const char* kAxes[3] = {"x", "y", "z"};

std::int64_t termValue(const LaunchTerm& term, const LaunchDesc& desc, const char* what, int axis)
{
    std::int64_t value = term.value;
    if (!term.define.empty()) {
        bool found = false;
        for (const auto& [name, defined] : desc.defines) {
            if (name == term.define) {
                value = defined;
                found = true;
            }
        }
        if (!found)
            fail(ErrorCode::InvalidArgument,
                 std::string(what) + "." + kAxes[axis] + " is '" + term.define + "', which is not among the defines");
    }
    if (value < 1)
        fail(ErrorCode::InvalidArgument,
             std::string(what) + "." + kAxes[axis] + " must be at least 1, found " + std::to_string(value));
    return value;
}

std::int64_t ceilDiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

} // namespace

void LaunchDesc::resolveGeometry()
{
    std::array<std::int64_t, 3> b{};
    for (int axis = 0; axis < 3; ++axis)
        b[static_cast<std::size_t>(axis)] = termValue(blockSpec[static_cast<std::size_t>(axis)], *this, "block", axis);
    const std::int64_t threads = b[0] * b[1] * b[2];
    if (threads > kMaxBlockThreads)
        fail(ErrorCode::InvalidArgument, "block (" + std::to_string(b[0]) + ", " + std::to_string(b[1]) + ", " +
                                             std::to_string(b[2]) + ") has " + std::to_string(threads) +
                                             " threads; CUDA allows at most " + std::to_string(kMaxBlockThreads));
    std::array<std::int64_t, 3> g{1, 1, 1};
    if (gridSpec) {
        for (int axis = 0; axis < 3; ++axis)
            g[static_cast<std::size_t>(axis)] =
                termValue((*gridSpec)[static_cast<std::size_t>(axis)], *this, "grid", axis);
    } else if (outShape.ndim() == 2 || outShape.ndim() == 3) {
        g[0] = ceilDiv(std::max<std::int64_t>(outShape[1], 1), b[0]);
        g[1] = ceilDiv(std::max<std::int64_t>(outShape[0], 1), b[1]);
    } else {
        g[0] = ceilDiv(std::max<std::int64_t>(outShape.numel(), 1), b[0]);
    }
    for (int axis = 0; axis < 3; ++axis) {
        const auto i = static_cast<std::size_t>(axis);
        if (b[i] > kMaxBlockDims[i])
            fail(ErrorCode::InvalidArgument, std::string("block.") + kAxes[axis] + " is " + std::to_string(b[i]) +
                                                 "; CUDA allows at most " + std::to_string(kMaxBlockDims[i]));
        if (g[i] > kMaxGridDims[i])
            fail(ErrorCode::InvalidArgument, std::string("grid.") + kAxes[axis] + " is " + std::to_string(g[i]) +
                                                 "; CUDA allows at most " + std::to_string(kMaxGridDims[i]));
        block[i] = static_cast<std::uint32_t>(b[i]);
        grid[i] = static_cast<std::uint32_t>(g[i]);
    }
}

void LaunchDesc::validate() const
{
    if (arguments.size() != kernel.params.size())
        fail(ErrorCode::InvalidArgument, kernel.name + " takes " + std::to_string(kernel.params.size()) +
                                             " arguments, " + std::to_string(arguments.size()) + " are bound");
    if (outParam < 0 || outParam >= static_cast<int>(arguments.size()) ||
        arguments[static_cast<std::size_t>(outParam)].kind != LaunchArgument::Kind::Array)
        fail(ErrorCode::InvalidArgument, "the out parameter of a launch of " + kernel.name + " is not an array");
    std::int64_t threads = 1;
    for (std::size_t i = 0; i < 3; ++i) {
        if (block[i] < 1 || block[i] > kMaxBlockDims[i] || grid[i] < 1 || grid[i] > kMaxGridDims[i])
            fail(ErrorCode::InvalidArgument, "the geometry of a launch of " + kernel.name + " is out of range");
        threads *= block[i];
    }
    if (threads > kMaxBlockThreads)
        fail(ErrorCode::InvalidArgument, "a block of " + std::to_string(threads) + " threads is more than CUDA allows");
}

std::vector<std::string> LaunchDesc::compileOptions() const
{
    std::vector<std::string> options;
    for (const auto& [name, value] : defines)
        options.push_back("-D" + name + "=" + std::to_string(value));
    return options;
}

std::string LaunchDesc::fileName() const { return std::filesystem::path(file).filename().string(); }

} // namespace wb
