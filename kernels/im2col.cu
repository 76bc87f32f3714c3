// im2col / col2im for the cuBLAS SGEMM convolution path (3x3, stride 1, SAME).
#include "common.cuh"

namespace cae {

// Column layout, per sample s (n x K x hw with K = cin * 9, hw = h * w, row-major):
//   col[s][ci * 9 + ky * 3 + kx][y * w + x] = x[s][ci][y + ky - 1][x + kx - 1]   (0 outside the image)
// so with OIHW weights seen as a cout x K matrix W, the convolution of sample s is y[s] = W . col[s]
// (cout x hw, which is sample s of NCHW y), and the data gradient is dcol[s] = W^T . dy[s], folded back
// by col2im3x3.

// col element i of n x (cin * 9) x hw.
CAE_HD void im2col3x3_at(int i, const float* x, float* col, int cin, int h, int w) {
    int hw = h * w, k = cin * 9;
    int p = i % hw, row = (i / hw) % k, s = i / (hw * k);
    int ci = row / 9, tap = row - ci * 9;
    int yy = p / w + tap / 3 - 1, xx = p % w + tap % 3 - 1;
    bool inside = yy >= 0 && yy < h && xx >= 0 && xx < w;
    col[i] = inside ? x[(((size_t)s * cin + ci) * h + yy) * w + xx] : 0.f;
}

// dx element i of n x cin x h x w: the sum, in (ky, kx) order, of the col entries that read it
// (a gather: no atomics).
CAE_HD void col2im3x3_at(int i, const float* col, float* dx, int h, int w) {
    int hw = h * w;
    int xx = i % w, yy = (i / w) % h, sc = i / hw;  // sc = s * cin + ci
    const float* rows = col + (size_t)sc * 9 * hw;  // rows ci * 9 .. ci * 9 + 8 of sample s
    float sum = 0.f;
    for (int ky = 0; ky < 3; ++ky) {
        int oy = yy - ky + 1;
        if (oy < 0 || oy >= h) continue;
        for (int kx = 0; kx < 3; ++kx) {
            int ox = xx - kx + 1;
            if (ox < 0 || ox >= w) continue;
            sum += rows[(size_t)(ky * 3 + kx) * hw + oy * w + ox];
        }
    }
    dx[i] = sum;
}

}  // namespace cae

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
