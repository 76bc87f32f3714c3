// 2x2 stride-2 max-pool with TensorFlow SAME padding, for the sizes cuDNN cannot express (odd ones).
#include "device.cuh"

// y (n x c x ceil(h/2) x ceil(w/2)) = window maxima of x (n x c x h x w).
extern "C" __global__ void maxpool_same_forward(const float* __restrict__ x, float* __restrict__ y,
                                                int n, int c, int h, int w) {
    CAE_FOR_EACH(i, n * c * ((h + 1) / 2) * ((w + 1) / 2)) cae::maxpool_same_forward_at(i, x, y, h, w);
}

// dx (n x c x h x w): each window's dy goes to its first arg-max in x, every other cell gets 0.
extern "C" __global__ void maxpool_same_backward(const float* __restrict__ x, const float* __restrict__ dy,
                                                 float* __restrict__ dx, int n, int c, int h, int w) {
    CAE_FOR_EACH(i, n * c * h * w) cae::maxpool_same_backward_at(i, x, dy, dx, h, w);
}
