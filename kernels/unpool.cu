// The gradient of SegNet max-unpooling (the `unpool` decoder variant). Unpooling itself is
// maxpool_same_backward (maxpool.cu) with the pooled values in place of dy.
#include "device.cuh"

// dvalues (n x c x ceil(h/2) x ceil(w/2)) = dout (n x c x h x w) at each window's first arg-max in the
// pool's input x (n x c x h x w); overwritten.
extern "C" __global__ void maxpool_same_gather(const float* __restrict__ x, const float* __restrict__ dout,
                                               float* __restrict__ dvalues, int n, int c, int h, int w) {
    CAE_FOR_EACH(i, n * c * ((h + 1) / 2) * ((w + 1) / 2)) cae::maxpool_same_gather_at(i, x, dout, dvalues, h, w);
}
