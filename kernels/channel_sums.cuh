// The per-channel sums of the bias gradients, in two fixed-order stages so that every channel, even
// the single one of the last layer, is spread over many blocks: a channel's n * hw cells, in (sample,
// pixel) order, are cut into chunks of kBiasChunk; one block per (chunk, channel) sums its chunk (the
// *_bias_partials kernels, and thin_conv_weight_grad_partials), then one block per channel sums the
// chunks' partial sums (bias_grad_reduce, thin_conv_weight_grad_reduce).
#ifndef CAE_CHANNEL_SUMS_CUH
#define CAE_CHANNEL_SUMS_CUH

#include "common.cuh"

namespace cae {

constexpr int kBiasPerThread = 8;
// The cells of one channel that one block takes; the Java side's KernelConstants.BIAS_CHUNK.
constexpr int kBiasChunk = kReduceThreads * kBiasPerThread;

CAE_HD int bias_grad_chunks(int n, int hw) { return (n * hw + kBiasChunk - 1) / kBiasChunk; }

// Cell k (0 .. kBiasPerThread) of thread t in the block for a chunk: its index in (sample, pixel)
// order among the channel's `cells` (n * hw), or -1 past the last.
CAE_HD int chunk_cell(int chunk, int t, int k, int cells) {
    int j = chunk * kBiasChunk + t + k * kReduceThreads;
    return j < cells ? j : -1;
}

// The fused backward passes that end in the ReLU mask and the bias sum: cell (s, ch, p) of dy gets
// incoming(plane, p), the gradient arriving from the op after the ReLU, where y > 0, else 0, and the
// thread returns the sum of its cells in relu_backward_bias_grad_thread's order (activation.cu), so the
// fused and the separate launches give the same bits. All of a thread's cells are computed before any
// is stored.
template <class Incoming>
CAE_HD float masked_bias_grad_thread(int ch, int chunk, int t, const float* y, float* dy, int n, int c, int hw,
                                     Incoming incoming) {
    size_t index[kBiasPerThread];
    float value[kBiasPerThread];
    bool inside[kBiasPerThread];
    CAE_UNROLL
    for (int k = 0; k < kBiasPerThread; ++k) {
        int j = chunk_cell(chunk, t, k, n * hw);
        inside[k] = j >= 0;
        index[k] = 0;
        value[k] = 0.f;
        if (inside[k]) {
            int s = j / hw, p = j - s * hw;
            size_t plane = (size_t)s * c + ch;
            index[k] = plane * hw + p;
            // "not <= 0" rather than "> 0": a NaN in y keeps its gradient, as the separate mask does
            if (!(y[index[k]] <= 0.f)) value[k] = incoming(plane, p);
        }
    }
    float sum = 0.f;
    CAE_UNROLL
    for (int k = 0; k < kBiasPerThread; ++k) {
        if (!inside[k]) continue;
        dy[index[k]] = value[k];
        sum += value[k];
    }
    return sum;
}

}  // namespace cae

#endif
