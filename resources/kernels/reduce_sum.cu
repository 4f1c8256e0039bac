// The sum of n floats in one launch: *out += in[0] + ... + in[n - 1]. Set *out to 0 first.
//
// Each thread adds up the elements i, i + G, i + 2G, ... (G = all threads of the grid, so
// any grid size works; a few blocks per SM is plenty). Each warp then sums its 32 values
// with shuffles (__shfl_down_sync, no shared memory), its lane 0 puts the warp's sum in
// shared memory, one __syncthreads(), and the first warp sums those with shuffles again:
// one partial sum per block. Block size: a multiple of 32, at most 1024 (the shuffles use
// the full warp mask). Shared memory: 32 floats, static.
//
// What finishes the sum: here thread 0 of each block does atomicAdd(out, partial), so one
// launch is enough; float addition in the order the blocks finish, so the last bits may
// differ between runs. The deterministic alternative writes partial[blockIdx.x] instead and
// launches the same kernel again with one block over the partial sums.
// extern "C" keeps the name "reduce_sum" unmangled for launches.

__device__ float warpSum(float value)
{
    for (int offset = warpSize / 2; offset > 0; offset /= 2) {
        value += __shfl_down_sync(0xffffffffu, value, offset);
    }
    return value; // complete in lane 0
}

extern "C" __global__ void reduce_sum(int n, const float* in, float* out)
{
    __shared__ float warpSums[32];
    float sum = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        sum += in[i];
    }
    sum = warpSum(sum);
    const int lane = threadIdx.x % warpSize;
    const int warp = threadIdx.x / warpSize;
    if (lane == 0) {
        warpSums[warp] = sum;
    }
    __syncthreads();
    if (warp == 0) {
        sum = lane < blockDim.x / warpSize ? warpSums[lane] : 0.0f;
        sum = warpSum(sum);
        if (lane == 0) {
            atomicAdd(out, sum);
        }
    }
}
