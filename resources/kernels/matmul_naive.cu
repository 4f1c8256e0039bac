// C = A * B in f32, row-major: A is m x k, B is k x n, C is m x n (square when m = n = k).
// One thread per element of C, which reads a row of A and a column of B straight from
// global memory: the baseline that matmul_tiled.cu and cuBLAS race against. Launch with a
// 2-D block (16 x 16 is a good start) and a grid of ceil(n / block.x) x ceil(m / block.y):
// x runs along the columns of C, so a warp reads B and writes C in consecutive addresses.
// Threads outside C do nothing. No shared memory, no synchronisation; extern "C" keeps the
// name "matmul_naive" unmangled for launches.

extern "C" __global__ void matmul_naive(int m, int n, int k, const float* a, const float* b, float* c)
{
    const int row = blockIdx.y * blockDim.y + threadIdx.y;
    const int column = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= m || column >= n) {
        return;
    }
    float sum = 0.0f;
    for (int i = 0; i < k; ++i) {
        sum += a[row * k + i] * b[i * n + column];
    }
    c[row * n + column] = sum;
}
