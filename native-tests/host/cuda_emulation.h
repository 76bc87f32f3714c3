// Lets the kernels (kernels/*.cu) compile as C++ and run on the CPU, so the Java tests can launch them
// exactly as the CUDA engine does (grid, block-level sums, shared memory, barriers) without a GPU.
//
// cae_launch runs the grid's blocks one after another. A block's threads are fibers on one OS thread:
// each runs until it reaches __syncthreads or ends, then the next one runs; once every thread of the
// block has had its turn, all have met at the barrier, and the round starts again. With one block at a
// time a __shared__ array can be a plain static, and everything is deterministic. A fiber switch is a
// few register moves (x86-64) where OS threads meeting at a std::barrier cost a context switch each,
// which made a 1,000-block launch take most of a minute on two cores.
#ifndef CAE_CUDA_EMULATION_H
#define CAE_CUDA_EMULATION_H

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#if !(defined(__x86_64__) && defined(__ELF__))
#include <ucontext.h>
#endif

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace cae_emulation {

// What a __trap() or a misuse of the emulation prints before the program ends with status 3.
[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "%s\n", what);
    std::fflush(stderr);
    std::_Exit(3);
}

#if defined(__x86_64__) && defined(__ELF__)
// Saves the callee-saved registers of the System V ABI on the current stack, stores the stack pointer
// in *save, loads `load` and returns into whatever that stack was saved by (or, for a new fiber, into
// the start routine placed there by Fiber::start).
extern "C" void cae_fiber_switch(void** save, void* load);
asm(R"(
    .pushsection .text
    .globl cae_fiber_switch
    .type cae_fiber_switch, @function
cae_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size cae_fiber_switch, .-cae_fiber_switch
    .popsection
)");

struct Context {
    void* sp = nullptr;
};

inline void switch_to(Context& from, Context& to) { cae_fiber_switch(&from.sp, to.sp); }

// Makes `fiber` start in entry() on the stack [base, base + size) when first switched to.
inline void prepare(Context& fiber, char* base, size_t size, void (*entry)()) {
    auto top = reinterpret_cast<std::uintptr_t>(base + size) & ~std::uintptr_t(15);
    void** sp = reinterpret_cast<void**>(top);
    *--sp = nullptr;                             // entry() sees a call's alignment: rsp + 8 a multiple of 16
    *--sp = reinterpret_cast<void*>(entry);      // where cae_fiber_switch's ret goes
    for (int i = 0; i < 6; ++i) *--sp = nullptr;  // the six registers it pops
    fiber.sp = sp;
}
#else
// Elsewhere the portable, slower way.
struct Context {
    ucontext_t uc;
};

inline void switch_to(Context& from, Context& to) {
    if (swapcontext(&from.uc, &to.uc) != 0) fail("swapcontext failed");
}

inline void prepare(Context& fiber, char* base, size_t size, void (*entry)()) {
    if (getcontext(&fiber.uc) != 0) fail("getcontext failed");
    fiber.uc.uc_stack.ss_sp = base;
    fiber.uc.uc_stack.ss_size = size;
    fiber.uc.uc_link = nullptr;
    makecontext(&fiber.uc, entry, 0);
}
#endif

// One stack per thread of a block, each above a guard page, so that a kernel overflowing its stack
// stops the program instead of writing into another thread's.
constexpr size_t kStackBytes = 256 * 1024;

struct Block {
    std::vector<Context> fibers;
    std::vector<char*> stacks;
    std::vector<bool> done;
    Context scheduler;
    unsigned current = 0;
    void (*body)(void*) = nullptr;
    void* argument = nullptr;

    void reserve(unsigned threads) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        while (stacks.size() < threads) {
            void* memory = mmap(nullptr, page + kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (memory == MAP_FAILED) fail("cannot map a thread's stack");
            if (mprotect(memory, page, PROT_NONE) != 0) fail("cannot protect a stack's guard page");
            stacks.push_back(static_cast<char*>(memory) + page);
        }
        fibers.resize(threads);
        done.assign(threads, false);
    }
};

inline Block block;

// Where every fiber starts: the kernel, then back to the scheduler for good.
inline void fiber_entry() {
    block.body(block.argument);
    block.done[block.current] = true;
    switch_to(block.fibers[block.current], block.scheduler);
    fail("a finished thread was resumed");
}

// Runs body(argument) as each of `threads` threads of the current block, barrier by barrier.
inline void run_block(unsigned threads, void (*body)(void*), void* argument) {
    block.reserve(threads);
    block.body = body;
    block.argument = argument;
    for (unsigned t = 0; t < threads; ++t) prepare(block.fibers[t], block.stacks[t], kStackBytes, fiber_entry);
    for (bool running = true; running;) {
        running = false;
        for (unsigned t = 0; t < threads; ++t) {
            if (block.done[t]) continue;
            block.current = t;
            threadIdx = {t, 0, 0};
            switch_to(block.scheduler, block.fibers[t]);
            running = true;
        }
    }
}

// __syncthreads: this thread's turn ends; it goes on once every other thread has reached the barrier.
inline void barrier() { switch_to(block.fibers[block.current], block.scheduler); }

}  // namespace cae_emulation

inline void __syncthreads() { cae_emulation::barrier(); }

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
#define __trap() cae_emulation::fail("__trap() in a kernel")

// kernel<<<(gx, gy), threads>>>(args...), on the CPU: the blocks in order, (0, 0), (1, 0), ...
template <typename Kernel, typename... Args>
void cae_launch(Kernel kernel, unsigned gx, unsigned gy, unsigned threads, Args... args) {
    gridDim = {gx, gy, 1};
    blockDim = {threads, 1, 1};
    auto call = [&] { kernel(args...); };
    auto body = [](void* c) { (*static_cast<decltype(call)*>(c))(); };
    for (unsigned by = 0; by < gy; ++by)
        for (unsigned bx = 0; bx < gx; ++bx) {
            blockIdx = {bx, by, 0};
            cae_emulation::run_block(threads, body, &call);
        }
}

#endif
