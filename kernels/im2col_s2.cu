// im2col / col2im for the 3x3 stride-2 convolution whose transpose is the `transposed` decoder
// variant, on the cuBLAS SGEMM path (--conv gemm).
#include "device.cuh"

// col (n x (c * 9) x (h * w)) = the stride-2 windows of big (n x c x oh x ow), h = ceil(oh / 2).
extern "C" __global__ void im2col3x3_s2(const float* __restrict__ big, float* __restrict__ col,
                                        int n, int c, int h, int w, int oh, int ow) {
    CAE_FOR_EACH(i, n * c * 9 * h * w) cae::im2col3x3_s2_at(i, big, col, c, h, w, oh, ow);
}

// big (n x c x oh x ow) = col folded back, each cell the sum of the column entries that read it; overwritten.
extern "C" __global__ void col2im3x3_s2(const float* __restrict__ col, float* __restrict__ big,
                                        int n, int c, int h, int w, int oh, int ow) {
    CAE_FOR_EACH(i, n * c * oh * ow) cae::col2im3x3_s2_at(i, col, big, h, w, oh, ow);
}
