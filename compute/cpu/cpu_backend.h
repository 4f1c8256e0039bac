#pragma once
// The CPU backend: OpenBLAS, FFTW and OpenCV with all threads, and our own loops where no
// library serves. Reached only through wb::Runtime.

#include <wb/backend.h>
#include <wb/device.h>

#include <memory>

namespace wb::cpu {

std::unique_ptr<Backend> createBackend();

// Threads for OpenBLAS, for FFTW plans made from now on, and for OpenCV; n >= 1.
void setThreads(int threads);
int threads();
CpuLibraries libraries();

} // namespace wb::cpu
