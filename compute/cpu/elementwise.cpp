// Elementwise expressions (ElementwiseDesc) in one pass over memory. The DAG is evaluated a
// block of kBlock elements at a time: each node is one tight loop over the block, from
// small register buffers ("slots") into another, so that the compiler vectorises every
// loop on its own. -O2's very-cheap cost model only takes loops that need no scalar
// remainder and no run-time alias checks, so every compute loop runs exactly kBlock
// iterations over __restrict pointers; only the loads and the store of the last block are
// shorter. Blocks are spread over the backend's threads with parallelFor.
//
// Register types, by node dtype (validate() decided them): int64 for u8, u16 and i32
// (wrapped to the node's dtype after every op), float for f16, bf16 and f32 (f16 and bf16
// are rounded only where stored, or by a Cast), double for f64, and complex numbers as the
// real parts then the imaginary parts of a slot, so that complex arithmetic vectorises
// like real arithmetic. Nodes that depend on no per-element data (constants, one-element
// inputs, arithmetic on those) are evaluated once per thread, before its first block.
//
// Each element is read and written by the thread that owns its block, so an input may be
// the output itself (same start, same element size); other overlaps are refused.

#include "dtype_dispatch.h"
#include "ops.h"
#include "parallel.h"
#include "rounding.h"

#include "core/half.h"
#include "core/operand_check.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <map>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace wb::cpu {

namespace {

constexpr int kBlock = 1024;
// 32 blocks (32K elements) at least per thread, so small arrays stay on the calling thread.
constexpr std::int64_t kMinBlocksPerThread = 32;
// A slot holds kBlock values of the widest register type, a complex double.
constexpr std::size_t kSlotBytes = 2 * kBlock * sizeof(double);
constexpr std::align_val_t kSlotAlignment{64};

enum class Reg : std::uint8_t { Int, Float, Double, ComplexFloat, ComplexDouble };

constexpr Reg regOf(DType dtype)
{
    switch (dtype) {
    case DType::U8:
    case DType::U16:
    case DType::I32: return Reg::Int;
    case DType::F16:
    case DType::BF16:
    case DType::F32: return Reg::Float;
    case DType::F64: return Reg::Double;
    case DType::C64: return Reg::ComplexFloat;
    case DType::C128: break;
    }
    return Reg::ComplexDouble;
}

template <Reg R> struct RegTraits;
template <> struct RegTraits<Reg::Int> {
    using Part = std::int64_t;
    static constexpr bool kComplex = false;
};
template <> struct RegTraits<Reg::Float> {
    using Part = float;
    static constexpr bool kComplex = false;
};
template <> struct RegTraits<Reg::Double> {
    using Part = double;
    static constexpr bool kComplex = false;
};
template <> struct RegTraits<Reg::ComplexFloat> {
    using Part = float;
    static constexpr bool kComplex = true;
};
template <> struct RegTraits<Reg::ComplexDouble> {
    using Part = double;
    static constexpr bool kComplex = true;
};
// The type of one value (a real register) or of one part (a complex register).
template <Reg R> using PartOf = typename RegTraits<R>::Part;
template <Reg R> inline constexpr bool kComplexReg = RegTraits<R>::kComplex;
constexpr bool isComplexReg(Reg reg) { return reg == Reg::ComplexFloat || reg == Reg::ComplexDouble; }

// How elements lie in memory; complex dtypes as interleaved (re, im) parts.
template <DType D> struct StorageOf;
template <> struct StorageOf<DType::U8> {
    using Type = std::uint8_t;
};
template <> struct StorageOf<DType::U16> {
    using Type = std::uint16_t;
};
template <> struct StorageOf<DType::I32> {
    using Type = std::int32_t;
};
template <> struct StorageOf<DType::F16> {
    using Type = std::uint16_t;
};
template <> struct StorageOf<DType::BF16> {
    using Type = std::uint16_t;
};
template <> struct StorageOf<DType::F32> {
    using Type = float;
};
template <> struct StorageOf<DType::F64> {
    using Type = double;
};
template <> struct StorageOf<DType::C64> {
    using Type = float;
};
template <> struct StorageOf<DType::C128> {
    using Type = double;
};
template <DType D> using Stored = typename StorageOf<D>::Type;

template <DType D> inline PartOf<regOf(D)> widen(Stored<D> value)
{
    if constexpr (D == DType::F16)
        return detail::halfToFloat(value);
    else if constexpr (D == DType::BF16)
        return detail::bf16ToFloat(value);
    else
        return static_cast<PartOf<regOf(D)>>(value);
}

// Register values fit their dtype already (integers are wrapped or saturated at every
// node); f16 and bf16 are rounded to nearest even here.
template <DType D> inline Stored<D> narrow(PartOf<regOf(D)> value)
{
    if constexpr (D == DType::F16)
        return detail::floatToHalf(value);
    else if constexpr (D == DType::BF16)
        return detail::floatToBf16(value);
    else
        return static_cast<Stored<D>>(value);
}

struct Frame {
    std::byte* slots = nullptr;
    const void* const* inputs = nullptr;
    void* output = nullptr;

    template <typename T> T* slot(int index) const
    {
        return reinterpret_cast<T*>(slots + static_cast<std::size_t>(index) * kSlotBytes);
    }
};

struct Step;
// One loop over a block. begin and count matter only to loads, Index and the store.
using Kernel = void (*)(const Step& step, const Frame& frame, std::int64_t begin, std::int64_t count);

struct Step {
    Kernel kernel = nullptr;
    int out = -1; // slots
    int a = -1;
    int b = -1;
    int c = -1;
    int input = -1;   // loads
    double value = 0; // constants, already rounded to the dtype they took
};

// ---- The loops -------------------------------------------------------------------------

template <typename T> inline void fill(T* __restrict out, T value)
{
    for (int i = 0; i < kBlock; ++i)
        out[i] = value;
}

template <typename Out, typename In, typename F> inline void map1(Out* __restrict out, const In* __restrict a, F f)
{
    for (int i = 0; i < kBlock; ++i)
        out[i] = f(a[i]);
}

template <typename Out, typename In, typename F>
inline void map2(Out* __restrict out, const In* __restrict a, const In* __restrict b, F f)
{
    for (int i = 0; i < kBlock; ++i)
        out[i] = f(a[i], b[i]);
}

template <typename T> struct Parts {
    T re;
    T im;
};

template <typename T, typename F>
inline void complexMap1(T* __restrict outRe, T* __restrict outIm, const T* __restrict re, const T* __restrict im, F f)
{
    for (int i = 0; i < kBlock; ++i) {
        const Parts<T> z = f(re[i], im[i]);
        outRe[i] = z.re;
        outIm[i] = z.im;
    }
}

template <typename T, typename F> inline void complexMap2(T* __restrict outRe, T* __restrict outIm,
                                                          const T* __restrict aRe, const T* __restrict aIm,
                                                          const T* __restrict bRe, const T* __restrict bIm, F f)
{
    for (int i = 0; i < kBlock; ++i) {
        const Parts<T> z = f(aRe[i], aIm[i], bRe[i], bIm[i]);
        outRe[i] = z.re;
        outIm[i] = z.im;
    }
}

// ---- Loads, constants, Index and the store ----------------------------------------------

// The tail of the last block is set to 0, so the loops after it never read undefined values.
template <DType D>
inline void loadReal(PartOf<regOf(D)>* __restrict out, const Stored<D>* __restrict in, std::int64_t count)
{
    if (count == kBlock) {
        for (int i = 0; i < kBlock; ++i)
            out[i] = widen<D>(in[i]);
        return;
    }
    for (std::int64_t i = 0; i < count; ++i)
        out[i] = widen<D>(in[i]);
    for (std::int64_t i = count; i < kBlock; ++i)
        out[i] = 0;
}

template <typename T>
inline void loadComplex(T* __restrict re, T* __restrict im, const T* __restrict in, std::int64_t count)
{
    if (count == kBlock) {
        for (int i = 0; i < kBlock; ++i) {
            re[i] = in[2 * i];
            im[i] = in[2 * i + 1];
        }
        return;
    }
    for (std::int64_t i = 0; i < count; ++i) {
        re[i] = in[2 * i];
        im[i] = in[2 * i + 1];
    }
    for (std::int64_t i = count; i < kBlock; ++i)
        re[i] = im[i] = 0;
}

template <DType D> void loadKernel(const Step& step, const Frame& frame, std::int64_t begin, std::int64_t count)
{
    using T = PartOf<regOf(D)>;
    const auto* source = static_cast<const Stored<D>*>(frame.inputs[step.input]);
    T* out = frame.slot<T>(step.out);
    if constexpr (kComplexReg<regOf(D)>)
        loadComplex(out, out + kBlock, source + 2 * begin, count);
    else
        loadReal<D>(out, source + begin, count);
}

// A one-element input, used for every element.
template <DType D> void broadcastKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    using T = PartOf<regOf(D)>;
    const auto* source = static_cast<const Stored<D>*>(frame.inputs[step.input]);
    T* out = frame.slot<T>(step.out);
    if constexpr (kComplexReg<regOf(D)>) {
        fill(out, source[0]);
        fill(out + kBlock, source[1]);
    } else {
        fill(out, widen<D>(source[0]));
    }
}

template <Reg R> void constantKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    using T = PartOf<R>;
    T* out = frame.slot<T>(step.out);
    fill(out, static_cast<T>(step.value));
    if constexpr (kComplexReg<R>)
        fill(out + kBlock, T(0));
}

void indexKernel(const Step& step, const Frame& frame, std::int64_t begin, std::int64_t)
{
    double* __restrict out = frame.slot<double>(step.out);
    const double first = static_cast<double>(begin);
    for (int i = 0; i < kBlock; ++i)
        out[i] = first + i;
}

template <DType D>
inline void storeReal(Stored<D>* __restrict out, const PartOf<regOf(D)>* __restrict in, std::int64_t count)
{
    if (count == kBlock) {
        for (int i = 0; i < kBlock; ++i)
            out[i] = narrow<D>(in[i]);
        return;
    }
    for (std::int64_t i = 0; i < count; ++i)
        out[i] = narrow<D>(in[i]);
}

template <typename T>
inline void storeComplex(T* __restrict out, const T* __restrict re, const T* __restrict im, std::int64_t count)
{
    for (std::int64_t i = 0; i < count; ++i) {
        out[2 * i] = re[i];
        out[2 * i + 1] = im[i];
    }
}

template <DType D> void storeKernel(const Step& step, const Frame& frame, std::int64_t begin, std::int64_t count)
{
    using T = PartOf<regOf(D)>;
    auto* target = static_cast<Stored<D>*>(frame.output);
    const T* in = frame.slot<T>(step.a);
    if constexpr (kComplexReg<regOf(D)>)
        storeComplex(target + 2 * begin, in, in + kBlock, count);
    else
        storeReal<D>(target + begin, in, count);
}

// ---- Conversions -------------------------------------------------------------------------

// Implicit: an operand widened to the register type of the node that uses it.
template <Reg From, Reg To> void convertKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    static_assert(kComplexReg<To> || !kComplexReg<From>, "complex values never become real implicitly");
    using S = PartOf<From>;
    using T = PartOf<To>;
    const S* a = frame.slot<S>(step.a);
    T* out = frame.slot<T>(step.out);
    map1(out, a, [](S v) { return static_cast<T>(v); });
    if constexpr (kComplexReg<From>)
        map1(out + kBlock, a + kBlock, [](S v) { return static_cast<T>(v); });
    else if constexpr (kComplexReg<To>)
        fill(out + kBlock, T(0));
}

// A Cast node: the register value converted as ConvertDesc converts an element, rounded
// once from its exact value (double holds every register value exactly).
template <DType To, typename S> inline PartOf<regOf(To)> castValue(S value)
{
    if constexpr (To == DType::U8)
        return saturate<std::uint8_t>(static_cast<double>(value));
    else if constexpr (To == DType::U16)
        return saturate<std::uint16_t>(static_cast<double>(value));
    else if constexpr (To == DType::I32)
        return saturate<std::int32_t>(static_cast<double>(value));
    else if constexpr (To == DType::F16 && std::is_same_v<S, float>)
        return detail::halfToFloat(detail::floatToHalf(value));
    else if constexpr (To == DType::F16)
        return detail::halfToFloat(doubleToHalf(static_cast<double>(value)));
    else if constexpr (To == DType::BF16 && std::is_same_v<S, float>)
        return detail::bf16ToFloat(detail::floatToBf16(value));
    else if constexpr (To == DType::BF16)
        return detail::bf16ToFloat(doubleToBf16(static_cast<double>(value)));
    else
        return static_cast<PartOf<regOf(To)>>(static_cast<double>(value));
}

template <Reg From, DType To> void castKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    using S = PartOf<From>;
    using T = PartOf<regOf(To)>;
    const S* a = frame.slot<S>(step.a);
    T* out = frame.slot<T>(step.out);
    if constexpr (kComplexReg<From>) {
        static_assert(kComplexReg<regOf(To)>, "validate() refuses complex -> real casts");
        map1(out, a, [](S v) { return static_cast<T>(v); });
        map1(out + kBlock, a + kBlock, [](S v) { return static_cast<T>(v); });
    } else {
        map1(out, a, [](S v) { return castValue<To>(v); });
        if constexpr (kComplexReg<regOf(To)>)
            fill(out + kBlock, T(0));
    }
}

// ---- Arithmetic --------------------------------------------------------------------------

template <ElemOp> inline constexpr bool kNoKernel = false;

// Integer register values lie in the i32 range, so the difference of two is exact and its
// sign stands in for a 64-bit compare, which SSE2 lacks: with these the integer compare,
// minimum, maximum and Where loops vectorise on any x86-64.
inline std::int64_t signBit(std::int64_t v)
{
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(v) >> 63); // 1 when v < 0
}
inline std::int64_t nonzero(std::int64_t v) { return signBit(v | -v); }

template <DType D> inline std::int64_t wrap(std::int64_t v)
{
    if constexpr (D == DType::U8)
        return v & 0xff;
    else if constexpr (D == DType::U16)
        return v & 0xffff;
    else
        return static_cast<std::int32_t>(v); // modular since C++20
}

// Round half to even, floor and ceil without libm calls, so that these loops vectorise on
// any x86-64 (SSE2 has no rounding instruction): adding and subtracting 2^(digits - 1)
// rounds to an integer in the default rounding mode. Magnitudes at or above that are
// integers already, and infinities and NaN pass through unchanged.
template <typename T> inline T roundHalfEven(T x)
{
    constexpr T big = std::is_same_v<T, float> ? T(0x1p23) : T(0x1p52);
    const T magnitude = std::fabs(x);
    const T rounded = std::copysign((magnitude + big) - big, x);
    return magnitude < big ? rounded : x;
}

template <ElemOp Op, typename T> inline T realUnary(T x)
{
    if constexpr (Op == ElemOp::Neg)
        return -x;
    else if constexpr (Op == ElemOp::Abs)
        return std::fabs(x);
    else if constexpr (Op == ElemOp::Sqrt)
        return std::sqrt(x);
    else if constexpr (Op == ElemOp::Exp)
        return std::exp(x);
    else if constexpr (Op == ElemOp::Log)
        return std::log(x);
    else if constexpr (Op == ElemOp::Log1p)
        return std::log1p(x);
    else if constexpr (Op == ElemOp::Sin)
        return std::sin(x);
    else if constexpr (Op == ElemOp::Cos)
        return std::cos(x);
    else if constexpr (Op == ElemOp::Tan)
        return std::tan(x);
    else if constexpr (Op == ElemOp::Tanh)
        return std::tanh(x);
    else if constexpr (Op == ElemOp::Round)
        return roundHalfEven(x);
    else if constexpr (Op == ElemOp::Floor) {
        const T r = roundHalfEven(x);
        return r > x ? r - T(1) : r;
    } else if constexpr (Op == ElemOp::Ceil) {
        const T r = roundHalfEven(x);
        return r < x ? std::copysign(r + T(1), x) : r; // ceil(-0.5) is -0
    } else if constexpr (Op == ElemOp::Angle)
        return std::atan2(T(0), x);
    else
        static_assert(kNoKernel<Op>);
}

constexpr bool hasRealUnary(ElemOp op) { return (op >= ElemOp::Neg && op <= ElemOp::Round) || op == ElemOp::Angle; }

template <ElemOp Op, typename T> void realUnaryKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    map1(frame.slot<T>(step.out), frame.slot<T>(step.a), [](T x) { return realUnary<Op>(x); });
}

template <ElemOp Op, DType D> void intUnaryKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    map1(frame.slot<std::int64_t>(step.out), frame.slot<std::int64_t>(step.a), [](std::int64_t x) {
        if constexpr (Op == ElemOp::Neg)
            return wrap<D>(-x);
        else
            return wrap<D>(x < 0 ? -x : x);
    });
}

constexpr bool hasIntUnary(ElemOp op) { return op == ElemOp::Neg || op == ElemOp::Abs; }

// NumPy's minimum and maximum: a NaN operand wins, the first one if both are.
template <ElemOp Op, typename T> inline T realBinary(T a, T b)
{
    if constexpr (Op == ElemOp::Add)
        return a + b;
    else if constexpr (Op == ElemOp::Sub)
        return a - b;
    else if constexpr (Op == ElemOp::Mul)
        return a * b;
    else if constexpr (Op == ElemOp::Div)
        return a / b;
    else if constexpr (Op == ElemOp::Pow)
        return std::pow(a, b);
    else if constexpr (Op == ElemOp::Minimum)
        return (a <= b || a != a) ? a : b;
    else if constexpr (Op == ElemOp::Maximum)
        return (a >= b || a != a) ? a : b;
    else
        static_assert(kNoKernel<Op>);
}

constexpr bool hasRealBinary(ElemOp op) { return op >= ElemOp::Add && op <= ElemOp::Maximum; }

template <ElemOp Op, typename T> void realBinaryKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    map2(frame.slot<T>(step.out), frame.slot<T>(step.a), frame.slot<T>(step.b),
         [](T a, T b) { return realBinary<Op>(a, b); });
}

template <ElemOp Op, DType D> void intBinaryKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    using I = std::int64_t;
    map2(frame.slot<I>(step.out), frame.slot<I>(step.a), frame.slot<I>(step.b), [](I a, I b) {
        if constexpr (Op == ElemOp::Add) {
            return wrap<D>(a + b);
        } else if constexpr (Op == ElemOp::Sub) {
            return wrap<D>(a - b);
        } else if constexpr (Op == ElemOp::Mul && D != DType::I32) {
            // u8 and u16 products fit 32 bits, and 32-bit multiplies vectorise
            return wrap<D>(static_cast<std::uint32_t>(a) * static_cast<std::uint32_t>(b));
        } else if constexpr (Op == ElemOp::Mul) {
            return wrap<D>(a * b); // |a·b| < 2^62: the operands fit i32
        } else {
            // all ones where the minimum (maximum) is a
            const I takeA = -signBit(Op == ElemOp::Minimum ? a - b : b - a);
            return (a & takeA) | (b & ~takeA);
        }
    });
}

constexpr bool hasIntBinary(ElemOp op)
{
    return op == ElemOp::Add || op == ElemOp::Sub || op == ElemOp::Mul || op == ElemOp::Minimum ||
           op == ElemOp::Maximum;
}

template <ElemOp Op, typename T> inline std::int64_t compare(T a, T b)
{
    if constexpr (std::is_same_v<T, std::int64_t>) {
        if constexpr (Op == ElemOp::Equal)
            return nonzero(a - b) ^ 1;
        else if constexpr (Op == ElemOp::NotEqual)
            return nonzero(a - b);
        else if constexpr (Op == ElemOp::Less)
            return signBit(a - b);
        else if constexpr (Op == ElemOp::LessEqual)
            return signBit(b - a) ^ 1;
        else if constexpr (Op == ElemOp::Greater)
            return signBit(b - a);
        else
            return signBit(a - b) ^ 1;
    } else if constexpr (Op == ElemOp::Equal)
        return a == b;
    else if constexpr (Op == ElemOp::NotEqual)
        return a != b;
    else if constexpr (Op == ElemOp::Less)
        return a < b;
    else if constexpr (Op == ElemOp::LessEqual)
        return a <= b;
    else if constexpr (Op == ElemOp::Greater)
        return a > b;
    else if constexpr (Op == ElemOp::GreaterEqual)
        return a >= b;
    else
        static_assert(kNoKernel<Op>);
}

constexpr bool hasCompare(ElemOp op) { return op >= ElemOp::Equal && op <= ElemOp::GreaterEqual; }

template <ElemOp Op, typename T> void compareKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    map2(frame.slot<std::int64_t>(step.out), frame.slot<T>(step.a), frame.slot<T>(step.b),
         [](T a, T b) { return compare<Op>(a, b); });
}

// ---- Complex arithmetic (T: the part type) ----------------------------------------------

template <ElemOp Op, typename T>
void complexUnaryKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    T* out = frame.slot<T>(step.out);
    const T* a = frame.slot<T>(step.a);
    complexMap1(out, out + kBlock, a, a + kBlock, [](T re, T im) {
        if constexpr (Op == ElemOp::Neg)
            return Parts<T>{-re, -im};
        else
            return Parts<T>{re, -im};
    });
}

constexpr bool hasComplexUnary(ElemOp op) { return op == ElemOp::Neg || op == ElemOp::Conj; }

template <ElemOp Op, typename T>
void complexToRealKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    T* __restrict out = frame.slot<T>(step.out);
    const T* __restrict re = frame.slot<T>(step.a);
    const T* __restrict im = re + kBlock;
    for (int i = 0; i < kBlock; ++i) {
        if constexpr (Op == ElemOp::Abs)
            out[i] = std::hypot(re[i], im[i]);
        else if constexpr (Op == ElemOp::Angle)
            out[i] = std::atan2(im[i], re[i]);
        else if constexpr (Op == ElemOp::Real)
            out[i] = re[i];
        else
            out[i] = im[i];
    }
}

constexpr bool hasComplexToReal(ElemOp op)
{
    return op == ElemOp::Abs || op == ElemOp::Angle || op == ElemOp::Real || op == ElemOp::Imag;
}

// Division as NumPy does it (Smith's algorithm, with its answer for a zero divisor), as
// selects rather than branches so that the loop vectorises.
template <typename T> inline Parts<T> complexDivide(T ar, T ai, T br, T bi)
{
    const bool realLarger = std::fabs(br) >= std::fabs(bi);
    const T num = realLarger ? bi : br;
    const T den = realLarger ? br : bi;
    const T ratio = num / den;
    const T scale = T(1) / (den + num * ratio);
    const T re = realLarger ? (ar + ai * ratio) * scale : (ar * ratio + ai) * scale;
    const T im = realLarger ? (ai - ar * ratio) * scale : (ai * ratio - ar) * scale;
    const bool zero = br == T(0) && bi == T(0);
    const T absBr = std::fabs(br);
    return {zero ? ar / absBr : re, zero ? ai / absBr : im};
}

template <ElemOp Op, typename T>
void complexBinaryKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    T* out = frame.slot<T>(step.out);
    const T* a = frame.slot<T>(step.a);
    const T* b = frame.slot<T>(step.b);
    complexMap2(out, out + kBlock, a, a + kBlock, b, b + kBlock, [](T ar, T ai, T br, T bi) {
        if constexpr (Op == ElemOp::Add)
            return Parts<T>{ar + br, ai + bi};
        else if constexpr (Op == ElemOp::Sub)
            return Parts<T>{ar - br, ai - bi};
        else if constexpr (Op == ElemOp::Mul)
            return Parts<T>{ar * br - ai * bi, ar * bi + ai * br};
        else
            return complexDivide(ar, ai, br, bi);
    });
}

constexpr bool hasComplexBinary(ElemOp op)
{
    return op == ElemOp::Add || op == ElemOp::Sub || op == ElemOp::Mul || op == ElemOp::Div;
}

template <ElemOp Op, typename T>
void complexCompareKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    std::int64_t* __restrict out = frame.slot<std::int64_t>(step.out);
    const T* __restrict a = frame.slot<T>(step.a);
    const T* __restrict b = frame.slot<T>(step.b);
    for (int i = 0; i < kBlock; ++i) {
        const bool equal = (a[i] == b[i]) & (a[i + kBlock] == b[i + kBlock]);
        out[i] = Op == ElemOp::Equal ? equal : !equal;
    }
}

constexpr bool hasComplexCompare(ElemOp op) { return op == ElemOp::Equal || op == ElemOp::NotEqual; }

// ---- Where -------------------------------------------------------------------------------

// Where's condition as 0 or 1 (comparisons give 0 or 1 already and skip this).
template <Reg R> void nonzeroKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    using T = PartOf<R>;
    std::int64_t* __restrict out = frame.slot<std::int64_t>(step.out);
    const T* __restrict a = frame.slot<T>(step.a);
    for (int i = 0; i < kBlock; ++i) {
        if constexpr (R == Reg::Int)
            out[i] = nonzero(a[i]);
        else if constexpr (kComplexReg<R>)
            out[i] = (a[i] != T(0)) | (a[i + kBlock] != T(0));
        else
            out[i] = a[i] != T(0);
    }
}

// mask ? b : c for masks of 0 or 1, as a select of the bits (a mask of the values' width),
// which vectorises where a compare of the 64-bit mask would not.
template <typename T>
inline void choose(T* __restrict out, const std::int64_t* __restrict mask, const T* __restrict b, const T* __restrict c)
{
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    for (int i = 0; i < kBlock; ++i) {
        const Bits takeB = Bits(0) - static_cast<Bits>(mask[i]);
        out[i] = std::bit_cast<T>((std::bit_cast<Bits>(b[i]) & takeB) | (std::bit_cast<Bits>(c[i]) & ~takeB));
    }
}

template <Reg R> void whereKernel(const Step& step, const Frame& frame, std::int64_t, std::int64_t)
{
    using T = PartOf<R>;
    T* out = frame.slot<T>(step.out);
    const std::int64_t* mask = frame.slot<std::int64_t>(step.a);
    const T* b = frame.slot<T>(step.b);
    const T* c = frame.slot<T>(step.c);
    choose(out, mask, b, c);
    if constexpr (kComplexReg<R>)
        choose(out + kBlock, mask, b + kBlock, c + kBlock);
}

// ---- Choosing kernels --------------------------------------------------------------------

template <Reg R> using RegTag = std::integral_constant<Reg, R>;
template <ElemOp Op> using OpTag = std::integral_constant<ElemOp, Op>;

template <typename F> Kernel visitReg(Reg reg, F&& f)
{
    switch (reg) {
    case Reg::Int: return f(RegTag<Reg::Int>{});
    case Reg::Float: return f(RegTag<Reg::Float>{});
    case Reg::Double: return f(RegTag<Reg::Double>{});
    case Reg::ComplexFloat: return f(RegTag<Reg::ComplexFloat>{});
    case Reg::ComplexDouble: return f(RegTag<Reg::ComplexDouble>{});
    }
    return nullptr;
}

// The ops that have kernels of their own (leaves, Cast and Where are built separately).
template <typename F> Kernel visitOp(ElemOp op, F&& f)
{
    switch (op) {
    case ElemOp::Neg: return f(OpTag<ElemOp::Neg>{});
    case ElemOp::Abs: return f(OpTag<ElemOp::Abs>{});
    case ElemOp::Sqrt: return f(OpTag<ElemOp::Sqrt>{});
    case ElemOp::Exp: return f(OpTag<ElemOp::Exp>{});
    case ElemOp::Log: return f(OpTag<ElemOp::Log>{});
    case ElemOp::Log1p: return f(OpTag<ElemOp::Log1p>{});
    case ElemOp::Sin: return f(OpTag<ElemOp::Sin>{});
    case ElemOp::Cos: return f(OpTag<ElemOp::Cos>{});
    case ElemOp::Tan: return f(OpTag<ElemOp::Tan>{});
    case ElemOp::Tanh: return f(OpTag<ElemOp::Tanh>{});
    case ElemOp::Floor: return f(OpTag<ElemOp::Floor>{});
    case ElemOp::Ceil: return f(OpTag<ElemOp::Ceil>{});
    case ElemOp::Round: return f(OpTag<ElemOp::Round>{});
    case ElemOp::Real: return f(OpTag<ElemOp::Real>{});
    case ElemOp::Imag: return f(OpTag<ElemOp::Imag>{});
    case ElemOp::Conj: return f(OpTag<ElemOp::Conj>{});
    case ElemOp::Angle: return f(OpTag<ElemOp::Angle>{});
    case ElemOp::Add: return f(OpTag<ElemOp::Add>{});
    case ElemOp::Sub: return f(OpTag<ElemOp::Sub>{});
    case ElemOp::Mul: return f(OpTag<ElemOp::Mul>{});
    case ElemOp::Div: return f(OpTag<ElemOp::Div>{});
    case ElemOp::Pow: return f(OpTag<ElemOp::Pow>{});
    case ElemOp::Minimum: return f(OpTag<ElemOp::Minimum>{});
    case ElemOp::Maximum: return f(OpTag<ElemOp::Maximum>{});
    case ElemOp::Equal: return f(OpTag<ElemOp::Equal>{});
    case ElemOp::NotEqual: return f(OpTag<ElemOp::NotEqual>{});
    case ElemOp::Less: return f(OpTag<ElemOp::Less>{});
    case ElemOp::LessEqual: return f(OpTag<ElemOp::LessEqual>{});
    case ElemOp::Greater: return f(OpTag<ElemOp::Greater>{});
    case ElemOp::GreaterEqual: return f(OpTag<ElemOp::GreaterEqual>{});
    default: return nullptr;
    }
}

Kernel realUnaryFor(ElemOp op, Reg reg)
{
    return visitOp(op, [reg](auto tag) -> Kernel {
        constexpr ElemOp Op = decltype(tag)::value;
        if constexpr (hasRealUnary(Op))
            return reg == Reg::Float ? &realUnaryKernel<Op, float> : &realUnaryKernel<Op, double>;
        else
            return nullptr;
    });
}

Kernel intUnaryFor(ElemOp op, DType dtype)
{
    return visitOp(op, [dtype](auto tag) -> Kernel {
        constexpr ElemOp Op = decltype(tag)::value;
        if constexpr (hasIntUnary(Op)) {
            return visitDType(dtype, [](auto d) -> Kernel {
                if constexpr (regOf(decltype(d)::value) == Reg::Int)
                    return &intUnaryKernel<Op, decltype(d)::value>;
                else
                    return nullptr;
            });
        } else {
            return nullptr;
        }
    });
}

Kernel realBinaryFor(ElemOp op, Reg reg)
{
    return visitOp(op, [reg](auto tag) -> Kernel {
        constexpr ElemOp Op = decltype(tag)::value;
        if constexpr (hasRealBinary(Op))
            return reg == Reg::Float ? &realBinaryKernel<Op, float> : &realBinaryKernel<Op, double>;
        else
            return nullptr;
    });
}

Kernel intBinaryFor(ElemOp op, DType dtype)
{
    return visitOp(op, [dtype](auto tag) -> Kernel {
        constexpr ElemOp Op = decltype(tag)::value;
        if constexpr (hasIntBinary(Op)) {
            return visitDType(dtype, [](auto d) -> Kernel {
                if constexpr (regOf(decltype(d)::value) == Reg::Int)
                    return &intBinaryKernel<Op, decltype(d)::value>;
                else
                    return nullptr;
            });
        } else {
            return nullptr;
        }
    });
}

Kernel compareFor(ElemOp op, Reg reg)
{
    return visitOp(op, [reg](auto tag) -> Kernel {
        constexpr ElemOp Op = decltype(tag)::value;
        if constexpr (hasCompare(Op)) {
            switch (reg) {
            case Reg::Int: return &compareKernel<Op, std::int64_t>;
            case Reg::Float: return &compareKernel<Op, float>;
            case Reg::Double: return &compareKernel<Op, double>;
            default: return nullptr;
            }
        } else {
            return nullptr;
        }
    });
}

template <template <ElemOp, typename> class Family, bool (*Has)(ElemOp)> Kernel complexFor(ElemOp op, Reg reg)
{
    return visitOp(op, [reg](auto tag) -> Kernel {
        constexpr ElemOp Op = decltype(tag)::value;
        if constexpr (Has(Op))
            return reg == Reg::ComplexFloat ? &Family<Op, float>::run : &Family<Op, double>::run;
        else
            return nullptr;
    });
}

// Class wrappers of the complex kernel templates, for complexFor().
template <ElemOp Op, typename T> struct ComplexUnary {
    static void run(const Step& s, const Frame& f, std::int64_t b, std::int64_t n)
    {
        complexUnaryKernel<Op, T>(s, f, b, n);
    }
};
template <ElemOp Op, typename T> struct ComplexToReal {
    static void run(const Step& s, const Frame& f, std::int64_t b, std::int64_t n)
    {
        complexToRealKernel<Op, T>(s, f, b, n);
    }
};
template <ElemOp Op, typename T> struct ComplexBinary {
    static void run(const Step& s, const Frame& f, std::int64_t b, std::int64_t n)
    {
        complexBinaryKernel<Op, T>(s, f, b, n);
    }
};
template <ElemOp Op, typename T> struct ComplexCompare {
    static void run(const Step& s, const Frame& f, std::int64_t b, std::int64_t n)
    {
        complexCompareKernel<Op, T>(s, f, b, n);
    }
};

Kernel loadFor(DType dtype, bool broadcast)
{
    return visitDType(dtype, [broadcast](auto d) -> Kernel {
        constexpr DType D = decltype(d)::value;
        return broadcast ? &broadcastKernel<D> : &loadKernel<D>;
    });
}

Kernel storeFor(DType dtype)
{
    return visitDType(dtype, [](auto d) -> Kernel { return &storeKernel<decltype(d)::value>; });
}

Kernel constantFor(Reg reg)
{
    return visitReg(reg, [](auto r) -> Kernel { return &constantKernel<decltype(r)::value>; });
}

Kernel convertFor(Reg from, Reg to)
{
    return visitReg(from, [to](auto f) -> Kernel {
        return visitReg(to, [](auto t) -> Kernel {
            constexpr Reg From = decltype(f)::value;
            constexpr Reg To = decltype(t)::value;
            if constexpr (kComplexReg<From> && !kComplexReg<To>)
                return nullptr;
            else
                return &convertKernel<From, To>;
        });
    });
}

Kernel castFor(Reg from, DType to)
{
    return visitReg(from, [to](auto f) -> Kernel {
        return visitDType(to, [](auto t) -> Kernel {
            constexpr Reg From = decltype(f)::value;
            constexpr DType To = decltype(t)::value;
            if constexpr (kComplexReg<From> && !kComplexReg<regOf(To)>)
                return nullptr;
            else
                return &castKernel<From, To>;
        });
    });
}

Kernel nonzeroFor(Reg reg)
{
    return visitReg(reg, [](auto r) -> Kernel { return &nonzeroKernel<decltype(r)::value>; });
}

Kernel whereFor(Reg reg)
{
    return visitReg(reg, [](auto r) -> Kernel { return &whereKernel<decltype(r)::value>; });
}

// A Cast that leaves every value of its operand as it is.
bool castKeepsValue(DType from, DType to)
{
    if (isInteger(from) && isInteger(to))
        return from == to || from == DType::U8 || (from == DType::U16 && to == DType::I32);
    if (to == DType::F32)
        return regOf(from) == Reg::Float; // f16 and bf16 nodes hold f32 values
    return from == to && (to == DType::F64 || isComplex(to));
}

bool isBroadcast(const ElementwiseDesc& desc, int input)
{
    return desc.inputShapes[static_cast<std::size_t>(input)].numel() == 1 && desc.shape.numel() != 1;
}

// ---- The program -------------------------------------------------------------------------

// Steps in order: the prologue (values that depend on no per-element data, once per
// thread) and the body (once per block), then the store. Slots are assigned after the
// steps: prologue values keep theirs, body values share slots once their last use is past
// (an output never shares its operands' slot, which keeps the __restrict promises).
struct Program {
    std::vector<Step> prologue;
    std::vector<Step> body;
    Step store;
    int slots = 0;
};

class Builder {
public:
    explicit Builder(const ElementwiseDesc& desc)
        : m_desc(desc)
        , m_nodeValue(desc.nodes.size(), -1)
        , m_inputValue(desc.inputs.size(), -1)
    {
    }

    Program build()
    {
        const std::vector<ElemNode>& nodes = m_desc.nodes;
        std::vector<char> reached(nodes.size(), 0);
        reached.back() = 1;
        for (std::size_t i = nodes.size(); i-- > 0;) {
            if (!reached[i])
                continue;
            const ElemNode& node = nodes[i];
            const int operands[] = {node.a, node.b, node.c};
            for (int k = 0; k < arity(node.op); ++k)
                reached[static_cast<std::size_t>(operands[k])] = 1;
        }
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            if (reached[i])
                m_nodeValue[i] = lower(static_cast<int>(i));
        }
        const int result = m_nodeValue.back();
        if (m_values[static_cast<std::size_t>(result)].reg != regOf(m_desc.outputDType()))
            fail(ErrorCode::Internal, "elementwise: the result's register does not fit its dtype");
        return assignSlots(result);
    }

private:
    struct Value {
        Reg reg;
        bool pinned; // computed in the prologue
    };
    struct Pending {
        Step step;
        std::array<int, 3> operands; // value ids, -1 when unused
        int out;                     // value id
    };

    int valueOf(int node) const { return m_nodeValue[static_cast<std::size_t>(node)]; }
    const ElemNode& nodeAt(int node) const { return m_desc.nodes[static_cast<std::size_t>(node)]; }

    int emit(Kernel kernel, Reg reg, std::array<int, 3> operands, bool pinned, int input = -1, double value = 0)
    {
        if (!kernel)
            fail(ErrorCode::Internal, "elementwise: no CPU kernel for a node that validate() accepted");
        const int out = static_cast<int>(m_values.size());
        m_values.push_back({reg, pinned});
        Step step;
        step.kernel = kernel;
        step.input = input;
        step.value = value;
        (pinned ? m_prologue : m_body).push_back({step, operands, out});
        return out;
    }

    // A step that runs in the prologue when all its operands do.
    int emitOver(Kernel kernel, Reg reg, std::array<int, 3> operands)
    {
        bool pinned = true;
        for (int v : operands)
            pinned = pinned && (v < 0 || m_values[static_cast<std::size_t>(v)].pinned);
        return emit(kernel, reg, operands, pinned);
    }

    // Value v in register type `to`, converted once however many nodes need it so.
    int as(int v, Reg to)
    {
        const Reg from = m_values[static_cast<std::size_t>(v)].reg;
        if (from == to)
            return v;
        const auto key = std::make_pair(v, to);
        if (const auto found = m_converted.find(key); found != m_converted.end())
            return found->second;
        const int converted = emitOver(convertFor(from, to), to, {v, -1, -1});
        m_converted.emplace(key, converted);
        return converted;
    }

    int lower(int i)
    {
        const ElemNode& node = nodeAt(i);
        const Reg reg = regOf(node.dtype);
        switch (node.op) {
        case ElemOp::Input: {
            int& loaded = m_inputValue[static_cast<std::size_t>(node.input)];
            if (loaded < 0) {
                const bool broadcast = isBroadcast(m_desc, node.input);
                loaded = emit(loadFor(node.dtype, broadcast), reg, {-1, -1, -1}, broadcast, node.input);
            }
            return loaded;
        }
        case ElemOp::Constant: {
            // The f32 nearest the constant for f16, bf16, f32 and c64 nodes.
            const bool single = reg == Reg::Float || reg == Reg::ComplexFloat;
            const double value = single ? static_cast<double>(static_cast<float>(node.constant)) : node.constant;
            return emit(constantFor(reg), reg, {-1, -1, -1}, true, -1, value);
        }
        case ElemOp::Index: return emit(&indexKernel, Reg::Double, {-1, -1, -1}, false);
        case ElemOp::Cast: {
            const DType from = nodeAt(node.a).dtype;
            if (castKeepsValue(from, node.castTo))
                return valueOf(node.a);
            return emitOver(castFor(regOf(from), node.castTo), reg, {valueOf(node.a), -1, -1});
        }
        case ElemOp::Where: {
            int mask = valueOf(node.a);
            if (!hasCompare(nodeAt(node.a).op)) // the select needs 0 or 1
                mask = emitOver(nonzeroFor(m_values[static_cast<std::size_t>(mask)].reg), Reg::Int, {mask, -1, -1});
            return emitOver(whereFor(reg), reg, {mask, as(valueOf(node.b), reg), as(valueOf(node.c), reg)});
        }
        default: break;
        }
        return arity(node.op) == 1 ? lowerUnary(node) : lowerBinary(node);
    }

    int lowerUnary(const ElemNode& node)
    {
        const DType operandType = nodeAt(node.a).dtype;
        const int a = valueOf(node.a);
        const Reg reg = regOf(node.dtype);
        if (isComplex(operandType)) {
            const Reg from = regOf(operandType);
            Kernel kernel = hasComplexUnary(node.op) ? complexFor<ComplexUnary, hasComplexUnary>(node.op, from)
                                                     : complexFor<ComplexToReal, hasComplexToReal>(node.op, from);
            return emitOver(kernel, reg, {a, -1, -1});
        }
        switch (node.op) {
        case ElemOp::Real:
        case ElemOp::Conj: return a;
        case ElemOp::Imag: return emit(constantFor(reg), reg, {-1, -1, -1}, true, -1, 0.0);
        case ElemOp::Floor:
        case ElemOp::Ceil:
        case ElemOp::Round:
            if (isInteger(operandType))
                return a;
            break;
        case ElemOp::Abs:
            if (operandType == DType::U8 || operandType == DType::U16)
                return a;
            break;
        default: break;
        }
        if (isInteger(node.dtype))
            return emitOver(intUnaryFor(node.op, node.dtype), reg, {a, -1, -1});
        return emitOver(realUnaryFor(node.op, reg), reg, {as(a, reg), -1, -1});
    }

    int lowerBinary(const ElemNode& node)
    {
        const int a = valueOf(node.a);
        const int b = valueOf(node.b);
        if (hasCompare(node.op)) {
            const Reg common = regOf(promoteTypes(nodeAt(node.a).dtype, nodeAt(node.b).dtype));
            const Kernel kernel = isComplexReg(common) ? complexFor<ComplexCompare, hasComplexCompare>(node.op, common)
                                                       : compareFor(node.op, common);
            return emitOver(kernel, Reg::Int, {as(a, common), as(b, common), -1});
        }
        const Reg reg = regOf(node.dtype);
        Kernel kernel = nullptr;
        if (isInteger(node.dtype))
            kernel = intBinaryFor(node.op, node.dtype);
        else if (isComplexReg(reg))
            kernel = complexFor<ComplexBinary, hasComplexBinary>(node.op, reg);
        else
            kernel = realBinaryFor(node.op, reg);
        return emitOver(kernel, reg, {as(a, reg), as(b, reg), -1});
    }

    Program assignSlots(int result)
    {
        Program program;
        std::vector<int> slotOf(m_values.size(), -1);
        int slots = 0;
        for (const Pending& pending : m_prologue)
            slotOf[static_cast<std::size_t>(pending.out)] = slots++;
        // Inputs loaded in the body are values without a prologue slot, like any body value.
        std::vector<int> lastUse(m_values.size(), -1);
        for (std::size_t s = 0; s < m_body.size(); ++s) {
            for (int v : m_body[s].operands) {
                if (v >= 0)
                    lastUse[static_cast<std::size_t>(v)] = static_cast<int>(s);
            }
        }
        lastUse[static_cast<std::size_t>(result)] = static_cast<int>(m_body.size()); // read by the store
        std::vector<int> free;
        for (std::size_t s = 0; s < m_body.size(); ++s) {
            const Pending& pending = m_body[s];
            int slot = slots;
            if (!free.empty()) {
                slot = free.back();
                free.pop_back();
            } else {
                ++slots;
            }
            slotOf[static_cast<std::size_t>(pending.out)] = slot;
            for (std::size_t k = 0; k < pending.operands.size(); ++k) {
                const int v = pending.operands[k];
                const bool repeated = std::find(pending.operands.begin(), pending.operands.begin() + k, v) !=
                                      pending.operands.begin() + k;
                if (v >= 0 && !repeated && !m_values[static_cast<std::size_t>(v)].pinned &&
                    lastUse[static_cast<std::size_t>(v)] == static_cast<int>(s))
                    free.push_back(slotOf[static_cast<std::size_t>(v)]);
            }
        }
        auto resolve = [&](const Pending& pending) {
            Step step = pending.step;
            const auto slotFor = [&](int v) { return v < 0 ? -1 : slotOf[static_cast<std::size_t>(v)]; };
            step.out = slotFor(pending.out);
            step.a = slotFor(pending.operands[0]);
            step.b = slotFor(pending.operands[1]);
            step.c = slotFor(pending.operands[2]);
            return step;
        };
        for (const Pending& pending : m_prologue)
            program.prologue.push_back(resolve(pending));
        for (const Pending& pending : m_body)
            program.body.push_back(resolve(pending));
        program.store.kernel = storeFor(m_desc.outputDType());
        program.store.a = slotOf[static_cast<std::size_t>(result)];
        program.slots = slots;
        return program;
    }

    const ElementwiseDesc& m_desc;
    std::vector<int> m_nodeValue;
    std::vector<int> m_inputValue;
    std::vector<Value> m_values;
    std::vector<Pending> m_prologue;
    std::vector<Pending> m_body;
    std::map<std::pair<int, Reg>, int> m_converted;
};

struct AlignedDelete {
    void operator()(std::byte* p) const { ::operator delete[](p, kSlotAlignment); }
};
using Workspace = std::unique_ptr<std::byte[], AlignedDelete>;

Workspace allocateWorkspace(int slots)
{
    const std::size_t bytes = static_cast<std::size_t>(slots) * kSlotBytes;
    try {
        return Workspace(static_cast<std::byte*>(::operator new[](bytes, kSlotAlignment)));
    } catch (const std::bad_alloc&) {
        fail(ErrorCode::OutOfMemory, "elementwise: " + std::to_string(bytes) + " bytes of block buffers were refused",
             {.op = "elementwise"});
    }
}

class ElementwiseOp final : public NaryOp {
public:
    explicit ElementwiseOp(ElementwiseDesc desc)
        : m_desc(std::move(desc))
        , m_program(Builder(m_desc).build())
        , m_workspace(allocateWorkspace(m_program.slots))
    {
        for (std::size_t k = 0; k < m_desc.inputs.size(); ++k)
            m_broadcast.push_back(isBroadcast(m_desc, static_cast<int>(k)));
    }

    void run(std::span<const Array* const> inputs, Array& out) override
    {
        const char* op = "elementwise";
        if (inputs.size() != m_desc.inputs.size())
            fail(ErrorCode::InvalidArgument,
                 "the expression takes " + std::to_string(m_desc.inputs.size()) + " inputs, got " +
                     std::to_string(inputs.size()),
                 {.op = op});
        std::vector<const void*> data(inputs.size());
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            const std::string role = "input " + std::to_string(k);
            if (!inputs[k])
                fail(ErrorCode::InvalidArgument, role + " is null", {.op = op});
            detail::checkOperand(*inputs[k], m_desc.inputShapes[k], m_desc.inputs[k], Place::host(), op, role.c_str());
            data[k] = inputs[k]->data();
        }
        detail::checkOperand(out, m_desc.shape, m_desc.outputDType(), Place::host(), op, "output");
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            const Array& in = *inputs[k];
            const bool inPlace =
                in.data() == out.data() && !m_broadcast[k] && sizeOf(in.dtype()) == sizeOf(out.dtype());
            if (!inPlace)
                detail::requireSeparate(in, out, op);
        }
        const std::int64_t n = out.numel();
        if (n == 0)
            return;
        const std::int64_t blocks = (n + kBlock - 1) / kBlock;
        parallelFor(blocks, kMinBlocksPerThread, [&](std::int64_t first, std::int64_t last) {
            // The chunk that starts at block 0 runs on the calling thread and uses the
            // workspace made at prepare time; the others (on their own threads) make theirs.
            Workspace own;
            std::byte* slots = m_workspace.get();
            if (first != 0) {
                own = allocateWorkspace(m_program.slots);
                slots = own.get();
            }
            const Frame frame{slots, data.data(), out.data()};
            for (const Step& step : m_program.prologue)
                step.kernel(step, frame, first * kBlock, kBlock);
            for (std::int64_t block = first; block < last; ++block) {
                const std::int64_t begin = block * kBlock;
                const std::int64_t count = std::min<std::int64_t>(kBlock, n - begin);
                for (const Step& step : m_program.body)
                    step.kernel(step, frame, begin, count);
                m_program.store.kernel(m_program.store, frame, begin, count);
            }
        });
    }

private:
    ElementwiseDesc m_desc;
    Program m_program;
    Workspace m_workspace;
    std::vector<bool> m_broadcast;
};

} // namespace

std::unique_ptr<NaryOp> prepareElementwise(const ElementwiseDesc& desc)
{
    ElementwiseDesc validated = desc;
    validated.validate();
    return std::make_unique<ElementwiseOp>(std::move(validated));
}

} // namespace wb::cpu
