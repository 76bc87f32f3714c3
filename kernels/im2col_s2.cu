// im2col / col2im for the 3x3 stride-2 convolution whose transpose is the `transposed` decoder
// variant, on the cuBLAS SGEMM path (--conv gemm).
#include "common.cuh"

namespace cae {

// im2col / col2im for the 3x3, stride-2, padding-1 convolution from a large grid (oh x ow) to a small
// one (h x w, h = ceil(oh / 2)); the transposed convolution is its transpose. Column layout, per sample s
// (n x (c * 9) x hw, hw = h * w, row-major; c the large tensor's channels):
//   col[s][ch * 9 + ky * 3 + kx][iy * w + ix] = big[s][ch][2 iy + ky - 1][2 ix + kx - 1]   (0 outside)

// col element i of n x (c * 9) x hw.
CAE_HD void im2col3x3_s2_at(int i, const float* big, float* col, int c, int h, int w, int oh, int ow) {
    int hw = h * w, k = c * 9;
    int p = i % hw, row = (i / hw) % k, s = i / (hw * k);
    int ch = row / 9, tap = row - ch * 9;
    int yy = 2 * (p / w) + tap / 3 - 1, xx = 2 * (p % w) + tap % 3 - 1;
    bool inside = yy >= 0 && yy < oh && xx >= 0 && xx < ow;
    col[i] = inside ? big[(((size_t)s * c + ch) * oh + yy) * ow + xx] : 0.f;
}

// big element i of n x c x oh x ow: the sum, in (ky, kx) order, of the col entries that read it. Per axis
// tap k reads it from small index (pos + 1 - k) / 2 when that is whole and inside, so one or two taps.
CAE_HD void col2im3x3_s2_at(int i, const float* col, float* big, int h, int w, int oh, int ow) {
    int hw = h * w;
    int xx = i % ow, yy = (i / ow) % oh, sc = i / (oh * ow);  // sc = s * c + ch
    const float* rows = col + (size_t)sc * 9 * hw;
    float sum = 0.f;
    for (int ky = 0; ky < 3; ++ky) {
        int ty = yy + 1 - ky;
        if (ty < 0 || (ty & 1) || ty / 2 >= h) continue;
        for (int kx = 0; kx < 3; ++kx) {
            int tx = xx + 1 - kx;
            if (tx < 0 || (tx & 1) || tx / 2 >= w) continue;
            sum += rows[(size_t)(ky * 3 + kx) * hw + (ty / 2) * w + tx / 2];
        }
    }
    big[i] = sum;
}

}  // namespace cae

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
