// out = a + b (the skip connections, and their gradients joined) or a - b (the residual output: the
// noisy input minus the predicted noise), element by element. out may be a or b, so no pointer is
// __restrict__. One rounding per element, as the CPU engine's, so the two agree bit for bit.
#include "common.cuh"

extern "C" __global__ void elementwise_add(const float* a, const float* b, float* out, int count) {
    CAE_FOR_EACH(i, count) out[i] = a[i] + b[i];
}

extern "C" __global__ void elementwise_subtract(const float* a, const float* b, float* out, int count) {
    CAE_FOR_EACH(i, count) out[i] = a[i] - b[i];
}
