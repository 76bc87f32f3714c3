// The scalars that change from one training step to the next (the batch's offset and step number for
// the noise, the loss slot, Adam's rate). The kernels that take them read them from a small device
// buffer instead of their parameter list, so one recorded CUDA graph can replay every step: before
// each replay the engine launches this kernel, whose parameters carry the new values.
#include "common.cuh"

namespace cae {

// How many 64-bit step scalars step_scalars_set writes at most; the Java side's KernelConstants.STEP_WORDS.
constexpr int kStepWords = 16;

}  // namespace cae

// Up to cae::kStepWords 64-bit words, passed by value.
struct StepWords { long long w[cae::kStepWords]; };

// dst[0 .. count) = words.w[0 .. count); one block.
extern "C" __global__ void step_scalars_set(long long* __restrict__ dst, int count, StepWords words) {
    for (int i = threadIdx.x; i < count; i += blockDim.x) dst[i] = words.w[i];
}
