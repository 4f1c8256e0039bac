#pragma once
// Helpers for the CPU backend tests: reading and writing elements of any dtype as double
// (independently of the convert op under test), test data, and error expectations.

#include <wb/array.h>
#include <wb/backend.h>
#include <wb/error.h>
#include <wb/ops.h>

#include <complex>
#include <cstdint>
#include <functional>
#include <optional>

namespace wb::test {

Backend& cpuBackend();

// Element i as a double (real dtypes and integers) or as a complex number (any dtype).
double realAt(const Array& array, std::int64_t i);
std::complex<double> complexAt(const Array& array, std::int64_t i);
// Stores `value` rounded to the array's dtype (integers round to nearest and saturate).
void setAt(Array& array, std::int64_t i, std::complex<double> value);

// A host array of uniform values in [low, high) (imaginary parts too for complex dtypes),
// from std::mt19937_64, not from the generator under test.
Array randomArray(const Shape& shape, DType dtype, std::uint64_t seed, double low = -1.0, double high = 1.0);

// The source index OpenCV reads for index p of an axis of length n (cv::borderInterpolate),
// reflecting as often as needed for kernels wider than the image; nullopt: the constant.
std::optional<std::int64_t> borderIndex(std::int64_t p, std::int64_t n, BorderMode border);

// Runs `call` and returns the code of the wb::Error it throws; fails the test when it
// throws nothing or something else.
ErrorCode errorCodeOf(const std::function<void()>& call);

// Sets the CPU backend's thread count for one scope and restores it afterwards.
class ThreadCountScope {
public:
    explicit ThreadCountScope(int threads);
    ~ThreadCountScope();
    ThreadCountScope(const ThreadCountScope&) = delete;
    ThreadCountScope& operator=(const ThreadCountScope&) = delete;

private:
    int m_previous;
};

} // namespace wb::test
