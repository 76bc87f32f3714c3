// What every kernel file shares: the qualifiers that let a body compile for the GPU and, in the CPU
// emulation (native-tests/host/cuda_emulation.h), as plain C++; small integer helpers; the fixed-order
// block sums; the grid-stride loop; the two-sided sigmoid and the bias + ReLU epilogue.
//
// Semantics are docs/SPEC.md §2 and the Java CPU engine (src/main/java/cae/engine/cpu). All tensors
// are NCHW float32; "plane" is one (sample, channel) image of h x w.
#ifndef CAE_COMMON_CUH
#define CAE_COMMON_CUH

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#define CAE_HD __host__ __device__ __forceinline__
#define CAE_UNROLL _Pragma("unroll")
#define CAE_UNROLL_4 _Pragma("unroll 4")
#else
#define CAE_HD inline
#define CAE_UNROLL
#define CAE_UNROLL_4
#endif

namespace cae {

// Threads per block of the reducing kernels (loss, bias gradient, weight gradients); the Java side's
// KernelConstants.THREADS, checked by KernelConstantsTest. Their shared arrays have this size and the
// summation tree below depends on it, so they must be launched with exactly this many threads.
constexpr int kReduceThreads = 256;

CAE_HD int imin(int a, int b) { return a < b ? a : b; }
CAE_HD int imax(int a, int b) { return a > b ? a : b; }

// One level of the fixed-order block sum: slot t takes in slot t + half. Run for half = 128, 64, ..., 1,
// with every thread of a level done before the next starts; the tree is the same on every device.
CAE_HD void tree_step(float* slots, int t, int half) {
    if (t < half) slots[t] += slots[t + half];
}

// Thread t's share of a fixed-order sum of values[0 .. count): values t, t + threads, t + 2 threads, ...
CAE_HD float strided_sum_at(int t, int threads, const float* values, int count) {
    float sum = 0.f;
    for (int i = t; i < count; i += threads) sum += values[i];
    return sum;
}

// The same two-sided form as the CPU engine, so neither branch overflows.
CAE_HD float sigmoid(float x) {
    if (x >= 0.f) return 1.f / (1.f + expf(-x));
    float e = expf(x);
    return e / (1.f + e);
}

// v + bias[ch] (no bias when bias is null), then ReLU when relu != 0.
CAE_HD float add_bias_relu(float v, const float* bias, int ch, int relu) {
    if (bias) v += bias[ch];
    return relu && v < 0.f ? 0.f : v;
}

}  // namespace cae

// Visits i = 0 .. total-1 with whatever grid the launch has: each thread takes i, i + all threads, ...
// (total is an int; i is unsigned so that the step past the end, up to INT_MAX + 2^24, cannot wrap.)
#define CAE_FOR_EACH(i, total) \
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < (unsigned)(total); i += blockDim.x * gridDim.x)

// The sum of every thread's value, in the same tree order on every device (cae::tree_step); the
// result is valid in thread 0. The block must have exactly cae::kReduceThreads threads: any other
// launch traps instead of returning a wrong sum.
__device__ __forceinline__ float cae_block_sum(float value) {
    __shared__ float slots[cae::kReduceThreads];
    if (blockDim.x != cae::kReduceThreads) __trap();
    slots[threadIdx.x] = value;
    __syncthreads();
    for (int half = cae::kReduceThreads / 2; half > 0; half >>= 1) {
        cae::tree_step(slots, threadIdx.x, half);
        __syncthreads();
    }
    return slots[0];
}

// cae_block_sum for K values at once (one shared array, one barrier per tree level): sums[v] becomes
// the block's sum of value v in thread 0, each in cae_block_sum's order.
template <int K>
__device__ __forceinline__ void cae_block_sums(float (&sums)[K]) {
    __shared__ float slots[K][cae::kReduceThreads];
    if (blockDim.x != cae::kReduceThreads) __trap();
    CAE_UNROLL
    for (int v = 0; v < K; ++v) slots[v][threadIdx.x] = sums[v];
    __syncthreads();
    for (int half = cae::kReduceThreads / 2; half > 0; half >>= 1) {
        CAE_UNROLL
        for (int v = 0; v < K; ++v) cae::tree_step(slots[v], threadIdx.x, half);
        __syncthreads();
    }
    CAE_UNROLL
    for (int v = 0; v < K; ++v) sums[v] = slots[v][0];
}

#endif
