// Lets the kernels' __global__ wrappers (kernels/*.cu) compile as C++ and run on the CPU, so a test
// can check what the GPU would launch (grid shape, block-level sums, shared memory, barriers) and not
// only the per-element bodies. cae_launch runs a block's threads as real threads meeting at a barrier
// for __syncthreads, and the grid's blocks one after another; with one block at a time, a __shared__
// array can be a plain static. Slow next to a GPU: for small test shapes.
#ifndef CAE_CUDA_EMULATION_H
#define CAE_CUDA_EMULATION_H

#include <barrier>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
inline std::barrier<>* cae_block_barrier = nullptr;

inline void __syncthreads() { cae_block_barrier->arrive_and_wait(); }

inline float __int_as_float(int bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __align__(bytes) alignas(bytes)
#define __trap() std::abort()

// kernel<<<(gx, gy), threads>>>(args...), on the CPU: `threads` threads take the blocks in order,
// all of them finishing one block (a barrier) before any starts the next.
template <typename Kernel, typename... Args>
void cae_launch(Kernel kernel, unsigned gx, unsigned gy, unsigned threads, Args... args) {
    gridDim = {gx, gy, 1};
    blockDim = {threads, 1, 1};
    std::barrier<> barrier((std::ptrdiff_t)threads);
    cae_block_barrier = &barrier;
    std::vector<std::thread> block;
    block.reserve(threads);
    for (unsigned t = 0; t < threads; ++t)
        block.emplace_back([=, &barrier] {
            threadIdx = {t, 0, 0};
            for (unsigned by = 0; by < gy; ++by)
                for (unsigned bx = 0; bx < gx; ++bx) {
                    blockIdx = {bx, by, 0};
                    kernel(args...);
                    barrier.arrive_and_wait();
                }
        });
    for (std::thread& thread : block) thread.join();
    cae_block_barrier = nullptr;
}

#endif
