#pragma once
// Splits a loop over [0, n) into contiguous chunks, one per CPU backend thread, for the
// ops we write ourselves (convert, random, fftshift, FFT normalisation). Library calls
// (OpenBLAS, FFTW, OpenCV) bring their own threads.

#include <cstdint>
#include <functional>

namespace wb::cpu {

// Calls body(begin, end) on at most threads() chunks, each at least minChunk long
// (so small arrays stay on the calling thread), and returns when all are done. The
// first exception a chunk throws is rethrown here.
void parallelFor(std::int64_t n, std::int64_t minChunk, const std::function<void(std::int64_t, std::int64_t)>& body);

} // namespace wb::cpu
