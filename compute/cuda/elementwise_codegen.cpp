#include "elementwise_codegen.h"

#include <wb/error.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace wb::cuda {

namespace {

// Device helpers every generated kernel starts with. Each is small and inline; NVRTC drops
// the ones a kernel does not use. f16/bf16 conversions are the instructions cuda_fp16.h
// and cuda_bf16.h use on the device, integer targets round and saturate as narrow() in
// kernels/element.cuh, so a Cast here gives the bits ConvertDesc gives on the GPU.
constexpr const char* kPrelude = R"(// ---- f16 and bf16, held as their bits ----
__device__ __forceinline__ float wb_f16_to_f32(unsigned short h)
{
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}
__device__ __forceinline__ unsigned short wb_f32_to_f16(float f)
{
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}
__device__ __forceinline__ unsigned short wb_f64_to_f16(double d)
{
    unsigned short h;
    asm("cvt.rn.f16.f64 %0, %1;" : "=h"(h) : "d"(d));
    return h;
}
__device__ __forceinline__ float wb_bf16_to_f32(unsigned short b) { return __uint_as_float((unsigned)b << 16); }
__device__ __forceinline__ unsigned short wb_f32_to_bf16(float f)
{
#if __CUDA_ARCH__ >= 800
    unsigned short b;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(b) : "f"(f));
    return b;
#else
    const unsigned u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return 0x7fffu;
    return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
#endif
}
__device__ __forceinline__ unsigned short wb_f64_to_bf16(double d)
{
#if __CUDA_ARCH__ >= 900
    unsigned short b;
    asm("cvt.rn.bf16.f64 %0, %1;" : "=h"(b) : "d"(d));
    return b;
#else
    // To f32 with the bits lost kept as a sticky last bit (round to odd), so that the
    // second rounding, to bf16, is the correct rounding of d.
    const float f = __double2float_rn(d);
    const double back = (double)f;
    unsigned u = __float_as_uint(f);
    const bool notNan = (u << 1) <= 0xff000000u;
    if ((d > 0.0 && back > d) || (d < 0.0 && back < d))
        --u;
    if (back != d && notNan)
        u |= 1u;
    return wb_f32_to_bf16(__uint_as_float(u));
#endif
}

// ---- integer targets: round half to even, saturate, NaN -> 0 ----
// cvt.rni saturates to the 32-bit range but does not turn NaN into 0 (INT_MIN, UINT_MAX).
__device__ __forceinline__ unsigned char wb_to_u8(float v) { return v != v ? 0 : (unsigned char)min(__float2uint_rn(v), 255u); }
__device__ __forceinline__ unsigned char wb_to_u8(double v) { return v != v ? 0 : (unsigned char)min(__double2uint_rn(v), 255u); }
__device__ __forceinline__ unsigned short wb_to_u16(float v) { return v != v ? 0 : (unsigned short)min(__float2uint_rn(v), 65535u); }
__device__ __forceinline__ unsigned short wb_to_u16(double v) { return v != v ? 0 : (unsigned short)min(__double2uint_rn(v), 65535u); }
__device__ __forceinline__ int wb_to_i32(float v) { return v != v ? 0 : __float2int_rn(v); }
__device__ __forceinline__ int wb_to_i32(double v) { return v != v ? 0 : __double2int_rn(v); }
__device__ __forceinline__ int wb_iabs(int v) { return v < 0 ? (int)(0u - (unsigned)v) : v; }

// ---- real functions, one name for f32 and f64 ----
#define WB_UNARY(name, f32, f64) \
    __device__ __forceinline__ float name(float x) { return f32(x); } \
    __device__ __forceinline__ double name(double x) { return f64(x); }
#define WB_BINARY(name, f32, f64) \
    __device__ __forceinline__ float name(float x, float y) { return f32(x, y); } \
    __device__ __forceinline__ double name(double x, double y) { return f64(x, y); }
WB_UNARY(wb_sqrt, sqrtf, sqrt)
WB_UNARY(wb_exp, expf, exp)
WB_UNARY(wb_log, logf, log)
WB_UNARY(wb_log1p, log1pf, log1p)
WB_UNARY(wb_sin, sinf, sin)
WB_UNARY(wb_cos, cosf, cos)
WB_UNARY(wb_tan, tanf, tan)
WB_UNARY(wb_tanh, tanhf, tanh)
WB_UNARY(wb_floor, floorf, floor)
WB_UNARY(wb_ceil, ceilf, ceil)
WB_UNARY(wb_rint, rintf, rint)
WB_UNARY(wb_fabs, fabsf, fabs)
WB_BINARY(wb_pow, powf, pow)
WB_BINARY(wb_atan2, atan2f, atan2)
WB_BINARY(wb_hypot, hypotf, hypot)
#undef WB_UNARY
#undef WB_BINARY

// NumPy's minimum and maximum: a NaN in either operand gives NaN.
template <typename T> __device__ __forceinline__ T wb_minimum(T a, T b) { return (a <= b || a != a) ? a : b; }
template <typename T> __device__ __forceinline__ T wb_maximum(T a, T b) { return (a >= b || a != a) ? a : b; }

// ---- complex values as float2 / double2 ----
__device__ __forceinline__ float2 wb_cmake(float x, float y) { return make_float2(x, y); }
__device__ __forceinline__ double2 wb_cmake(double x, double y) { return make_double2(x, y); }
template <typename C> __device__ __forceinline__ C wb_cneg(C a) { return wb_cmake(-a.x, -a.y); }
template <typename C> __device__ __forceinline__ C wb_cconj(C a) { return wb_cmake(a.x, -a.y); }
template <typename C> __device__ __forceinline__ C wb_cadd(C a, C b) { return wb_cmake(a.x + b.x, a.y + b.y); }
template <typename C> __device__ __forceinline__ C wb_csub(C a, C b) { return wb_cmake(a.x - b.x, a.y - b.y); }
template <typename C> __device__ __forceinline__ C wb_cmul(C a, C b)
{
    return wb_cmake(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
// Smith's algorithm, as NumPy divides complex numbers (and so the CPU backend).
template <typename C> __device__ __forceinline__ C wb_cdiv(C a, C b)
{
    using R = decltype(a.x);
    const R br = wb_fabs(b.x), bi = wb_fabs(b.y);
    if (br >= bi) {
        if (br == 0 && bi == 0)
            return wb_cmake(a.x / br, a.y / br);
        const R ratio = b.y / b.x;
        const R scale = R(1) / (b.x + b.y * ratio);
        return wb_cmake((a.x + a.y * ratio) * scale, (a.y - a.x * ratio) * scale);
    }
    const R ratio = b.x / b.y;
    const R scale = R(1) / (b.y + b.x * ratio);
    return wb_cmake((a.x * ratio + a.y) * scale, (a.y * ratio - a.x) * scale);
}
template <typename C> __device__ __forceinline__ bool wb_ceq(C a, C b) { return a.x == b.x && a.y == b.y; }
template <typename C> __device__ __forceinline__ bool wb_cnonzero(C a) { return a.x != 0 || a.y != 0; }
template <typename C> __device__ __forceinline__ auto wb_cabs(C a) { return wb_hypot(a.x, a.y); }
template <typename C> __device__ __forceinline__ auto wb_carg(C a) { return wb_atan2(a.y, a.x); }

// ---- N consecutive elements moved with one load or store (16 bytes at most) ----
template <typename T, int N> struct alignas(sizeof(T) * N) wb_vector { T v[N]; };
// Vector k of p: elements k * N ... k * N + N - 1; p + k * N must be aligned to the vector.
template <int N, typename T, typename Index> __device__ __forceinline__ wb_vector<T, N> wb_load(const T* p, Index k)
{
    return *reinterpret_cast<const wb_vector<T, N>*>(p + k * N);
}
template <int N, typename T, typename Index> __device__ __forceinline__ void wb_store(T* p, Index k, const wb_vector<T, N>& value)
{
    *reinterpret_cast<wb_vector<T, N>*>(p + k * N) = value;
}
)";

std::string opName(ElemOp op) { return std::string(name(op)); }

[[noreturn]] void unsupported(const ElemNode& node, int index, const std::string& why)
{
    fail(ErrorCode::Unsupported,
         "the GPU has no code for node " + std::to_string(index) + " (" + opName(node.op) + " giving " +
             std::string(name(node.dtype)) + "): " + why,
         {.op = "elementwise"});
}

// The C++ type a value of the dtype is held in while the kernel computes.
std::string computeType(DType dtype)
{
    switch (dtype) {
    case DType::U8: return "unsigned char";
    case DType::U16: return "unsigned short";
    case DType::I32: return "int";
    case DType::F16:
    case DType::BF16:
    case DType::F32: return "float";
    case DType::F64: return "double";
    case DType::C64: return "float2";
    case DType::C128: return "double2";
    }
    fail(ErrorCode::Internal, "unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

// The C++ type of an element in memory.
std::string storageType(DType dtype)
{
    switch (dtype) {
    case DType::F16:
    case DType::BF16: return "unsigned short";
    default: return computeType(dtype);
    }
}

bool computesInFloat(DType dtype) { return dtype == DType::F16 || dtype == DType::BF16 || dtype == DType::F32; }

// ConvertDesc converts through double when either side needs it (kernels/element.cuh,
// kNeedsDouble): i32 and f64 do not fit in a float.
bool needsDouble(DType dtype) { return dtype == DType::I32 || dtype == DType::F64; }

// Hexadecimal floating literals are exact and independent of the C locale.
template <typename T> std::string hexLiteral(T value, const char* suffix)
{
    char buffer[64];
    const bool negative = std::signbit(value);
    const auto [end, error] =
        std::to_chars(buffer, buffer + sizeof(buffer), negative ? -value : value, std::chars_format::hex);
    if (error != std::errc())
        fail(ErrorCode::Internal, "a constant could not be written");
    return std::string(negative ? "(-0x" : "(0x") + std::string(buffer, end) + suffix + ")";
}

std::string floatLiteral(double value)
{
    constexpr double kMax = std::numeric_limits<float>::max();
    // Doubles from 2^128 - 2^103 up round to infinity; those between FLT_MAX and that round
    // down to FLT_MAX (static_cast is undefined beyond FLT_MAX, so both are decided here).
    constexpr double kOverflow = 0x1.ffffffp127;
    if (std::isnan(value))
        return "__int_as_float(0x7fc00000)";
    if (std::fabs(value) >= kOverflow)
        return value > 0 ? "__int_as_float(0x7f800000)" : "(-__int_as_float(0x7f800000))";
    if (std::fabs(value) > kMax)
        value = std::copysign(kMax, value);
    return hexLiteral(static_cast<float>(value), "f");
}

std::string doubleLiteral(double value)
{
    if (std::isnan(value))
        return "__longlong_as_double(0x7ff8000000000000LL)";
    if (std::isinf(value))
        return value > 0 ? "__longlong_as_double(0x7ff0000000000000LL)"
                         : "(-__longlong_as_double(0x7ff0000000000000LL))";
    return hexLiteral(value, "");
}

// A constant in the node's dtype. Integer dtypes take the value truncated toward zero and
// wrapped (NaN and values beyond the 64-bit range give 0), as every integer node wraps.
std::string constantLiteral(double value, DType dtype)
{
    if (isInteger(dtype)) {
        const bool fits = std::isfinite(value) && std::fabs(value) < 0x1p63;
        const auto whole = static_cast<std::uint64_t>(fits ? static_cast<std::int64_t>(std::trunc(value)) : 0);
        switch (dtype) {
        case DType::U8: return "((unsigned char)" + std::to_string(whole & 0xffu) + "u)";
        case DType::U16: return "((unsigned short)" + std::to_string(whole & 0xffffu) + "u)";
        default: return "((int)" + std::to_string(whole & 0xffffffffu) + "u)";
        }
    }
    switch (dtype) {
    case DType::F16:
    case DType::BF16:
    case DType::F32: return floatLiteral(value);
    case DType::F64: return doubleLiteral(value);
    case DType::C64: return "make_float2(" + floatLiteral(value) + ", 0.0f)";
    default: return "make_double2(" + doubleLiteral(value) + ", 0.0)";
    }
}

std::string zeroOf(DType dtype) { return constantLiteral(0.0, dtype); }

// Checks the desc's structure and marks the nodes the result depends on; only those are
// generated (a dead node would be a "never referenced" warning) and only the inputs they
// read are loaded.
std::vector<bool> liveNodes(const ElementwiseDesc& desc)
{
    const auto nodeCount = static_cast<int>(desc.nodes.size());
    const auto inputCount = static_cast<int>(desc.inputs.size());
    if (nodeCount == 0)
        fail(ErrorCode::InvalidArgument, "an elementwise expression without nodes", {.op = "elementwise"});
    if (desc.inputShapes.size() != desc.inputs.size())
        fail(ErrorCode::InvalidArgument,
             std::to_string(desc.inputShapes.size()) + " input shapes for " + std::to_string(inputCount) + " inputs",
             {.op = "elementwise"});
    if (inputCount > kMaxElementwiseInputs)
        fail(ErrorCode::Unsupported,
             std::to_string(inputCount) + " inputs; a GPU kernel takes at most " +
                 std::to_string(kMaxElementwiseInputs),
             {.op = "elementwise"});
    std::vector<bool> live(static_cast<std::size_t>(nodeCount), false);
    live.back() = true;
    for (int index = nodeCount - 1; index >= 0; --index) {
        const ElemNode& node = desc.nodes[static_cast<std::size_t>(index)];
        if (!live[static_cast<std::size_t>(index)])
            continue;
        const int operands[] = {node.a, node.b, node.c};
        for (int k = 0; k < arity(node.op); ++k) {
            if (operands[k] < 0 || operands[k] >= index)
                fail(ErrorCode::InvalidArgument,
                     "node " + std::to_string(index) + " (" + opName(node.op) + ") refers to node " +
                         std::to_string(operands[k]),
                     {.op = "elementwise"});
            // Imag of a real value is 0 whatever the value.
            const DType operandType = desc.nodes[static_cast<std::size_t>(operands[k])].dtype;
            if (!(node.op == ElemOp::Imag && !isComplex(operandType)))
                live[static_cast<std::size_t>(operands[k])] = true;
        }
        if (node.op == ElemOp::Input && (node.input < 0 || node.input >= inputCount))
            fail(ErrorCode::InvalidArgument,
                 "node " + std::to_string(index) + " reads input " + std::to_string(node.input) + " of " +
                     std::to_string(inputCount),
                 {.op = "elementwise"});
    }
    return live;
}

ElementwiseLayout layoutOf(const ElementwiseDesc& desc, const std::vector<bool>& live)
{
    ElementwiseLayout layout;
    const std::size_t inputCount = desc.inputs.size();
    for (std::size_t input = 0; input < inputCount; ++input)
        layout.broadcast.push_back(isBroadcastInput(desc, static_cast<int>(input)));
    std::vector<bool> streamed(inputCount, false);
    for (std::size_t index = 0; index < desc.nodes.size(); ++index) {
        const ElemNode& node = desc.nodes[index];
        if (live[index] && node.op == ElemOp::Input && !layout.broadcast[static_cast<std::size_t>(node.input)])
            streamed[static_cast<std::size_t>(node.input)] = true;
    }
    // One 16-byte vector of the widest array the kernel streams; narrower ones move
    // vectorWidth elements in fewer bytes.
    const DType outputType = desc.nodes.back().dtype;
    std::size_t widest = sizeOf(outputType);
    for (std::size_t input = 0; input < inputCount; ++input) {
        if (streamed[input])
            widest = std::max(widest, sizeOf(desc.inputs[input]));
    }
    layout.vectorWidth = static_cast<int>(std::max<std::size_t>(1, kElementwiseVectorBytes / widest));
    const auto width = static_cast<std::size_t>(layout.vectorWidth);
    for (std::size_t input = 0; input < inputCount; ++input)
        layout.inputAlignment.push_back(streamed[input] ? width * sizeOf(desc.inputs[input]) : 0);
    layout.outputAlignment = width * sizeOf(outputType);
    return layout;
}

class Generator {
public:
    explicit Generator(const ElementwiseDesc& desc)
        : m_desc(desc)
    {
    }

    ElementwiseKernelSource generate();

private:
    std::string var(int node) const { return "v" + std::to_string(node); }
    DType dtypeOf(int node) const { return m_desc.nodes[static_cast<std::size_t>(node)].dtype; }

    // A value of dtype `from` used where dtype `to` is computed: the promotions of the
    // desc's rules (integers widen and wrap, integers and f32 become wider floats, reals
    // become complex with imaginary part 0). `value` is a variable or a call without
    // side effects, so it may appear twice.
    std::string promote(const std::string& value, DType from, DType to) const;
    // Node `node`'s value promoted to `to`.
    std::string operand(int node, DType to) const { return promote(var(node), dtypeOf(node), to); }
    // astype without scaling: as ConvertDesc rounds and saturates on the GPU.
    std::string cast(const std::string& value, DType from, DType to) const;
    std::string castReal(const std::string& value, DType from, DType to) const;

    // Input `input`'s value at the element (in[0] for a broadcast input) in its compute type.
    std::string load(int input) const;
    std::string store(const std::string& value, DType dtype) const;

    // The expression for a node in its dtype's compute type.
    std::string expression(int index) const;

    const ElementwiseDesc& m_desc;
    ElementwiseLayout m_layout;
    int m_current = 0; // the node being generated, for messages
};

std::string Generator::promote(const std::string& value, DType from, DType to) const
{
    if (from == to)
        return value;
    const ElemNode& node = m_desc.nodes[static_cast<std::size_t>(m_current)];
    auto refuse = [&] {
        unsupported(node, m_current,
                    "an operand of " + std::string(name(from)) + " cannot become " + std::string(name(to)) +
                        " without a cast");
    };
    if (isComplex(to)) {
        const DType part = realPart(to);
        if (!isComplex(from))
            return "wb_cmake(" + promote(value, from, part) + ", " + zeroOf(part) + ")";
        return "wb_cmake(" + promote(value + ".x", realPart(from), part) + ", " +
               promote(value + ".y", realPart(from), part) + ")";
    }
    if (isComplex(from))
        refuse();
    if (isInteger(to)) {
        if (!isInteger(from))
            refuse();
        return "((" + computeType(to) + ")(" + value + "))";
    }
    // A real floating target.
    if (isInteger(from))
        return "((" + computeType(to) + ")(" + value + "))";
    if (computeType(from) == computeType(to))
        return value;
    if (to == DType::F64)
        return "((double)(" + value + "))";
    return "__double2float_rn(" + value + ")";
}

// A cast to f16 or bf16 rounds even from the same dtype: a value of an f16 node is held in
// f32 and not rounded until it is stored, and astype asks for the rounding now.
std::string Generator::castReal(const std::string& value, DType from, DType to) const
{
    if (from == to && !(to == DType::F16 || to == DType::BF16))
        return value;
    const bool viaDouble = needsDouble(from) || needsDouble(to);
    const std::string exact = viaDouble ? (from == DType::F64 ? value : "((double)(" + value + "))")
                                        : (computesInFloat(from) ? value : "((float)(" + value + "))");
    switch (to) {
    case DType::U8: return "wb_to_u8(" + exact + ")";
    case DType::U16: return "wb_to_u16(" + exact + ")";
    case DType::I32: return "wb_to_i32(" + exact + ")";
    case DType::F16:
        return "wb_f16_to_f32(" + std::string(viaDouble ? "wb_f64_to_f16(" : "wb_f32_to_f16(") + exact + "))";
    case DType::BF16:
        return "wb_bf16_to_f32(" + std::string(viaDouble ? "wb_f64_to_bf16(" : "wb_f32_to_bf16(") + exact + "))";
    case DType::F32: return viaDouble ? "__double2float_rn(" + exact + ")" : exact;
    case DType::F64: return exact;
    default: break;
    }
    fail(ErrorCode::Internal, "castReal to " + std::string(name(to)));
}

std::string Generator::cast(const std::string& value, DType from, DType to) const
{
    if (isComplex(from) && !isComplex(to))
        unsupported(m_desc.nodes[static_cast<std::size_t>(m_current)], m_current,
                    "complex to real casts are refused (take real() or abs())");
    if (isComplex(to)) {
        const DType part = realPart(to);
        if (!isComplex(from))
            return "wb_cmake(" + castReal(value, from, part) + ", " + zeroOf(part) + ")";
        return "wb_cmake(" + castReal(value + ".x", realPart(from), part) + ", " +
               castReal(value + ".y", realPart(from), part) + ")";
    }
    return castReal(value, from, to);
}

std::string Generator::load(int input) const
{
    const DType dtype = m_desc.inputs[static_cast<std::size_t>(input)];
    const std::string k = std::to_string(input);
    const std::string element = m_layout.broadcast[static_cast<std::size_t>(input)] ? "in" + k + "[0]" : "x" + k;
    if (dtype == DType::F16)
        return "wb_f16_to_f32(" + element + ")";
    if (dtype == DType::BF16)
        return "wb_bf16_to_f32(" + element + ")";
    return element;
}

std::string Generator::store(const std::string& value, DType dtype) const
{
    if (dtype == DType::F16)
        return "wb_f32_to_f16(" + value + ")";
    if (dtype == DType::BF16)
        return "wb_f32_to_bf16(" + value + ")";
    return value;
}

std::string Generator::expression(int index) const
{
    const ElemNode& node = m_desc.nodes[static_cast<std::size_t>(index)];
    const DType type = node.dtype;
    const bool integer = isInteger(type);
    const bool complex = isComplex(type);
    auto a = [&] { return operand(node.a, type); };
    auto b = [&] { return operand(node.b, type); };
    auto integerOnly = [&](const char* what) { unsupported(node, index, std::string(what) + " of an integer dtype"); };
    auto wrap = [&](const std::string& unsignedValue) {
        return "((" + computeType(type) + ")(" + unsignedValue + "))";
    };
    auto math = [&](const char* function) {
        if (integer)
            integerOnly("a math function giving a value");
        if (complex)
            unsupported(node, index, "the math functions take integer and real operands");
        return std::string("wb_") + function + "(" + a() + ")";
    };
    auto rounding = [&](const char* function) {
        if (complex)
            unsupported(node, index, "rounding a complex value");
        return integer ? a() : std::string("wb_") + function + "(" + a() + ")";
    };
    auto arithmetic = [&](const char* op, const char* complexFunction) {
        if (integer)
            return wrap("(unsigned)(" + a() + ") " + op + " (unsigned)(" + b() + ")");
        if (complex)
            return std::string(complexFunction) + "(" + a() + ", " + b() + ")";
        return "(" + a() + " " + op + " " + b() + ")";
    };
    auto comparison = [&](const char* op) {
        const DType common = promoteTypes(dtypeOf(node.a), dtypeOf(node.b));
        const std::string x = operand(node.a, common);
        const std::string y = operand(node.b, common);
        std::string test;
        if (isComplex(common)) {
            if (node.op != ElemOp::Equal && node.op != ElemOp::NotEqual)
                unsupported(node, index, "complex values have no order");
            test = std::string(node.op == ElemOp::Equal ? "" : "!") + "wb_ceq(" + x + ", " + y + ")";
        } else {
            test = "(" + x + " " + op + " " + y + ")";
        }
        return promote("((unsigned char)" + test + ")", DType::U8, type);
    };
    auto partOf = [&](const char* member, bool zeroForReal) {
        const DType from = dtypeOf(node.a);
        if (isComplex(from))
            return promote(var(node.a) + member, realPart(from), type);
        return zeroForReal ? zeroOf(type) : a();
    };

    switch (node.op) {
    case ElemOp::Input: {
        const DType dtype = m_desc.inputs[static_cast<std::size_t>(node.input)];
        return promote(load(node.input), dtype, type);
    }
    case ElemOp::Constant: return constantLiteral(node.constant, type);
    case ElemOp::Index:
        if (integer)
            return wrap("i");
        return promote("((double)i)", DType::F64, type);
    case ElemOp::Neg:
        if (integer)
            return wrap("0u - (unsigned)(" + a() + ")");
        return complex ? "wb_cneg(" + a() + ")" : "(-" + a() + ")";
    case ElemOp::Abs: {
        const DType from = dtypeOf(node.a);
        if (isComplex(from))
            return promote("wb_cabs(" + var(node.a) + ")", realPart(from), type);
        if (complex)
            unsupported(node, index, "abs of a real value is real");
        if (type == DType::I32)
            return "wb_iabs(" + a() + ")";
        return integer ? a() : "wb_fabs(" + a() + ")";
    }
    case ElemOp::Sqrt: return math("sqrt");
    case ElemOp::Exp: return math("exp");
    case ElemOp::Log: return math("log");
    case ElemOp::Log1p: return math("log1p");
    case ElemOp::Sin: return math("sin");
    case ElemOp::Cos: return math("cos");
    case ElemOp::Tan: return math("tan");
    case ElemOp::Tanh: return math("tanh");
    case ElemOp::Floor: return rounding("floor");
    case ElemOp::Ceil: return rounding("ceil");
    case ElemOp::Round: return rounding("rint");
    case ElemOp::Real: return partOf(".x", false);
    case ElemOp::Imag: return partOf(".y", true);
    case ElemOp::Conj: return complex ? "wb_cconj(" + a() + ")" : a();
    case ElemOp::Angle: {
        const DType from = dtypeOf(node.a);
        if (isComplex(from))
            return promote("wb_carg(" + var(node.a) + ")", realPart(from), type);
        if (integer || complex)
            unsupported(node, index, "the angle of a real value is a real float");
        return "wb_atan2(" + zeroOf(type) + ", " + a() + ")";
    }
    case ElemOp::Cast: {
        const std::string converted = cast(var(node.a), dtypeOf(node.a), node.castTo);
        return promote(converted, node.castTo, type);
    }
    case ElemOp::Add: return arithmetic("+", "wb_cadd");
    case ElemOp::Sub: return arithmetic("-", "wb_csub");
    case ElemOp::Mul: return arithmetic("*", "wb_cmul");
    case ElemOp::Div:
        if (integer)
            integerOnly("division giving a value");
        return arithmetic("/", "wb_cdiv");
    case ElemOp::Pow:
        if (integer)
            integerOnly("pow giving a value");
        if (complex)
            unsupported(node, index, "pow takes integer and real operands");
        return "wb_pow(" + a() + ", " + b() + ")";
    case ElemOp::Minimum:
    case ElemOp::Maximum:
        if (complex)
            unsupported(node, index, "complex values have no order");
        return std::string(node.op == ElemOp::Minimum ? "wb_minimum(" : "wb_maximum(") + a() + ", " + b() + ")";
    case ElemOp::Equal: return comparison("==");
    case ElemOp::NotEqual: return comparison("!=");
    case ElemOp::Less: return comparison("<");
    case ElemOp::LessEqual: return comparison("<=");
    case ElemOp::Greater: return comparison(">");
    case ElemOp::GreaterEqual: return comparison(">=");
    case ElemOp::Where: {
        const std::string condition =
            isComplex(dtypeOf(node.a)) ? "wb_cnonzero(" + var(node.a) + ")" : "(" + var(node.a) + " != 0)";
        return "(" + condition + " ? " + b() + " : " + operand(node.c, type) + ")";
    }
    }
    fail(ErrorCode::Internal, "unknown elementwise op " + std::to_string(static_cast<int>(node.op)));
}

ElementwiseKernelSource Generator::generate()
{
    const std::vector<bool> live = liveNodes(m_desc);
    m_layout = layoutOf(m_desc, live);
    const auto nodeCount = static_cast<int>(m_desc.nodes.size());
    const auto inputCount = static_cast<int>(m_desc.inputs.size());

    // Constants and broadcast inputs are computed once per thread, before the loop; the
    // other nodes once per element, in `element`.
    std::string before, inside;
    bool usesIndex = false;
    for (int index = 0; index < nodeCount; ++index) {
        if (!live[static_cast<std::size_t>(index)])
            continue;
        m_current = index;
        const ElemNode& node = m_desc.nodes[static_cast<std::size_t>(index)];
        const bool once = node.op == ElemOp::Constant ||
                          (node.op == ElemOp::Input && m_layout.broadcast[static_cast<std::size_t>(node.input)]);
        usesIndex = usesIndex || node.op == ElemOp::Index;
        const std::string line = "const " + computeType(node.dtype) + " " + var(index) + " = " + expression(index) +
                                 "; // " + opName(node.op) + ", " + std::string(name(node.dtype)) + "\n";
        (once ? before : inside) += (once ? "    " : "        ") + line;
    }
    const DType outputType = m_desc.nodes.back().dtype;
    const std::string outStorage = storageType(outputType);

    // The inputs read at every element, and what `element` takes: their values there.
    std::vector<int> streamed;
    for (int input = 0; input < inputCount; ++input) {
        if (m_layout.inputAlignment[static_cast<std::size_t>(input)] != 0)
            streamed.push_back(input);
    }
    auto inputType = [&](int input) { return storageType(m_desc.inputs[static_cast<std::size_t>(input)]); };
    auto number = [](int value) { return std::to_string(value); };
    std::string parameters, arguments, tailArguments;
    for (int input : streamed) {
        const std::string k = number(input);
        parameters += (parameters.empty() ? "const " : ", const ") + inputType(input) + " x" + k;
        arguments += (arguments.empty() ? "a" : ", a") + k + "[u].v[e]";
        tailArguments += (tailArguments.empty() ? "in" : ", in") + k + "[i]";
    }
    if (usesIndex) {
        parameters += parameters.empty() ? "const Index i" : ", const Index i";
        arguments += arguments.empty() ? "k[u] * E + e" : ", k[u] * E + e";
        tailArguments += tailArguments.empty() ? "i" : ", i";
    }

    std::string text = m_desc.text();
    for (char& c : text) {
        if (c == '\n' || c == '\r')
            c = ' ';
    }
    const std::string block = number(kElementwiseBlock);
    const std::string unroll = number(kElementwiseUnroll);
    const std::string tile = number(kElementwiseBlock * kElementwiseUnroll);
    std::string pointers;
    for (int input = 0; input < inputCount; ++input)
        pointers += "const " + inputType(input) + "* in" + number(input) + ", ";
    pointers += outStorage + "* out";
    std::string pointerNames;
    for (int input = 0; input < inputCount; ++input)
        pointerNames += "in" + number(input) + ", ";
    pointerNames += "out";

    std::string source = "// Generated by Warpbench (compute/cuda/elementwise_codegen.cpp) for: " + text + "\n";
    source += kPrelude;
    source += "\n// E elements per vector (E == 1: the scalar kernels), 32- or 64-bit indices.\n"
              "template <typename Index, int E>\n"
              "__device__ __forceinline__ void wb_run(" +
              pointers + ", const long long count)\n{\n";
    source += before;
    source += "    auto element = [&](" + parameters + ") -> " + outStorage + " {\n";
    source += inside;
    source += "        return " + store(var(nodeCount - 1), outputType) + ";\n    };\n";
    source += "    const Index n = (Index)count;\n"
              "    const Index vectors = n / E;\n"
              "    // Tiles of " +
              unroll + " x " + block + " vectors; thread t of a block takes vectors t, t + " + block +
              ", ... of a tile, and\n"
              "    // issues all its loads before it computes or stores any element.\n"
              "    for (Index tile = (Index)blockIdx.x * " +
              tile + "; tile < vectors; tile += (Index)gridDim.x * " + tile +
              ") {\n"
              "        Index k[" +
              unroll + "];\n";
    for (int input : streamed)
        source += "        wb_vector<" + inputType(input) + ", E> a" + number(input) + "[" + unroll + "];\n";
    source += "#pragma unroll\n"
              "        for (int u = 0; u < " +
              unroll +
              "; ++u) {\n"
              "            k[u] = tile + u * " +
              block + " + threadIdx.x;\n";
    if (!streamed.empty()) {
        source += "            if (k[u] < vectors) {\n";
        for (int input : streamed)
            source += "                a" + number(input) + "[u] = wb_load<E>(in" + number(input) + ", k[u]);\n";
        source += "            }\n";
    }
    source += "        }\n"
              "#pragma unroll\n"
              "        for (int u = 0; u < " +
              unroll +
              "; ++u) {\n"
              "            if (k[u] < vectors) {\n"
              "                wb_vector<" +
              outStorage +
              ", E> r;\n"
              "#pragma unroll\n"
              "                for (int e = 0; e < E; ++e)\n"
              "                    r.v[e] = element(" +
              arguments +
              ");\n"
              "                wb_store<E>(out, k[u], r);\n"
              "            }\n"
              "        }\n"
              "    }\n"
              "    // The last n % E elements, one per thread of block 0.\n"
              "    if constexpr (E > 1) {\n"
              "        if (blockIdx.x == 0 && threadIdx.x < n - vectors * E) {\n"
              "            const Index i = vectors * E + threadIdx.x;\n"
              "            out[i] = element(" +
              tailArguments +
              ");\n"
              "        }\n"
              "    }\n"
              "}\n";
    auto kernel = [&](bool vector, bool wideIndex) {
        source += "\nextern \"C\" __global__ void __launch_bounds__(" + block + ") " +
                  elementwiseKernelName(vector, wideIndex) + "(" + pointers + ", long long n)\n{\n    wb_run<" +
                  (wideIndex ? "long long" : "unsigned") + ", " + number(vector ? m_layout.vectorWidth : 1) + ">(" +
                  pointerNames + ", n);\n}\n";
    };
    if (m_layout.vectorWidth > 1) {
        kernel(true, false);
        kernel(true, true);
    }
    kernel(false, false);
    kernel(false, true);
    return {std::move(source), m_layout};
}

} // namespace

bool isBroadcastInput(const ElementwiseDesc& desc, int input)
{
    if (input < 0 || input >= static_cast<int>(desc.inputShapes.size()))
        return false;
    return desc.inputShapes[static_cast<std::size_t>(input)].numel() == 1 && desc.shape.numel() != 1;
}

ElementwiseLayout elementwiseLayout(const ElementwiseDesc& desc) { return layoutOf(desc, liveNodes(desc)); }

ElementwiseKernelSource generateElementwiseKernel(const ElementwiseDesc& desc) { return Generator(desc).generate(); }

std::string elementwiseKernelName(bool vector, bool wideIndex)
{
    return std::string("wb_elementwise_") + (vector ? "vector" : "scalar") + (wideIndex ? "64" : "32");
}

std::vector<std::string> elementwiseKernelNames(const ElementwiseLayout& layout)
{
    std::vector<std::string> names;
    for (bool vector : {false, true}) {
        if (vector && layout.vectorWidth == 1)
            break;
        for (bool wideIndex : {false, true})
            names.push_back(elementwiseKernelName(vector, wideIndex));
    }
    return names;
}

bool elementwiseWideIndex(std::int64_t n) { return n > std::numeric_limits<std::int32_t>::max(); }

bool fitsVectorPath(const ElementwiseLayout& layout, std::span<const void* const> inputs, const void* out)
{
    if (layout.vectorWidth == 1 || inputs.size() != layout.inputAlignment.size())
        return false;
    auto aligned = [](const void* pointer, std::size_t bytes) {
        return bytes == 0 || reinterpret_cast<std::uintptr_t>(pointer) % bytes == 0;
    };
    for (std::size_t input = 0; input < inputs.size(); ++input) {
        if (!aligned(inputs[input], layout.inputAlignment[input]))
            return false;
    }
    return aligned(out, layout.outputAlignment);
}

std::vector<std::string> elementwiseCompileOptions()
{
    // Spelled out although most are NVRTC's defaults: the results must not change with them.
    return {"-std=c++17", "-fmad=false", "-ftz=false", "-prec-div=true", "-prec-sqrt=true"};
}

} // namespace wb::cuda
