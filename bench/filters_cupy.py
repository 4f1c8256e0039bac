#!/usr/bin/env python3
"""The image filters of issue 6 in CuPy (cupyx.scipy.ndimage) on the GPU and OpenCV (cv2) on
the CPU, timed the way `warpbench-cli bench-filters` times Warpbench's own kernels
(docs/benchmarks.md, "Image filters (issue 6)"), so that the two tables can be put side by side.

How to run (on the GPU machine, which has CuPy, NumPy and OpenCV's Python package):

    python3 bench/filters_cupy.py --json filters-cupy.json
    # with Warpbench's figures from the same machine, for the "x vs CuPy" column (target >= 10x):
    build/device/bin/warpbench-cli bench-filters --json filters.json
    python3 bench/filters_cupy.py --warpbench filters.json --json filters-cupy.json

Options: --width 3840 --height 2160 (the frame, one channel), --repeat 20 --warmup 3 (GPU),
--cpu-repeat 5 (OpenCV), --per-launch (time each call alone instead of back to back), --l2-mib N
(override the L2 size the device reports), --threads N (OpenCV's threads; default all), --ops
gaussian,box,... (some cases only), --seed 1.

Method (as in the C++ command):
  - One frame of random pixels (f32 uniform in [0, 1), u8 uniform in 0..255) is made on the
    host and uploaded; outputs are preallocated and passed as output=, so no timed run
    allocates its result (CuPy's separable filters still take temporaries from its memory pool).
  - GPU time from CUDA events on the current stream; warm-up runs are not counted; the median
    of --repeat samples. A call shorter than 1 ms is called k times back to back per sample
    (k = ceil(1 ms / one call), at most 1000) and the sample divided by k. For CuPy this
    includes the host's time to launch each call when that exceeds the kernel's (Python and
    CuPy's dispatch): what a CuPy user gets.
  - L2 hot: every call reads and writes the same pair of buffers. L2 cold: the calls rotate
    among K input and K output buffers, K the fewest frames whose bytes exceed 3x the L2.
  - The bandwidth reference: a device-to-device copy of one frame (cudaMemcpyAsync), timed
    the same two ways. GB/s counts one read and one write of the frame.
  - OpenCV on the CPU with all threads (cv2.setNumThreads), timed with perf_counter the same
    way (fewer repetitions). The CuPy result is checked against OpenCV's once per case
    (integers within 1 unit, f32 within 1e-5 of max(|reference|, 1)).
  - Borders: reflect-101 (scipy's "mirror", OpenCV's BORDER_REFLECT_101) for gaussian, box and
    conv2d (ndi.correlate against cv2.filter2D, or cv2.sepFilter2D for the separable matrix);
    morphology as OpenCV's default (pixels beyond the edge never win), which any reflecting or
    replicating mode gives for a centred flat element; median with replicated edges ("nearest",
    what cv2.medianBlur does); bilateral (OpenCV only, CuPy has none) with reflect-101.

Gaussian: sigma 3 with truncate=3.0 is a radius of 9, 19 taps, the same kernel as
cv2.GaussianBlur with ksize (19, 19) and sigma 3 (and the issue's target case).
"""

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time

import cupy as cp
import cupyx.scipy.ndimage as ndi
import cv2
import numpy as np

MAX_RUNS_PER_SAMPLE = 1000
MIN_SAMPLE_MS = 1.0
TARGET_WIDTH, TARGET_HEIGHT = 3840, 2160
ASSUMED_L2_BYTES = 60 << 20  # an H200's, used when the device does not say


class Case:
    """One filter: the label and dtype `warpbench-cli bench-filters` uses for the same work
    (so --warpbench can match them), the issue's cold-L2 target for Warpbench on a 4K frame,
    and the CuPy and OpenCV calls. gpu(x, out) writes into out; cpu(x) returns the result."""

    def __init__(self, label, op, dtype, target_us, gpu, cpu, out_shape=None):
        self.label, self.op, self.dtype, self.target_us = label, op, dtype, target_us
        self.gpu, self.cpu = gpu, cpu
        self.out_shape = out_shape  # (h, w) -> the output's shape, for resize; None: the frame's


def gaussian_case(sigma, ksize, target_us):
    radius = (ksize - 1) // 2
    return Case(f"gaussian s={sigma} {ksize}x{ksize}", "gaussian", "f32", target_us,
                lambda x, out: ndi.gaussian_filter(x, sigma=sigma, truncate=radius / sigma, mode="mirror",
                                                   output=out),
                lambda x: cv2.GaussianBlur(x, (ksize, ksize), sigma, borderType=cv2.BORDER_REFLECT_101))


def box_case(k, target_us):
    return Case(f"box {k}x{k}", "box", "f32", target_us,
                lambda x, out: ndi.uniform_filter(x, size=k, mode="mirror", output=out),
                lambda x: cv2.blur(x, (k, k), borderType=cv2.BORDER_REFLECT_101))


def morph_case(op, k, dtype, target_us):
    element = np.ones((k, k), np.uint8)
    if op == "erode":
        return Case(f"erode rect {k}x{k}", op, dtype, target_us,
                    lambda x, out: ndi.grey_erosion(x, size=(k, k), mode="mirror", output=out),
                    lambda x: cv2.erode(x, element))
    return Case(f"dilate rect {k}x{k}", op, dtype, target_us,
                lambda x, out: ndi.grey_dilation(x, size=(k, k), mode="mirror", output=out),
                lambda x: cv2.dilate(x, element))


def median_case(k, target_us):
    return Case(f"median {k}x{k}", "median", "u8", target_us,
                lambda x, out: ndi.median_filter(x, size=k, mode="nearest", output=out),
                lambda x: cv2.medianBlur(x, k))


def bilateral_case(dtype):
    """cv2.bilateralFilter only: CuPy has no bilateral filter. d = 9, sigmas 75 (75/255 for
    f32 frames in [0, 1), the same weights), reflect-101 borders."""
    sigma_color = 75.0 if dtype == "u8" else 75.0 / 255.0
    return Case("bilateral d=9", "bilateral", dtype, None, None,
                lambda x: cv2.bilateralFilter(x, 9, sigma_color, 75.0, borderType=cv2.BORDER_REFLECT_101))


def conv2d_case(k, dense, dtype):
    """conv2dCase's matrices (filter_bench.cpp), normalised: a disk x² + y² <= r² (dense) or
    the binomial (1, 2, 1)ᵀ(1, 2, 1) (separable, which Warpbench's CPU runs as sepFilter2D)."""
    r = k // 2
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    if dense:
        w = (x * x + y * y <= r * r).astype(np.float32)
        w /= w.sum()
        cpu = lambda a: cv2.filter2D(a, -1, w, borderType=cv2.BORDER_REFLECT_101)
    else:
        row = (2.0 - np.abs(np.arange(-r, r + 1))).astype(np.float32)
        row /= row.sum()
        w = np.outer(row, row)
        cpu = lambda a: cv2.sepFilter2D(a, -1, row, row, borderType=cv2.BORDER_REFLECT_101)
    weights = cp.asarray(w)
    return Case(f"conv2d {k}x{k} {'dense' if dense else 'separable'}", "conv2d", dtype, None,
                lambda a, out: ndi.correlate(a, weights, mode="mirror", output=out), cpu)


def sobel_case(magnitude, target_us):
    """cupyx.scipy.ndimage.sobel along x ([-1, 0, 1] across, [1, 2, 1] down: the sign and
    weights of cv2.Sobel's dx=1, dy=0, ksize=3), or generic_gradient_magnitude of it (sqrt of
    the sum of both squared derivatives, as cv2.magnitude of the two cv2.Sobel results)."""
    reflect = cv2.BORDER_REFLECT_101
    if magnitude:
        return Case("sobel magnitude 3x3", "sobel_magnitude", "f32", target_us,
                    lambda x, out: ndi.generic_gradient_magnitude(x, ndi.sobel, mode="mirror", output=out),
                    lambda x: cv2.magnitude(cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=3, borderType=reflect),
                                            cv2.Sobel(x, cv2.CV_32F, 0, 1, ksize=3, borderType=reflect)))
    return Case("sobel dx 3x3", "sobel", "f32", target_us,
                lambda x, out: ndi.sobel(x, axis=1, mode="mirror", output=out),
                lambda x: cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=3, borderType=reflect))


def scharr_case():
    """CuPy has no Scharr filter: the two 1-D correlations ndimage.sobel itself runs, with
    Scharr's smoothing [3, 10, 3] in place of [1, 2, 1] (cv2.Scharr's dx=1 kernels)."""
    def gpu(x, out):
        across = ndi.correlate1d(x, cp.asarray([-1.0, 0.0, 1.0], cp.float32), axis=1, mode="mirror")
        ndi.correlate1d(across, cp.asarray([3.0, 10.0, 3.0], cp.float32), axis=0, mode="mirror", output=out)
    return Case("scharr dx 3x3", "scharr", "f32", None, gpu,
                lambda x: cv2.Scharr(x, cv2.CV_32F, 1, 0, borderType=cv2.BORDER_REFLECT_101))


def laplacian_case():
    """cv2.Laplacian with ksize 3 is the 3x3 matrix [2 0 2; 0 -8 0; 2 0 2]; ndimage.laplace is
    the ksize-1 cross, so CuPy correlates with the same matrix instead."""
    weights = cp.asarray([[2, 0, 2], [0, -8, 0], [2, 0, 2]], cp.float32)
    return Case("laplacian 3x3", "laplacian", "f32", None,
                lambda x, out: ndi.correlate(x, weights, mode="mirror", output=out),
                lambda x: cv2.Laplacian(x, cv2.CV_32F, ksize=3, borderType=cv2.BORDER_REFLECT_101))


_threshold_binary = cp.ElementwiseKernel("T x, T t, T m", "T y", "y = x > t ? m : (T)0", "threshold_binary")


def threshold_case(dtype):
    """THRESH_BINARY at half the range (OpenCV's u8 threshold 127.5 compares with 127), maxval
    255; CuPy has no threshold, so a one-line elementwise kernel."""
    t, m = (0.5, 255.0) if dtype == "f32" else (127, 255)
    np_type = np.float32 if dtype == "f32" else np.uint8
    return Case("threshold binary", "threshold", dtype, None,
                lambda x, out: _threshold_binary(x, np_type(t), np_type(m), out),
                lambda x: cv2.threshold(x, 0.5 if dtype == "f32" else 127.5, 255, cv2.THRESH_BINARY)[1])


def otsu_gpu(x, out):
    """Otsu in CuPy as a user writes it: bincount, the between-class variance of every
    threshold from cumulative sums, argmax, then the threshold (all on the device)."""
    hist = cp.bincount(x.ravel(), minlength=256).astype(cp.float64)
    levels = cp.arange(256, dtype=cp.float64)
    w0 = cp.cumsum(hist)
    s0 = cp.cumsum(hist * levels)
    w1 = w0[-1] - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = w0 * w1 * (s0 / w0 - (s0[-1] - s0) / w1) ** 2
    t = cp.argmax(cp.nan_to_num(sigma)).astype(cp.uint8)
    _threshold_binary(x, t, np.uint8(255), out)


def otsu_case():
    return Case("threshold otsu", "threshold", "u8", None, otsu_gpu,
                lambda x: cv2.threshold(x, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1])


def normalize_gpu(x, out):
    low, high = x.min(), x.max()
    cp.subtract(x, low, out=out)
    cp.divide(out, high - low, out=out)


def normalize_case():
    return Case("normalize minmax", "normalize", "f32", None, normalize_gpu,
                lambda x: cv2.normalize(x, None, 0.0, 1.0, cv2.NORM_MINMAX))


def resize_case(mode, factor, text, dtype):
    """ndi.zoom with order 1 on the pixel-centre grid (grid_mode) and replicated edges is
    OpenCV's bilinear enlargement, and at exactly 1/2 both OpenCV's bilinear and area are the
    2x2 average that it also gives: the comparable CuPy call for every case here."""
    flag = cv2.INTER_LINEAR if mode == "bilinear" else cv2.INTER_AREA
    return Case(f"resize {mode} {text}", "resize", dtype, None,
                lambda x, out: ndi.zoom(x, factor, output=out, order=1, mode="nearest", grid_mode=True),
                lambda x: cv2.resize(x, None, fx=factor, fy=factor, interpolation=flag),
                lambda h, w: (int(np.rint(h * factor)), int(np.rint(w * factor))))


# The issue's cases, the C++ command's table (bilateral in OpenCV only).
# A new filter is one line.
def filter_cases():
    cases = [gaussian_case(3, 19, 22.0)]
    cases += [box_case(k, 20.0) for k in (3, 15, 31, 63)]
    for dtype in ("f32", "u8"):
        for op in ("erode", "dilate"):
            cases += [morph_case(op, k, dtype, 22.0) for k in (3, 15, 31)]
    cases += [median_case(5, 40.0), median_case(3, 20.0), median_case(7, None)]
    cases += [bilateral_case("u8"), bilateral_case("f32")]
    cases += [threshold_case("u8"), threshold_case("f32"), otsu_case(), normalize_case()]
    cases += [resize_case("bilinear", 0.5, "1/2", "u8"), resize_case("bilinear", 0.5, "1/2", "f32"),
              resize_case("area", 0.5, "1/2", "u8"), resize_case("bilinear", 2.0, "2x", "f32")]
    cases += [conv2d_case(3, False, "f32"), conv2d_case(5, True, "f32"), conv2d_case(7, True, "u8")]
    cases += [sobel_case(False, 20.0), sobel_case(True, 28.0), scharr_case(), laplacian_case()]
    return cases


NUMPY_DTYPES = {"f32": np.float32, "u8": np.uint8}


def summarize(samples, runs):
    ordered = sorted(samples)
    n = len(ordered)
    middle = n // 2
    median = ordered[middle] if n % 2 else 0.5 * (ordered[middle - 1] + ordered[middle])
    return {"n": n, "median": median, "min": ordered[0], "max": ordered[-1], "samples": samples,
            "runs_per_sample": runs}


def runs_for(once_ms, min_sample_ms):
    if min_sample_ms <= 0 or once_ms >= min_sample_ms:
        return 1
    if once_ms <= 0:
        return MAX_RUNS_PER_SAMPLE
    return min(math.ceil(min_sample_ms / once_ms), MAX_RUNS_PER_SAMPLE)


def measure_gpu(work, warmup, repeat, min_sample_ms):
    """Milliseconds per call from CUDA events on the current stream (measure.h's method)."""
    stream = cp.cuda.get_current_stream()
    for _ in range(warmup):
        work()
    stream.synchronize()
    start, stop = cp.cuda.Event(), cp.cuda.Event()

    def timed(runs):
        start.record(stream)
        for _ in range(runs):
            work()
        stop.record(stream)
        stop.synchronize()
        return cp.cuda.get_elapsed_time(start, stop)

    runs = runs_for(timed(1), min_sample_ms) if min_sample_ms > 0 else 1
    return summarize([timed(runs) / runs for _ in range(repeat)], runs)


def measure_cpu(work, warmup, repeat, min_sample_ms):
    for _ in range(warmup):
        work()

    def timed(runs):
        begin = time.perf_counter()
        for _ in range(runs):
            work()
        return (time.perf_counter() - begin) * 1e3

    runs = runs_for(timed(1), min_sample_ms) if min_sample_ms > 0 else 1
    return summarize([timed(runs) / runs for _ in range(repeat)], runs)


def l2_bytes(override_mib):
    if override_mib:
        return override_mib << 20, "given with --l2-mib"
    device = cp.cuda.Device()
    try:
        size = cp.cuda.runtime.getDeviceProperties(device.id)["l2CacheSize"]
        if size > 0:
            return int(size), "reported by the device"
    except (KeyError, AttributeError, cp.cuda.runtime.CUDARuntimeError):
        pass
    try:
        size = device.attributes["L2CacheSize"]
        if size > 0:
            return int(size), "reported by the device"
    except (KeyError, AttributeError):
        pass
    return ASSUMED_L2_BYTES, "assumed (the device did not report it)"


def rotating_buffer_count(frame_bytes, l2):
    """The fewest frames whose bytes exceed 3x L2, at least 2 (filter_bench.h)."""
    return max(2, int(math.floor(3.0 * l2 / frame_bytes)) + 1)


def random_frame(dtype, height, width, seed):
    rng = np.random.default_rng(seed)
    if dtype == "f32":
        return rng.random((height, width), dtype=np.float32)
    return rng.integers(0, 256, size=(height, width), dtype=np.uint8)


class DeviceFrames:
    """K inputs (copies of one frame) and K outputs; cold() and hot() wrap a call(in, out)."""

    def __init__(self, host, count):
        self.inputs = [cp.asarray(host) for _ in range(count)]
        self.outputs = [cp.empty_like(self.inputs[0]) for _ in range(count)]
        self.next = 0
        cp.cuda.get_current_stream().synchronize()

    def cold(self, call):
        def run():
            i = self.next
            call(self.inputs[i], self.outputs[i])
            self.next = (i + 1) % len(self.inputs)
        return run

    def hot(self, call):
        return lambda: call(self.inputs[0], self.outputs[0])


def device_copy(src, dst):
    dst.data.copy_from_device_async(src.data, src.nbytes, cp.cuda.get_current_stream())


def both_ways(frames, call, args, frame_bytes, out_bytes=None):
    cold = measure_gpu(frames.cold(call), args.warmup, args.repeat, args.min_sample_ms)
    hot = measure_gpu(frames.hot(call), args.warmup, args.repeat, args.min_sample_ms)
    bytes_moved = frame_bytes + (frame_bytes if out_bytes is None else out_bytes)
    return {"cold_ms": cold, "hot_ms": hot,
            "cold_gb_per_s": bytes_moved / (cold["median"] * 1e6),
            "hot_gb_per_s": bytes_moved / (hot["median"] * 1e6)}


def filter_error(result, reference):
    """Integers: the largest difference in units; f32: |result - reference| / max(|reference|, 1)."""
    a = result.astype(np.float64)
    b = reference.astype(np.float64)
    if a.shape != b.shape:
        return float("inf")
    diff = np.abs(a - b)
    if reference.dtype.kind == "f":
        diff = diff / np.maximum(np.abs(b), 1.0)
    worst = float(np.max(diff)) if diff.size else 0.0
    return worst if math.isfinite(worst) else float("nan")


def warpbench_cold_us(path):
    """(label, dtype) -> Warpbench's cold median in us, from a bench-filters run record."""
    if not path:
        return {}
    if not os.path.exists(path):
        print(f"note: no Warpbench record at {path}; the Warpbench columns stay empty")
        return {}
    with open(path, encoding="utf-8") as f:
        record = json.load(f)
    figures = {}
    for case in record.get("cases", []):
        if case.get("gpu"):
            figures[(case["case"], case["dtype"])] = case["gpu"]["cold_ms"]["median"] * 1e3
    return figures


def cell(value, fmt):
    return "-" if value is None else format(value, fmt)


def versions():
    runtime = cp.cuda.runtime.runtimeGetVersion()
    driver = cp.cuda.runtime.driverGetVersion()
    return {"python": platform.python_version(), "numpy": np.__version__, "cupy": cp.__version__,
            "opencv": cv2.__version__, "cuda_runtime": f"{runtime // 1000}.{runtime % 1000 // 10}",
            "cuda_driver": f"{driver // 1000}.{driver % 1000 // 10}"}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=TARGET_WIDTH)
    parser.add_argument("--height", type=int, default=TARGET_HEIGHT)
    parser.add_argument("--repeat", type=int, default=20, help="GPU samples per mode (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed GPU runs (default 3)")
    parser.add_argument("--cpu-repeat", type=int, default=5, help="OpenCV samples (default 5)")
    parser.add_argument("--cpu-warmup", type=int, default=1)
    parser.add_argument("--per-launch", action="store_true", help="one call per sample, not back to back")
    parser.add_argument("--l2-mib", type=int, default=0, help="L2 size to assume, MiB (default: the device's)")
    parser.add_argument("--threads", type=int, default=0, help="OpenCV threads (default: all cores)")
    parser.add_argument("--ops", default="", help="comma-separated ops: gaussian,box,erode,dilate,median")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warpbench", metavar="FILE", help="a warpbench-cli bench-filters --json record")
    parser.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    args = parser.parse_args(argv)
    if args.width < 1 or args.height < 1 or args.repeat < 1 or args.cpu_repeat < 1 or args.warmup < 0:
        parser.error("sizes and repetitions must be at least 1, warm-up runs at least 0")
    args.min_sample_ms = 0.0 if args.per_launch else MIN_SAMPLE_MS
    return args


def main(argv):
    args = parse_args(argv)
    cases = filter_cases()
    if args.ops:
        wanted = args.ops.split(",")
        known = sorted({c.op for c in cases})
        unknown = [op for op in wanted if op not in known]
        if unknown:
            sys.exit(f"filters_cupy.py: no cases for {', '.join(unknown)} (expected {', '.join(known)})")
        cases = [c for c in cases if c.op in wanted]
    cv2.setNumThreads(args.threads if args.threads > 0 else (os.cpu_count() or 1))
    l2, l2_source = l2_bytes(args.l2_mib)
    device = cp.cuda.Device()
    gpu_name = cp.cuda.runtime.getDeviceProperties(device.id)["name"]
    gpu_name = gpu_name.decode() if isinstance(gpu_name, bytes) else gpu_name
    target_frame = args.width == TARGET_WIDTH and args.height == TARGET_HEIGHT
    ours = warpbench_cold_us(args.warpbench)

    dtypes = sorted({c.dtype for c in cases})
    hosts, frames, copies, rotating = {}, {}, {}, {}
    for i, dtype in enumerate(dtypes):
        hosts[dtype] = random_frame(dtype, args.height, args.width, args.seed + i)
        rotating[dtype] = rotating_buffer_count(hosts[dtype].nbytes, l2)
        frames[dtype] = DeviceFrames(hosts[dtype], rotating[dtype])

    print(f"CuPy {cp.__version__} (cupyx.scipy.ndimage) on {gpu_name} and OpenCV {cv2.__version__} "
          f"({cv2.getNumThreads()} threads) on a {args.width}x{args.height} frame, 1 channel")
    print(f"L2 {l2 / 2**20:.1f} MiB ({l2_source}); L2 cold rotates among "
          + ", ".join(f"{rotating[d]} {d}" for d in dtypes)
          + " input and as many output frames, L2 hot reuses one pair; CUDA events, median of "
          + f"{args.repeat} after {args.warmup} warm-up runs"
          + (", one call per sample" if args.per_launch else ", calls under 1 ms back to back"))
    print(f"OpenCV median of {args.cpu_repeat} after {args.cpu_warmup}; GB/s counts one read and one write "
          "of the frame; targets are Warpbench's (issue 6, cold L2, 4K)")
    for dtype in dtypes:
        if 2 * hosts[dtype].nbytes > l2:
            print(f"note: L2 hot, {dtype}: input and output ({2 * hosts[dtype].nbytes / 2**20:.1f} MiB) do not "
                  "fit in L2 together, so part of each hot run still goes to memory")
    print()
    header = (f"{'case':<22}{'dtype':<6}{'cold us':>9}{'hot us':>9}{'cold GB/s':>10}{'% copy':>8}"
              f"{'target us':>10}{'cv2 ms':>9}{'vs cv2':>8}  {'check':<13}{'Warpbench us':>12}{'x vs CuPy':>10}")
    print(header)
    print("-" * len(header))

    for dtype in dtypes:
        copy = both_ways(frames[dtype], device_copy, args, hosts[dtype].nbytes)
        copies[dtype] = copy
        print(f"{'copy (device to device)':<22}{dtype:<6}{copy['cold_ms']['median'] * 1e3:>9.1f}"
              f"{copy['hot_ms']['median'] * 1e3:>9.1f}{copy['cold_gb_per_s']:>10.0f}{100.0:>7.1f}%")

    rows = []
    for case in cases:
        host = hosts[case.dtype]
        reference = case.cpu(host)  # OpenCV's result, also the check's reference
        cpu = measure_cpu(lambda: case.cpu(host), args.cpu_warmup, args.cpu_repeat, args.min_sample_ms)
        if case.gpu is None:  # no CuPy equivalent: OpenCV's time, and Warpbench's when given
            warpbench_us = ours.get((case.label, case.dtype))
            rows.append({"case": case.label, "op": case.op, "dtype": case.dtype, "bytes": 2.0 * host.nbytes,
                         "gpu": None, "cv2_ms": cpu, "cv2_gb_per_s": 2.0 * host.nbytes / (cpu["median"] * 1e6),
                         "warpbench_target_us": None, "verification": None, "warpbench_cold_us": warpbench_us})
            print(f"{case.label:<22}{case.dtype:<6}{'-':>9}{'-':>9}{'-':>10}{'-':>8}{'-':>10}{cpu['median']:>9.3f}"
                  f"{'-':>8}  {'no CuPy':<13}{cell(warpbench_us, '.1f'):>12}{'-':>10}", flush=True)
            continue
        data = frames[case.dtype]
        out_bytes = host.nbytes
        if case.out_shape:  # resize: outputs of their own shape, the same inputs
            resized = DeviceFrames.__new__(DeviceFrames)
            resized.inputs, resized.next = data.inputs, 0
            resized.outputs = [cp.empty(case.out_shape(*host.shape), host.dtype) for _ in data.inputs]
            data = resized
            out_bytes = data.outputs[0].nbytes
        gpu = both_ways(data, case.gpu, args, host.nbytes, out_bytes)

        case.gpu(data.inputs[0], data.outputs[0])
        error = filter_error(cp.asnumpy(data.outputs[0]), reference)
        tolerance = 1e-5 if case.dtype == "f32" else 1.0
        verified = error <= tolerance  # False for NaN
        cold_ms = gpu["cold_ms"]["median"]
        percent_of_copy = 100.0 * copies[case.dtype]["cold_ms"]["median"] / cold_ms
        speedup = cpu["median"] / cold_ms if verified else None
        warpbench_us = ours.get((case.label, case.dtype))
        ratio = cold_ms * 1e3 / warpbench_us if warpbench_us else None
        target = case.target_us if target_frame else None
        rows.append({"case": case.label, "op": case.op, "dtype": case.dtype, "bytes": host.nbytes + out_bytes,
                     "gpu": gpu, "percent_of_copy": percent_of_copy, "cv2_ms": cpu,
                     "cv2_gb_per_s": (host.nbytes + out_bytes) / (cpu["median"] * 1e6),
                     "warpbench_target_us": target, "verification": {
                         "reference": "cv2", "error": error if math.isfinite(error) else None,
                         "tolerance": tolerance, "passed": verified,
                         "metric": "max |cupy - cv2| (integers) or max |cupy - cv2| / max(|cv2|, 1) (f32)"},
                     "speedup_vs_cv2": speedup, "warpbench_cold_us": warpbench_us,
                     "warpbench_speedup_vs_cupy": ratio})
        print(f"{case.label:<22}{case.dtype:<6}{cold_ms * 1e3:>9.1f}{gpu['hot_ms']['median'] * 1e3:>9.1f}"
              f"{gpu['cold_gb_per_s']:>10.0f}{percent_of_copy:>7.1f}%{cell(target, '.0f'):>10}"
              f"{cpu['median']:>9.3f}{cell(speedup, '.1f') + ('x' if speedup else ''):>8}  "
              f"{'verified' if verified else 'NOT verified':<13}{cell(warpbench_us, '.1f'):>12}"
              f"{cell(ratio, '.1f') + ('x' if ratio else ''):>10}", flush=True)

    print("\n% copy: cold GB/s against the cold device-to-device copy of a frame of the same dtype; "
          "vs cv2: OpenCV median / CuPy cold median, verified cases only")
    if ours:
        print("x vs CuPy: CuPy cold median / Warpbench cold median (issue 6 target: at least 10x)")
    if args.json:
        record = {"tool": "bench/filters_cupy.py", "date": datetime.datetime.now(datetime.timezone.utc)
                  .strftime("%Y-%m-%dT%H:%M:%SZ"), "host": {"cpu": platform.processor() or platform.machine(),
                                                           "logical_cores": os.cpu_count()},
                  "versions": versions(), "opencv_threads": cv2.getNumThreads(),
                  "gpu": {"name": gpu_name, "l2_bytes": l2, "l2_source": l2_source, "rotating_buffers": rotating},
                  "parameters": {"width": args.width, "height": args.height, "channels": 1, "repeat": args.repeat,
                                 "warmup": args.warmup, "cpu_repeat": args.cpu_repeat,
                                 "cpu_warmup": args.cpu_warmup, "min_sample_ms": args.min_sample_ms,
                                 "seed": args.seed, "ops": args.ops.split(",") if args.ops else [],
                                 "warpbench_record": args.warpbench},
                  "bytes_metric": "one read and one write of the frame",
                  "copies": [{"dtype": d, "bytes": 2.0 * hosts[d].nbytes, "time": copies[d]} for d in dtypes],
                  "cases": rows}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2)
            f.write("\n")
        print(f"run record written to {args.json}")
    return 0 if all(r["verification"] is None or r["verification"]["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
