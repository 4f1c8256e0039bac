// Random arrays on cuRAND's Philox4x32-10.
//
// Uniform: one kernel (kernels/random.cuh) on cuRAND's device-side Philox function that
// writes [low, high) directly, in the CPU backend's element order: one pass over the
// output, and the same numbers as the CPU for one seed.
// Normal: the host API's generator (the backend's one generator, bound to its stream; each
// fill sets the seed from the descriptor and the offset to 0, so a seed and shape give the
// same numbers every time). curandGenerateNormal(Double) produces pairs (Box-Muller) and refuses odd counts.
// For f32 and f64 an odd array gets its even part directly and its last element from a
// two-element scratch; f16 and bf16 go through an f32 scratch of even length and the
// conversion kernel.

#include "check.h"
#include "cuda_backend.h"
#include "launch.h"
#include "ops.h"

#include "core/half.h"
#include "core/operand_check.h"

#include <cmath>
#include <limits>

namespace wb::cuda {

namespace {

// The next 16-bit float (f16 or bf16: both sign-magnitude) up or down from bits h.
std::uint16_t nextHalfBits(std::uint16_t h, bool up)
{
    if ((h & 0x7fffu) == 0)
        return up ? 0x0001u : 0x8001u;
    const bool negative = (h & 0x8000u) != 0;
    return static_cast<std::uint16_t>(negative == up ? h - 1 : h + 1);
}

// The smallest and largest values of a format inside [low, high), starting from the
// nearest ones and stepping until the bounds hold. Comparisons with NaN are false, so the
// loops end even at the edge of the format.
template <typename Bits, typename Next, typename ToDouble>
UniformRange representableRange(Bits first, Bits last, double low, double high, Next next, ToDouble toDouble)
{
    while (toDouble(first) < low)
        first = next(first, true);
    while (toDouble(next(first, false)) >= low)
        first = next(first, false);
    while (toDouble(last) >= high)
        last = next(last, false);
    while (toDouble(next(last, true)) < high)
        last = next(last, true);
    return {low, high, toDouble(first), toDouble(last)};
}

UniformRange uniformRange(DType dtype, double low, double high)
{
    constexpr double kInf = std::numeric_limits<double>::infinity();
    UniformRange range{low, high, low, std::nextafter(high, -kInf)};
    if (dtype == DType::F32) {
        auto next = [](float v, bool up) { return std::nextafter(v, up ? INFINITY : -INFINITY); };
        auto toDouble = [](float v) { return static_cast<double>(v); };
        range = representableRange(static_cast<float>(low), static_cast<float>(high), low, high, next, toDouble);
    } else if (dtype == DType::F16) {
        auto toDouble = [](std::uint16_t h) { return static_cast<double>(detail::halfToFloat(h)); };
        range = representableRange(detail::floatToHalf(static_cast<float>(low)),
                                   detail::floatToHalf(static_cast<float>(high)), low, high, nextHalfBits, toDouble);
    } else if (dtype == DType::BF16) {
        auto toDouble = [](std::uint16_t h) { return static_cast<double>(detail::bf16ToFloat(h)); };
        range = representableRange(detail::floatToBf16(static_cast<float>(low)),
                                   detail::floatToBf16(static_cast<float>(high)), low, high, nextHalfBits, toDouble);
    }
    if (!(range.first <= range.last))
        fail(ErrorCode::InvalidArgument,
             "the range [" + std::to_string(low) + ", " + std::to_string(high) + ") holds no " +
                 std::string(name(dtype)) + " value",
             {.op = "rand"});
    return range;
}

void fillUniform(CudaBackend& backend, const RandomDesc& desc, Array& out, std::int64_t n)
{
    launchUniform(out.data(), desc.dtype, n, desc.seed, uniformRange(desc.dtype, desc.a, desc.b), backend.stream());
}

void fillNormal(CudaBackend& backend, const RandomDesc& desc, Array& out, std::int64_t n)
{
    const curandGenerator_t generator = backend.curand();
    const auto even = static_cast<std::size_t>(n & ~std::int64_t{1});
    const bool odd = (n & 1) != 0;
    if (desc.dtype == DType::F64 || desc.dtype == DType::F32) {
        const bool f64 = desc.dtype == DType::F64;
        auto generate = [&](void* target, std::size_t count) {
            if (f64)
                WB_CURAND_CHECK(
                    curandGenerateNormalDouble(generator, static_cast<double*>(target), count, desc.a, desc.b));
            else
                WB_CURAND_CHECK(curandGenerateNormal(generator, static_cast<float*>(target), count,
                                                     static_cast<float>(desc.a), static_cast<float>(desc.b)));
        };
        if (even > 0)
            generate(out.data(), even);
        if (odd) {
            const Array pair = backend.empty(Shape{2}, desc.dtype);
            generate(pair.data(), 2);
            const std::size_t element = sizeOf(desc.dtype);
            WB_CUDA_CHECK(cudaMemcpyAsync(static_cast<char*>(out.data()) + even * element, pair.data(), element,
                                          cudaMemcpyDeviceToDevice, backend.stream()));
        }
        return;
    }
    const std::int64_t padded = n + (odd ? 1 : 0);
    const Array normal = backend.empty(Shape{padded}, DType::F32);
    WB_CURAND_CHECK(curandGenerateNormal(generator, normal.data<float>(), static_cast<std::size_t>(padded),
                                         static_cast<float>(desc.a), static_cast<float>(desc.b)));
    launchConvert(normal.data(), DType::F32, out.data(), desc.dtype, n, 1.0, 0.0, backend.stream());
}

} // namespace

void fillRandom(CudaBackend& backend, const RandomDesc& desc, Array& out)
{
    const bool uniform = desc.distribution == Distribution::Uniform;
    const char* op = uniform ? "rand" : "randn";
    OpScope scope(op);
    desc.validate();
    detail::checkOperand(out, desc.shape, desc.dtype, backend.place(), op, "output");
    const std::int64_t n = desc.shape.numel();
    if (n == 0)
        return;
    backend.makeCurrent();
    WB_CURAND_CHECK(curandSetPseudoRandomGeneratorSeed(backend.curand(), desc.seed));
    WB_CURAND_CHECK(curandSetGeneratorOffset(backend.curand(), 0));
    if (uniform) {
        fillUniform(backend, desc, out, n);
        return;
    }
    // cuRAND's host generator does work of its own around the kernels it queues (it
    // re-seeds on the host and may set up state), which does not replay from a graph.
    if (backend.recording())
        fail(ErrorCode::Unsupported, "randn (cuRAND's host generator) cannot be recorded into a CUDA graph");
    fillNormal(backend, desc, out, n);
}

} // namespace wb::cuda
