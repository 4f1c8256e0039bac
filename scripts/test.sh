#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh), builds the ci preset and runs the whole test
# suite. GPU tests run where a GPU is present and show as skipped, with the reason, where
# none is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" ci
cd "$root"
ctest --preset ci -j "$(nproc)"
