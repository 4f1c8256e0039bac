#!/usr/bin/env bash
# Packs what the GPU machine lacks into .devdeps/ (git-ignored) so that a device run can
# carry it: nlohmann-json's headers and CMake config, OpenCV core+imgproc headers and
# libraries, and the shared libraries those need (used there only where missing).
# Run here, on Debian 12, after scripts/setup.sh; then name .devdeps in the run's carry.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=$root/.devdeps
rm -rf "$dest"
mkdir -p "$dest/include" "$dest/lib" "$dest/fallback" "$dest/share/cmake"

cp -r /usr/include/nlohmann "$dest/include/"
cp -r /usr/share/cmake/nlohmann_json "$dest/share/cmake/"
cp -r /usr/include/opencv4 "$dest/include/"
# Only the modules the headless build uses; imgcodecs would bring GDAL and dozens more.
rm -rf "$dest/include/opencv4/opencv2"/{calib3d,dnn,features2d,flann,gapi,highgui,ml,objdetect,photo,stitching,video,videoio}*

libdir=/usr/lib/x86_64-linux-gnu
for mod in core imgproc; do
  cp -L "$libdir/libopencv_$mod.so.406" "$dest/lib/"
done
# Dependencies of those two, other than glibc's own libraries and OpenBLAS itself (which
# the GPU machine has): device-check.sh links each in only if that machine lacks it.
for lib in $(ldd "$dest/lib/libopencv_imgproc.so.406" "$dest/lib/libopencv_core.so.406" | awk '/=>/ {print $1}' | sort -u); do
  case "$lib" in
    libc.so*|libm.so*|libstdc++*|libgcc_s*|ld-linux*|libopencv_*|libopenblas*|libpthread*|libdl.so*) continue ;;
  esac
  cp -L "$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')" "$dest/fallback/$lib"
done
du -sh "$dest"
