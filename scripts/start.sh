#!/usr/bin/env bash
# Starts Warpbench from a build made by scripts/setup.sh: the workbench window, with a
# sample pipeline open, where there is a display; otherwise the headless demo (five
# 5000x5000 f64 matrix products, OpenBLAS against cuBLAS, both verified).
#
#   scripts/start.sh            WARPBENCH_PRESET picks the build (default: release)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$root/build/${WARPBENCH_PRESET:-release}/bin
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -x $bin/warpbench ]]; then
  exec "$bin/warpbench" "$root/resources/pipelines/street_filters.wbp"
fi
if [[ -x $bin/warpbench ]]; then
  echo "start: no display, so the headless demo instead of the window (warpbench-cli demo)"
else
  echo "start: this build has no workbench window (no Qt 6); the headless demo (warpbench-cli demo)"
fi
exec "$bin/warpbench-cli" demo
