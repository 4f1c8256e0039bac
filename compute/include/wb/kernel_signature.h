#pragma once
// The parameter list of a user's CUDA kernel, read from its source: what launch() in a
// pipeline checks its arguments against before anything is compiled or launched (issue 7).
// A light reader, not a C++ parser: it finds `__global__ ... NAME(` outside comments and
// string literals (skipping `__launch_bounds__(...)` and template heads), splits the list at
// its top-level commas and reads each parameter's type, pointer level and name.
//
//   const KernelSignature saxpy = parseKernelSignature(source, "saxpy");
//   saxpy.params[2]  // {name "x", type "const float*", pointer, element f32, const}

#include <wb/dtype.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wb {

enum class KernelParamKind : std::uint8_t {
    Pointer, // an array argument: T* (any pointer level is one array)
    Integer, // a whole-number scalar: int, unsigned, size_t, long long, char, bool, ...
    Real,    // a floating-point scalar: float, double
    Other,   // anything else passed by value (a struct, a template parameter): not bindable
};

struct KernelParam {
    std::string name{}; // empty for an unnamed parameter
    std::string type{}; // as written, spaces normalised: "const float*", "unsigned int"
    KernelParamKind kind = KernelParamKind::Other;
    // Pointers: the element's dtype where it is one of Warpbench's (float -> f32, unsigned
    // char -> u8, __half -> f16, float2 -> c64, ...); scalars: the value's dtype likewise.
    std::optional<DType> dtype{};
    bool pointeeConst = false;   // `const T*`: the kernel only reads that array
    std::size_t scalarBytes = 0; // Integer and Real: the size the launch passes
};

struct KernelSignature {
    std::string name{};
    int line = 0; // of the name, 1-based
    int column = 0;
    bool templated = false; // `template <...>`: launch() needs an instantiation it cannot name
    std::vector<KernelParam> params{};
};

// The names of the `__global__` functions in the source, in order of appearance.
std::vector<std::string> kernelNames(std::string_view source);

// The kernel called `name`. Throws InvalidArgument when there is none ("no kernel 'sxpy'
// in the source; its kernels: saxpy, scale") or its parameter list cannot be read.
KernelSignature parseKernelSignature(std::string_view source, std::string_view name);

} // namespace wb
