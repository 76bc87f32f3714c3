// The gradient of SegNet max-unpooling (the `unpool` decoder variant). Unpooling itself is
// maxpool_same_backward (maxpool.cu) with the pooled values in place of dy.
#include "pool_window.cuh"

namespace cae {

// Max-unpooling (SegNet) puts value j at pooled window j's first arg-max in the pool's input x and 0
// elsewhere, which is maxpool_same_backward; its gradient is this gather. dvalues element i of
// planes x ceil(h/2) x ceil(w/2) = dout at window i's arg-max (same window, padding and tie rule).
CAE_HD void maxpool_same_gather_at(int i, const float* x, const float* dout, float* dvalues, int h, int w) {
    int oh = pooled(h), ow = pooled(w);
    int ox = i % ow, oy = (i / ow) % oh, plane = i / (ow * oh);
    size_t base = (size_t)plane * h * w;
    dvalues[i] = dout[base + maxpool_argmax(x + base, h, w, oy, ox)];
}

}  // namespace cae

// dvalues (n x c x ceil(h/2) x ceil(w/2)) = dout (n x c x h x w) at each window's first arg-max in the
// pool's input x (n x c x h x w); overwritten.
extern "C" __global__ void maxpool_same_gather(const float* __restrict__ x, const float* __restrict__ dout,
                                               float* __restrict__ dvalues, int n, int c, int h, int w) {
    CAE_FOR_EACH(i, n * c * cae::pooled(h) * cae::pooled(w)) cae::maxpool_same_gather_at(i, x, dout, dvalues, h, w);
}
