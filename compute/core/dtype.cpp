#include <wb/dtype.h>
#include <wb/error.h>

#include <string>

namespace wb {

std::size_t sizeOf(DType dtype)
{
    switch (dtype) {
    case DType::U8: return 1;
    case DType::U16: return 2;
    case DType::I32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::C64: return 8;
    case DType::C128: return 16;
    }
    fail(ErrorCode::Internal, "unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

std::string_view name(DType dtype)
{
    switch (dtype) {
    case DType::U8: return "u8";
    case DType::U16: return "u16";
    case DType::I32: return "i32";
    case DType::F16: return "f16";
    case DType::BF16: return "bf16";
    case DType::F32: return "f32";
    case DType::F64: return "f64";
    case DType::C64: return "c64";
    case DType::C128: return "c128";
    }
    return "?";
}

std::optional<DType> parseDType(std::string_view text)
{
    struct Alias {
        std::string_view text;
        DType dtype;
    };
    static constexpr Alias aliases[] = {
        {"uint8", DType::U8},    {"uint16", DType::U16},    {"int32", DType::I32},     {"float16", DType::F16},
        {"half", DType::F16},    {"bfloat16", DType::BF16}, {"float32", DType::F32},   {"float", DType::F32},
        {"float64", DType::F64}, {"double", DType::F64},    {"complex64", DType::C64}, {"complex128", DType::C128},
    };
    for (DType dtype : kAllDTypes) {
        if (name(dtype) == text)
            return dtype;
    }
    for (const Alias& alias : aliases) {
        if (alias.text == text)
            return alias.dtype;
    }
    return std::nullopt;
}

bool isComplex(DType dtype) { return dtype == DType::C64 || dtype == DType::C128; }

bool isReal(DType dtype)
{
    return dtype == DType::F16 || dtype == DType::BF16 || dtype == DType::F32 || dtype == DType::F64;
}

bool isInteger(DType dtype) { return dtype == DType::U8 || dtype == DType::U16 || dtype == DType::I32; }

DType realPart(DType dtype)
{
    if (dtype == DType::C64)
        return DType::F32;
    if (dtype == DType::C128)
        return DType::F64;
    return dtype;
}

DType complexOf(DType dtype)
{
    if (dtype == DType::F32 || dtype == DType::C64)
        return DType::C64;
    if (dtype == DType::F64 || dtype == DType::C128)
        return DType::C128;
    fail(ErrorCode::DTypeMismatch, "no complex type for " + std::string(name(dtype)) + " (only f32 and f64 have one)");
}

} // namespace wb
