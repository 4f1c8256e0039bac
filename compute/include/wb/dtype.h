#pragma once
// Element types of Warpbench arrays.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wb {

// The order is part of the engine protocol and the run record: append only.
enum class DType : std::uint8_t { U8, U16, I32, F16, BF16, F32, F64, C64, C128 };

inline constexpr DType kAllDTypes[] = {DType::U8,  DType::U16, DType::I32, DType::F16, DType::BF16,
                                       DType::F32, DType::F64, DType::C64, DType::C128};

// Bytes per element: 1, 2, 4, 2, 2, 4, 8, 8, 16.
std::size_t sizeOf(DType dtype);
// Short lower-case name as used in pipelines and on the command line: "u8", "f32", "c64".
std::string_view name(DType dtype);
// Inverse of name(); also accepts NumPy spellings ("uint8", "float32", "complex64", ...).
std::optional<DType> parseDType(std::string_view text);

bool isComplex(DType dtype);
// True for f16, bf16, f32, f64 (real floating point).
bool isReal(DType dtype);
bool isInteger(DType dtype);
// c64 -> f32, c128 -> f64; other types map to themselves.
DType realPart(DType dtype);
// f32 -> c64, f64 -> c128; throws wb::Error (DTypeMismatch) for other types.
DType complexOf(DType dtype);

} // namespace wb
