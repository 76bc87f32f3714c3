// What the thin __global__ wrappers share: the grid-stride loop and the fixed-order block sum.
#ifndef CAE_DEVICE_CUH
#define CAE_DEVICE_CUH

#include "cae_ops.cuh"

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
