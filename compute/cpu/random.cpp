// Random arrays from our own Philox4x32-10 (philox.h). Element i is a function of (seed, i)
// alone, so the numbers are the same whatever the thread count or chunking. The CUDA
// backend's uniform kernel (cuda/kernels/random.cuh) uses this same mapping and rounding,
// so uniform arrays agree bit for bit across backends; its normal arrays come from
// cuRAND's host generator, a different stream.
//
// Counter block j = (j mod 2^32, j / 2^32, 0, 0) with key (seed mod 2^32, seed / 2^32)
// yields four 32-bit words. f16, bf16 and f32 use one word per element (24 random bits,
// four elements per block); f64 uses two (53 bits, two elements per block). Normal values
// come in Box-Muller pairs from adjacent elements' uniforms.

#include "dtype_dispatch.h"
#include "ops.h"
#include "parallel.h"
#include "philox.h"

#include "core/half.h"
#include "core/operand_check.h"

#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

namespace wb::cpu {

namespace {

constexpr std::int64_t kBlocksPerChunk = 1 << 12;

// A 16-bit sign-magnitude float (f16 or bf16) stepped to its neighbour; infinities stay.
template <std::uint16_t Infinity> std::uint16_t step16(std::uint16_t bits, bool up)
{
    const bool negative = (bits & 0x8000u) != 0;
    const std::uint16_t magnitude = bits & 0x7fffu;
    if (magnitude == Infinity && negative != up)
        return bits;
    if (magnitude == 0)
        return up ? 0x0001u : 0x8001u;
    return static_cast<std::uint16_t>(negative == up ? bits - 1 : bits + 1);
}

template <DType D> struct Target;

template <float (*ToFloat)(std::uint16_t), std::uint16_t (*FromFloat)(float), std::uint16_t Infinity> struct Target16 {
    using Storage = std::uint16_t;
    using Compute = float;
    static double load(Storage v) { return static_cast<double>(ToFloat(v)); }
    static Storage fromCompute(float v) { return FromFloat(v); }
    static Storage step(Storage v, bool up) { return step16<Infinity>(v, up); }
};

template <> struct Target<DType::F16> : Target16<detail::halfToFloat, detail::floatToHalf, 0x7c00u> {
};
template <> struct Target<DType::BF16> : Target16<detail::bf16ToFloat, detail::floatToBf16, 0x7f80u> {
};

template <typename Float> struct TargetFloat {
    using Storage = Float;
    using Compute = Float;
    static double load(Storage v) { return static_cast<double>(v); }
    static Storage fromCompute(Float v) { return v; }
    static Storage step(Storage v, bool up)
    {
        if (std::isinf(v))
            return v;
        return std::nextafter(v, up ? std::numeric_limits<Float>::infinity() : -std::numeric_limits<Float>::infinity());
    }
};

template <> struct Target<DType::F32> : TargetFloat<float> {
};
template <> struct Target<DType::F64> : TargetFloat<double> {
};

template <typename Compute> constexpr int kPerBlock = sizeof(Compute) == 4 ? 4 : 2;

// Uniforms in [0, 1) with 24 (float) or 53 (double) random bits each.
template <typename Compute> std::array<Compute, kPerBlock<Compute>> uniformBlock(const PhiloxCounter& words)
{
    std::array<Compute, kPerBlock<Compute>> u{};
    if constexpr (kPerBlock<Compute> == 4) {
        for (int lane = 0; lane < 4; ++lane)
            u[lane] = static_cast<float>(words[lane] >> 8) * 0x1p-24f;
    } else {
        for (int lane = 0; lane < 2; ++lane) {
            const std::uint64_t bits = (std::uint64_t{words[2 * lane]} << 32 | words[2 * lane + 1]) >> 11;
            u[lane] = static_cast<double>(bits) * 0x1p-53;
        }
    }
    return u;
}

template <DType D> class RandomFill {
public:
    using T = Target<D>;
    using Compute = typename T::Compute;

    explicit RandomFill(const RandomDesc& desc)
        : m_desc(desc)
        , m_key{static_cast<std::uint32_t>(desc.seed), static_cast<std::uint32_t>(desc.seed >> 32)}
    {
        if (desc.distribution == Distribution::Uniform)
            findRange();
    }

    void fill(Array& out) const
    {
        auto* values = out.data<typename T::Storage>();
        const std::int64_t n = out.numel();
        constexpr int perBlock = kPerBlock<Compute>;
        const std::int64_t blocks = (n + perBlock - 1) / perBlock;
        parallelFor(blocks, kBlocksPerChunk, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t block = begin; block < end; ++block) {
                const auto index = static_cast<std::uint64_t>(block);
                const PhiloxCounter words = philox4x32x10(
                    {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32), 0, 0}, m_key);
                const std::array<Compute, perBlock> draws = transform(uniformBlock<Compute>(words));
                const std::int64_t first = block * perBlock;
                for (int lane = 0; lane < perBlock && first + lane < n; ++lane)
                    values[first + lane] = store(draws[lane]);
            }
        });
    }

private:
    std::array<Compute, kPerBlock<Compute>> transform(const std::array<Compute, kPerBlock<Compute>>& u) const
    {
        std::array<Compute, kPerBlock<Compute>> v{};
        if (m_desc.distribution == Distribution::Uniform) {
            const auto low = static_cast<Compute>(m_desc.a);
            const auto span = static_cast<Compute>(m_desc.b - m_desc.a);
            for (std::size_t lane = 0; lane < u.size(); ++lane)
                v[lane] = low + span * u[lane];
            return v;
        }
        const auto mean = static_cast<Compute>(m_desc.a);
        const auto stddev = static_cast<Compute>(m_desc.b);
        constexpr Compute twoPi = 2 * std::numbers::pi_v<Compute>;
        for (std::size_t lane = 0; lane < u.size(); lane += 2) {
            // 1 - u lies in (0, 1], so the logarithm is finite.
            const Compute radius = std::sqrt(Compute(-2) * std::log(Compute(1) - u[lane]));
            const Compute angle = twoPi * u[lane + 1];
            v[lane] = mean + stddev * radius * std::cos(angle);
            v[lane + 1] = mean + stddev * radius * std::sin(angle);
        }
        return v;
    }

    // Rounding into the target type may reach `high` or fall below `low`; uniform values
    // are kept to the representable values of [low, high).
    typename T::Storage store(Compute value) const
    {
        typename T::Storage stored = T::fromCompute(value);
        if (m_desc.distribution == Distribution::Uniform) {
            const double back = T::load(stored);
            if (back < m_lowValue)
                stored = m_low;
            else if (back > m_highValue)
                stored = m_high;
        }
        return stored;
    }

    // The smallest target value >= a and the largest < b, found exactly by stepping from
    // the rounded bounds.
    void findRange()
    {
        const double a = m_desc.a, b = m_desc.b;
        if (!std::isfinite(b - a))
            fail(ErrorCode::InvalidArgument, "uniform range [a, b) is too wide to sample", {.op = "rand"});
        m_low = T::fromCompute(static_cast<Compute>(a));
        while (T::load(m_low) < a)
            m_low = T::step(m_low, true);
        while (T::load(T::step(m_low, false)) >= a && T::step(m_low, false) != m_low)
            m_low = T::step(m_low, false);
        m_high = T::fromCompute(static_cast<Compute>(b));
        while (T::load(m_high) >= b && T::step(m_high, false) != m_high)
            m_high = T::step(m_high, false);
        while (T::load(T::step(m_high, true)) < b)
            m_high = T::step(m_high, true);
        m_lowValue = T::load(m_low);
        m_highValue = T::load(m_high);
        if (!(m_lowValue <= m_highValue) || m_highValue >= b || m_lowValue < a)
            fail(ErrorCode::InvalidArgument,
                 "no " + std::string(name(D)) + " value lies in [" + std::to_string(a) + ", " + std::to_string(b) + ")",
                 {.op = "rand"});
    }

    RandomDesc m_desc;
    PhiloxKey m_key;
    typename T::Storage m_low{};
    typename T::Storage m_high{};
    double m_lowValue = 0;
    double m_highValue = 0;
};

} // namespace

void fillRandom(const RandomDesc& desc, Array& out)
{
    desc.validate();
    const char* op = desc.distribution == Distribution::Uniform ? "rand" : "randn";
    detail::checkOperand(out, desc.shape, desc.dtype, Place::host(), op, "output");
    visitDType(desc.dtype, [&](auto tag) {
        constexpr DType dtype = decltype(tag)::value;
        if constexpr (dtype == DType::F16 || dtype == DType::BF16 || dtype == DType::F32 || dtype == DType::F64)
            RandomFill<dtype>(desc).fill(out);
        else
            fail(ErrorCode::DTypeMismatch, "random arrays are f16, bf16, f32 or f64", {.op = op});
    });
}

} // namespace wb::cpu
