#include <wb/op_registry.h>

#include <algorithm>
#include <atomic>

namespace wb::pipeline {

namespace {

ParamInfo required(std::string name, ParamType type, std::string doc, std::optional<double> minimum = {},
                   std::optional<double> maximum = {})
{
    return {std::move(name), type, true, "", std::move(doc), {}, minimum, maximum};
}

ParamInfo array(std::string name, std::string doc)
{
    return required(std::move(name), ParamType::Array, std::move(doc));
}

ParamInfo optional(std::string name, ParamType type, std::string defaultText, std::string doc,
                   std::optional<double> minimum = {}, std::optional<double> maximum = {})
{
    return {std::move(name), type, false, std::move(defaultText), std::move(doc), {}, minimum, maximum};
}

ParamInfo choice(std::string name, std::vector<std::string> choices, std::string doc)
{
    std::string defaultText = choices.front();
    return {std::move(name), ParamType::Choice,  false, std::move(defaultText),
            std::move(doc),  std::move(choices), {},    {}};
}

// Erode, dilate, morph_open, morph_close: one image, an element, iterations.
OpInfo morphology(std::string name, std::string doc)
{
    return {std::move(name),
            {array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32"),
             optional("ksize", ParamType::Size, "3", "odd size of the element: n (n x n) or (w, h), up to 255", 1, 255),
             choice("shape", {"rect", "cross"}, "the whole window, or its middle row and column"),
             optional("iterations", ParamType::Int, "1", "times the operation is applied, 1..64", 1, 64),
             choice("border", {"reflect101", "replicate", "constant"},
                    "accepted for OpenCV's sake; gives the same result in every mode (pixels beyond the edge never "
                    "win)")},
            false,
            "same shape and dtype",
            std::move(doc),
            "image"};
}

// sobel, scharr and their magnitudes: one image, f32 out. Sobel has a ksize; the
// magnitudes have no orders and no delta.
OpInfo derivative(std::string name, bool sobel, bool magnitude, std::string doc)
{
    std::vector<ParamInfo> params{array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32")};
    if (!magnitude) {
        const std::string limit = sobel ? "0..2 for ksize 1 and 3, 0..ksize-1 above" : "0 or 1, dx + dy == 1";
        params.push_back(
            optional("dx", ParamType::Int, "1", "derivative order along x (W), " + limit, 0, sobel ? 6 : 1));
        params.push_back(
            optional("dy", ParamType::Int, "0", "derivative order along y (H), " + limit, 0, sobel ? 6 : 1));
    }
    if (sobel)
        params.push_back(optional("ksize", ParamType::Int, "3", "aperture: 1 (no smoothing), 3, 5 or 7", 1, 7));
    params.push_back(optional("scale", ParamType::Float, "1", "factor applied to the derivatives"));
    if (!magnitude)
        params.push_back(optional("delta", ParamType::Float, "0", "added to every result"));
    params.push_back(choice("border", {"reflect101", "replicate", "constant"}, "how pixels beyond the edge are read"));
    return {std::move(name), std::move(params), false, "same shape, f32", std::move(doc), "image"};
}

// The shape of a creation op: 1 to 4 sizes, given positionally.
ParamInfo shape() { return required("shape", ParamType::Int, "sizes of the axes, 1 to 4 of them, each >= 1", 1); }

OpInfo unary(std::string name, std::string returns, std::string doc, std::string category)
{
    return {std::move(name), {array("x", "the input")}, false, std::move(returns), std::move(doc), std::move(category)};
}

ParamInfo operand(std::string name, std::string doc)
{
    return required(std::move(name), ParamType::Operand, std::move(doc));
}

OpInfo elementwise(std::string name, std::string doc)
{
    return {std::move(name), {array("x", "the input")}, false, "same shape; dtype as in Arithmetic", std::move(doc),
            "elementwise"};
}

OpInfo reduction(std::string name, std::string returns, std::string doc)
{
    return {std::move(name), {array("x", "the input")}, false, std::move(returns), std::move(doc), "reduction"};
}

// zeros, ones, unit_impulse: a shape and a dtype.
OpInfo filled(std::string name, std::string doc)
{
    return {std::move(name),
            {shape(), optional("dtype", ParamType::DType, "f32", "any dtype")},
            true,
            "array of the shape and dtype",
            std::move(doc),
            "creation"};
}

OpInfo filledLike(std::string name, std::string doc)
{
    return {std::move(name), {array("x", "gives the shape and dtype")}, false, "shape and dtype of x", std::move(doc),
            "creation"};
}

// irfft and irfft2: the real array whose half spectrum rfft or rfft2 gave.
OpInfo inverseRealFft(std::string name, const std::string& forward)
{
    return {std::move(name),
            {array("x", "the half spectrum, c64 or c128"),
             optional("n", ParamType::Int, "0", "length of the last output axis; 0: 2*(m-1) for an input of m", 0)},
            false,
            "real (f32 or f64), last axis n",
            "inverse of " + forward + ": a real array from its half spectrum",
            "fft"};
}

// launch(): a user's CUDA kernel as a step (wb/kernel_launch.h).
OpInfo launchOp()
{
    return {
        "launch",
        {required("kernel", ParamType::String, "\"path.cu:name\": the file, beside the pipeline, and the kernel"),
         optional("args", ParamType::Arguments, "()",
                  "the kernel's arguments by position, then by name: arrays for pointers, numbers for scalars"),
         optional("out", ParamType::String, "auto",
                  "the pointer parameter whose array is the result; default: the only non-const one"),
         optional("block", ParamType::Geometry, "256",
                  "threads per block: n or (x, y[, z]), at most 1024; default (16, 16) for an image out"),
         optional("grid", ParamType::Geometry, "auto", "blocks: n or (x, y[, z]); default: enough to cover out"),
         optional("shared", ParamType::Int, "0", "bytes of dynamic shared memory per block, up to 227 KiB", 0, 232448),
         optional("defines", ParamType::Defines, "()", "integer macros for the compiler: (TILE=16, ...)")},
        false,
        "the array bound to out, after the kernel ran on a copy of it",
        "compiles a CUDA kernel with NVRTC and launches it on the GPU; the CPU skips it",
        "kernels"};
}

std::vector<OpInfo> makeOps()
{
    const std::string seedDoc = "random seed; default: the @seed directive, else 0";
    return {
        {"rand",
         {shape(), optional("dtype", ParamType::DType, "f32", "a real floating dtype: f16, bf16, f32 or f64"),
          optional("seed", ParamType::Int, "0", seedDoc, 0), optional("low", ParamType::Float, "0", "lowest value"),
          optional("high", ParamType::Float, "1", "bound above, not reached")},
         true,
         "array of the shape and dtype",
         "uniform random numbers in [low, high), the same on the CPU and the GPU for one seed",
         "creation"},
        {"randn",
         {shape(), optional("dtype", ParamType::DType, "f32", "a real floating dtype: f16, bf16, f32 or f64"),
          optional("seed", ParamType::Int, "0", seedDoc, 0), optional("mean", ParamType::Float, "0", "mean"),
          optional("std", ParamType::Float, "1", "standard deviation, >= 0", 0)},
         true,
         "array of the shape and dtype",
         "normally distributed random numbers (the CPU and the GPU draw different streams)",
         "creation"},
        filled("zeros", "an array of zeros"),
        filled("ones", "an array of ones"),
        {"full",
         {shape(), required("value", ParamType::Float, "the value of every element (give it by keyword)"),
          optional("dtype", ParamType::DType, "f32", "any dtype")},
         true,
         "array of the shape and dtype",
         "an array with every element set to value: full(3, 4, value=2.5)",
         "creation"},
        filledLike("zeros_like", "zeros of the shape and dtype of x"),
        filledLike("ones_like", "ones of the shape and dtype of x"),
        {"full_like",
         {array("x", "gives the shape and dtype"), required("value", ParamType::Float, "the value of every element")},
         false,
         "shape and dtype of x",
         "value in every element, with the shape and dtype of x",
         "creation"},
        {"arange",
         {required("stop", ParamType::Float, "the end, not included"),
          optional("start", ParamType::Float, "0", "the first value"),
          optional("step", ParamType::Float, "1", "the difference between neighbours, not 0"),
          optional("dtype", ParamType::DType, "f32", "any real dtype")},
         false,
         "1-D, ceil((stop - start) / step) elements",
         "evenly spaced values start, start + step, ... below stop (arange(10) is 0..9)",
         "creation"},
        {"linspace",
         {required("start", ParamType::Float, "the first value"),
          required("stop", ParamType::Float, "the last value, included"),
          optional("num", ParamType::Int, "50", "number of values, >= 1", 1),
          optional("dtype", ParamType::DType, "f32", "any real dtype")},
         false,
         "1-D, num elements",
         "num evenly spaced values from start to stop, both included",
         "creation"},
        filled("unit_impulse",
               "1 at the centre (index size//2 on every axis), 0 elsewhere, as scipy.signal's idx='mid'"),
        {"load",
         {required("path", ParamType::String, "image (.png, .jpg, .tif) or NumPy .npy file, by extension"),
          choice("mode", {"unchanged", "gray", "color"}, "images only: as stored, (H, W) gray or (H, W, 3) RGB")},
         false,
         "u8 or u16 image as stored, or the .npy array",
         "reads an image (RGB order, 8 or 16 bit) or a .npy array; the extension decides which",
         "creation"},
        {"matmul",
         {array("a", "(..., M, K)"), array("b", "(..., K, N), or 2-D and shared by every batch"),
          choice("precision", {"default", "fp64", "fp32", "tf32", "fp16", "bf16"},
                 "arithmetic mode; default follows the dtype (f32 -> fp32)")},
         false,
         "(..., M, N), the dtype of the inputs",
         "matrix product, batched over leading axes; a @ b is matmul(a, b)",
         "linear algebra"},
        unary("fft", "complex, same shape", "complex FFT over the last axis (c64 or c128)", "fft"),
        unary("ifft", "complex, same shape", "inverse of fft, normalised by 1/n", "fft"),
        unary("fft2", "complex, same shape", "complex FFT over the last two axes (c64 or c128)", "fft"),
        unary("ifft2", "complex, same shape", "inverse of fft2, normalised by 1/(h*w)", "fft"),
        unary("rfft", "complex, last axis n/2+1", "FFT of a real array (f32 or f64) over the last axis", "fft"),
        unary("rfft2", "complex, last axis n/2+1", "FFT of a real array (f32 or f64) over the last two axes", "fft"),
        inverseRealFft("irfft", "rfft"),
        inverseRealFft("irfft2", "rfft2"),
        unary("fftshift", "same shape and dtype", "moves the zero frequency to the centre, over every axis", "fft"),
        unary("ifftshift", "same shape and dtype", "inverse of fftshift", "fft"),
        {"gaussian",
         {array("x", "image (H, W) or (H, W, C), C in 1..4, u8 or f32"),
          required("sigma", ParamType::Float, "standard deviation in pixels, > 0 unless ksize is given", 0),
          optional("ksize", ParamType::Int, "0", "odd kernel size in pixels, up to 129; 0: from sigma", 0, 129),
          choice("border", {"reflect101", "replicate", "constant"}, "how pixels beyond the edge are read")},
         false,
         "same shape and dtype",
         "Gaussian blur with OpenCV's kernel sizes and weights",
         "image"},
        {"box",
         {array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32"),
          optional("ksize", ParamType::Size, "3", "odd window size: n (n x n) or (w, h), up to 511", 1, 511),
          choice("normalize", {"true", "false"}, "divide by the window's area (the mean) or give the sum"),
          choice("border", {"reflect101", "replicate", "constant"}, "how pixels beyond the edge are read")},
         false,
         "same shape and dtype",
         "box filter: the mean (or sum) over a window, as OpenCV's boxFilter; any size at one cost",
         "image"},
        morphology("erode", "minimum over the structuring element, as OpenCV's erode"),
        morphology("dilate", "maximum over the structuring element, as OpenCV's dilate"),
        morphology("morph_open", "opening: erode, then dilate (OpenCV's MORPH_OPEN); removes small bright spots"),
        morphology("morph_close", "closing: dilate, then erode (OpenCV's MORPH_CLOSE); fills small dark holes"),
        {"median",
         {array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32"),
          optional("ksize", ParamType::Int, "3", "odd window size n (n x n): up to 255 for u8, 31 for u16 and f32", 1,
                   255),
          choice("border", {"reflect101", "replicate", "constant"},
                 "how pixels beyond the edge are read (constant: zeros, which take part in the median)")},
         false,
         "same shape and dtype",
         "median of the ksize x ksize window, channel by channel, as OpenCV's medianBlur with any border",
         "image"},
        {"bilateral",
         {array("x", "image (H, W) or (H, W, 3), u8 or f32"),
          optional("d", ParamType::Int, "9", "diameter of the disc in pixels, up to 63; 0: from sigma_space", 0, 63),
          optional("sigma_color", ParamType::Float, "75", "colour sigma in the image's units, > 0", 0),
          optional("sigma_space", ParamType::Float, "75", "spatial sigma in pixels, > 0", 0),
          choice("border", {"reflect101", "replicate", "constant"},
                 "how pixels beyond the edge are read (constant: 0; u8 only)")},
         false,
         "same shape and dtype",
         "edge-preserving smoothing, as OpenCV's bilateralFilter",
         "image"},
        derivative("sobel", true, false, "Sobel derivative of order (dx, dy), as OpenCV's Sobel with an f32 result"),
        derivative("scharr", false, false, "Scharr 3x3 derivative along x or y, as OpenCV's Scharr; f32"),
        derivative("sobel_magnitude", true, true,
                   "gradient magnitude sqrt(gx^2 + gy^2) of the Sobel derivatives, in one pass; f32"),
        derivative("scharr_magnitude", false, true,
                   "gradient magnitude sqrt(gx^2 + gy^2) of the Scharr derivatives, in one pass; f32"),
        {"laplacian",
         {array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32"),
          optional("ksize", ParamType::Int, "1", "aperture: 1 (the 3x3 cross), 3, 5 or 7", 1, 7),
          optional("scale", ParamType::Float, "1", "factor applied to the result"),
          optional("delta", ParamType::Float, "0", "added to every result"),
          choice("border", {"reflect101", "replicate", "constant"}, "how pixels beyond the edge are read")},
         false,
         "same shape, f32",
         "Laplacian d2/dx2 + d2/dy2, as OpenCV's Laplacian with an f32 result",
         "image"},
        {"conv2d",
         {array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32"),
          optional("kernel", ParamType::Matrix, "((1, 2, 1), (2, 4, 2), (1, 2, 1))",
                   "the matrix, rows of numbers, 1x1 up to 31x31; correlated, not flipped, anchored at its centre", 1,
                   31),
          choice("normalize", {"false", "true"}, "divide the matrix by the sum of its entries"),
          optional("scale", ParamType::Float, "1", "factor applied to the matrix"),
          optional("delta", ParamType::Float, "0", "added to every result"),
          choice("border", {"reflect101", "replicate", "constant"}, "how pixels beyond the edge are read"),
          choice("dtype", {"same", "f32"}, "the output dtype: the input's (rounded, saturated) or f32")},
         false,
         "same shape; the input's dtype or f32",
         "2-D correlation with a user matrix, as OpenCV's filter2D; rank-1 matrices run as two 1-D passes",
         "image"},
        unary("grayscale", "(H, W), same dtype", "RGB(A) (H, W, 3 or 4) to gray with BT.601 weights", "image"),
        {"threshold",
         {array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32"),
          optional("thresh", ParamType::Float, "128", "pixels strictly above it count as above"),
          optional("maxval", ParamType::Float, "255", "value of above pixels for binary, of the others for binary_inv"),
          choice("type", {"binary", "binary_inv", "trunc", "to_zero", "to_zero_inv"},
                 "what above and other pixels become, as OpenCV's THRESH_* types"),
          choice("otsu", {"false", "true"}, "choose thresh by Otsu's method (u8 or u16, one channel)")},
         false,
         "same shape and dtype",
         "threshold as OpenCV's threshold, with Otsu's method on request",
         "image"},
        {"normalize",
         {array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32"),
          optional("alpha", ParamType::Float, "0", "minmax: one end of the range; l1, l2, inf: the norm to reach"),
          optional("beta", ParamType::Float, "1", "minmax: the other end of the range"),
          choice("norm", {"minmax", "l1", "l2", "inf"}, "map [min, max] onto [alpha, beta], or scale to a norm"),
          choice("dtype", {"same", "u8", "u16", "f32"}, "output dtype; integers round and saturate")},
         false,
         "same shape; the input's dtype or the one given",
         "normalize as OpenCV's normalize, over all elements",
         "image"},
        {"resize",
         {array("x", "image (H, W) or (H, W, C), C in 1..4, u8, u16 or f32"),
          optional("size", ParamType::Size, "0", "output size n (n x n) or (w, h), up to 32768; 0: use the factors", 0,
                   32768),
          optional("scale", ParamType::Float, "0", "factor for both axes when no size is given", 0),
          optional("fx", ParamType::Float, "0", "factor along x (W); 0: scale", 0),
          optional("fy", ParamType::Float, "0", "factor along y (H); 0: scale", 0),
          choice("interpolation", {"bilinear", "nearest", "area"},
                 "as OpenCV's INTER_LINEAR, INTER_NEAREST, INTER_AREA")},
         false,
         "(h, w) or (h, w, C), same dtype",
         "resize as OpenCV's resize: to a size, or by factors (round(W*fx) x round(H*fy))",
         "image"},
        {"astype",
         {array("x", "the input"), required("dtype", ParamType::DType, "the dtype to convert to"),
          optional("scale", ParamType::Float, "1", "factor applied before the conversion"),
          optional("offset", ParamType::Float, "0", "added after scaling")},
         false,
         "same shape, the new dtype",
         "x * scale + offset in a new dtype; integer targets round and saturate",
         "conversion"},
        elementwise("abs", "|x|; complex -> the real magnitude"),
        elementwise("sqrt", "square root (NaN below 0)"),
        elementwise("exp", "e to the power x; complex too"),
        elementwise("log", "natural logarithm"),
        elementwise("log1p", "log(1 + x), exact near 0"),
        elementwise("sin", "sine, x in radians"),
        elementwise("cos", "cosine, x in radians"),
        elementwise("tan", "tangent, x in radians"),
        elementwise("tanh", "hyperbolic tangent"),
        elementwise("floor", "the largest integer <= x"),
        elementwise("ceil", "the smallest integer >= x"),
        elementwise("round", "nearest integer, halves to even as NumPy"),
        elementwise("real", "real part; x itself for real x"),
        elementwise("imag", "imaginary part; 0 for real x"),
        elementwise("conj", "complex conjugate; x itself for real x"),
        elementwise("angle", "argument of complex x in radians, in (-pi, pi]"),
        {"minimum",
         {operand("a", "array or number"), operand("b", "array or number")},
         false,
         "the promoted dtype of a and b",
         "elementwise smaller of a and b; NaN if either is NaN",
         "elementwise"},
        {"maximum",
         {operand("a", "array or number"), operand("b", "array or number")},
         false,
         "the promoted dtype of a and b",
         "elementwise larger of a and b; NaN if either is NaN",
         "elementwise"},
        {"clip",
         {array("x", "the input"), required("low", ParamType::Float, "the smallest value kept"),
          required("high", ParamType::Float, "the largest value kept")},
         false,
         "same shape, dtype of x",
         "x limited to [low, high]: minimum(maximum(x, low), high)",
         "elementwise"},
        {"where",
         {operand("cond", "non-zero where b is taken"), operand("a", "taken where cond is non-zero"),
          operand("b", "taken where cond is 0")},
         false,
         "the promoted dtype of a and b",
         "a where cond is non-zero, else b, element by element",
         "elementwise"},
        reduction("sum", "0-D; f64 for integers, else the dtype of x", "sum of all elements (accumulated in f64)"),
        reduction("mean", "0-D; f64 for integers, else the dtype of x", "mean of all elements"),
        reduction("min", "0-D, the dtype of x", "smallest element; NaN if any is NaN; real dtypes only"),
        reduction("max", "0-D, the dtype of x", "largest element; NaN if any is NaN; real dtypes only"),
        reduction("norm", "0-D, real", "2-norm: sqrt of the sum of |x|^2 over all elements"),
        {"show", {array("x", "an array to display")}, true, "", "marks arrays for display after the run", "sinks"},
        {"save",
         {array("x", "the array to write"),
          required("path", ParamType::String, ".npy for any array; .png, .jpg, .tif for u8 or u16 images")},
         false,
         "",
         "writes an array to a .npy file or an image, by extension",
         "sinks"},
        {"check",
         {array("x", "the result to compare"),
          optional("rtol", ParamType::Float, "0.001", "relative tolerance, >= 0", 0),
          optional("atol", ParamType::Float, "0", "absolute tolerance, >= 0", 0),
          {"ref",
           ParamType::Array,
           false,
           "none",
           "a reference of x's shape: compare x with it on every backend instead of the GPU with the CPU",
           {},
           {},
           {}}},
         false,
         "",
         "fails the run when the GPU result differs from the CPU's (or x from ref) by more than atol + "
         "rtol*|reference|",
         "sinks"},
        launchOp(),
    };
}

// The ops that misbehave on purpose (TestMisbehaviour), last, in a category of their own.
std::vector<OpInfo> makeTestOps()
{
    const std::string zero = "0-D f32 zero";
    return {
        {"test_hang",
         {optional("seconds", ParamType::Float, "0", "how long to block, in seconds; 0: for ever", 0)},
         false,
         zero,
         "blocks the run on any backend for `seconds` (0: for ever) and ignores cancellation meanwhile",
         "test"},
        {"test_gpu_fault", {}, false, zero, "a GPU kernel writes where nothing is mapped: the device is lost", "test"},
        {"test_gpu_hang", {}, false, zero, "a GPU kernel that never ends", "test"},
    };
}

std::atomic<bool> g_testOps{false};

// Optimal string alignment distance: Levenshtein plus swaps of neighbours ("gausian",
// "guassian" are both one step from "gaussian").
int editDistance(std::string_view a, std::string_view b)
{
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
    for (std::size_t i = 0; i <= n; ++i)
        d[i][0] = static_cast<int>(i);
    for (std::size_t j = 0; j <= m; ++j)
        d[0][j] = static_cast<int>(j);
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

} // namespace

std::string_view name(ParamType type)
{
    switch (type) {
    case ParamType::Array: return "array";
    case ParamType::Operand: return "array or number";
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
    case ParamType::DType: return "dtype";
    case ParamType::Choice: return "choice";
    case ParamType::Size: return "size";
    case ParamType::Matrix: return "matrix";
    case ParamType::Arguments: return "arguments";
    case ParamType::Geometry: return "geometry";
    case ParamType::Defines: return "defines";
    }
    return "?";
}

const ParamInfo* OpInfo::findParam(std::string_view paramName) const
{
    const auto it = std::find_if(params.begin(), params.end(), [&](const ParamInfo& p) { return p.name == paramName; });
    return it == params.end() ? nullptr : &*it;
}

const std::vector<OpInfo>& ops()
{
    static const std::vector<OpInfo> table = makeOps();
    if (!g_testOps.load(std::memory_order_acquire))
        return table;
    static const std::vector<OpInfo> withTestOps = [] {
        std::vector<OpInfo> all = makeOps();
        for (OpInfo& op : makeTestOps())
            all.push_back(std::move(op));
        return all;
    }();
    return withTestOps;
}

void enableTestOps() { g_testOps.store(true, std::memory_order_release); }

const OpInfo* findOp(std::string_view opName)
{
    const auto& table = ops();
    const auto it = std::find_if(table.begin(), table.end(), [&](const OpInfo& op) { return op.name == opName; });
    return it == table.end() ? nullptr : &*it;
}

std::vector<std::string> nearestNames(std::string_view word, const std::vector<std::string>& candidates, int count)
{
    std::vector<std::pair<int, std::string>> scored;
    for (const std::string& candidate : candidates) {
        const int distance = editDistance(word, candidate);
        const int allowed = std::max<int>(1, static_cast<int>(std::max(word.size(), candidate.size())) / 3);
        if (distance <= allowed && candidate != word)
            scored.emplace_back(distance, candidate);
    }
    std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> names;
    for (const auto& [distance, candidate] : scored) {
        if (static_cast<int>(names.size()) >= count)
            break;
        names.push_back(candidate);
    }
    return names;
}

std::vector<std::string> nearestOps(std::string_view opName, int count)
{
    std::vector<std::string> names;
    for (const OpInfo& op : ops())
        names.push_back(op.name);
    return nearestNames(opName, names, count);
}

std::string signature(const OpInfo& op)
{
    std::string text = op.name + "(";
    for (std::size_t i = 0; i < op.params.size(); ++i) {
        const ParamInfo& param = op.params[i];
        if (i > 0)
            text += ", ";
        text += param.name;
        if (i == 0 && op.variadic)
            text += param.type == ParamType::Array ? ", ..." : "...";
        if (!param.required)
            text += "=" + param.defaultText;
    }
    return text + ")";
}

} // namespace wb::pipeline
