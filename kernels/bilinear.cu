// Bilinear resize (the `bilinear` decoder variant's upsampling), forward and backward, for any sizes.
#include "device.cuh"

// y (n x c x oh x ow) = x (n x c x ih x iw) resized, TF1 rule (align_corners = half_pixel_centers = false).
extern "C" __global__ void resize_bilinear_forward(const float* __restrict__ x, float* __restrict__ y,
                                                   int n, int c, int ih, int iw, int oh, int ow) {
    CAE_FOR_EACH(i, n * c * oh * ow) cae::resize_bilinear_forward_at(i, x, y, ih, iw, oh, ow);
}

// dx (n x c x ih x iw) = each source cell's weighted sum of the dy (n x c x oh x ow) cells that read it;
// overwritten.
extern "C" __global__ void resize_bilinear_backward(const float* __restrict__ dy, float* __restrict__ dx,
                                                    int n, int c, int ih, int iw, int oh, int ow) {
    CAE_FOR_EACH(i, n * c * ih * iw) cae::resize_bilinear_backward_at(i, dy, dx, ih, iw, oh, ow);
}
