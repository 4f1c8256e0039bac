#pragma once
// Minimum (erode) and maximum (dilate) over a window of k = 2r + 1 pixels along a row or a
// column, with the van Herk / Gil-Werman algorithm: at most 3 comparisons per pixel
// whatever k is. The window starts s are cut into blocks of k; for each block one walk
// backwards gives h(s), the extreme from s to the block's end, and one walk forwards over
// the next block gives g, the extreme from that block's start to the window's end s + k − 1;
// the window's extreme is op(h(s), g). A rectangle is a row pass then a column pass; a
// cross is op(row pass, column pass) of the same input (the column pass combines).
//
// Pixels beyond the edge are the op's identity (never win): with OpenCV's default border
// value that is what every border mode amounts to (see wb::MorphDesc).
//
// Both passes use one thread per block of k window starts (and channel), each walking 2k
// pixels; the threads of a warp walk neighbouring blocks (rows) or neighbouring columns.

#include "column_tile.cuh"
#include "float4_strip.cuh"
#include "packed_bytes.cuh"
#include "separable_tile.cuh"

#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

// OpenCV's MinOp / MaxOp: the first operand unless the second is strictly smaller/larger.
template <typename T> struct MinOp {
    static __device__ __forceinline__ T apply(T a, T b) { return b < a ? b : a; }
    static __device__ __forceinline__ T identity()
    {
        if constexpr (std::is_same_v<T, float>)
            return __int_as_float(0x7f800000); // +inf
        else
            return static_cast<T>(~T(0));
    }
};

template <typename T> struct MaxOp {
    static __device__ __forceinline__ T apply(T a, T b) { return a < b ? b : a; }
    static __device__ __forceinline__ T identity()
    {
        if constexpr (std::is_same_v<T, float>)
            return __int_as_float(static_cast<int>(0xff800000u)); // -inf
        else
            return T(0);
    }
};

// ---- Row pass -----------------------------------------------------------------------
// Launch: block kMorphRowThreads threads; grid (ceil(W / kMorphRowTile), min(ceil(H /
// lines), 65535)), grid-stride over groups of `lines` rows in y.
// Shared (dynamic): lines × (kMorphRowTile + 2r + kMorphRowTile) × C elements of T: the
// input line with its halo, then the outputs. The host picks `lines` (1..8) to stay
// within 48 KiB: at most (256 + 1022 + 256) · 4 · 4 B = 24 KiB for one line.
// Loads and stores go in consecutive elements (coalesced; pixels outside the image are
// the identity); between them, thread i walks block (i / C) % nb of channel i % C.
inline constexpr int kMorphRowThreads = 256;
inline constexpr int kMorphRowTile = 256; // output pixels per line and block

template <typename T, int C, typename Op> __global__ void __launch_bounds__(kMorphRowThreads)
    morphRows(const T* __restrict__ in, T* __restrict__ out, std::int64_t height, std::int64_t width, int r, int lines)
{
    extern __shared__ __align__(16) unsigned char morphShared[];
    const int k = 2 * r + 1;
    const int span = kMorphRowTile + 2 * r; // input pixels per line
    T* lineIn = reinterpret_cast<T*>(morphShared);
    T* lineOut = lineIn + static_cast<std::size_t>(lines) * span * C;
    const std::int64_t x0 = static_cast<std::int64_t>(blockIdx.x) * kMorphRowTile;
    const int tile = static_cast<int>(min(static_cast<std::int64_t>(kMorphRowTile), width - x0));
    const int blocks = (tile + k - 1) / k; // blocks of window starts per line and channel

    for (std::int64_t yBase = static_cast<std::int64_t>(blockIdx.y) * lines; yBase < height;
         yBase += static_cast<std::int64_t>(gridDim.y) * lines) {
        const int active = static_cast<int>(min(static_cast<std::int64_t>(lines), height - yBase));
        for (int e = threadIdx.x; e < active * span * C; e += kMorphRowThreads) {
            const int line = e / (span * C), within = e % (span * C);
            const std::int64_t x = x0 - r + within / C;
            lineIn[e] =
                (x >= 0 && x < width) ? __ldg(in + ((yBase + line) * width + x) * C + within % C) : Op::identity();
        }
        __syncthreads();
        for (int item = threadIdx.x; item < active * blocks * C; item += kMorphRowThreads) {
            const int c = item % C, b = (item / C) % blocks, line = item / (C * blocks);
            const T* src = lineIn + static_cast<std::size_t>(line) * span * C + c;
            T* dst = lineOut + static_cast<std::size_t>(line) * kMorphRowTile * C + c;
            const int first = b * k;
            // h(s) for the window starts s of this block, stored as the provisional outputs.
            T h = Op::identity();
            for (int j = k - 1; j >= 0; --j) {
                const int s = first + j;
                h = Op::apply(h, src[s * C]);
                if (s < tile)
                    dst[s * C] = h;
            }
            // g over the next block up to each window's end s + k − 1.
            T g = Op::identity();
            for (int j = 0; j < k && first + j < tile; ++j) {
                const int s = first + j;
                if (j > 0)
                    g = Op::apply(g, src[(s + k - 1) * C]);
                dst[s * C] = Op::apply(dst[s * C], g);
            }
        }
        __syncthreads();
        for (int e = threadIdx.x; e < active * tile * C; e += kMorphRowThreads) {
            const int line = e / (tile * C), within = e % (tile * C);
            out[((yBase + line) * width + x0) * C + within] = lineOut[line * kMorphRowTile * C + within];
        }
        __syncthreads(); // the next line group overwrites both buffers
    }
}

// ---- Column pass --------------------------------------------------------------------
// Channels do not matter vertically: a row is W·C independent element columns.
// Launch: block (kMorphColWidth, kMorphColLines) = (32, 8); grid (ceil(W·C / 32),
// min(ceil(nb / 8), 65535)) with nb = ceil(H / k) blocks of window starts, grid-stride in y.
// No shared memory: thread (x, y) walks element column x of its block straight from global
// memory, a warp reading 32 consecutive elements per row (coalesced). The backward walk
// stores h as provisional outputs, which the forward walk of the same thread reads back
// and finishes (with `combine`, when given: out = op(column result, combine), element by
// element, for the cross). Each input row is read by two threads (two neighbouring blocks),
// the second time mostly from L2.
inline constexpr int kMorphColWidth = 32;
inline constexpr int kMorphColLines = 8;

template <typename T, typename Op> __global__ void __launch_bounds__(kMorphColWidth* kMorphColLines)
    morphColumns(const T* __restrict__ in, T* __restrict__ out, const T* __restrict__ combine, std::int64_t height,
                 std::int64_t rowElements, int r)
{
    const int k = 2 * r + 1;
    const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * kMorphColWidth + threadIdx.x;
    if (col >= rowElements)
        return;
    const std::int64_t blocks = (height + k - 1) / k;
    for (std::int64_t b = static_cast<std::int64_t>(blockIdx.y) * kMorphColLines + threadIdx.y; b < blocks;
         b += static_cast<std::int64_t>(gridDim.y) * kMorphColLines) {
        const std::int64_t first = b * k; // output rows first .. first + k − 1; window of row a: a − r .. a + r
        T h = Op::identity();
        for (int j = k - 1; j >= 0; --j) {
            const std::int64_t a = first + j, s = a - r;
            if (s >= 0 && s < height)
                h = Op::apply(h, __ldg(in + s * rowElements + col));
            if (a < height)
                out[a * rowElements + col] = h;
        }
        T g = Op::identity();
        for (int j = 0; j < k && first + j < height; ++j) {
            const std::int64_t a = first + j, end = a + r;
            if (j > 0 && end < height)
                g = Op::apply(g, __ldg(in + end * rowElements + col));
            T value = Op::apply(out[a * rowElements + col], g);
            if (combine)
                value = Op::apply(value, combine[a * rowElements + col]);
            out[a * rowElements + col] = value;
        }
    }
}

// ---- Fused tile (separable_tile.cuh) ------------------------------------------------
// A rectangle of radii up to kMaxMorphTileRadius: the extreme over the staged tile's rows,
// then over the columns of that. A run of kTileRun windows of n = 2r + 1 values shares
// the core src[7 .. 2r]; window k adds the suffix src[k .. 6] on the left and the prefix
// src[2r + 1 .. 2r + k] on the right, both built incrementally: (n + 13) / 8 comparisons
// per output, whatever the shape of the data. Pixels beyond the edge are the identity.
// Values are u32 for u8 and u16 (so that shared loads are whole words), float for f32.
inline constexpr int kMaxMorphTileRadius = 32;

template <typename T, typename Op> struct MorphTile {
    static constexpr int kMaxRadius = kMaxMorphTileRadius;
    using Acc = std::conditional_t<std::is_same_v<T, float>, float, std::uint32_t>;
    using AccOp = std::conditional_t<std::is_same_v<Op, MinOp<T>>, MinOp<Acc>, MaxOp<Acc>>;
    int radiusX, radiusY;

    __host__ __device__ int extraX() const { return 2 * radiusX; }
    __host__ __device__ int extraY() const { return 2 * radiusY; }
    __device__ Acc pad() const { return static_cast<Acc>(Op::identity()); }
    __device__ bool readsBorder() const { return false; }

    static __device__ __forceinline__ void run(int r, const Acc* src, int step, Acc* dst, int dstStep)
    {
        const int last = 2 * r; // window k is src[k .. k + last]
        if (last < kTileRun - 1) {
#pragma unroll
            for (int k = 0; k < kTileRun; ++k) {
                Acc extreme = src[k * step];
                for (int i = 1; i <= last; ++i)
                    extreme = AccOp::apply(extreme, src[(k + i) * step]);
                dst[k * dstStep] = extreme;
            }
            return;
        }
        Acc core = src[(kTileRun - 1) * step];
        for (int i = kTileRun; i <= last; ++i)
            core = AccOp::apply(core, src[i * step]);
        Acc left[kTileRun];
        left[kTileRun - 1] = core;
#pragma unroll
        for (int k = kTileRun - 2; k >= 0; --k)
            left[k] = AccOp::apply(src[k * step], left[k + 1]);
        dst[0] = left[0];
        Acc right = src[(last + 1) * step];
#pragma unroll
        for (int k = 1; k < kTileRun; ++k) {
            if (k > 1)
                right = AccOp::apply(right, src[(last + k) * step]);
            dst[k * dstStep] = AccOp::apply(left[k], right);
        }
    }
    __device__ void row(const Acc* src, int step, Acc* dst, int dstStep) const
    {
        run(radiusX, src, step, dst, dstStep);
    }
    __device__ void column(const Acc* src, int step, Acc* dst, int dstStep) const
    {
        run(radiusY, src, step, dst, dstStep);
    }
    __device__ T finish(Acc value) const { return static_cast<T>(value); }
};

// ---- Columns first (column_tile.cuh) ------------------------------------------------
// One-channel rectangles, radii up to kColumnTileMaxRadius: van Herk / Gil-Werman over a
// column's 32 outputs (and a row span's), window starts in blocks of k = 2r + 1 counted
// from the first output. A walk backwards makes h(s), the extreme from s to its block's
// end (the last block's tail read first, at most k − 1 values past the outputs); a walk
// forwards makes g(s), the extreme from the next block's start to s + 2r, and the output
// op(h(s), g(s)), or h(s) at a block's start. So 2 values read and 2 comparisons an output
// whatever k is; the output index is a constant of the unrolled walks, the block phase a
// counter.
template <int n, typename AccOp, typename Acc, typename Load>
__device__ __forceinline__ void vanHerk(int r, Load load, Acc* out)
{
    const int k = 2 * r + 1;
    int phase = (n - 1) % k; // of the last output in its block
    Acc h = load(n - 1);
    for (int i = n; i < n + k - 1 - phase; ++i)
        h = AccOp::apply(h, load(i));
    out[n - 1] = h;
#pragma unroll
    for (int s = n - 2; s >= 0; --s) {
        phase = phase == 0 ? k - 1 : phase - 1;
        const Acc value = load(s);
        h = phase == k - 1 ? value : AccOp::apply(value, h);
        out[s] = h;
    }
    Acc g{};
    phase = 0;
#pragma unroll
    for (int s = 1; s < n; ++s) {
        phase = phase == k - 1 ? 0 : phase + 1;
        const Acc entering = load(s + 2 * r);
        g = phase == 1 ? entering : AccOp::apply(g, entering);
        if (phase != 0)
            out[s] = AccOp::apply(out[s], g);
    }
}

template <typename T, typename Op> struct MorphColumns {
    // 48 registers without spills: 5 blocks an SM, 1 to 5% faster on the H200 than 4.
    static constexpr int kMinBlocks = 5;
    using Acc = typename MorphTile<T, Op>::Acc;
    using Value = Acc;
    using Span = Acc;
    using Out = T;
    using AccOp = typename MorphTile<T, Op>::AccOp;
    int radiusX, radiusY;

    __device__ Acc pad() const { return static_cast<Acc>(Op::identity()); }
    __device__ bool readsBorder() const { return false; }

    template <typename Load> __device__ void column(Load load, Acc (&out)[kColumnTileRows]) const
    {
        vanHerk<kColumnTileRows, AccOp>(radiusY, load, out);
    }
    template <typename Load> __device__ void row(Load load, Acc (&out)[kColumnTileSpan]) const
    {
        vanHerk<kColumnTileSpan, AccOp>(radiusX, load, out);
    }
    __device__ T finish(Acc value) const { return static_cast<T>(value); }
};

// ---- Float4 strips (float4_strip.cuh) ---------------------------------------------------
// One-channel f32 squares of radius R (1 .. kMaxMorphStripRadius, compiled in): van Herk
// down each column's kRows outputs and along each float4's four, on registers.
inline constexpr int kMaxMorphStripRadius = 8;

template <typename Op, int R> struct MorphStrips {
    static_assert(R >= 1 && R <= kMaxMorphStripRadius);
    static constexpr int kRows = stripRows(R);
    using Acc = float;
    static constexpr int radiusX = R;
    static constexpr int radiusY = R;

    __device__ float pad() const { return Op::identity(); }
    __device__ void column(const float (&w)[kRows + 2 * R], float (&out)[kRows]) const
    {
        vanHerk<kRows, Op>(
            R, [&w](int i) { return w[i]; }, out);
    }
    __device__ void row(const float (&w)[4 + 2 * R], float (&out)[4]) const
    {
        vanHerk<4, Op>(
            R, [&w](int i) { return w[i]; }, out);
    }
};

// ---- Columns first, u8 four pixels to a word ------------------------------------------
// One-channel u8 rectangles on images of whole words (column_tile.cuh, kPacked): columns
// by the same van Herk walk on the words' pair words (packed_bytes.cuh), four columns at
// once with two 16-bit extremes for each comparison. Rows, on words with byte-wise extremes,
// by doubling, in registers: after the steps that shift by 1 and 2 pixels (byte
// permutations of neighbouring words) and then by 1, 2, 4 and 8 words, word i holds the
// extremes of the p pixels from each of its own, for p the largest power of two <= k;
// one more step with the rest, s = k − p < p pixels, makes windows of k; the outputs are
// those windows shifted to start r pixels before each output pixel. log2(k) + 2 steps of
// one byte-wise extreme (and a byte permutation) per word, for 4 pixels.
// H is the largest word halo the instance takes: radiusX = ceil(r / 4) <= H.
template <typename WordOp, int H> struct PackedMorphColumns {
    static constexpr bool kPacked = true;
    // 4K frames are 960 words wide: tiles of 64 words make about 1100 blocks, well spread
    // over the SMs (tiles of 256 words were 272 blocks, 2 or 3 an SM). 12 blocks an SM (80
    // registers, 120 bytes spilled) against 8 (128): 31x31 20.1 against 22.3 us on the H200,
    // 3x3 the same.
    static constexpr int kThreads = 64;
    static constexpr int kMinBlocks = 12;
    using Value = std::uint32_t;
    using Acc = std::uint32_t;
    using Span = std::uint32_t;
    using Out = std::uint32_t;
    int radiusX; // in words
    int radiusY;
    int pixelRadiusX;

    // The word halo of a row radius in pixels, and the policy for radii rx, ry.
    static constexpr int wordHalo(int rx) { return (rx + 3) / 4; }
    static PackedMorphColumns of(int rx, int ry) { return {wordHalo(rx), ry, rx}; }

    __device__ std::uint32_t pad() const { return WordOp::identity; }
    __device__ bool readsBorder() const { return false; }

    struct PairWords {
        std::uint32_t even, odd;
    };
    struct PairOp {
        static __device__ __forceinline__ PairWords apply(PairWords a, PairWords b)
        {
            using Op = typename WordOp::Pairs;
            return {Op::apply(a.even, b.even), Op::apply(a.odd, b.odd)};
        }
    };

    template <typename Load> __device__ void column(Load load, std::uint32_t (&out)[kColumnTileRows]) const
    {
        PairWords pairs[kColumnTileRows];
        vanHerk<kColumnTileRows, PairOp>(
            radiusY,
            [load](int i) {
                const std::uint32_t word = load(i);
                return PairWords{evenPair(word), oddPair(word)};
            },
            pairs);
#pragma unroll
        for (int k = 0; k < kColumnTileRows; ++k)
            out[k] = joinPairs(pairs[k].even, pairs[k].odd);
    }

    // x[i] = op(x[i], x[i + q]), for every i that has an i + q.
    template <int q, int N> static __device__ __forceinline__ void wordStep(std::uint32_t (&x)[N])
    {
        if constexpr (q < N) {
#pragma unroll
            for (int i = 0; i + q < N; ++i)
                x[i] = WordOp::apply(x[i], x[i + q]);
        }
    }
    template <int s, int N> static __device__ __forceinline__ void byteStep(std::uint32_t (&x)[N])
    {
#pragma unroll
        for (int i = 0; i + 1 < N; ++i)
            x[i] = WordOp::apply(x[i], shiftBytes(x[i], x[i + 1], s));
    }
    // y[i] = y[i + q] when `shift`, for every i that has an i + q.
    template <int q, int N> static __device__ __forceinline__ void moveBy(bool shift, std::uint32_t (&y)[N])
    {
        if (!shift)
            return;
#pragma unroll
        for (int i = 0; i + q < N; ++i)
            y[i] = y[i + q];
    }

    template <typename Load> __device__ void row(Load load, std::uint32_t (&out)[kColumnTileSpan]) const
    {
        constexpr int N = kColumnTileSpan + 2 * H + 1;
        std::uint32_t x[N];
        loadWindow(load, x);
        const int k = 2 * pixelRadiusX + 1; // >= 3
        byteStep<1>(x);
        int p = 2;
        // The next doubling, while windows of 2p fit in k.
        auto grow = [&](auto step) {
            if (2 * p <= k) {
                step();
                p *= 2;
            }
        };
        grow([&] { byteStep<2>(x); });
        grow([&] { wordStep<1>(x); });
        grow([&] { wordStep<2>(x); });
        grow([&] { wordStep<4>(x); });
        grow([&] { wordStep<8>(x); });
        // The rest: s < 32 pixels (k <= 65; p = 64 leaves 1), so at most 7 whole words.
        const int s = k - p;
        std::uint32_t y[N];
#pragma unroll
        for (int i = 0; i < N; ++i)
            y[i] = x[i];
        moveBy<4>((s & 16) != 0, y);
        moveBy<2>((s & 8) != 0, y);
        moveBy<1>((s & 4) != 0, y);
#pragma unroll
        for (int i = 0; i + 1 < N; ++i)
            x[i] = WordOp::apply(x[i], shiftBytes(y[i], y[i + 1], s & 3));
        // Output word j is line word j + radiusX: its first window starts at pixel
        // 4·(j + radiusX) − r = 4j + d.
        const int d = 4 * radiusX - pixelRadiusX;
#pragma unroll
        for (int j = 0; j < kColumnTileSpan; ++j)
            out[j] = shiftBytes(x[j], x[j + 1], d);
    }
    __device__ std::uint32_t finish(std::uint32_t value) const { return value; }
};

// Calls f.template operator()<PackedMorphColumns<WordOp, H>>() for the instance that takes
// row radius rx: the smallest word halo H of 2, 4 and 8 at least its own.
template <typename WordOp, typename F> void visitPackedMorph(int rx, F&& f)
{
    const int halo = PackedMorphColumns<WordOp, 8>::wordHalo(rx);
    if (halo <= 2)
        f.template operator()<PackedMorphColumns<WordOp, 2>>();
    else if (halo <= 4)
        f.template operator()<PackedMorphColumns<WordOp, 4>>();
    else
        f.template operator()<PackedMorphColumns<WordOp, 8>>();
}

} // namespace wb::cuda::kernels
