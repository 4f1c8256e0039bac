#include "cpu_backend.h"

#include <warpbench/config.h>

#include <cblas.h>
#include <fftw3.h>
#if WARPBENCH_HAVE_OPENCV
#include <opencv2/core/utility.hpp>
#endif

#include <sstream>
#include <string>

namespace wb::cpu {

namespace {

std::string threadText(int count) { return std::to_string(count) + (count == 1 ? " thread" : " threads"); }

// "OpenBLAS 0.3.21 Haswell (pthread, 16 threads)": the version from openblas_get_config()
// (its first two words), the kernel set chosen at run time, and the threading model.
std::string blasText()
{
    std::istringstream config(openblas_get_config());
    std::string library, version;
    config >> library >> version;
    const char* model = "sequential";
    switch (openblas_get_parallel()) {
    case 1: model = "pthread"; break;
    case 2: model = "OpenMP"; break;
    default: break;
    }
    return library + " " + version + " " + openblas_get_corename() + " (" + model + ", " +
           threadText(openblas_get_num_threads()) + ")";
}

} // namespace

CpuLibraries libraries()
{
    const int count = threads();
    CpuLibraries result;
    result.blas = blasText();
    result.fft = std::string(fftw_version) + " (" + threadText(count) + ")";
#if WARPBENCH_HAVE_OPENCV
    result.opencv = cv::getVersionString() + " (" + threadText(cv::getNumThreads()) + ")";
#else
    result.opencv = "not built in";
#endif
    return result;
}

} // namespace wb::cpu
