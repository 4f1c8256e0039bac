#include "commands.h"

namespace wb::cli {

std::string helpText()
{
    return R"(warpbench-cli: headless Warpbench (devices, benchmarks, the demo, pipelines)

usage:
  warpbench-cli devices [--json]
      CPU model, cores, memory, BLAS/FFT/OpenCV versions and threads; each GPU (name,
      compute capability, SMs, memory, clocks, L2, driver/runtime, CUDA library
      versions) or the reason there is none.

  warpbench-cli bench --op matmul|fft2|gaussian|FILTER --sizes N[,N...] [options]
      FILTER is any op of bench-filters' cases (box, erode, dilate, sobel, median, ...),
      on n x n single-channel images, checked against OpenCV on the CPU
      --dtype T          matmul: follows --precision (f32, f16, bf16, f64)
                         fft2: f32/c64 (default) or f64/c128; gaussian: f32 (default) or u8
                         FILTER: picks the op's first case of that dtype
      --case LABEL       FILTER: one of its bench-filters cases ("box 15x15"; default the first)
      --precision P      matmul: fp32 (default), tf32, fp16, bf16, fp64; fft2: fp32 or fp64
      --backends LIST    cpu,gpu (default), cpu, gpu or cuda:N
      --repeat N         timed repetitions (default 10); --warmup N untimed ones (default 3)
      --threads N        CPU threads for OpenBLAS, FFTW and OpenCV (default: all cores)
      --sigma S          gaussian sigma (default 3)
      --seed N           seed of the random inputs (default 1)
      --json FILE        write the run record (figures, devices, versions) as JSON
      Prints median/min/max ms, throughput, speedup vs CPU (verified results only),
      H2D+D2H transfer ms, max relative error against the reference and % of the bare
      cuBLAS/cuFFT call.

  warpbench-cli demo [--cpu-only] [--repeat N] [--size N] [--count N] [--json FILE]
      The classic "five 5000x5000 float64 random matrix products, NumPy vs CuPy"
      comparison: OpenBLAS on all CPU threads against cuRAND + cuBLAS, generation
      included, both results verified (defaults: --size 5000 --count 5 --repeat 3).

  warpbench-cli ops [--json]
      Every function a pipeline (.wbp) can call, by category, with its signature and a
      one-line doc; --json adds parameter types, defaults, choices and ranges.

  warpbench-cli check FILE.wbp
      Parses and checks a pipeline without running it, as the editor does: syntax,
      function and argument names, argument types, dtype and choice names, names used
      before they are assigned, then shapes and dtypes through every step, files that
      load() cannot read and launch()'s arguments against the kernel's parameters.
      Diagnostics go to stderr as FILE:line:col: error: message.

  warpbench-cli run FILE.wbp [--backends cpu,gpu] [--repeat N] [--warmup N] [--seed N]
                    [--threads N] [--no-fuse] [--no-graph] [--json FILE]
      Checks, infers shapes and dtypes, then runs a pipeline on each backend (options
      override the @backends, @repeat, @warmup, @seed and @threads directives). Prints
      every step's median/min/max ms, GFLOP/s or GB/s, and with cpu,gpu the max relative
      error against the CPU and, for steps within their tolerance, the speedup; uploads
      and downloads are steps of their own. Chains of elementwise steps run fused as one
      step (--no-fuse: each on its own); GPU repetitions after the first replay a CUDA
      graph (--no-graph: launched one by one). --json FILE writes the run record. Exit 1
      when a check() fails or a step fails, 2 when the pipeline has errors.

  warpbench-cli compile FILE.cu [--arch sm_90|compute_90] [--option OPT] [--ptx | --sass]
      Compiles a CUDA kernel with NVRTC for the GPU here, or the architecture given
      (sm_90 without a GPU): no GPU is needed. Headers beside the file and CUDA's own are
      found; --option passes one NVRTC option ("-DTILE=16"). Prints diagnostics to stderr
      as FILE:line:col: error: message, then per kernel the registers, shared memory,
      stack, spills and barriers ptxas reports (sm_XY only), or with --ptx the PTX, or
      with --sass the machine code disassembled by the toolkit's nvdisasm or cuobjdump
      (exit 1 where neither is found, saying so). Exit 2 when it does not compile.

  warpbench-cli bench-pipeline [--steps N] [--elements N] [--fusion-elements N] [--repeat N]
                    [--overhead-only | --fusion-only] [--json FILE]
      The executor's own benchmarks on the GPU: the time per step of a chain of tiny
      elementwise steps kept apart (defaults 1000 steps of 1024 elements), replayed as a
      CUDA graph and launched one by one; and a fused chain of 10 elementwise operations
      over 2^28 f32 elements against a device-to-device copy of the same bytes.

  warpbench-cli bench-filters [--width 3840] [--height 2160] [--channels 1] [--ops LIST]
                    [--repeat 20] [--warmup 3] [--cpu-repeat 5] [--threads N] [--per-launch]
                    [--cpu-only] [--seed N] [--json FILE]
      The image filters (issue 6) on one frame: gaussian sigma 3 (19 taps) f32; box 3,
      15, 31, 63 f32; erode and dilate, rectangles 3, 15, 31, on f32 and u8 (--ops
      gaussian,box,erode,dilate picks some). GPU: CUDA events, median us with L2 cold
      (rotating among frames > 3x L2) and hot (one pair of buffers), GB/s (one read and
      one write of the frame), % of a device-to-device copy timed the same way, the
      issue's cold-L2 target (4K frame) met or not. CPU: OpenCV on all threads (fewer
      repetitions), the GPU's speedup, and the GPU result checked against the CPU's
      (integers within 1 unit, f32 1e-5); an unverified case shows no speedup.
      --per-launch times each launch alone instead of back to back. Exit 1 without a
      GPU (--cpu-only runs the CPU rows alone) or when a check fails.

  warpbench-cli bench-telemetry [--rate-hz 10] [--seconds 10] [--json FILE]
      The cost of the engine's telemetry: sample() (NVML per GPU, /proc/stat, process
      CPU) on its own thread at the rate for the duration; prints that thread's CPU time
      as % of one core (target at 10 Hz: under 1%) and the median and max ms per sample.
      Needs no GPU: without NVML it measures the CPU part and says why.

  warpbench-cli engine --stdio [--test-ops]
      The engine process the workbench talks to (docs/protocol.md): length-prefixed JSON
      and binary frames on standard input and output, logs on standard error
      (WB_ENGINE_TRACE=1 adds a line per frame). Works the same behind ssh or srun.
      --test-ops adds test_hang, test_gpu_fault and test_gpu_hang for the reliability
      tests. Exit 0 on shutdown or when the input closes, 3 protocol mismatch, 4 the GPU
      context was lost, 5 an internal error.

  warpbench-cli --version | help

exit status: 0 done, 1 a verification or a run failed, 2 bad command line or a request
refused before it started (unknown option, bad size, too large for memory, no GPU for
--backends gpu, a pipeline with errors or that cannot be read). WB_DISABLE_CUDA=1 hides
the GPU.
)";
}

} // namespace wb::cli
