// What the thin __global__ wrappers share: the grid-stride loop and the fixed-order block sum.
#ifndef CAE_DEVICE_CUH
#define CAE_DEVICE_CUH

#include "cae_ops.cuh"

// Visits i = 0 .. total-1 with whatever grid the launch has: each thread takes i, i + all threads, ...
#define CAE_FOR_EACH(i, total) \
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (total); i += blockDim.x * gridDim.x)

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

#endif
