// Nearest-neighbour resize (the decoder's upsampling), forward and backward, for any sizes.
#include "device.cuh"

// y (n x c x oh x ow) = x (n x c x ih x iw) resized.
extern "C" __global__ void resize_nearest_forward(const float* __restrict__ x, float* __restrict__ y,
                                                  int n, int c, int ih, int iw, int oh, int ow) {
    CAE_FOR_EACH(i, n * c * oh * ow) cae::resize_nearest_forward_at(i, x, y, ih, iw, oh, ow);
}

// dx (n x c x ih x iw) = the sum of dy (n x c x oh x ow) over each source cell's outputs; overwritten.
extern "C" __global__ void resize_nearest_backward(const float* __restrict__ dy, float* __restrict__ dx,
                                                   int n, int c, int ih, int iw, int oh, int ow) {
    CAE_FOR_EACH(i, n * c * ih * iw) cae::resize_nearest_backward_at(i, dy, dx, ih, iw, oh, ow);
}
