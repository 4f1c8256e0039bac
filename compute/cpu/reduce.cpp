// Whole-array reductions (sum, mean, min, max, norm) as our own loops, for every dtype.
//
// The order of the arithmetic is fixed by the element count alone, so the result does
// not depend on the thread count: the array is cut into chunks of kChunk elements, each
// chunk is reduced pairwise (NumPy's pairwise summation: runs of up to 128 elements with
// eight interleaved accumulators, longer ranges halved), the chunks in parallel, and then
// the chunk partials pairwise again. The error of a floating sum therefore grows like
// log2(n) ulps of the accumulator, not n. Where the order cannot change the result
// (integer sums, min and max, u8/u16 squares; f32/f64 min/max), a chunk takes a plain loop,
// written so that GCC vectorises it at -O2.
//
// Accumulators: floating inputs in double (complex<double> for complex ones), so f16,
// bf16 and f32 sums lose nothing before the one rounding into the output dtype; integer
// sums exactly in int64 (then one rounding to f64), which any order gives alike; norm
// sums |x|^2 in double (u8 and u16 squares exactly within each chunk) and takes the
// square root at the end, without scaling (as numpy.linalg.norm: squares beyond ~1e308
// overflow to inf).
//
// Min and max are order-independent by construction, so both backends and every thread
// count give the same bits: values compare by their total order (-0 below +0), and a NaN
// anywhere wins, as in NumPy. Where several different NaNs occur, the one with the
// largest bit pattern is returned (NumPy returns the first; we cannot know "first" in
// parallel without paying for it, and the rule keeps the GPU bit for bit equal).

#include "dtype_dispatch.h"
#include "ops.h"
#include "parallel.h"
#include "rounding.h"

#include "core/half.h"
#include "core/operand_check.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

namespace wb::cpu {

namespace {

constexpr std::int64_t kChunk = std::int64_t{1} << 14; // elements per partial
constexpr std::int64_t kMinChunksPerTask = 8;          // 128 Ki elements before a thread is worth it
constexpr std::int64_t kPairwiseRun = 128;             // longest range summed without halving

// The pairwise tree over n items of a reducer R (defined below the reducers).
template <typename R> typename R::Acc pairwise(const typename R::Item* items, std::int64_t n);

template <DType D> inline constexpr bool kIsComplex = D == DType::C64 || D == DType::C128;
template <DType D> inline constexpr bool kIsInteger = D == DType::U8 || D == DType::U16 || D == DType::I32;

// How elements of each dtype are stored and read as numbers.
template <DType D> struct Element;
template <> struct Element<DType::U8> {
    using Item = std::uint8_t;
    static double value(Item v) { return v; }
};
template <> struct Element<DType::U16> {
    using Item = std::uint16_t;
    static double value(Item v) { return v; }
};
template <> struct Element<DType::I32> {
    using Item = std::int32_t;
    static double value(Item v) { return v; }
};
template <> struct Element<DType::F16> {
    using Item = std::uint16_t;
    using Bits = std::uint16_t;
    // detail::halfToFloat without its branches, so that loops over it stay fast: the 15
    // magnitude bits placed where a float keeps its exponent and mantissa, times 2^112,
    // are every finite half exactly (subnormals too); exponent 31 is inf or NaN, payload kept.
    static double value(Item v)
    {
        const std::uint32_t magnitude = v & 0x7fffu;
        const float finite = std::bit_cast<float>(magnitude << 13) * 0x1p112f;
        const float special = std::bit_cast<float>(0x7f800000u | ((v & 0x3ffu) << 13));
        const float absolute = magnitude >= 0x7c00u ? special : finite;
        return (v & 0x8000u) ? -static_cast<double>(absolute) : static_cast<double>(absolute);
    }
};
template <> struct Element<DType::BF16> {
    using Item = std::uint16_t;
    using Bits = std::uint16_t;
    static double value(Item v) { return detail::bf16ToFloat(v); }
};
template <> struct Element<DType::F32> {
    using Item = float;
    using Bits = std::uint32_t;
    static double value(Item v) { return v; }
};
template <> struct Element<DType::F64> {
    using Item = double;
    using Bits = std::uint64_t;
    static double value(Item v) { return v; }
};
template <> struct Element<DType::C64> {
    using Item = std::complex<float>;
    static std::complex<double> value(Item v) { return {v.real(), v.imag()}; }
};
template <> struct Element<DType::C128> {
    using Item = std::complex<double>;
    static std::complex<double> value(Item v) { return v; }
};

// The exponent-all-ones pattern of each floating format; anything above it (sign aside)
// is a NaN.
template <DType D> constexpr typename Element<D>::Bits infinityBits()
{
    if constexpr (D == DType::F16)
        return 0x7c00u;
    else if constexpr (D == DType::BF16)
        return 0x7f80u;
    else if constexpr (D == DType::F32)
        return 0x7f800000u;
    else
        return 0x7ff0000000000000u;
}

// Stores a double rounded once into a real output dtype (f16 and bf16 correctly rounded
// from the double, as the GPU's __double2half does).
void storeReal(DType dtype, double value, void* out)
{
    switch (dtype) {
    case DType::F16: *static_cast<std::uint16_t*>(out) = doubleToHalf(value); return;
    case DType::BF16: *static_cast<std::uint16_t*>(out) = doubleToBf16(value); return;
    case DType::F32: *static_cast<float*>(out) = static_cast<float>(value); return;
    case DType::F64: *static_cast<double*>(out) = value; return;
    default: break;
    }
    fail(ErrorCode::Internal, "reduce: " + std::string(name(dtype)) + " is not a real output dtype");
}

void storeComplex(DType dtype, std::complex<double> value, void* out)
{
    if (dtype == DType::C64) {
        *static_cast<std::complex<float>*>(out) = {static_cast<float>(value.real()), static_cast<float>(value.imag())};
        return;
    }
    if (dtype == DType::C128) {
        *static_cast<std::complex<double>*>(out) = value;
        return;
    }
    fail(ErrorCode::Internal, "reduce: " + std::string(name(dtype)) + " is not a complex output dtype");
}

// A reducer says what each element contributes (load), how two contributions combine
// (associative; for floating sums only up to rounding) and how the total becomes the
// output element (store).
template <DType D, bool kMean> struct SumReducer {
    using Item = typename Element<D>::Item;
    using Acc = std::conditional_t<kIsInteger<D>, std::int64_t,
                                   std::conditional_t<kIsComplex<D>, std::complex<double>, double>>;
    // -0, not +0, is the identity of IEEE addition: a sum of negative zeros stays -0, as
    // in NumPy (which starts from the first element). An empty sum is +0 (store()).
    static Acc identity()
    {
        if constexpr (kIsInteger<D>)
            return 0;
        else if constexpr (kIsComplex<D>)
            return {-0.0, -0.0};
        else
            return -0.0;
    }
    static Acc load(Item v)
    {
        if constexpr (kIsInteger<D>)
            return static_cast<std::int64_t>(v);
        else
            return Element<D>::value(v);
    }
    static Acc combine(Acc a, Acc b) { return a + b; }
    // Integer sums are exact in any order, so they need no tree: runs of 256 elements with
    // a constant trip count (which GCC vectorises at -O2), u8 and u16 in 32 bits (at most
    // 256 · 65535 < 2^32), then the run totals in 64.
    static Acc chunk(const Item* items, std::int64_t n) requires kIsInteger<D>
    {
        using Run = std::conditional_t<D == DType::I32, std::int64_t, std::uint32_t>;
        constexpr int kRun = 256;
        std::int64_t total = 0;
        std::int64_t i = 0;
        for (; i + kRun <= n; i += kRun) {
            Run run = 0;
            for (int k = 0; k < kRun; ++k)
                run += items[i + k];
            total += static_cast<std::int64_t>(run);
        }
        for (; i < n; ++i)
            total += items[i];
        return total;
    }
    static void store(Acc total, std::int64_t n, DType outType, void* out)
    {
        // An empty sum is +0, and its mean 0/0, NaN, as in NumPy (which also warns).
        if (n == 0)
            total = Acc{};
        const double count = static_cast<double>(n);
        if constexpr (kIsComplex<D>) {
            storeComplex(outType, kMean ? total / count : total, out);
        } else {
            const double sum = static_cast<double>(total);
            storeReal(outType, kMean ? sum / count : sum, out);
        }
    }
};

template <DType D> struct NormReducer {
    using Item = typename Element<D>::Item;
    using Acc = double;
    static Acc identity() { return 0.0; }
    static Acc load(Item v)
    {
        if constexpr (kIsComplex<D>) {
            const std::complex<double> z = Element<D>::value(v);
            return z.real() * z.real() + z.imag() * z.imag();
        } else {
            const double x = Element<D>::value(v);
            return x * x;
        }
    }
    static Acc combine(Acc a, Acc b) { return a + b; }
    // u8 and u16 squares are summed exactly in integers within a chunk (at most
    // 2^14 · 65535^2 < 2^53, so the chunk's total is exact in double too).
    static Acc chunk(const Item* items, std::int64_t n) requires(D == DType::U8 || D == DType::U16)
    {
        using Square = std::conditional_t<D == DType::U8, std::uint32_t, std::uint64_t>;
        static_assert(kChunk * 255 * 255 < (std::int64_t{1} << 32) && kChunk * 65535 * 65535 < (std::int64_t{1} << 53));
        constexpr int kRun = 256; // a constant trip count, which GCC vectorises at -O2
        Square total = 0;
        std::int64_t i = 0;
        for (; i + kRun <= n; i += kRun) {
            for (int k = 0; k < kRun; ++k)
                total += Square{items[i + k]} * items[i + k];
        }
        for (; i < n; ++i)
            total += Square{items[i]} * items[i];
        return static_cast<double>(total);
    }
    static void store(Acc total, std::int64_t, DType outType, void* out) { storeReal(outType, std::sqrt(total), out); }
};

template <DType D, bool kMax> struct IntegerExtremeReducer {
    using Item = typename Element<D>::Item;
    using Acc = Item;
    static Acc identity() { return kMax ? std::numeric_limits<Item>::lowest() : std::numeric_limits<Item>::max(); }
    static Acc load(Item v) { return v; }
    static Acc combine(Acc a, Acc b) { return kMax ? std::max(a, b) : std::min(a, b); }
    static Acc chunk(const Item* items, std::int64_t n)
    {
        constexpr int kRun = 256; // a constant trip count, which GCC vectorises at -O2
        Acc best = identity();
        std::int64_t i = 0;
        for (; i + kRun <= n; i += kRun) {
            for (int k = 0; k < kRun; ++k)
                best = combine(best, items[i + k]);
        }
        for (; i < n; ++i)
            best = combine(best, items[i]);
        return best;
    }
    static void store(Acc total, std::int64_t, DType, void* out) { std::memcpy(out, &total, sizeof total); }
};

// Floating min/max on bit patterns. `key` maps the bits to an unsigned integer in the
// order of the values (-inf < ... < -0 < +0 < ... < +inf): negative values complemented,
// positive ones with the sign bit set. NaNs are kept apart in `nan`, the largest NaN
// pattern seen (0 when none: 0 is +0, never a NaN), so both fields combine with plain
// integer min/max and the result cannot depend on the order.
template <DType D, bool kMax> struct FloatExtremeReducer {
    using Item = typename Element<D>::Item;
    using Bits = typename Element<D>::Bits;
    static constexpr Bits kSign = Bits(Bits{1} << (8 * sizeof(Bits) - 1));
    static constexpr Bits kInfinity = infinityBits<D>();
    struct Acc {
        Bits key;
        Bits nan;
    };
    static Acc identity() { return {kMax ? Bits{0} : Bits(~Bits{0}), 0}; }
    static Acc load(Item v)
    {
        const Bits bits = std::bit_cast<Bits>(v);
        const bool isNan = Bits(bits & Bits(~kSign)) > kInfinity;
        const Bits negative = Bits(Bits{0} - Bits(bits >> (8 * sizeof(Bits) - 1))); // all ones for sign set
        const Bits key = Bits(bits ^ Bits(negative | kSign));
        return {isNan ? identity().key : key, isNan ? bits : Bits{0}};
    }
    static Acc combine(Acc a, Acc b)
    {
        return {kMax ? std::max(a.key, b.key) : std::min(a.key, b.key), std::max(a.nan, b.nan)};
    }
    // f32 and f64 chunks compare values first, with eight running extremes and a NaN flag
    // (a few instructions an element, against a dozen for the keys), and fall back on the
    // keys for what that cannot decide: a chunk with a NaN, or one whose extreme is ±0.
    static Acc chunk(const Item* items, std::int64_t n) requires(D == DType::F32 || D == DType::F64)
    {
        constexpr int kLanes = 8;
        const auto better = [](Item x, Item best) { return kMax ? (x > best ? x : best) : (x < best ? x : best); };
        Item best[kLanes];
        Bits nan[kLanes]; // same width as Item, so that the loop vectorises
        for (int k = 0; k < kLanes; ++k) {
            best[k] = items[0];
            nan[k] = 0;
        }
        std::int64_t i = 0;
        for (; i + kLanes <= n; i += kLanes) {
#pragma GCC unroll 8
            for (int k = 0; k < kLanes; ++k) {
                const Item x = items[i + k];
                nan[k] |= Bits(x != x);
                best[k] = better(x, best[k]);
            }
        }
        Item extreme = best[0];
        Bits anyNan = nan[0];
        for (int k = 1; k < kLanes; ++k) {
            extreme = better(best[k], extreme);
            anyNan |= nan[k];
        }
        for (; i < n; ++i) {
            anyNan |= Bits(items[i] != items[i]);
            extreme = better(items[i], extreme);
        }
        if (anyNan || extreme == 0)
            return pairwise<FloatExtremeReducer>(items, n);
        return load(extreme);
    }
    static void store(Acc total, std::int64_t, DType, void* out)
    {
        Bits bits = total.nan;
        if (bits == 0)
            bits = (total.key & kSign) ? Bits(total.key ^ kSign) : Bits(~total.key);
        std::memcpy(out, &bits, sizeof bits);
    }
};

// The chunk partials, reduced with the same pairwise tree.
template <typename R> struct PartialReducer {
    using Item = typename R::Acc;
    using Acc = typename R::Acc;
    static Acc identity() { return R::identity(); }
    static Acc load(Item v) { return v; }
    static Acc combine(Acc a, Acc b) { return R::combine(a, b); }
};

// NumPy's pairwise_sum (numpy/_core/src/umath/loops_utils.h.src), for any reducer.
template <typename R> typename R::Acc pairwise(const typename R::Item* items, std::int64_t n)
{
    using Acc = typename R::Acc;
    if (n < 8) {
        Acc acc = R::identity();
        for (std::int64_t i = 0; i < n; ++i)
            acc = R::combine(acc, R::load(items[i]));
        return acc;
    }
    if (n <= kPairwiseRun) {
        Acc r[8];
        for (int k = 0; k < 8; ++k)
            r[k] = R::load(items[k]);
        std::int64_t i = 8;
        for (; i + 8 <= n; i += 8) {
            // Unrolled before vectorising, so that the accumulators stay in registers
            // (vectorised as a loop, they round-trip through the stack every step).
#pragma GCC unroll 8
            for (int k = 0; k < 8; ++k)
                r[k] = R::combine(r[k], R::load(items[i + k]));
        }
        Acc acc = R::combine(R::combine(R::combine(r[0], r[1]), R::combine(r[2], r[3])),
                             R::combine(R::combine(r[4], r[5]), R::combine(r[6], r[7])));
        for (; i < n; ++i)
            acc = R::combine(acc, R::load(items[i]));
        return acc;
    }
    std::int64_t half = n / 2;
    half -= half % 8;
    // In this order: as two arguments of one call, GCC reads the right half first, and
    // the array backwards leaf by leaf defeats the hardware prefetcher (3x slower).
    const Acc left = pairwise<R>(items, half);
    const Acc right = pairwise<R>(items + half, n - half);
    return R::combine(left, right);
}

template <typename R> class Reduction final : public UnaryOp {
public:
    explicit Reduction(const ReduceDesc& desc)
        : m_desc(desc)
        , m_name(name(desc.op).data())
        , m_outType(desc.outputDType())
        , m_count(desc.shape.numel())
        , m_partials(static_cast<std::size_t>((m_count + kChunk - 1) / kChunk))
    {
    }

    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), m_name, "input");
        detail::checkOperand(out, Shape{}, m_outType, Place::host(), m_name, "output");
        // The output is written once, after the whole input is read, so the two may overlap.
        const auto* items = static_cast<const typename R::Item*>(in.data());
        const auto chunks = static_cast<std::int64_t>(m_partials.size());
        parallelFor(chunks, kMinChunksPerTask, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t c = begin; c < end; ++c) {
                const std::int64_t first = c * kChunk;
                const std::int64_t count = std::min(kChunk, m_count - first);
                if constexpr (requires { R::chunk(items, count); })
                    m_partials[static_cast<std::size_t>(c)] = R::chunk(items + first, count);
                else
                    m_partials[static_cast<std::size_t>(c)] = pairwise<R>(items + first, count);
            }
        });
        R::store(pairwise<PartialReducer<R>>(m_partials.data(), chunks), m_count, m_outType, out.data());
    }

private:
    ReduceDesc m_desc;
    const char* m_name; // name(op) views a string literal
    DType m_outType;
    std::int64_t m_count;
    std::vector<typename R::Acc> m_partials; // one per chunk, reused by every run
};

template <DType D, bool kMax> std::unique_ptr<UnaryOp> prepareExtreme(const ReduceDesc& desc)
{
    if constexpr (kIsComplex<D>)
        fail(ErrorCode::DTypeMismatch, "min/max of complex values", {.op = std::string(name(desc.op))});
    else if constexpr (kIsInteger<D>)
        return std::make_unique<Reduction<IntegerExtremeReducer<D, kMax>>>(desc);
    else
        return std::make_unique<Reduction<FloatExtremeReducer<D, kMax>>>(desc);
}

} // namespace

std::unique_ptr<UnaryOp> prepareReduce(const ReduceDesc& desc)
{
    desc.validate();
    return visitDType(desc.dtype, [&](auto tag) -> std::unique_ptr<UnaryOp> {
        constexpr DType D = decltype(tag)::value;
        switch (desc.op) {
        case ReduceOp::Sum: return std::make_unique<Reduction<SumReducer<D, false>>>(desc);
        case ReduceOp::Mean: return std::make_unique<Reduction<SumReducer<D, true>>>(desc);
        case ReduceOp::Min: return prepareExtreme<D, false>(desc);
        case ReduceOp::Max: return prepareExtreme<D, true>(desc);
        case ReduceOp::Norm: return std::make_unique<Reduction<NormReducer<D>>>(desc);
        }
        fail(ErrorCode::InvalidArgument, "unknown reduction", {.op = "reduce"});
    });
}

} // namespace wb::cpu
