#include "cuda_lexer.h"

#include <QByteArray>
#include <QColor>
#include <QFont>

namespace wb::widgets {

namespace {

// Keywords of C++11 to C++20 that QsciLexerCPP's list (C++98) lacks.
constexpr const char* kModernCppKeywords =
    "alignas alignof char8_t char16_t char32_t concept consteval constexpr constinit co_await co_return co_yield "
    "decltype noexcept nullptr requires static_assert thread_local";

// Function and variable specifiers, qualifiers and attributes of CUDA C++.
constexpr const char* kCudaKeywords =
    "__global__ __device__ __host__ __shared__ __constant__ __managed__ __grid_constant__ __restrict__ "
    "__noinline__ __forceinline__ __inline_hint__ __launch_bounds__ __maxnreg__ __cluster_dims__ __align__ "
    "__builtin_assume __builtin_expect __assume";

// Built-in variables and the device functions a kernel calls most.
constexpr const char* kCudaBuiltins =
    "threadIdx blockIdx blockDim gridDim warpSize "
    "__syncthreads __syncthreads_count __syncthreads_and __syncthreads_or __syncwarp "
    "__threadfence __threadfence_block __threadfence_system __nanosleep "
    "__shfl_sync __shfl_up_sync __shfl_down_sync __shfl_xor_sync "
    "__ballot_sync __any_sync __all_sync __uni_sync __match_any_sync __match_all_sync __activemask "
    "__reduce_add_sync __reduce_min_sync __reduce_max_sync "
    "atomicAdd atomicSub atomicExch atomicMin atomicMax atomicInc atomicDec atomicCAS atomicAnd atomicOr atomicXor "
    "__ldg __ldcg __ldca __ldcs __ldlu __ldcv __stwb __stcg __stcs __stwt "
    "__popc __popcll __clz __clzll __ffs __ffsll __brev __brevll __byte_perm __funnelshift_l __funnelshift_r "
    "__mul24 __umul24 __mulhi __umulhi __mul64hi __umul64hi __sad __usad "
    "__fadd_rn __fmul_rn __fmaf_rn __fdividef __frcp_rn __fsqrt_rn __frsqrt_rn "
    "__expf __exp10f __logf __log2f __log10f __sinf __cosf __tanf __sincosf __powf __saturatef "
    "__float2int_rn __float2uint_rn __int2float_rn __float_as_int __int_as_float "
    "__float2half __float2half_rn __half2float __floats2half2_rn __half22float2 "
    "__float2bfloat16 __bfloat162float __hadd __hsub __hmul __hdiv __hfma __hneg __habs __hmax __hmin "
    "__hadd2 __hmul2 __hfma2 clock clock64 globaltimer";

// Half, bfloat16, the vector types and the runtime's handle and enum types.
QByteArray cudaTypes()
{
    QByteArray words = "half half2 __half __half2 nv_bfloat16 nv_bfloat162 __nv_bfloat16 __nv_bfloat162 "
                       "dim3 cudaStream_t cudaEvent_t cudaError_t cudaGraph_t cudaGraphExec_t "
                       "cudaTextureObject_t cudaSurfaceObject_t CUdeviceptr "
                       "size_t ptrdiff_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t";
    for (const char* base : {"char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "longlong",
                             "ulonglong", "float", "double"}) {
        for (int lanes = 1; lanes <= 4; ++lanes)
            words += ' ' + QByteArray(base) + QByteArray::number(lanes);
    }
    return words;
}

} // namespace

CudaLexer::CudaLexer(QObject* parent)
    : QsciLexerCPP(parent)
{
}

const char* CudaLexer::language() const { return "CUDA"; }

const char* CudaLexer::keywords(int set) const
{
    // Built once; Scintilla copies the words when the lexer is set.
    static const QByteArray primary =
        QByteArray(QsciLexerCPP::keywords(1)) + ' ' + kModernCppKeywords + ' ' + kCudaKeywords;
    static const QByteArray types = cudaTypes();
    switch (set) {
    case 1: return primary.constData();
    case 2: return kCudaBuiltins;
    case 4: return types.constData();
    default: return QsciLexerCPP::keywords(set);
    }
}

QString CudaLexer::description(int style) const
{
    switch (style) {
    case KeywordSet2: return tr("CUDA built-in variables and functions");
    case GlobalClass: return tr("CUDA and fixed-width types");
    default: return QsciLexerCPP::description(style);
    }
}

// QsciLexerCPP's colours, but for the styles it leaves black and those with a contrast
// below 4.5:1 on their background.
QColor CudaLexer::defaultColor(int style) const
{
    switch (style) {
    case Default: return QColor(0x1f, 0x23, 0x28);
    case Keyword: return QColor(0x00, 0x33, 0xb3);
    case KeywordSet2: return QColor(0x87, 0x10, 0x94);
    case GlobalClass: return QColor(0x00, 0x6b, 0x7a);
    case Number: return QColor(0x09, 0x69, 0x5a);
    case PreProcessor: return QColor(0x8a, 0x4b, 0x00);
    case PreProcessorComment: return QColor(0x4d, 0x75, 0x00);
    case Regex: return QColor(0x2f, 0x6b, 0x2f);
    case UserLiteral: return QColor(0xa0, 0x4f, 0x00);
    case Comment:
    case CommentLine:
    case CommentDoc:
    case CommentLineDoc: return QColor(0x3d, 0x7a, 0x3d);
    default: return QsciLexerCPP::defaultColor(style);
    }
}

// Only bold and italic matter here: the editor sets one monospace family and size for all
// styles (CodeEditor::applyFont()).
QFont CudaLexer::defaultFont(int style) const
{
    QFont font = QsciLexerCPP::defaultFont(style);
    switch (style & ~0x40) { // the inactive (preprocessed-out) twin of each style too
    case Comment:
    case CommentLine:
    case CommentDoc:
    case CommentLineDoc:
    case CommentDocKeyword:
    case CommentDocKeywordError: font.setItalic(true); break;
    default: font.setItalic(false); break;
    }
    font.setBold((style & ~0x40) == Keyword);
    return font;
}

} // namespace wb::widgets
