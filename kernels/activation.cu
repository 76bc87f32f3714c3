// Bias + ReLU after a convolution, its backward fused with the bias gradient, and the output sigmoid.
#include "channel_sums.cuh"

namespace cae {

// y element i of n x c x hw, in place: y += bias[channel], then ReLU when relu != 0.
CAE_HD void bias_relu_forward_at(int i, float* y, const float* bias, int c, int hw, int relu) {
    float v = y[i] + bias[(i / hw) % c];
    y[i] = relu && v < 0.f ? 0.f : v;
}

// Thread t of the block for (chunk, ch): its cells of the chunk are t, t + 256, ..., t + 7 * 256. All
// of them are loaded before any masked value is stored, so the loads do not wait for one another; it
// returns the sum of the masked values in that order, and zeroes dy where y <= 0 (when relu).
CAE_HD float relu_backward_bias_grad_thread(int ch, int chunk, int t, const float* y, float* dy,
                                            int n, int c, int hw, int relu) {
    int index[kBiasPerThread];
    float value[kBiasPerThread];
    unsigned masked = 0;  // bit k: cell k is zeroed
    CAE_UNROLL
    for (int k = 0; k < kBiasPerThread; ++k) {
        int j = chunk_cell(chunk, t, k, n * hw);
        index[k] = -1;
        value[k] = 0.f;
        if (j >= 0) {
            int s = j / hw, p = j - s * hw;
            index[k] = (s * c + ch) * hw + p;
            value[k] = dy[index[k]];
            if (relu && y[index[k]] <= 0.f) masked |= 1u << k;
        }
    }
    float sum = 0.f;
    CAE_UNROLL
    for (int k = 0; k < kBiasPerThread; ++k) {
        if (masked & (1u << k)) {
            dy[index[k]] = 0.f;
            value[k] = 0.f;
        }
        sum += value[k];
    }
    return sum;
}

CAE_HD void sigmoid_forward_at(int i, const float* x, float* y) { y[i] = sigmoid(x[i]); }

}  // namespace cae

// y (n x c x hw) += bias[channel] in place, then ReLU when relu != 0.
extern "C" __global__ void bias_relu_forward(float* __restrict__ y, const float* __restrict__ bias,
                                             int n, int c, int hw, int relu) {
    CAE_FOR_EACH(i, n * c * hw) cae::bias_relu_forward_at(i, y, bias, c, hw, relu);
}

// Grid = (cae::bias_grad_chunks(n, hw), c), block = cae::kReduceThreads: when relu != 0, zeroes dy
// where the layer's output y <= 0 (in place, ready for the convolution's backward); partials[ch * chunks
// + chunk] = the sum of the chunk's cells of channel ch of dy. y may be null when relu == 0.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
relu_backward_bias_partials(const float* __restrict__ y, float* __restrict__ dy, float* __restrict__ partials,
                            int n, int c, int hw, int relu) {
    int chunk = blockIdx.x, ch = blockIdx.y;
    float sum = cae::relu_backward_bias_grad_thread(ch, chunk, threadIdx.x, y, dy, n, c, hw, relu);
    sum = cae_block_sum(sum);
    if (threadIdx.x == 0) partials[ch * gridDim.x + chunk] = sum;
}

// One block per channel: dbias[ch] = the sum of partials[ch * chunks .. (ch + 1) * chunks), fixed order.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
bias_grad_reduce(const float* __restrict__ partials, int chunks, float* __restrict__ dbias) {
    int ch = blockIdx.x;
    float sum = cae::strided_sum_at(threadIdx.x, blockDim.x, partials + ch * chunks, chunks);
    sum = cae_block_sum(sum);
    if (threadIdx.x == 0) dbias[ch] = sum;
}

// y = sigmoid(x) over count elements (the reconstruction at inference).
extern "C" __global__ void sigmoid_forward(const float* __restrict__ x, float* __restrict__ y, int count) {
    CAE_FOR_EACH(i, count) cae::sigmoid_forward_at(i, x, y);
}
