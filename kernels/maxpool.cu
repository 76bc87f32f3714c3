// 2x2 stride-2 max-pool with TensorFlow SAME padding, for the sizes cuDNN cannot express (odd ones);
// its backward always (see CudaEngine.maxPoolBackward), and fused with the ReLU mask and bias gradient.
#include "channel_sums.cuh"
#include "pool_window.cuh"

namespace cae {

// y element i of planes x ceil(h/2) x ceil(w/2).
CAE_HD void maxpool_same_forward_at(int i, const float* x, float* y, int h, int w) {
    int oh = pooled(h), ow = pooled(w);
    int ox = i % ow, oy = (i / ow) % oh, plane = i / (ow * oh);
    const float* p = x + (size_t)plane * h * w;
    y[i] = p[maxpool_argmax(p, h, w, oy, ox)];
}

// dx element i of planes x h x w (a gather: no atomics, nothing to clear first).
CAE_HD void maxpool_same_backward_at(int i, const float* x, const float* dy, float* dx, int h, int w) {
    int hw = h * w;
    dx[i] = maxpool_routed_at(x, dy, (size_t)(i / hw), i % hw, h, w);
}

// The backward of conv -> ReLU -> max-pool from the pooled gradient in one pass, where
// maxpool_same_backward and relu_backward_bias_grad_thread take two: each cell gets its window's pooled
// gradient when it is the window's first arg-max in the ReLU output y.
CAE_HD float maxpool_relu_backward_bias_grad_thread(int ch, int chunk, int t, const float* y, const float* dpooled,
                                                    float* dy, int n, int c, int h, int w) {
    return masked_bias_grad_thread(ch, chunk, t, y, dy, n, c, h * w,
                                   [=](size_t plane, int p) { return maxpool_routed_at(y, dpooled, plane, p, h, w); });
}

}  // namespace cae

// y (n x c x ceil(h/2) x ceil(w/2)) = window maxima of x (n x c x h x w).
extern "C" __global__ void maxpool_same_forward(const float* __restrict__ x, float* __restrict__ y,
                                                int n, int c, int h, int w) {
    CAE_FOR_EACH(i, n * c * cae::pooled(h) * cae::pooled(w)) cae::maxpool_same_forward_at(i, x, y, h, w);
}

// dx (n x c x h x w): each window's dy goes to its first arg-max in x, every other cell gets 0.
extern "C" __global__ void maxpool_same_backward(const float* __restrict__ x, const float* __restrict__ dy,
                                                 float* __restrict__ dx, int n, int c, int h, int w) {
    CAE_FOR_EACH(i, n * c * h * w) cae::maxpool_same_backward_at(i, x, dy, dx, h, w);
}

// Grid = (cae::bias_grad_chunks(n, h * w), c), block = cae::kReduceThreads: dy (n x c x h x w) = the
// pooled gradient routed to each window's first arg-max in y and masked where y <= 0 (the backward of
// conv -> ReLU -> pool up to the convolution), and partials[ch * chunks + chunk] its bias-gradient
// partial sums, which bias_grad_reduce (activation.cu) finishes.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
maxpool_relu_backward_bias_partials(const float* __restrict__ y, const float* __restrict__ dpooled,
                                    float* __restrict__ dy, float* __restrict__ partials, int n, int c, int h, int w) {
    int chunk = blockIdx.x, ch = blockIdx.y;
    float sum = cae::maxpool_relu_backward_bias_grad_thread(ch, chunk, threadIdx.x, y, dpooled, dy, n, c, h, w);
    sum = cae_block_sum(sum);
    if (threadIdx.x == 0) partials[ch * gridDim.x + chunk] = sum;
}
