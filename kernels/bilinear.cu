// Bilinear resize (the `bilinear` decoder variant's upsampling), forward and backward, for any sizes.
#include "shapes.cuh"

namespace cae {

// How much of output `tap` comes from source s on this axis: 1 - t from i0, t from i1 (both when i0 == i1).
CAE_HD float bilinear_weight(BilinearTap tap, int s) {
    return (tap.i0 == s ? 1.f - tap.t : 0.f) + (tap.i1 == s ? tap.t : 0.f);
}

// The outputs that can read source s on one axis are those with i0 = s - 1 or s; i0 never decreases
// with dst, so they run from the first output of s - 1 up to (not including) the first output of s + 1,
// nearest_first_target giving the first dst with floor(dst * in / out) >= s.
CAE_HD int bilinear_first_target(int s, int in, int out) {
    return s == 0 ? 0 : nearest_first_target(s - 1, in, out);
}

CAE_HD int bilinear_end_target(int s, int in, int out) {
    return imin(nearest_first_target(s + 1, in, out), out);
}

// y element i of planes x oh x ow: interpolate along x in rows i0 and i1, then between the two rows.
CAE_HD void resize_bilinear_forward_at(int i, const float* x, float* y, int ih, int iw, int oh, int ow) {
    int ox = i % ow, oy = (i / ow) % oh, plane = i / (ow * oh);
    BilinearTap ty = bilinear_tap(oy, ih, oh), tx = bilinear_tap(ox, iw, ow);
    const float* p = x + (size_t)plane * ih * iw;
    const float* r0 = p + (size_t)ty.i0 * iw;
    const float* r1 = p + (size_t)ty.i1 * iw;
    float top = (1.f - tx.t) * r0[tx.i0] + tx.t * r0[tx.i1];
    float bottom = (1.f - tx.t) * r1[tx.i0] + tx.t * r1[tx.i1];
    y[i] = (1.f - ty.t) * top + ty.t * bottom;
}

// dx element i of planes x ih x iw: the sum over the dy cells that read it, each times the weight it was
// read with (a gather over the candidate ranges above: no atomics, a fixed order).
CAE_HD void resize_bilinear_backward_at(int i, const float* dy, float* dx, int ih, int iw, int oh, int ow) {
    int sx = i % iw, sy = (i / iw) % ih, plane = i / (iw * ih);
    const float* d = dy + (size_t)plane * oh * ow;
    int oy1 = bilinear_end_target(sy, ih, oh);
    int ox0 = bilinear_first_target(sx, iw, ow), ox1 = bilinear_end_target(sx, iw, ow);
    float sum = 0.f;
    for (int oy = bilinear_first_target(sy, ih, oh); oy < oy1; ++oy) {
        float wy = bilinear_weight(bilinear_tap(oy, ih, oh), sy);
        if (wy == 0.f) continue;
        float row = 0.f;
        for (int ox = ox0; ox < ox1; ++ox) row += bilinear_weight(bilinear_tap(ox, iw, ow), sx) * d[oy * ow + ox];
        sum += wy * row;
    }
    dx[i] = sum;
}

}  // namespace cae

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
