// Thin 3x3 SAME convolutions, one input channel (conv1) or one output channel (the logits): both
// passes and the weight gradient computed directly, bias and ReLU in the same pass (cae_ops.cuh,
// "thin convolutions", has the sums). c is the wide side's channel count.
#include "device.cuh"

// One input channel, forward: y (n x c x h x w) = ReLU?(conv(x (n x 1 x h x w)) + bias).
extern "C" __global__ void thin_conv_in1_forward(const float* __restrict__ x, const float* __restrict__ weight,
                                                 const float* __restrict__ bias, float* __restrict__ y,
                                                 int n, int c, int h, int w, int relu) {
    CAE_FOR_EACH(j, n * h * w) cae::thin_spread_pixel_at(j, x, weight, bias, y, c, h, w, 0, relu);
}

// One output channel, forward: y (n x 1 x h x w) = ReLU?(conv(x (n x c x h x w)) + bias).
extern "C" __global__ void thin_conv_out1_forward(const float* __restrict__ x, const float* __restrict__ weight,
                                                  const float* __restrict__ bias, float* __restrict__ y,
                                                  int n, int c, int h, int w, int relu) {
    CAE_FOR_EACH(i, n * h * w) cae::thin_collect_at(i, x, weight, bias, y, c, h, w, 0, relu);
}

// One input channel, data gradient: dx (n x 1 x h x w) from dy (n x c x h x w), already masked.
extern "C" __global__ void thin_conv_in1_backward_data(const float* __restrict__ dy, const float* __restrict__ weight,
                                                       float* __restrict__ dx, int n, int c, int h, int w) {
    CAE_FOR_EACH(i, n * h * w) cae::thin_collect_at(i, dy, weight, nullptr, dx, c, h, w, 1, 0);
}

// One output channel, data gradient: dx (n x c x h x w) from dy (n x 1 x h x w), already masked.
extern "C" __global__ void thin_conv_out1_backward_data(const float* __restrict__ dy, const float* __restrict__ weight,
                                                        float* __restrict__ dx, int n, int c, int h, int w) {
    CAE_FOR_EACH(j, n * h * w) cae::thin_spread_pixel_at(j, dy, weight, nullptr, dx, c, h, w, 1, 0);
}

// Grid = (cae::bias_grad_chunks(n, h * w), c), block = cae::kReduceThreads: the ReLU mask, and each
// block's kThinSums partial sums at partials[(ch * kThinSums + v) * chunks + chunk]. y may be null
// when relu == 0 and dpooled is null. With dpooled (the layer's output was max-pooled), dy's values
// come from routing it (cae::thin_weight_grad_thread). dy is not restrict: with store, the masked
// values are written into it.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
thin_conv_weight_grad_partials(const float* __restrict__ x, const float* __restrict__ y, float* dy,
                               const float* __restrict__ dpooled, float* __restrict__ partials,
                               int n, int c, int h, int w, int dy_wide, int relu, int store) {
    int chunk = blockIdx.x, ch = blockIdx.y;
    float sums[cae::kThinSums];
    cae::thin_weight_grad_thread(ch, chunk, threadIdx.x, x, y, dy, dpooled, n, c, h, w, dy_wide, relu, store, sums);
    cae_block_sums(sums);
    if (threadIdx.x == 0)
        CAE_UNROLL
        for (int v = 0; v < cae::kThinSums; ++v) partials[(ch * cae::kThinSums + v) * gridDim.x + chunk] = sums[v];
}

// One block per row r of c * kThinSums: the chunks' partial sums in a fixed order, stored by
// cae::thin_grad_store into dweight (c * 9) and dbias.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
thin_conv_weight_grad_reduce(const float* __restrict__ partials, int chunks, float* __restrict__ dweight,
                             float* __restrict__ dbias, int bias_per_channel) {
    int r = blockIdx.x;
    float sum = cae_block_sum(cae::strided_sum_at(threadIdx.x, blockDim.x, partials + (size_t)r * chunks, chunks));
    if (threadIdx.x == 0) cae::thin_grad_store(r, sum, dweight, dbias, bias_per_channel);
}
