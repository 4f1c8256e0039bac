// The elementwise product from PyCUDA's introduction, dest[i] = a[i] * b[i] on n floats,
// one thread per element. PyCUDA's version launches exactly one block of 400 threads; with
// the bounds check any block size works with ceil(n / block) blocks, and threads past n do
// nothing. The parameters are PyCUDA's (dest, a, b) with n added. No shared memory, no
// synchronisation; extern "C" keeps the name "multiply_them" unmangled for launches.

extern "C" __global__ void multiply_them(float* dest, const float* a, const float* b, int n)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        dest[i] = a[i] * b[i];
    }
}
