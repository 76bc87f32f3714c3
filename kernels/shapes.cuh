// The index rules of pooling, resizing and the 3x3 taps: the C++ twin of cae.engine.Shapes (the
// Java rules both engines use). Java and CUDA cannot share source, so the kernel tests hold the two
// together: every kernel, launched in the CPU emulation with odd sizes, must agree with the CPU engine.
#ifndef CAE_SHAPES_CUH
#define CAE_SHAPES_CUH

#include "common.cuh"

namespace cae {

// ---- 2x2 stride-2 max-pool, TensorFlow SAME padding (Shapes.pooled, Shapes.poolPadBefore) ----

// A side after the pool: ceil(in / 2).
CAE_HD int pooled(int in) { return (in + 1) / 2; }

// pad_total = max((out - 1) * 2 + 2 - in, 0), out = ceil(in / 2); the extra padded cell goes at the end.
CAE_HD int pool_pad_before(int in) {
    int out = pooled(in);
    return imax((out - 1) * 2 + 2 - in, 0) / 2;
}

// ---- nearest resize, TF1 resize_nearest_neighbor, align_corners = half_pixel_centers = false ----

// a / b for a >= 0, b > 0: in 32 bits when a fits (a GPU divides 64-bit integers in a called routine,
// several times slower, whose call made the fused resize kernel spill)
CAE_HD int divide(long long a, int b) {
    return a <= 2147483647LL ? (int)a / b : (int)(a / b);
}

// min(floor(dst * in / out), in - 1) (Shapes.nearestSource)
CAE_HD int nearest_source(int dst, int in, int out) {
    return imin(divide((long long)dst * in, out), in - 1);
}

// The first output index whose source is s, ceil(s * out / in) (Shapes.nearestFirstTarget). Since
// floor(dst * in / out) grows with dst and stays below in, the outputs of s are
// [first(s), min(first(s + 1), out)): none when a downscale skips s.
CAE_HD int nearest_first_target(int s, int in, int out) {
    return divide((long long)s * out + in - 1, in);
}

// ---- bilinear resize, TF1 resize_bilinear, align_corners = half_pixel_centers = false ----

// Per axis, output index dst reads src = dst * in / out: i0 = floor(src) (Shapes.bilinearLow),
// i1 = min(i0 + 1, in - 1) (Shapes.bilinearHigh), t = src - i0. src is kept as the exact fraction
// (dst * in) / out, so i0 carries no rounding error and t is the remainder (Shapes.bilinearRemainder)
// over out, one division.
struct BilinearTap {
    int i0, i1;
    float t;
};

CAE_HD BilinearTap bilinear_tap(int dst, int in, int out) {
    long long num = (long long)dst * in;
    int i0 = (int)(num / out);
    BilinearTap tap;
    tap.i0 = i0;
    tap.i1 = imin(i0 + 1, in - 1);
    tap.t = (float)(num - (long long)i0 * out) / (float)out;
    return tap;
}

// ---- 3x3 SAME convolution taps ----

// The index in an h x w plane of (row, col) moved by tap (ky * 3 + kx)'s offset, (ky - 1, kx - 1) for
// the convolution and (1 - ky, 1 - kx) for its data gradient (flip), or -1 when that is outside.
CAE_HD int tap_source(int row, int col, int tap, int flip, int h, int w) {
    int ky = tap / 3, kx = tap - ky * 3;
    int r = flip ? row + 1 - ky : row + ky - 1, c = flip ? col + 1 - kx : col + kx - 1;
    return r >= 0 && r < h && c >= 0 && c < w ? r * w + c : -1;
}

}  // namespace cae

#endif
