// Adam over every parameter at once: parameters, gradients and both moments are flat buffers.
#include "common.cuh"

namespace cae {

// TensorFlow 1 form, lrT = lr * sqrt(1 - beta2^t) / (1 - beta1^t) given.
CAE_HD void adam_update_at(int i, float* p, const float* g, float* m, float* v,
                           float lrT, float beta1, float beta2, float epsilon) {
    float grad = g[i];
    float mi = beta1 * m[i] + (1.f - beta1) * grad;
    float vi = beta2 * v[i] + (1.f - beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lrT * mi / (sqrtf(vi) + epsilon);
}

}  // namespace cae

// TensorFlow 1 form: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr_t m / (sqrt(v) + eps),
// with lr_t = lr sqrt(1 - b2^t) / (1 - b1^t) computed by the caller. lr_t changes every step, so it
// is read from device memory (step.cu): the low 32 bits of scalars[0] are its float bits.
extern "C" __global__ void adam_update(float* __restrict__ p, const float* __restrict__ g,
                                       float* __restrict__ m, float* __restrict__ v, int count,
                                       float beta1, float beta2, float epsilon, const long long* __restrict__ scalars) {
    float lr_t = __int_as_float((int)scalars[0]);
    CAE_FOR_EACH(i, count) cae::adam_update_at(i, p, g, m, v, lr_t, beta1, beta2, epsilon);
}
