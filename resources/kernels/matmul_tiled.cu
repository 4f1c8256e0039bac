// C = A * B in f32, row-major: A is m x k, B is k x n, C is m x n (any sizes, not only
// multiples of the tile). The classic shared-memory version of matmul_naive.cu: each block
// computes a TILE x TILE tile of C, walking along k one TILE-wide strip at a time; its
// threads first copy one element each of A's and B's tiles into shared memory (zeros past
// the edges), synchronise, and then each one sums its row of A's tile times its column of
// B's, so every element loaded from global memory is used TILE times.
//
// Launch with block = TILE x TILE (exactly: each thread loads one element of each tile) and
// grid = ceil(n / TILE) x ceil(m / TILE); x runs along the columns of C. Shared memory:
// 2 * TILE * TILE floats, static (2 KiB for the default TILE = 16). Two __syncthreads() per
// strip: after the loads, and before the next strip overwrites the tiles. TILE is a macro
// so that a tuning run can try others: -DTILE=32 (at most 32: TILE * TILE threads a block).
// extern "C" keeps the name "matmul_tiled" unmangled for launches.

#ifndef TILE
#define TILE 16
#endif

static_assert(TILE > 0 && TILE * TILE <= 1024, "a block of TILE x TILE threads must exist");

extern "C" __global__ void matmul_tiled(int m, int n, int k, const float* a, const float* b, float* c)
{
    __shared__ float tileA[TILE][TILE];
    __shared__ float tileB[TILE][TILE];
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int row = blockIdx.y * TILE + ty;
    const int column = blockIdx.x * TILE + tx;
    float sum = 0.0f;
    for (int strip = 0; strip < k; strip += TILE) {
        tileA[ty][tx] = row < m && strip + tx < k ? a[row * k + strip + tx] : 0.0f;
        tileB[ty][tx] = strip + ty < k && column < n ? b[(strip + ty) * n + column] : 0.0f;
        __syncthreads();
        for (int i = 0; i < TILE; ++i) {
            sum += tileA[ty][i] * tileB[i][tx];
        }
        __syncthreads();
    }
    if (row < m && column < n) {
        c[row * n + column] = sum;
    }
}
