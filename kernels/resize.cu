// Nearest-neighbour resize (the decoder's upsampling), forward and backward, for any sizes.
#include "channel_sums.cuh"

namespace cae {

// y element i of planes x oh x ow.
CAE_HD void resize_nearest_forward_at(int i, const float* x, float* y, int ih, int iw, int oh, int ow) {
    int ox = i % ow, oy = (i / ow) % oh, plane = i / (ow * oh);
    y[i] = x[((size_t)plane * ih + nearest_source(oy, ih, oh)) * iw + nearest_source(ox, iw, ow)];
}

// The sum of the cells of dy's plane (oh x ow) that source cell (sy, sx) was copied to, in row-major
// order (a gather, so no atomics and the same order as the CPU engine's scatter).
CAE_HD float resize_nearest_gathered(const float* dy_plane, int sy, int sx, int ih, int iw, int oh, int ow) {
    // four divisions for the two ranges, where testing nearest_source at each step took one per cell and
    // one more to end each loop (the divisions are 64-bit, and were most of the kernel's time)
    int oy0 = nearest_first_target(sy, ih, oh), oy1 = imin(nearest_first_target(sy + 1, ih, oh), oh);
    int ox0 = nearest_first_target(sx, iw, ow), ox1 = imin(nearest_first_target(sx + 1, iw, ow), ow);
    float sum = 0.f;
    for (int oy = oy0; oy < oy1; ++oy)
        for (int ox = ox0; ox < ox1; ++ox) sum += dy_plane[oy * ow + ox];
    return sum;
}

// dx element i of planes x ih x iw.
CAE_HD void resize_nearest_backward_at(int i, const float* dy, float* dx, int ih, int iw, int oh, int ow) {
    int sx = i % iw, sy = (i / iw) % ih, plane = i / (iw * ih);
    dx[i] = resize_nearest_gathered(dy + (size_t)plane * oh * ow, sy, sx, ih, iw, oh, ow);
}

// The backward of conv -> ReLU -> nearest resize from the resized gradient (oh x ow) in one pass, where
// resize_nearest_backward and relu_backward_bias_grad_thread take two: each cell of dy (h x w) gets the
// sum of the resized cells it was copied to.
CAE_HD float resize_relu_backward_bias_grad_thread(int ch, int chunk, int t, const float* y, const float* dresized,
                                                   float* dy, int n, int c, int h, int w, int oh, int ow) {
    return masked_bias_grad_thread(ch, chunk, t, y, dy, n, c, h * w, [=](size_t plane, int p) {
        return resize_nearest_gathered(dresized + plane * oh * ow, p / w, p % w, h, w, oh, ow);
    });
}

}  // namespace cae

// y (n x c x oh x ow) = x (n x c x ih x iw) resized.
extern "C" __global__ void resize_nearest_forward(const float* __restrict__ x, float* __restrict__ y,
                                                  int n, int c, int ih, int iw, int oh, int ow) {
    CAE_FOR_EACH(i, n * c * oh * ow) cae::resize_nearest_forward_at(i, x, y, ih, iw, oh, ow);
}

// dx (n x c x ih x iw) = the sum of dy (n x c x oh x ow) over each source cell's outputs; overwritten.
extern "C" __global__ void resize_nearest_backward(const float* __restrict__ dy, float* __restrict__ dx,
                                                   int n, int c, int ih, int iw, int oh, int ow) {
    CAE_FOR_EACH(i, n * c * ih * iw) cae::resize_nearest_backward_at(i, dy, dx, ih, iw, oh, ow);
}

// Grid = (cae::bias_grad_chunks(n, h * w), c), block = cae::kReduceThreads: dy (n x c x h x w) = the
// resized gradient dresized (n x c x oh x ow) summed back to each source cell and masked where y <= 0
// (the backward of conv -> ReLU -> resize up to the convolution), and partials[ch * chunks + chunk] its
// bias-gradient partial sums, which bias_grad_reduce (activation.cu) finishes.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
resize_nearest_relu_backward_bias_partials(const float* __restrict__ y, const float* __restrict__ dresized,
                                           float* __restrict__ dy, float* __restrict__ partials,
                                           int n, int c, int h, int w, int oh, int ow) {
    int chunk = blockIdx.x, ch = blockIdx.y;
    float sum = cae::resize_relu_backward_bias_grad_thread(ch, chunk, threadIdx.x, y, dresized, dy, n, c, h, w, oh, ow);
    sum = cae_block_sum(sum);
    if (threadIdx.x == 0) partials[ch * gridDim.x + chunk] = sum;
}
