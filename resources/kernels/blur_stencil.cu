// A box blur of a single-channel f32 image, row-major, width x height pixels with no row
// padding: each output pixel is the mean of the (2 * radius + 1)^2 input pixels around it,
// borders clamped to the edge (a pixel outside reads the nearest one inside), as the
// built-in box filter's replicate border does. radius 0 copies the image. One thread per
// output pixel, each reading its whole window from global memory (the caches catch the
// reuse): the simple stencil to race against the built-in filter.
//
// Launch with a 2-D block (16 x 16 is a good start) and a grid of ceil(width / block.x) x
// ceil(height / block.y); x runs along a row. Threads outside the image do nothing. No
// shared memory, no synchronisation; in and out must not overlap. extern "C" keeps the name
// "blur_stencil" unmangled for launches.

extern "C" __global__ void blur_stencil(int width, int height, int radius, const float* in, float* out)
{
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= width || y >= height) {
        return;
    }
    float sum = 0.0f;
    for (int dy = -radius; dy <= radius; ++dy) {
        const int row = min(max(y + dy, 0), height - 1);
        for (int dx = -radius; dx <= radius; ++dx) {
            const int column = min(max(x + dx, 0), width - 1);
            sum += in[row * width + column];
        }
    }
    const int side = 2 * radius + 1;
    out[y * width + x] = sum / static_cast<float>(side * side);
}
