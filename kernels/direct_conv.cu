// Direct 3x3 SAME convolutions with bias and ReLU for layers with several channels each side
// (3x3 SAME, stride 1). Grid = (pixel blocks, ceil(cout / kDirectGroup)), block = 256 threads; cin at
// most cae::kDirectMaxIn.
#include "shapes.cuh"

namespace cae {

// For the layers cuDNN serves with tiles too large for them (7 x 7 and 14 x 14 images at batch 100):
// one thread per pixel computes kDirectGroup output channels, so each input value loaded is used
// kDirectGroup times, with the block's group of weights staged in shared memory as
// staged[(ci * 9 + tap) * kDirectGroup + g], the group's weights for one input tap side by side.
constexpr int kDirectGroup = 4;     // output channels per thread (and per blockIdx.y)
constexpr int kDirectMaxIn = 128;   // input channels the staged weights can hold

// Staged entry k of output channels co0 .. co0 + kDirectGroup - 1 (zeros past cout); weight is OIHW.
CAE_HD void direct_conv_stage_at(int k, const float* weight, float* staged, int cin, int cout, int co0) {
    int g = k % kDirectGroup, tap_of_ci = k / kDirectGroup, co = co0 + g;
    staged[k] = co < cout ? weight[(size_t)co * cin * 9 + tap_of_ci] : 0.f;
}

// Pixel j (of n x h x w), output channels co0 .. (at most kDirectGroup of them, below cout):
// ReLU?(bias + the sum over input channels, then taps, of weight * x).
CAE_HD void direct_conv_forward_at(int j, const float* x, const float* staged, const float* bias, float* y,
                                   int cin, int cout, int co0, int h, int w, int relu) {
    int hw = h * w, p = j % hw, s = j / hw;
    int row = p / w, col = p - row * w;
    int source[9];
    CAE_UNROLL
    for (int tap = 0; tap < 9; ++tap) source[tap] = tap_source(row, col, tap, 0, h, w);
    float sum[kDirectGroup];
    CAE_UNROLL
    for (int g = 0; g < kDirectGroup; ++g) sum[g] = 0.f;
    const float* plane = x + (size_t)s * cin * hw;
    for (int ci = 0; ci < cin; ++ci, plane += hw) {
        const float* taps = staged + ci * 9 * kDirectGroup;
        CAE_UNROLL
        for (int tap = 0; tap < 9; ++tap) {
            if (source[tap] < 0) continue;
            float v = plane[source[tap]];
            CAE_UNROLL
            for (int g = 0; g < kDirectGroup; ++g) sum[g] += taps[tap * kDirectGroup + g] * v;
        }
    }
    CAE_UNROLL
    for (int g = 0; g < kDirectGroup; ++g)
        if (co0 + g < cout) y[((size_t)s * cout + co0 + g) * hw + p] = add_bias_relu(sum[g], bias, co0 + g, relu);
}

}  // namespace cae

// y (n x cout x h x w) = ReLU?(conv(x (n x cin x h x w), weight (cout x cin x 3 x 3)) + bias).
extern "C" __global__ void __launch_bounds__(256)
direct_conv_forward(const float* __restrict__ x, const float* __restrict__ weight, const float* __restrict__ bias,
                    float* __restrict__ y, int n, int cin, int cout, int h, int w, int relu) {
    __align__(16) __shared__ float staged[cae::kDirectMaxIn * 9 * cae::kDirectGroup];
    if (cin > cae::kDirectMaxIn) __trap();  // the staged weights would overflow (DirectConvolution.fits refuses it)
    int co0 = blockIdx.y * cae::kDirectGroup;
    for (int k = threadIdx.x; k < cin * 9 * cae::kDirectGroup; k += blockDim.x)
        cae::direct_conv_stage_at(k, weight, staged, cin, cout, co0);
    __syncthreads();
    CAE_FOR_EACH(j, n * h * w) cae::direct_conv_forward_at(j, x, staged, bias, y, cin, cout, co0, h, w, relu);
}
