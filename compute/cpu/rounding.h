#pragma once
// Rounding one value into a narrower dtype as ConvertDesc specifies (wb/ops.h), for the CPU
// loops that produce u8, u16, i32, f16 or bf16 values: integer targets round half to even
// and saturate, NaN gives 0 (as OpenCV's saturate_cast); f16 and bf16 targets are rounded
// once from the exact double.
//
// convert.cpp (astype) and elementwise.cpp (Cast nodes) share them, so the two agree bit
// for bit.

#include "core/half.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace wb::cpu {

template <typename Int> Int saturate(double value)
{
    if (std::isnan(value))
        return 0;
    const double rounded = std::nearbyint(value);
    if (rounded <= static_cast<double>(std::numeric_limits<Int>::min()))
        return std::numeric_limits<Int>::min();
    if (rounded >= static_cast<double>(std::numeric_limits<Int>::max()))
        return std::numeric_limits<Int>::max();
    return static_cast<Int>(rounded);
}

// double -> float rounding to odd: then rounding that float to f16 or bf16 (to nearest
// even) gives the correctly rounded result, which double -> float -> half does not
// always (a double just above a half-way point can land exactly on it as a float).
inline float roundToOddFloat(double value)
{
    const float nearest = static_cast<float>(value);
    if (!std::isfinite(nearest) || static_cast<double>(nearest) == value)
        return nearest;
    auto bits = std::bit_cast<std::uint32_t>(nearest);
    if (std::fabs(static_cast<double>(nearest)) > std::fabs(value))
        --bits; // rounded away from zero: step back toward zero
    return std::bit_cast<float>(bits | 1u);
}

inline std::uint16_t doubleToHalf(double value) { return detail::floatToHalf(roundToOddFloat(value)); }
inline std::uint16_t doubleToBf16(double value) { return detail::floatToBf16(roundToOddFloat(value)); }

} // namespace wb::cpu
