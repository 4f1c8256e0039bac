#!/usr/bin/env bash
# The GPU check: run from the root of a copy of the repo on the GPU machine (the device
# tool runs commands there). Builds the headless parts, runs the whole test suite with the
# GPU tests, and the benchmarks; writes logs and JSON to $OUT (default ./device-out):
#   $OUT/summary.txt     environment, test totals and the benchmark tables
#   $OUT/results.tar.gz  every log and JSON file
#
# The machine has CUDA, CMake, g++, OpenBLAS, FFTW and GoogleTest but no OpenCV C++ and no
# nlohmann-json: carry .devdeps, made here by scripts/pack-device-deps.sh.
#
#   scripts/device-check.sh [all|tests|images|others|bench|filters|ncu|pipeline|engine|demo]...
#   (default: all; images + others = tests; ncu, Nsight Compute on the filter cases, only
#   when named, NCU_OPS=gaussian,box,... picks the cases)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
OUT=${OUT:-$root/device-out}
logs=$OUT/logs
mkdir -p "$logs"
summary=$OUT/summary.txt
: >"$summary"
steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=(all)
want() { [[ " ${steps[*]} " == *" all "* || " ${steps[*]} " == *" $1 "* ]]; }
note() { echo "$*" | tee -a "$summary"; }
status=0

# shellcheck source=scripts/device-env.sh
source "$root/scripts/device-env.sh"

{
  note "== environment"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.sm --format=csv,noheader
  nvcc --version | tail -2
  cmake --version | head -1
  g++ --version | head -1
  nproc
} 2>&1 | tee -a "$summary"

note "== build (preset device)"
if ! { cmake --preset device && cmake --build --preset device -j "$(nproc)"; } >"$logs/build.log" 2>&1; then
  tail -40 "$logs/build.log" | tee -a "$summary"
  tar -czf "$OUT/results.tar.gz" -C "$OUT" logs
  exit 1
fi
grep -A8 "Warpbench parts" "$logs/build.log" | tee -a "$summary"
cli=$root/build/device/bin/warpbench-cli
"$cli" devices >"$logs/devices.txt" 2>&1
cat "$logs/devices.txt" >>"$summary"

# The whole suite takes most of a device call's 10 minutes with the build; `images` (the
# filters' parameterised GPU tests, Images/...) and `others` (the rest) split it in two.
tests() { # name, then ctest arguments
  note "== tests $1"
  local name=$1
  shift
  ctest --preset device -j 8 "$@" --output-junit "$logs/ctest-$name.xml" >"$logs/ctest-$name.log" 2>&1 || status=1
  grep -E "tests passed|tests failed|Skipped|\*\*\*Failed|Not Run|Exception" "$logs/ctest-$name.log" | tee -a "$summary"
}
if want tests; then
  tests all
else
  if [[ " ${steps[*]} " == *" images "* ]]; then tests images -R '^Images/'; fi
  if [[ " ${steps[*]} " == *" others "* ]]; then tests others -E '^Images/'; fi
fi

bench() { # name, then warpbench-cli bench arguments
  local name=$1
  shift
  note "== bench $name: $*"
  "$cli" bench "$@" --json "$logs/bench-$name.json" >"$logs/bench-$name.txt" 2>&1 || status=1
  cat "$logs/bench-$name.txt" >>"$summary"
  cat "$logs/bench-$name.txt"
}
if want bench; then
  # GPU rows over the whole range with many repetitions (GPU-only rows are checked against
  # sampled double-precision rows or a CPU result made once, untimed), then CPU against GPU
  # at two sizes for the speedups: CPU rows at 8192 would cost minutes of the lease.
  # 5000 is the demo's size, awkward for 128-wide tiles.
  bench matmul-fp64-gpu --op matmul --precision fp64 --sizes 1024,2048,4096,5000,8192 --backends gpu --repeat 20
  bench matmul-fp64-cpu-gpu --op matmul --precision fp64 --sizes 1024,4096 --backends cpu,gpu --repeat 5
  for p in fp32 tf32 fp16 bf16; do
    bench "matmul-$p-gpu" --op matmul --precision "$p" --sizes 1024,2048,4096,8192 --backends gpu --repeat 20
    bench "matmul-$p-cpu-gpu" --op matmul --precision "$p" --sizes 1024,4096 --backends cpu,gpu --repeat 5
  done
  for d in c64 c128; do
    bench "fft2-$d-gpu" --op fft2 --dtype "$d" --sizes 1024,2048,4096,8192 --backends gpu --repeat 20
    bench "fft2-$d-cpu-gpu" --op fft2 --dtype "$d" --sizes 1024,4096 --backends cpu,gpu --repeat 5
  done
  bench gaussian --op gaussian --dtype f32 --sigma 3 --sizes 1024,2048,4096 --backends cpu,gpu --repeat 20
fi

if want filters; then
  # Issue 6: the image filters with L2 cold and hot against the copy bandwidth and OpenCV,
  # then the same cases in CuPy and OpenCV's Python package, given Warpbench's record for
  # the "x vs CuPy" column.
  note "== bench-filters"
  "$cli" bench-filters --json "$logs/bench-filters.json" >"$logs/bench-filters.txt" 2>&1 || status=1
  cat "$logs/bench-filters.txt" | tee -a "$summary"
  note "== bench/filters_cupy.py"
  python3 bench/filters_cupy.py --warpbench "$logs/bench-filters.json" --json "$logs/filters-cupy.json" \
    >"$logs/filters-cupy.txt" 2>&1 || status=1
  cat "$logs/filters-cupy.txt" | tee -a "$summary"
fi

if [[ " ${steps[*]} " == *" ncu "* ]]; then
  # What limits each filter target: Nsight Compute per launch, L2 cold (ncu flushes the
  # caches before each profiled launch), the metrics of docs/benchmarks.md's table ("What
  # limits each target"). Not part of `all`: it needs ncu and a few minutes.
  note "== ncu filters (${NCU_OPS:=gaussian,box,erode,sobel,median})"
  metrics=gpu__time_duration.sum,smsp__inst_executed.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_bytes.sum
  metrics+=,smsp__issue_active.avg.pct_of_peak_sustained_active,sm__warps_active.avg.pct_of_peak_sustained_active
  metrics+=,launch__registers_per_thread,launch__occupancy_limit_registers,launch__occupancy_limit_shared_mem
  for stall in long_scoreboard barrier short_scoreboard wait mio_throttle lg_throttle not_selected; do
    metrics+=,smsp__average_warps_issue_stalled_${stall}_per_issue_active.ratio
  done
  ncu --clock-control none --csv --page raw --metrics "$metrics" --launch-count 200 \
    "$cli" bench-filters --ops "$NCU_OPS" --per-launch --warmup 0 --repeat 1 --cpu-repeat 1 \
    >"$logs/ncu-filters.csv" 2>"$logs/ncu-filters.err" || status=1
  note "$(grep -c '^"[0-9]' "$logs/ncu-filters.csv") kernels profiled: $logs/ncu-filters.csv"
fi

if want pipeline; then
  # The executor's benchmarks (overhead per step with graph replay, a fused chain against
  # the copy bandwidth), then every sample pipeline on both backends with its run record.
  note "== bench-pipeline"
  "$cli" bench-pipeline --json "$logs/bench-pipeline.json" >"$logs/bench-pipeline.txt" 2>&1 || status=1
  cat "$logs/bench-pipeline.txt" | tee -a "$summary"
  for wbp in resources/pipelines/*.wbp; do
    name=$(basename "$wbp" .wbp)
    note "== run $name"
    # Samples that read images cannot run where the build has no imgcodecs (this machine).
    if ! "$cli" run "$wbp" --backends cpu,gpu --json "$logs/run-$name.json" >"$logs/run-$name.txt" 2>&1; then
      grep -qi imgcodecs "$logs/run-$name.txt" || status=1
    fi
    cat "$logs/run-$name.txt" | tee -a "$summary"
  done
fi

if want engine; then
  # Telemetry's cost with a real NVML (issue 4: under 1% of a core at 10 Hz). The engine's
  # GPU tests (a faulting kernel, one that never returns) run with the tests above.
  note "== bench-telemetry"
  "$cli" bench-telemetry --rate-hz 10 --seconds 10 --json "$logs/bench-telemetry.json" \
    >"$logs/bench-telemetry.txt" 2>&1 || status=1
  cat "$logs/bench-telemetry.txt" | tee -a "$summary"
  # Issue 7: the engine's part of the kernel editor's edit-to-diagnostic time, with this
  # machine's GPU architecture and its nvdisasm (the window itself needs Qt, absent here).
  note "== kernel compile latency"
  python3 bench/kernel_compile_latency.py --cli "$cli" --json "$logs/kernel-compile-latency.json" \
    >"$logs/kernel-compile-latency.txt" 2>&1 || status=1
  cat "$logs/kernel-compile-latency.txt" | tee -a "$summary"
fi

if want demo; then
  note "== demo"
  "$cli" demo --json "$logs/demo.json" 2>&1 | tee -a "$summary" || status=1
fi

tar -czf "$OUT/results.tar.gz" -C "$OUT" logs
rm -rf "$logs"
note "== device-check finished with status $status"
exit $status
