#pragma once
// How a box filter's window sums become output pixels, following cv::boxFilter: the
// scale and rounding the box kernels apply (kernels/box.cuh). Host code only.

#include "kernels/box.cuh"

#include <wb/ops.h>

#include <cmath>
#include <cstdint>

namespace wb::cuda {

// cv::boxFilter's sum type (createBoxFilter) decides its rounding.
inline kernels::BoxScale boxScale(const BoxDesc& desc)
{
    kernels::BoxScale scale;
    const std::int64_t area = std::int64_t{desc.ksizeX} * desc.ksizeY;
    if (!desc.normalize || area == 1)
        return scale; // OpenCV's column filter skips the scale when it is 1
    scale.scaleD = 1.0 / static_cast<double>(area);
    scale.scaleF = static_cast<float>(scale.scaleD);
    if (desc.dtype == DType::F32) {
        scale.rounding = kernels::BoxRounding::Double;
    } else if (desc.dtype == DType::U8 && area <= 256) {
        // ColumnSum<ushort, uchar>: division by d as a multiply and a 23-bit shift, with
        // (s + divDelta)·divScale < 2^31 for every sum s <= 255·d.
        scale.rounding = kernels::BoxRounding::FixedPoint;
        const auto d = static_cast<std::int64_t>(std::lrint(1.0 / scale.scaleD));
        double scalef = static_cast<double>(1 << 23) / static_cast<double>(d);
        auto divScale = static_cast<std::int64_t>(std::floor(scalef));
        scalef -= static_cast<double>(divScale);
        std::int64_t divDelta = d / 2;
        if (scalef < 0.5)
            ++divDelta;
        else
            ++divScale;
        scale.divScale = static_cast<std::uint32_t>(divScale);
        scale.divDelta = static_cast<std::uint32_t>(divDelta);
    } else if (desc.dtype == DType::U8 || area <= (1 << 15)) {
        scale.rounding = kernels::BoxRounding::Float; // int sums scaled in float (the vector path)
    } else {
        scale.rounding = kernels::BoxRounding::Double; // u16 over 32768 pixels: double sums
    }
    return scale;
}

} // namespace wb::cuda
