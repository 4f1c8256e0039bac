#pragma once
// Calls a generic lambda with the device element type of a dtype, for the .cu files that
// instantiate one kernel per dtype: visitDeviceType(DType::F16, f) calls
// f(TypeTag<__half>{}). c64 and c128 are float2 and double2.

#include <wb/dtype.h>
#include <wb/error.h>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

namespace wb::cuda {

template <typename T> struct TypeTag {
    using Type = T;
};

template <typename F> decltype(auto) visitDeviceType(DType dtype, F&& f)
{
    switch (dtype) {
    case DType::U8: return f(TypeTag<std::uint8_t>{});
    case DType::U16: return f(TypeTag<std::uint16_t>{});
    case DType::I32: return f(TypeTag<std::int32_t>{});
    case DType::F16: return f(TypeTag<__half>{});
    case DType::BF16: return f(TypeTag<__nv_bfloat16>{});
    case DType::F32: return f(TypeTag<float>{});
    case DType::F64: return f(TypeTag<double>{});
    case DType::C64: return f(TypeTag<float2>{});
    case DType::C128: return f(TypeTag<double2>{});
    }
    fail(ErrorCode::Internal, "unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

} // namespace wb::cuda
