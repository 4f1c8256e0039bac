# Sourced by the GPU machine's scripts (device-check.sh, device-variants.sh) with $root the
# repo: CUDA on the PATH and, where the run carried .devdeps (scripts/pack-device-deps.sh),
# its OpenCV and nlohmann-json found by CMake and the loader. A fresh device copy replaces
# .devdeps, so the library links are made again each time.
export PATH=/usr/local/cuda/bin:$PATH
if [[ -d "$root/.devdeps" ]]; then
  deps=$root/.devdeps
  for lib in "$deps"/fallback/*; do
    name=$(basename "$lib")
    ldconfig -p | grep -q "^[[:space:]]*$name " || ln -sf "$lib" "$deps/lib/$name"
  done
  for mod in core imgproc; do ln -sf "libopencv_$mod.so.406" "$deps/lib/libopencv_$mod.so"; done
  export CMAKE_PREFIX_PATH=$deps${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
  export LD_LIBRARY_PATH=$deps/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
