// Nearest-neighbour resize (the decoder's upsampling), forward and backward, for any sizes.
#include "device.cuh"

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
