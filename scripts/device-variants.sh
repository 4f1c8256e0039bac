#!/usr/bin/env bash
# Quick kernel experiments on the GPU machine, for the device tool (carry .devdeps): builds
# warpbench-cli (and test_gpu when TESTS is set), runs the GPU tests the gtest filter TESTS
# picks, benches the filter cases OPS, then for each sed expression of VARIANTS (separated
# by '@') applies it to FILES, rebuilds warpbench-cli and benches OPS again. With NCU, the
# Nsight Compute profile of the kernels matching KERN (a regex, default float4Strip) in the
# cases NCU (ops) on the unchanged build. The tables go to stdout; the logs and JSON to
# $OUT/variants.tar.gz (the device tool brings back only a few files).
#
#   TESTS='Images/BoxTest.*' OPS=box,erode FILES=compute/cuda/kernels/float4_strip.cuh \
#     VARIANTS='s/kStripWarps = 4;/kStripWarps = 8;/' scripts/device-variants.sh
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
OUT=${OUT:-$root/device-out}
logs=$(mktemp -d)
# shellcheck source=scripts/device-env.sh
source "$root/scripts/device-env.sh"

finish() {
  mkdir -p "$OUT"
  tar -czf "$OUT/variants.tar.gz" -C "$logs" .
  exit "$1"
}

cmake --preset device >"$logs/configure.log" 2>&1 || { tail -20 "$logs/configure.log"; finish 1; }
targets=(warpbench-cli)
[[ -n "${TESTS:-}" ]] && targets+=(test_gpu)
start=$(date +%s)
cmake --build --preset device -j "$(nproc)" --target "${targets[@]}" >"$logs/build.log" 2>&1 ||
  { grep -E "error" "$logs/build.log" | head -30; finish 1; }
echo "build $(($(date +%s) - start)) s"
cli=build/device/bin/warpbench-cli

if [[ -n "${TESTS:-}" ]]; then
  timeout "${TEST_LIMIT:-300}" build/device/bin/test_gpu --gtest_filter="$TESTS" --gtest_brief=1 >"$logs/tests.log" 2>&1
  echo "tests rc $?"
  tail -15 "$logs/tests.log"
fi

bench() { # name
  "$cli" bench-filters --ops "$OPS" --json "$logs/bench-$1.json" >"$logs/bench-$1.txt" 2>&1
  echo "== $1"
  grep -E "^(copy|gaussian|box|erode|dilate|median|sobel|scharr|laplacian)" "$logs/bench-$1.txt" | cut -c1-110
}
[[ -n "${OPS:-}" ]] || finish 0
read -ra files <<<"${FILES:-}"
for f in "${files[@]}"; do cp "$f" "$logs/original-$(basename "$f")"; done
bench base

if [[ -n "${NCU:-}" ]]; then
  metrics=gpu__time_duration.sum,smsp__inst_executed.sum,dram__bytes_read.sum,lts__t_bytes.sum
  metrics+=,smsp__issue_active.avg.pct_of_peak_sustained_active,sm__warps_active.avg.pct_of_peak_sustained_active
  metrics+=,launch__registers_per_thread
  for stall in long_scoreboard short_scoreboard wait mio_throttle lg_throttle not_selected math_pipe_throttle \
    no_instruction branch_resolving dispatch_stall drain imc_miss selected; do
    metrics+=,smsp__average_warps_issue_stalled_${stall}_per_issue_active.ratio
  done
  ncu --clock-control none --csv --page raw --metrics "$metrics" --kernel-name "regex:${KERN:-float4Strip}" \
    --launch-count "${NCU_COUNT:-40}" "$cli" bench-filters --ops "$NCU" --per-launch --warmup 0 --repeat 1 \
    --cpu-repeat 1 >"$logs/ncu.csv" 2>"$logs/ncu.err"
  echo "ncu rc $?: $(grep -c '^"[0-9]' "$logs/ncu.csv") kernels in ncu.csv"
fi

IFS='@' read -ra variants <<<"${VARIANTS:-}"
n=0
for v in "${variants[@]}"; do
  n=$((n + 1))
  for f in "${files[@]}"; do
    cp "$logs/original-$(basename "$f")" "$f"
    sed -i -e "$v" "$f"
  done
  echo "variant $n: $v"
  if cmake --build --preset device -j "$(nproc)" --target warpbench-cli >"$logs/build-v$n.log" 2>&1; then
    bench "v$n"
  else
    grep error "$logs/build-v$n.log" | head
  fi
done
for f in "${files[@]}"; do cp "$logs/original-$(basename "$f")" "$f"; done
finish 0
