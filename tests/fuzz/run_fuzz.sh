#!/usr/bin/env bash
# The fuzz test: runs a libFuzzer target for a bounded time over a seed corpus made from
# the sample pipelines and the pipeline tests' snippets. Exit 0 when nothing was found,
# 1 when the target aborted (the input is saved and named), 77 (CTest: Skipped) when the
# target could not be built here, with the reason.
#
#   run_fuzz.sh skip REASON
#   run_fuzz.sh run TARGET WORK_DIR SECONDS SOURCE_ROOT
set -uo pipefail
shopt -s nullglob

if [[ ${1:-} == skip ]]; then
  echo "skipped: ${2:-no reason given}"
  exit 77
fi
if [[ ${1:-} != run || $# -ne 5 ]]; then
  echo "usage: $0 skip REASON | $0 run TARGET WORK_DIR SECONDS SOURCE_ROOT" >&2
  exit 2
fi
target=$2 work=$3 seconds=$4 root=$5
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
echo "fuzz: $(ls "$work/seeds" | wc -l) seeds; fuzzing for ${seconds} s"

# -error_exitcode=1: libFuzzer's default, 77, would read as Skipped.
"$target" "$work/corpus" "$work/seeds" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -dict="$here/pipeline.dict" -error_exitcode=1 -timeout_exitcode=1 \
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
