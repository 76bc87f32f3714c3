// Direct 3x3 SAME convolutions with bias and ReLU for layers with several channels each side
// (cae_ops.cuh, "direct convolutions", has the sums). Grid = (pixel blocks, ceil(cout / kDirectGroup)),
// block = 256 threads; cin at most cae::kDirectMaxIn.
#include "device.cuh"

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
