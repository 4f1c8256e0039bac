#pragma once
// Device-side element types of Warpbench's dtypes and the conversions between them,
// rounding as ConvertDesc (wb/ops.h) says and as the CPU backend does (cpu/convert.cpp):
// integer targets round half to even and saturate, NaN gives 0; floating targets round
// to nearest even; every result is rounded once from the exact value.

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

// c64 and c128 as CUDA's vector types: (re, im) pairs with the alignment cuFFT uses.
template <typename T> inline constexpr bool kIsComplex = std::is_same_v<T, float2> || std::is_same_v<T, double2>;

template <typename T> struct PartOfT {
    using Type = T;
};
template <> struct PartOfT<float2> {
    using Type = float;
};
template <> struct PartOfT<double2> {
    using Type = double;
};
// The type of each part of a complex element; a real type itself.
template <typename T> using PartOf = typename PartOfT<T>::Type;

// Float holds every value of u8, u16, f16, bf16 and f32 exactly; i32 and f64 need double.
template <typename T> inline constexpr bool kNeedsDouble = std::is_same_v<T, double> || std::is_same_v<T, std::int32_t>;

// The narrowest arithmetic type that holds both a From and a To value exactly.
template <typename From, typename To> using ExactCompute =
    std::conditional_t<kNeedsDouble<From> || kNeedsDouble<To>, double, float>;

template <typename Compute, typename T> __device__ __forceinline__ Compute widen(T value)
{
    if constexpr (std::is_same_v<T, __half>)
        return static_cast<Compute>(__half2float(value));
    else if constexpr (std::is_same_v<T, __nv_bfloat16>)
        return static_cast<Compute>(__bfloat162float(value));
    else
        return static_cast<Compute>(value);
}

// Rounds a float or double into T. The float-to-integer instructions (cvt.rni) saturate
// to the 32-bit range, so only the upper bound of u8 and u16 is left; NaN is not 0 there
// (an H200 gives INT_MIN for __float2int_rn and __double2int_rn, UINT_MAX for
// __double2uint_rn), so it is tested first.
template <typename T, typename Compute> __device__ __forceinline__ T narrow(Compute value)
{
    constexpr bool kDouble = std::is_same_v<Compute, double>;
    if constexpr (std::is_integral_v<T>) {
        if (isnan(value))
            return T(0);
    }
    if constexpr (std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t>) {
        unsigned rounded;
        if constexpr (kDouble)
            rounded = __double2uint_rn(value);
        else
            rounded = __float2uint_rn(value);
        return static_cast<T>(min(rounded, std::is_same_v<T, std::uint8_t> ? 255u : 65535u));
    } else if constexpr (std::is_same_v<T, std::int32_t>) {
        if constexpr (kDouble)
            return __double2int_rn(value);
        else
            return __float2int_rn(value);
    } else if constexpr (std::is_same_v<T, __half>) {
        if constexpr (kDouble)
            return __double2half(value);
        else
            return __float2half_rn(value);
    } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
        if constexpr (kDouble)
            return __double2bfloat16(value);
        else
            return __float2bfloat16_rn(value);
    } else if constexpr (std::is_same_v<T, float>) {
        if constexpr (kDouble)
            return __double2float_rn(value);
        else
            return value;
    } else {
        static_assert(std::is_same_v<T, double>, "narrow: not an element type");
        return static_cast<double>(value);
    }
}

// One real value (or one part of a complex one) converted, with value·scale + offset
// when `affine`. The affine form is computed in double with separately rounded multiply
// and add (no fused multiply-add), as the CPU backend computes it, so both agree bit for
// bit; the plain form needs no arithmetic and uses the cheapest exact type.
template <typename To, typename From>
__device__ __forceinline__ To convertValue(From value, bool affine, double scale, double offset)
{
    if (affine)
        return narrow<To>(__dadd_rn(__dmul_rn(widen<double>(value), scale), offset));
    return narrow<To>(widen<ExactCompute<From, To>>(value));
}

// The imaginary part: scaled, never offset (the offset is a real number).
template <typename To, typename From> __device__ __forceinline__ To scaleValue(From value, bool affine, double scale)
{
    if (affine)
        return narrow<To>(__dmul_rn(widen<double>(value), scale));
    return narrow<To>(widen<ExactCompute<From, To>>(value));
}

} // namespace wb::cuda::kernels
