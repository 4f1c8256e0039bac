#!/usr/bin/env bash
# The fuzz tests: runs a libFuzzer target for a bounded time over a seed corpus, SEEDS:
# "pipelines" (the default: the sample pipelines and the pipeline tests' snippets, with
# pipeline.dict) or "engine" (frames of engine protocol requests, well formed and broken,
# with engine.dict). Exit 0 when nothing was found, 1 when the target aborted (the input is
# saved and named), 77 (CTest: Skipped) when the target could not be built here, with the
# reason.
#
#   run_fuzz.sh skip REASON
#   run_fuzz.sh run TARGET WORK_DIR SECONDS SOURCE_ROOT [SEEDS]
set -uo pipefail
shopt -s nullglob

if [[ ${1:-} == skip ]]; then
  echo "skipped: ${2:-no reason given}"
  exit 77
fi
if [[ ${1:-} != run || ($# -ne 5 && $# -ne 6) ]]; then
  echo "usage: $0 skip REASON | $0 run TARGET WORK_DIR SECONDS SOURCE_ROOT [pipelines|engine]" >&2
  exit 2
fi
target=$2 work=$3 seconds=$4 root=$5 seeds=${6:-pipelines}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# A fresh corpus each run, so that a run depends only on the sources and the seeds. Inputs
# that broke the target stay in artifacts/ across runs.
rm -rf "$work/corpus" "$work/seeds"
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
touch "$work/started"
# Seeds are named by their content, so a snippet that several tests use is one seed.
addSeed() {
  printf '%s' "$1" >"$work/seeds/new"
  mv "$work/seeds/new" "$work/seeds/$2-$(sha1sum <"$work/seeds/new" | cut -c1-12)"
}
# One frame on standard output: the payload's length as 4 little-endian bytes, the kind,
# the payload. Frames hold NUL bytes, so they go straight to files, never through variables.
frame() {
  local LC_ALL=C kind=$1 payload=$2 n
  n=${#payload}
  printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8 & 255)))"
  printf "\\x$(printf %02x $((n >> 16 & 255)))\\x$(printf %02x $((n >> 24 & 255)))%s%s" "$kind" "$payload"
}
# engineSeed NAME KIND PAYLOAD [KIND PAYLOAD ...]: the fuzz target's first byte (how the
# input is cut into reads, and the binary limit), then the frames.
engineSeed() {
  local name=$1
  shift
  {
    printf '\x05'
    while (($# >= 2)); do
      frame "$1" "$2"
      shift 2
    done
  } >"$work/seeds/engine-$name"
}
case $seeds in
pipelines)
  dict=pipeline.dict
  for file in "$root"/resources/pipelines/*.wbp; do
    cp "$file" "$work/seeds/"
  done
  for file in "$root"/tests/pipeline/*.cpp; do
    base=$(basename "$file" .cpp)
    # Raw string literals R"( ... )": whole pipelines.
    while IFS= read -r -d '' snippet; do
      addSeed "$snippet" "$base"
    done < <(grep -ozP '(?s)R"\(\K.*?(?=\)")' "$file")
    # Ordinary literals that look like pipeline text, with their escapes decoded.
    while IFS= read -r literal; do
      literal=${literal:1:-1}
      printf -v decoded '%b' "${literal//\\\"/\"}"
      addSeed "$decoded" "$base"
    done < <(grep -oP '"(?:[^"\\]|\\.)*"' "$file" | grep -E '[=(@]')
  done
  ;;
engine)
  dict=engine.dict
  hello='{"type":"hello","id":0,"protocol":1,"client":"fuzz"}'
  engineSeed hello J "$hello"
  engineSeed check J "$hello" J '{"type":"check","id":1,"pipeline":"a = rand(4)\nshow(a)\n","file":"a.wbp","directory":"."}'
  engineSeed run J "$hello" J '{"type":"run","id":2,"pipeline":"A = rand(8, 8)\nB = A @ A\n","options":{"backends":["cpu","gpu"],"repeat":3,"warmup":1,"seed":7,"threads":2,"fuse":false,"graph":true}}'
  engineSeed others J '{"type":"cancel","id":3,"run":2}' \
    J '{"type":"fetch","id":4,"run":2,"step":"B","backend":"cpu","max_elements":16}' \
    J '{"type":"telemetry","id":5,"rate_hz":2.5}' J '{"type":"compile","id":6}' J '{"type":"shutdown","id":7}'
  engineSeed broken J '{"type":"run","id":8}' J '[1,2]' J '{"id":null}' B 'abc' Z 'zzz' \
    J '{"type":"hello","id":9,"protocol":1'
  { printf '\x05'; frame J "$hello"; frame J '{"type":"shutdown","id":10}' | head -c 12; } >"$work/seeds/engine-truncated"
  ;;
*)
  echo "run_fuzz.sh: unknown seeds '$seeds' (expected pipelines or engine)" >&2
  exit 2
  ;;
esac
echo "fuzz: $(ls "$work/seeds" | wc -l) seeds; fuzzing for ${seconds} s"

# -error_exitcode=1: libFuzzer's default, 77, would read as Skipped.
"$target" "$work/corpus" "$work/seeds" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -dict="$here/$dict" -error_exitcode=1 -timeout_exitcode=1 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 >"$work/fuzz.log" 2>&1
status=$?
grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)|INFO: seed corpus" "$work/fuzz.log"
if [[ $status -ne 0 ]]; then
  # The report: what broke, the input, the sanitizer's stack.
  grep -v -E "^#[0-9]+ " "$work/fuzz.log" | tail -120
  echo "fuzz: the target failed (exit $status); to reproduce, run it on the input:"
  find "$work/artifacts" -type f -newer "$work/started" -printf "  $target %p\n"
  exit 1
fi
echo "fuzz: no failure in ${seconds} s; log in $work/fuzz.log"
