// The window rule of the 2x2 stride-2 SAME max-pool: which cell of a window wins, and the gradient the
// pool routes back. The max-pool (maxpool.cu) and its fused backward, max-unpooling's gradient
// (unpool.cu) and the thin convolutions' pooled backward (thin_conv.cu) all use it.
#ifndef CAE_POOL_WINDOW_CUH
#define CAE_POOL_WINDOW_CUH

#include "shapes.cuh"

namespace cae {

// The index (row * w + col) of the first maximum of window (oy, ox) in row-major window order;
// padded cells are not in the window, so they never win.
CAE_HD int maxpool_argmax(const float* plane, int h, int w, int oy, int ox) {
    int r0 = oy * 2 - pool_pad_before(h), c0 = ox * 2 - pool_pad_before(w);
    int r1 = imin(r0 + 2, h), c1 = imin(c0 + 2, w);
    r0 = imax(r0, 0);
    c0 = imax(c0, 0);
    int best = r0 * w + c0;
    float max = plane[best];
    for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c) {
            float v = plane[r * w + c];
            if (v > max) { max = v; best = r * w + c; }
        }
    return best;
}

// The gradient max-pooling routes to cell p of plane `plane` of x (planes x h x w): windows do not
// overlap, so each cell belongs to one window and gets that window's dy (planes x ceil(h/2) x
// ceil(w/2)) if it is the window's first arg-max, else 0.
CAE_HD float maxpool_routed_at(const float* x, const float* dy, size_t plane, int p, int h, int w) {
    int oh = pooled(h), ow = pooled(w), row = p / w, col = p - row * w;
    int oy = (row + pool_pad_before(h)) / 2, ox = (col + pool_pad_before(w)) / 2;
    return maxpool_argmax(x + plane * h * w, h, w, oy, ox) == p ? dy[(plane * oh + oy) * ow + ox] : 0.f;
}

}  // namespace cae

#endif
