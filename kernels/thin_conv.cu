// Thin 3x3 SAME convolutions, one input channel (conv1) or one output channel (the logits): both
// passes and the weight gradient computed directly, bias and ReLU in the same pass. c is the wide
// side's channel count.
#include "channel_sums.cuh"
#include "pool_window.cuh"

namespace cae {

// A layer with one input channel (conv1) or one output channel (the logits) has too little work per
// output for the libraries' tiles; these kernels compute it directly. "wide" is the side with c
// channels, "narrow" the single-channel one, and the weights are w[ch * 9 + tap] (tap = ky * 3 + kx)
// in either OIHW layout (I = 1 or O = 1). Each direction of both kinds is one of two sums, with the
// tap's offset (ky - 1, kx - 1) for the convolution and (1 - ky, 1 - kx) for its data gradient (flip):
//   spread:   wide[s][ch][p] = sum over taps of w[ch * 9 + tap] * narrow[s][p + offset(tap)]
//   collect:  narrow[s][p]   = sum over ch, then taps, of w[ch * 9 + tap] * wide[s][ch][p + offset(tap)]
// (0 outside the image). The convolutions add the bias and apply the ReLU in the same pass.

// The c wide elements of pixel j (of n x h x w): one thread per pixel, so the 9 narrow inputs and
// their bounds are worked out once for all c channels (one thread per element spent more on index
// arithmetic than on its 9 multiply-adds); each channel's taps are summed in tap order.
CAE_HD void thin_spread_pixel_at(int j, const float* narrow, const float* weight, const float* bias, float* wide,
                                 int c, int h, int w, int flip, int relu) {
    int hw = h * w, p = j % hw, s = j / hw;
    int row = p / w, col = p - row * w;
    const float* plane = narrow + (size_t)s * hw;
    float in[9];
    bool inside[9];
    CAE_UNROLL
    for (int tap = 0; tap < 9; ++tap) {
        int q = tap_source(row, col, tap, flip, h, w);
        inside[tap] = q >= 0;
        in[tap] = inside[tap] ? plane[q] : 0.f;
    }
    float* out = wide + (size_t)s * c * hw + p;
    CAE_UNROLL_4
    for (int ch = 0; ch < c; ++ch) {
        float sum = 0.f;
        CAE_UNROLL
        for (int tap = 0; tap < 9; ++tap)
            if (inside[tap]) sum += weight[ch * 9 + tap] * in[tap];
        out[(size_t)ch * hw] = add_bias_relu(sum, bias, ch, relu);
    }
}

// narrow element i of n x h x w.
CAE_HD void thin_collect_at(int i, const float* wide, const float* weight, const float* bias, float* narrow,
                            int c, int h, int w, int flip, int relu) {
    int hw = h * w, p = i % hw, s = i / hw;
    int row = p / w, col = p - row * w;
    int source[9];
    CAE_UNROLL
    for (int tap = 0; tap < 9; ++tap) source[tap] = tap_source(row, col, tap, flip, h, w);
    float sum = 0.f;
    // four channels' loads in flight at once: at batch 100 the logits have only 78,400 outputs, too few
    // threads to hide the memory latency of one channel at a time
    CAE_UNROLL_4
    for (int ch = 0; ch < c; ++ch) {
        const float* plane = wide + ((size_t)s * c + ch) * hw;
        CAE_UNROLL
        for (int tap = 0; tap < 9; ++tap)
            if (source[tap] >= 0) sum += weight[ch * 9 + tap] * plane[source[tap]];
    }
    narrow[i] = add_bias_relu(sum, bias, 0, relu);
}

// The thin layers' weight and bias gradients, after the ReLU mask, in one pass over dy (or over the
// pooled gradient, see below). With g = dy zeroed where the layer's output y <= 0 (when relu) and x the
// layer's input, for wide channel ch:
//   dW[ch * 9 + tap] = sum over s, p of g[s][ch or 0][p] * x[s][ch or 0][p + offset(tap)]
//   bias gradient    = sum over s, p of g[s][ch or 0][p]
// where g is the wide side for a one-input layer (dy_wide) and x for a one-output layer, whose single
// bias gradient every ch computes alike (ch = 0's is kept). The cells (s, p) are cut into chunks as
// for the bias gradient: one block per (chunk, ch) sums kThinSums values, then one block per value
// sums the chunks (thin_grad_store says where each lands).
constexpr int kThinSums = 10;  // the 9 taps, then the bias

// Thread t of the block for (chunk, ch): its cells of the chunk are t, t + 256, ..., t + 7 * 256, in
// that order; sums[] gets their contributions. dy is the layer output's gradient, or, when dpooled is
// not null, the layer's output was max-pooled and dy's cells are computed here from the pooled
// gradient as maxpool_same_backward_at would (the window's first arg-max in y gets it). When store != 0
// (the data gradient needs g), g is written into dy; for a one-output layer only ch = 0 writes (the
// others would write the same).
CAE_HD void thin_weight_grad_thread(int ch, int chunk, int t, const float* x, const float* y, float* dy,
                                    const float* dpooled, int n, int c, int h, int w, int dy_wide, int relu,
                                    int store, float sums[kThinSums]) {
    int hw = h * w;
    size_t index[kBiasPerThread];
    float g[kBiasPerThread];
    int cell[kBiasPerThread];
    CAE_UNROLL
    for (int k = 0; k < kBiasPerThread; ++k) {
        int j = chunk_cell(chunk, t, k, n * hw);
        cell[k] = j;
        index[k] = 0;
        g[k] = 0.f;
        if (j >= 0) {
            int s = j / hw, p = j - s * hw;
            size_t plane = dy_wide ? (size_t)s * c + ch : (size_t)s;
            index[k] = plane * hw + p;
            g[k] = dpooled ? maxpool_routed_at(y, dpooled, plane, p, h, w) : dy[index[k]];
            if (relu && y[index[k]] <= 0.f) g[k] = 0.f;
        }
    }
    CAE_UNROLL
    for (int v = 0; v < kThinSums; ++v) sums[v] = 0.f;
    CAE_UNROLL
    for (int k = 0; k < kBiasPerThread; ++k) {
        if (cell[k] < 0) continue;
        int s = cell[k] / hw, p = cell[k] - s * hw, row = p / w, col = p - row * w;
        const float* plane = x + (dy_wide ? (size_t)s * hw : ((size_t)s * c + ch) * hw);
        CAE_UNROLL
        for (int tap = 0; tap < 9; ++tap) {
            int q = tap_source(row, col, tap, 0, h, w);
            if (q >= 0) sums[tap] += g[k] * plane[q];
        }
        sums[9] += g[k];
    }
    if (store && (dy_wide || ch == 0)) {
        CAE_UNROLL
        for (int k = 0; k < kBiasPerThread; ++k)
            if (cell[k] >= 0) dy[index[k]] = g[k];
    }
}

// Where row r (= ch * kThinSums + v) of the reduced sums goes: v < 9 to dweight[ch * 9 + v]; v = 9 to
// dbias[ch] when bias_per_channel (a one-input layer), else to dbias[0] from ch = 0 only.
CAE_HD void thin_grad_store(int r, float sum, float* dweight, float* dbias, int bias_per_channel) {
    int ch = r / kThinSums, v = r - ch * kThinSums;
    if (v < 9) dweight[ch * 9 + v] = sum;
    else if (bias_per_channel) dbias[ch] = sum;
    else if (ch == 0) dbias[0] = sum;
}

}  // namespace cae

// One input channel, forward: y (n x c x h x w) = ReLU?(conv(x (n x 1 x h x w)) + bias).
extern "C" __global__ void thin_conv_in1_forward(const float* __restrict__ x, const float* __restrict__ weight,
                                                 const float* __restrict__ bias, float* __restrict__ y,
                                                 int n, int c, int h, int w, int relu) {
    CAE_FOR_EACH(j, n * h * w) cae::thin_spread_pixel_at(j, x, weight, bias, y, c, h, w, 0, relu);
}

// One output channel, forward: y (n x 1 x h x w) = ReLU?(conv(x (n x c x h x w)) + bias).
extern "C" __global__ void thin_conv_out1_forward(const float* __restrict__ x, const float* __restrict__ weight,
                                                  const float* __restrict__ bias, float* __restrict__ y,
                                                  int n, int c, int h, int w, int relu) {
    CAE_FOR_EACH(i, n * h * w) cae::thin_collect_at(i, x, weight, bias, y, c, h, w, 0, relu);
}

// One input channel, data gradient: dx (n x 1 x h x w) from dy (n x c x h x w), already masked.
extern "C" __global__ void thin_conv_in1_backward_data(const float* __restrict__ dy, const float* __restrict__ weight,
                                                       float* __restrict__ dx, int n, int c, int h, int w) {
    CAE_FOR_EACH(i, n * h * w) cae::thin_collect_at(i, dy, weight, nullptr, dx, c, h, w, 1, 0);
}

// One output channel, data gradient: dx (n x c x h x w) from dy (n x 1 x h x w), already masked.
extern "C" __global__ void thin_conv_out1_backward_data(const float* __restrict__ dy, const float* __restrict__ weight,
                                                        float* __restrict__ dx, int n, int c, int h, int w) {
    CAE_FOR_EACH(j, n * h * w) cae::thin_spread_pixel_at(j, dy, weight, nullptr, dx, c, h, w, 1, 0);
}

// Grid = (cae::bias_grad_chunks(n, h * w), c), block = cae::kReduceThreads: the ReLU mask, and each
// block's kThinSums partial sums at partials[(ch * kThinSums + v) * chunks + chunk]. y may be null
// when relu == 0 and dpooled is null. With dpooled (the layer's output was max-pooled), dy's values
// come from routing it (cae::thin_weight_grad_thread). dy is not restrict: with store, the masked
// values are written into it.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
thin_conv_weight_grad_partials(const float* __restrict__ x, const float* __restrict__ y, float* dy,
                               const float* __restrict__ dpooled, float* __restrict__ partials,
                               int n, int c, int h, int w, int dy_wide, int relu, int store) {
    int chunk = blockIdx.x, ch = blockIdx.y;
    float sums[cae::kThinSums];
    cae::thin_weight_grad_thread(ch, chunk, threadIdx.x, x, y, dy, dpooled, n, c, h, w, dy_wide, relu, store, sums);
    cae_block_sums(sums);
    if (threadIdx.x == 0)
        CAE_UNROLL
        for (int v = 0; v < cae::kThinSums; ++v) partials[(ch * cae::kThinSums + v) * gridDim.x + chunk] = sums[v];
}

// One block per row r of c * kThinSums: the chunks' partial sums in a fixed order, stored by
// cae::thin_grad_store into dweight (c * 9) and dbias.
extern "C" __global__ void __launch_bounds__(cae::kReduceThreads)
thin_conv_weight_grad_reduce(const float* __restrict__ partials, int chunks, float* __restrict__ dweight,
                             float* __restrict__ dbias, int bias_per_channel) {
    int r = blockIdx.x;
    float sum = cae_block_sum(cae::strided_sum_at(threadIdx.x, blockDim.x, partials + (size_t)r * chunks, chunks));
    if (threadIdx.x == 0) cae::thin_grad_store(r, sum, dweight, dbias, bias_per_channel);
}
