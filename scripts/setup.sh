#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Warpbench and builds it.
#
#   scripts/setup.sh [PRESET]      PRESET: release (default), dev, ci
#
# Installs what is missing from Debian's packages (nothing else is fetched), then
# configures and builds the preset. Safe to run again: installed packages are skipped and
# the build is incremental. The CUDA toolkit is not a Debian package here: when
# /usr/local/cuda exists the CUDA backend is built, otherwise a CPU-only program is.
set -euo pipefail

preset=${1:-release}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(
  build-essential cmake ninja-build pkg-config git
  libopenblas-dev libfftw3-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  nlohmann-json3-dev libgtest-dev
  qt6-base-dev qt6-svg-dev libqscintilla2-qt6-dev libqcustomplot-dev libsqlite3-dev
  xvfb xauth clang-format
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

if [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH=/usr/local/cuda/bin:$PATH
  echo "setup: CUDA toolkit $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p') at /usr/local/cuda"
else
  echo "setup: no CUDA toolkit at /usr/local/cuda; building the CPU-only program"
fi

cd "$root"
cmake --preset "$preset"
cmake --build --preset "$preset" -j "$(nproc)"
echo "setup: built build/$preset/bin/warpbench-cli"
