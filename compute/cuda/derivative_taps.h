#pragma once
// The derivative kernels' float taps (kernels/derivatives.cuh) from wb::derivativeFilters,
// the scale folded in as OpenCV applies it. Host code only.

#include "kernels/derivatives.cuh"

#include <wb/ops.h>

namespace wb::cuda {

inline kernels::DerivTaps derivativeTaps(const DerivativeFilters& filters)
{
    kernels::DerivTaps taps{};
    for (int i = 0; i < filters.count; ++i) {
        for (std::size_t k = 0; k < filters.row[i].size(); ++k) {
            taps.row[i][k] = static_cast<float>(filters.row[i][k]);
            taps.column[i][k] = static_cast<float>(filters.column[i][k]);
        }
    }
    taps.delta = static_cast<float>(filters.delta);
    return taps;
}

} // namespace wb::cuda
