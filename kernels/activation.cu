// Bias + ReLU after a convolution, its backward fused with the bias gradient, and the output sigmoid.
#include "device.cuh"

// y (n x c x hw) += bias[channel] in place, then ReLU when relu != 0.
extern "C" __global__ void bias_relu_forward(float* __restrict__ y, const float* __restrict__ bias,
                                             int n, int c, int hw, int relu) {
    CAE_FOR_EACH(i, n * c * hw) cae::bias_relu_forward_at(i, y, bias, c, hw, relu);
}

// One block per channel (grid = c, block = cae::kReduceThreads): when relu != 0, zeroes dy where the
// layer's output y <= 0 (in place, ready for the convolution's backward); then dbias[ch] = the sum of
// channel ch of dy over samples and pixels, in a fixed order. y may be null when relu == 0.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
relu_backward_bias_grad(const float* __restrict__ y, float* __restrict__ dy, float* __restrict__ dbias,
                        int n, int c, int hw, int relu) {
    int ch = blockIdx.x;
    float sum = cae::relu_backward_bias_grad_thread(ch, threadIdx.x, blockDim.x, y, dy, n, c, hw, relu);
    sum = cae_block_sum(sum);
    if (threadIdx.x == 0) dbias[ch] = sum;
}

// y = sigmoid(x) over count elements (the reconstruction at inference).
extern "C" __global__ void sigmoid_forward(const float* __restrict__ x, float* __restrict__ y, int count) {
    CAE_FOR_EACH(i, count) cae::sigmoid_forward_at(i, x, y);
}
