// im2col / col2im for the cuBLAS SGEMM convolution path (3x3, stride 1, SAME); the column layout is
// described in cae_ops.cuh next to im2col3x3_at.
#include "device.cuh"

// col (n x cin*9 x h*w) from x (n x cin x h x w).
extern "C" __global__ void im2col3x3(const float* __restrict__ x, float* __restrict__ col,
                                     int n, int cin, int h, int w) {
    CAE_FOR_EACH(i, n * cin * 9 * h * w) cae::im2col3x3_at(i, x, col, cin, h, w);
}

// dx (n x cin x h x w) = col (n x cin*9 x h*w) folded back: each cell sums the entries that read it.
extern "C" __global__ void col2im3x3(const float* __restrict__ col, float* __restrict__ dx,
                                     int n, int cin, int h, int w) {
    CAE_FOR_EACH(i, n * cin * h * w) cae::col2im3x3_at(i, col, dx, h, w);
}
