#pragma once
// Turns a run-time DType into a compile-time one, so that one template serves every dtype.

#include <wb/dtype.h>
#include <wb/error.h>

#include <string>
#include <type_traits>

namespace wb::cpu {

template <DType D> using DTypeTag = std::integral_constant<DType, D>;

// Calls f(DTypeTag<dtype>{}) and returns what it returns.
template <typename F> decltype(auto) visitDType(DType dtype, F&& f)
{
    switch (dtype) {
    case DType::U8: return f(DTypeTag<DType::U8>{});
    case DType::U16: return f(DTypeTag<DType::U16>{});
    case DType::I32: return f(DTypeTag<DType::I32>{});
    case DType::F16: return f(DTypeTag<DType::F16>{});
    case DType::BF16: return f(DTypeTag<DType::BF16>{});
    case DType::F32: return f(DTypeTag<DType::F32>{});
    case DType::F64: return f(DTypeTag<DType::F64>{});
    case DType::C64: return f(DTypeTag<DType::C64>{});
    case DType::C128: return f(DTypeTag<DType::C128>{});
    }
    fail(ErrorCode::Internal, "unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

} // namespace wb::cpu
