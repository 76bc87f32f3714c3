// The mean losses, each in two launches: one pass for the gradient and per-block loss sums (sigmoid
// cross-entropy, or the squared error), then a one-block reduction of those sums in a fixed order (no
// float atomics, so the loss is the same every run), shared by both.
#include "common.cuh"

namespace cae {

// The mean sigmoid cross-entropy of logits x against targets z.

// Writes d loss / d x = (sigmoid(x) - z) / count for element i and returns the stable per-element loss
// max(x, 0) - x z + log(1 + exp(-|x|)), finite for any |x|.
CAE_HD float sigmoid_xent_at(int i, const float* logits, const float* target, float* grad, float scale) {
    float x = logits[i], z = target[i];
    grad[i] = (sigmoid(x) - z) * scale;
    return fmaxf(x, 0.f) - x * z + log1pf(expf(-fabsf(x)));
}

// Global thread g of `threads` in all: its elements g, g + threads, ...; returns their loss sum.
CAE_HD float sigmoid_xent_thread(int g, int threads, const float* logits, const float* target, float* grad,
                                 int count) {
    float scale = 1.f / (float)count;
    float sum = 0.f;
    for (int i = g; i < count; i += threads) sum += sigmoid_xent_at(i, logits, target, grad, scale);
    return sum;
}

// The mean squared error of predictions p against targets t.

// Writes d loss / d p = 2 (p - t) / count for element i, scaled as the CPU engine does (so the same
// bits), and returns (p - t)^2.
CAE_HD float squared_error_at(int i, const float* prediction, const float* target, float* grad, float scale) {
    float d = prediction[i] - target[i];
    grad[i] = d * scale;
    return d * d;
}

// Global thread g of `threads` in all: its elements g, g + threads, ...; returns their squared errors' sum.
CAE_HD float squared_error_thread(int g, int threads, const float* prediction, const float* target, float* grad,
                                  int count) {
    float scale = 2.f * (1.f / (float)count);
    float sum = 0.f;
    for (int i = g; i < count; i += threads) sum += squared_error_at(i, prediction, target, grad, scale);
    return sum;
}

}  // namespace cae

// A loss's first launch: each thread's share of the loss by ThreadSum (which writes the gradient of
// its elements), and the block's sum, in the fixed tree order, into partials[blockIdx.x].
template <float (*ThreadSum)(int, int, const float*, const float*, float*, int)>
__device__ __forceinline__ void cae_loss_partials(const float* __restrict__ prediction, const float* __restrict__ target,
                                                  float* __restrict__ grad, float* __restrict__ partials, int count) {
    int g = blockIdx.x * blockDim.x + threadIdx.x;
    float sum = ThreadSum(g, blockDim.x * gridDim.x, prediction, target, grad, count);
    sum = cae_block_sum(sum);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

// grad = (sigmoid(logits) - target) / count over count elements; partials[blockIdx.x] = this block's
// loss sum. Block = cae::kReduceThreads; partials holds gridDim.x floats (grid = ceil(count / 256)).
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
sigmoid_xent_forward_backward(const float* __restrict__ logits, const float* __restrict__ target,
                              float* __restrict__ grad, float* __restrict__ partials, int count) {
    cae_loss_partials<cae::sigmoid_xent_thread>(logits, target, grad, partials, count);
}

// grad = 2 (prediction - target) / count over count elements; partials[blockIdx.x] = this block's sum of
// squared errors. Block = cae::kReduceThreads; partials holds gridDim.x floats (grid = ceil(count / 256)).
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
squared_error_forward_backward(const float* __restrict__ prediction, const float* __restrict__ target,
                               float* __restrict__ grad, float* __restrict__ partials, int count) {
    cae_loss_partials<cae::squared_error_thread>(prediction, target, grad, partials, count);
}

// Either loss's second launch, one block of cae::kReduceThreads: losses[slot] = (sum of
// partials[0 .. num_partials)) / count. The slot changes every step, so it is read from device memory
// (step.cu): scalars[0] = slot.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
loss_reduce(const float* __restrict__ partials, int num_partials, float* __restrict__ losses, int count,
            const long long* __restrict__ scalars) {
    float sum = cae::strided_sum_at(threadIdx.x, blockDim.x, partials, num_partials);
    sum = cae_block_sum(sum);
    if (threadIdx.x == 0) losses[(int)scalars[0]] = sum / (float)count;
}
