#pragma once
// Checks that every image filter's validate() makes of its input: (H, W) or (H, W, C) with
// C in 1..4, not empty, and a dtype among u8, u16 and f32. Each throws wb::Error with the
// op's name in the message and the context. And the channel count both backends read.

#include <wb/error.h>
#include <wb/ops.h>

#include <string>

namespace wb::detail {

// The channel count of an (H, W) or (H, W, C) image: 1 for (H, W).
inline int imageChannels(const Shape& shape) { return shape.ndim() == 3 ? static_cast<int>(shape[2]) : 1; }

inline void checkImageShape(const Shape& shape, const std::string& op)
{
    const ErrorContext context{.op = op};
    if (shape.ndim() != 2 && shape.ndim() != 3)
        fail(ErrorCode::ShapeMismatch, op + " takes (H, W) or (H, W, C) images, got " + shape.toString(), context);
    if (shape.ndim() == 3 && (shape[2] < 1 || shape[2] > 4))
        fail(ErrorCode::ShapeMismatch, "images have 1 to 4 channels, got " + std::to_string(shape[2]), context);
    if (shape[0] == 0 || shape[1] == 0)
        fail(ErrorCode::ShapeMismatch, op + " of an empty image " + shape.toString(), context);
}

inline void checkFilterDType(DType dtype, const std::string& op)
{
    if (dtype != DType::U8 && dtype != DType::U16 && dtype != DType::F32)
        fail(ErrorCode::DTypeMismatch, op + " takes u8, u16 or f32 images, got " + std::string(name(dtype)),
             {.op = op});
}

} // namespace wb::detail
