#pragma once
// Version of the compute library's public API (these headers) and of the program.

namespace wb {

inline constexpr int kVersionMajor = 0;
inline constexpr int kVersionMinor = 1;
inline constexpr int kVersionPatch = 0;
inline constexpr const char* kVersionString = "0.1.0";

} // namespace wb
