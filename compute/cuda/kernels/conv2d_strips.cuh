#pragma once
// conv2d's float4 strips (float4_strip.cuh) for dense square matrices of 3x3 and 5x5 on
// one-channel f32 in whole float4 rows, f32 out (the separable ones take the derivatives'
// DerivStrips). The column pass makes, for each pixel, the sums down its column with each
// matrix column's weights (2R + 1 of them, shuffled together); the row pass adds, for each
// output, matrix column j's sum of the pixel j − R away, + delta.

#include "float4_strip.cuh"

namespace wb::cuda::kernels {

inline constexpr int kConvMaxStripRadius = 2;

template <int N> struct ColumnSums {
    float v[N];
};
template <int N, typename F> __device__ __forceinline__ ColumnSums<N> eachSum(const ColumnSums<N>& s, F f)
{
    ColumnSums<N> r;
#pragma unroll
    for (int j = 0; j < N; ++j)
        r.v[j] = f(s.v[j]);
    return r;
}
template <int N> __device__ __forceinline__ ColumnSums<N> shuffleUp(const ColumnSums<N>& s, int delta)
{
    return eachSum(s, [delta](float v) { return shuffleUp(v, delta); });
}
template <int N> __device__ __forceinline__ ColumnSums<N> shuffleDown(const ColumnSums<N>& s, int delta)
{
    return eachSum(s, [delta](float v) { return shuffleDown(v, delta); });
}

template <int R> struct DenseConvStrips {
    static_assert(R >= 1 && R <= kConvMaxStripRadius);
    static constexpr int kSize = 2 * R + 1;
    static constexpr int kRows = stripRows(R);
    static constexpr int radiusX = R;
    static constexpr int radiusY = R;
    using Acc = ColumnSums<kSize>;
    float w[kSize * kSize]; // kSize rows of kSize, as ConvWeights
    float delta;

    __device__ float pad() const { return 0.0f; }
    __device__ void column(const float (&in)[kRows + 2 * R], Acc (&out)[kRows]) const
    {
#pragma unroll
        for (int k = 0; k < kRows; ++k)
#pragma unroll
            for (int j = 0; j < kSize; ++j) {
                float acc = w[j] * in[k];
#pragma unroll
                for (int i = 1; i < kSize; ++i)
                    acc = fmaf(w[i * kSize + j], in[k + i], acc);
                out[k].v[j] = acc;
            }
    }
    __device__ void row(const Acc (&line)[4 + 2 * R], float (&out)[4]) const
    {
#pragma unroll
        for (int c = 0; c < 4; ++c) {
            float acc = delta;
#pragma unroll
            for (int j = 0; j < kSize; ++j)
                acc += line[c + j].v[j];
            out[c] = acc;
        }
    }
};

} // namespace wb::cuda::kernels
