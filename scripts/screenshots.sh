#!/usr/bin/env bash
# The documentation's pictures of the workbench (README.md, docs/workbench.md): starts
# `warpbench --screenshots` under xvfb-run, which opens the street-filters sample, runs it
# on the engine's backends, shows an output beside the run's input, types a misspelt op
# into a copy, compiles the SAXPY kernel sample and a copy with a typo, and writes a PNG of
# each view (app/screenshot_session.h). No input is automated from outside; the settings,
# recovery and kernel cache folders are temporary, so the user's own are never touched.
#
#   scripts/screenshots.sh [--build DIR] [--out DIR] [--record RUN_RECORD.json]
#
# --build: the build folder holding bin/warpbench (default build/ci); --out: where the PNGs
# go (default docs/images); --record: a run record (`warpbench-cli run --json` on a GPU
# machine) to picture as record-run.png, the finished CPU+GPU run with its plots.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/ci"
out="$root/docs/images"
record=()
while (($#)); do
  case "$1" in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --out) mkdir -p "$2"; out=$(cd "$2" && pwd); shift 2 ;;
    --record) record=(--record "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "screenshots.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
binary="$build/bin/warpbench"
if [[ ! -x "$binary" ]]; then
  echo "screenshots.sh: $binary not found; build it first: cmake --build $build --target warpbench" >&2
  exit 1
fi
if ! command -v xvfb-run >/dev/null; then
  echo "screenshots.sh: xvfb-run not found (Debian: apt-get install xvfb xauth)" >&2
  exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$out" "$scratch/config" "$scratch/data" "$scratch/cache" "$scratch/runtime"
chmod 700 "$scratch/runtime"
# From resources/, so that the Workspace dock shows the samples and their images.
cd "$root/resources"
# A screen larger than the 1600×1000 window, at 24 bits; xcb even where the caller's
# environment says offscreen, since the point is the real rendering path.
env -u QT_QPA_PLATFORM QT_QPA_PLATFORM=xcb \
  XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" XDG_CACHE_HOME="$scratch/cache" \
  XDG_RUNTIME_DIR="$scratch/runtime" \
  xvfb-run -a -s "-screen 0 1920x1200x24" \
  "$binary" --screenshots "$out" "${record[@]}" "$root/resources/pipelines/street_filters.wbp"
