// SAXPY, y = a*x + y on n floats (BLAS level 1), one thread per element:
// any block size works with ceil(n / block) blocks, and threads past n do
// nothing. No shared memory, no synchronisation; extern "C" keeps the name
// "saxpy" unmangled for launches.

extern "C" __global__ void saxpy(int n, float a, const float* x, float* y)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = a * x[i] + y[i];
    }
}
