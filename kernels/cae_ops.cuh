// The per-element bodies of every kernel in kernels/*.cu, shared by the GPU and by the CPU test
// harness (native-tests/host), which runs them in a loop over the "grid". Without nvcc the
// __host__ __device__ qualifiers are defined away and this is plain C++.
//
// Semantics are SPEC.md section 2 and the Java CPU engine (src/main/java/cae/engine/cpu/CpuEngine.java).
// All tensors are NCHW float32; "plane" is one (sample, channel) image of h x w.
#ifndef CAE_OPS_CUH
#define CAE_OPS_CUH

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#define CAE_HD __host__ __device__ __forceinline__
#define CAE_UNROLL _Pragma("unroll")
#define CAE_UNROLL_4 _Pragma("unroll 4")
#else
#define CAE_HD inline
#define CAE_UNROLL
#define CAE_UNROLL_4
#endif

namespace cae {

// Threads per block of the reducing kernels (loss, bias gradient). Their shared arrays have this size
// and the summation tree below depends on it, so they must be launched with exactly this many threads.
constexpr int kReduceThreads = 256;

// How many 64-bit step scalars step_scalars_set writes at most (StepGraph.MAX_WORDS in Java).
constexpr int kStepWords = 16;

CAE_HD int imin(int a, int b) { return a < b ? a : b; }
CAE_HD int imax(int a, int b) { return a > b ? a : b; }

// One level of the fixed-order block sum: slot t takes in slot t + half. Run for half = 128, 64, ..., 1,
// with every thread of a level done before the next starts; the tree is the same on every device.
CAE_HD void tree_step(float* slots, int t, int half) {
    if (t < half) slots[t] += slots[t + half];
}

// Thread t's share of a fixed-order sum of values[0 .. count): values t, t + threads, t + 2 threads, ...
CAE_HD float strided_sum_at(int t, int threads, const float* values, int count) {
    float sum = 0.f;
    for (int i = t; i < count; i += threads) sum += values[i];
    return sum;
}

// ---- nearest resize (TF1 resize_nearest_neighbor, align_corners = half_pixel_centers = false) ----

// a / b for a >= 0, b > 0: in 32 bits when a fits (a GPU divides 64-bit integers in a called routine,
// several times slower, whose call made the fused resize kernel spill)
CAE_HD int divide(long long a, int b) {
    return a <= 2147483647LL ? (int)a / b : (int)(a / b);
}

// min(floor(dst * in / out), in - 1)
CAE_HD int nearest_source(int dst, int in, int out) {
    return imin(divide((long long)dst * in, out), in - 1);
}

// The first output index whose source is s, ceil(s * out / in). Since floor(dst * in / out) grows with
// dst and stays below in, the outputs of s are [first(s), min(first(s + 1), out)): none when a
// downscale skips s.
CAE_HD int nearest_first_target(int s, int in, int out) {
    return divide((long long)s * out + in - 1, in);
}

// y element i of planes x oh x ow.
CAE_HD void resize_nearest_forward_at(int i, const float* x, float* y, int ih, int iw, int oh, int ow) {
    int ox = i % ow, oy = (i / ow) % oh, plane = i / (ow * oh);
    y[i] = x[((size_t)plane * ih + nearest_source(oy, ih, oh)) * iw + nearest_source(ox, iw, ow)];
}

// The sum of the cells of dy's plane (oh x ow) that source cell (sy, sx) was copied to, in row-major
// order (a gather, so no atomics and the same order as the CPU engine's scatter).
CAE_HD float resize_nearest_gathered(const float* dy_plane, int sy, int sx, int ih, int iw, int oh, int ow) {
    // four divisions for the two ranges, where testing nearest_source at each step took one per cell and
    // one more to end each loop (the divisions are 64-bit, and were most of the kernel's time)
    int oy0 = nearest_first_target(sy, ih, oh), oy1 = imin(nearest_first_target(sy + 1, ih, oh), oh);
    int ox0 = nearest_first_target(sx, iw, ow), ox1 = imin(nearest_first_target(sx + 1, iw, ow), ow);
    float sum = 0.f;
    for (int oy = oy0; oy < oy1; ++oy)
        for (int ox = ox0; ox < ox1; ++ox) sum += dy_plane[oy * ow + ox];
    return sum;
}

// dx element i of planes x ih x iw.
CAE_HD void resize_nearest_backward_at(int i, const float* dy, float* dx, int ih, int iw, int oh, int ow) {
    int sx = i % iw, sy = (i / iw) % ih, plane = i / (iw * ih);
    dx[i] = resize_nearest_gathered(dy + (size_t)plane * oh * ow, sy, sx, ih, iw, oh, ow);
}

// ---- 2x2 stride-2 max-pool, TensorFlow SAME padding ----

// pad_total = max((out - 1) * 2 + 2 - in, 0), out = ceil(in / 2); the extra padded cell goes at the end.
CAE_HD int pool_pad_before(int in) {
    int out = (in + 1) / 2;
    return imax((out - 1) * 2 + 2 - in, 0) / 2;
}

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

// y element i of planes x ceil(h/2) x ceil(w/2).
CAE_HD void maxpool_same_forward_at(int i, const float* x, float* y, int h, int w) {
    int oh = (h + 1) / 2, ow = (w + 1) / 2;
    int ox = i % ow, oy = (i / ow) % oh, plane = i / (ow * oh);
    const float* p = x + (size_t)plane * h * w;
    y[i] = p[maxpool_argmax(p, h, w, oy, ox)];
}

// The gradient max-pooling routes to cell p of plane `plane` of x (planes x h x w): windows do not
// overlap, so each cell belongs to one window and gets that window's dy (planes x ceil(h/2) x
// ceil(w/2)) if it is the window's first arg-max, else 0.
CAE_HD float maxpool_routed_at(const float* x, const float* dy, size_t plane, int p, int h, int w) {
    int oh = (h + 1) / 2, ow = (w + 1) / 2, row = p / w, col = p - row * w;
    int oy = (row + pool_pad_before(h)) / 2, ox = (col + pool_pad_before(w)) / 2;
    return maxpool_argmax(x + plane * h * w, h, w, oy, ox) == p ? dy[(plane * oh + oy) * ow + ox] : 0.f;
}

// dx element i of planes x h x w (a gather: no atomics, nothing to clear first).
CAE_HD void maxpool_same_backward_at(int i, const float* x, const float* dy, float* dx, int h, int w) {
    int hw = h * w;
    dx[i] = maxpool_routed_at(x, dy, (size_t)(i / hw), i % hw, h, w);
}

// ---- activations ----

// The same two-sided form as the CPU engine, so neither branch overflows.
CAE_HD float sigmoid(float x) {
    if (x >= 0.f) return 1.f / (1.f + expf(-x));
    float e = expf(x);
    return e / (1.f + e);
}

CAE_HD void sigmoid_forward_at(int i, const float* x, float* y) { y[i] = sigmoid(x[i]); }

// y element i of n x c x hw, in place: y += bias[channel], then ReLU when relu != 0.
CAE_HD void bias_relu_forward_at(int i, float* y, const float* bias, int c, int hw, int relu) {
    float v = y[i] + bias[(i / hw) % c];
    y[i] = relu && v < 0.f ? 0.f : v;
}

// The bias gradient is summed in two fixed-order stages so that every channel, even the single one of
// the last layer, is spread over many blocks: a channel's n * hw cells, in (sample, pixel) order, are cut
// into chunks of kBiasChunk; one block per (chunk, channel) sums its chunk, then one block per channel
// sums the chunks' partial sums.
constexpr int kBiasPerThread = 8;
constexpr int kBiasChunk = kReduceThreads * kBiasPerThread;

CAE_HD int bias_grad_chunks(int n, int hw) { return (n * hw + kBiasChunk - 1) / kBiasChunk; }

// Cell k (0 .. kBiasPerThread) of thread t in the block for a chunk: its index in (sample, pixel)
// order among the channel's `cells` (n * hw), or -1 past the last.
CAE_HD int chunk_cell(int chunk, int t, int k, int cells) {
    int j = chunk * kBiasChunk + t + k * kReduceThreads;
    return j < cells ? j : -1;
}

// Thread t of the block for (chunk, ch): its cells of the chunk are t, t + 256, ..., t + 7 * 256. All
// of them are loaded before any masked value is stored, so the loads do not wait for one another; it
// returns the sum of the masked values in that order, and zeroes dy where y <= 0 (when relu).
CAE_HD float relu_backward_bias_grad_thread(int ch, int chunk, int t, const float* y, float* dy,
                                            int n, int c, int hw, int relu) {
    int index[kBiasPerThread];
    float value[kBiasPerThread];
    unsigned masked = 0;  // bit k: cell k is zeroed
    CAE_UNROLL
    for (int k = 0; k < kBiasPerThread; ++k) {
        int j = chunk_cell(chunk, t, k, n * hw);
        index[k] = -1;
        value[k] = 0.f;
        if (j >= 0) {
            int s = j / hw, p = j - s * hw;
            index[k] = (s * c + ch) * hw + p;
            value[k] = dy[index[k]];
            if (relu && y[index[k]] <= 0.f) masked |= 1u << k;
        }
    }
    float sum = 0.f;
    CAE_UNROLL
    for (int k = 0; k < kBiasPerThread; ++k) {
        if (masked & (1u << k)) {
            dy[index[k]] = 0.f;
            value[k] = 0.f;
        }
        sum += value[k];
    }
    return sum;
}

// The fused backward passes that end in the ReLU mask and the bias sum: cell (s, ch, p) of dy gets
// incoming(plane, p), the gradient arriving from the op after the ReLU, where y > 0, else 0, and the
// thread returns the sum of its cells in relu_backward_bias_grad_thread's order, so the fused and the
// separate launches give the same bits. All of a thread's cells are computed before any is stored.
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

// The backward of conv -> ReLU -> max-pool from the pooled gradient in one pass, where
// maxpool_same_backward and relu_backward_bias_grad_thread take two: each cell gets its window's pooled
// gradient when it is the window's first arg-max in the ReLU output y.
CAE_HD float maxpool_relu_backward_bias_grad_thread(int ch, int chunk, int t, const float* y, const float* dpooled,
                                                    float* dy, int n, int c, int h, int w) {
    return masked_bias_grad_thread(ch, chunk, t, y, dy, n, c, h * w,
                                   [=](size_t plane, int p) { return maxpool_routed_at(y, dpooled, plane, p, h, w); });
}

// The backward of conv -> ReLU -> nearest resize from the resized gradient (oh x ow) in one pass, where
// resize_nearest_backward and relu_backward_bias_grad_thread take two: each cell of dy (h x w) gets the
// sum of the resized cells it was copied to.
CAE_HD float resize_relu_backward_bias_grad_thread(int ch, int chunk, int t, const float* y, const float* dresized,
                                                   float* dy, int n, int c, int h, int w, int oh, int ow) {
    return masked_bias_grad_thread(ch, chunk, t, y, dy, n, c, h * w, [=](size_t plane, int p) {
        return resize_nearest_gathered(dresized + plane * oh * ow, p / w, p % w, h, w, oh, ow);
    });
}

// ---- loss: mean sigmoid cross-entropy with logits x and target z ----

// Writes d loss / d x = (sigmoid(x) - z) / count for element i and returns the stable per-element loss
// max(x, 0) - x z + log(1 + exp(-|x|)), finite for any |x|.
CAE_HD float sigmoid_xent_at(int i, const float* logits, const float* target, float* grad, float scale) {
    float x = logits[i], z = target[i];
    grad[i] = (sigmoid(x) - z) * scale;
    return fmaxf(x, 0.f) - x * z + log1pf(expf(-fabsf(x)));
}

// Global thread g of `threads` in all: its elements g, g + threads, ...; returns their loss sum.
CAE_HD float sigmoid_xent_thread(int g, int threads, const float* logits, const float* target, float* grad,
                                 int count) {
    float scale = 1.f / (float)count;
    float sum = 0.f;
    for (int i = g; i < count; i += threads) sum += sigmoid_xent_at(i, logits, target, grad, scale);
    return sum;
}

// ---- optimizer: Adam, TensorFlow 1 form, lrT = lr * sqrt(1 - beta2^t) / (1 - beta1^t) given ----

CAE_HD void adam_update_at(int i, float* p, const float* g, float* m, float* v,
                           float lrT, float beta1, float beta2, float epsilon) {
    float grad = g[i];
    float mi = beta1 * m[i] + (1.f - beta1) * grad;
    float vi = beta2 * v[i] + (1.f - beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lrT * mi / (sqrtf(vi) + epsilon);
}

// ---- noise: Philox4x32-10 and Box-Muller, exactly as src/main/java/cae/engine/Philox.java ----

// Philox4x32-10 (Salmon et al., SC 2011) of counter c under key (k0, k1); c is replaced by the output.
CAE_HD void philox4x32_10(uint32_t c[4], uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; ++round) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c[0];
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c[2];
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0;
        uint32_t n1 = (uint32_t)p1;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
        uint32_t n3 = (uint32_t)p0;
        c[0] = n0; c[1] = n1; c[2] = n2; c[3] = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

// u1 in (0, 1] so the log is finite, u2 in [0, 1). The log, square root and cosine/sine are taken in
// double and rounded to float, as Java's Math functions are, so both engines draw the same numbers.
CAE_HD float box_muller(uint32_t r0, uint32_t r1, bool cosine) {
    const float inv2_24 = 1.f / 16777216.f;
    const float two_pi = (float)(2.0 * 3.14159265358979323846);
    float u1 = (float)((r0 >> 8) + 1) * inv2_24;
    float u2 = (float)(r1 >> 8) * inv2_24;
    float radius = (float)sqrt((double)(-2.f * (float)log((double)u1)));
    float angle = two_pi * u2;
    return radius * (float)(cosine ? cos((double)angle) : sin((double)angle));
}

// The standard normal for element `index` of step `step`: elements 2k and 2k+1 share one Philox block
// (counter (k, step lo, step hi, 0), key (seed lo, seed hi)) and take its cosine and sine.
CAE_HD float philox_normal(uint64_t seed, uint64_t step, uint32_t index) {
    uint32_t c[4] = {index >> 1, (uint32_t)step, (uint32_t)(step >> 32), 0u};
    philox4x32_10(c, (uint32_t)seed, (uint32_t)(seed >> 32));
    return box_muller(c[0], c[1], (index & 1u) == 0u);
}

// Element i of a batch of planes of `plane` pixels: sample s = i / plane is data-set image
// order[from + s]; clean = pixel / 255 and, when noisy is not null, noisy = clip(clean + std * N(0,1), 0, 1)
// with the normal of (seed, step, i).
CAE_HD void gather_noise_at(int i, const uint8_t* images, const int* order, int from, int plane,
                            float* clean, float* noisy, float noise_std, uint64_t seed, uint64_t step) {
    int s = i / plane, p = i - s * plane;
    float c = (float)images[(size_t)order[from + s] * plane + p] / 255.f;
    clean[i] = c;
    if (noisy) {
        float v = c + noise_std * philox_normal(seed, step, (uint32_t)i);
        noisy[i] = fminf(fmaxf(v, 0.f), 1.f);
    }
}

// ---- im2col / col2im for 3x3 SAME stride-1 convolution as a GEMM ----
//
// Column layout, per sample s (n x K x hw with K = cin * 9, hw = h * w, row-major):
//   col[s][ci * 9 + ky * 3 + kx][y * w + x] = x[s][ci][y + ky - 1][x + kx - 1]   (0 outside the image)
// so with OIHW weights seen as a cout x K matrix W, the convolution of sample s is y[s] = W . col[s]
// (cout x hw, which is sample s of NCHW y), and the data gradient is dcol[s] = W^T . dy[s], folded back
// by col2im3x3.

// col element i of n x (cin * 9) x hw.
CAE_HD void im2col3x3_at(int i, const float* x, float* col, int cin, int h, int w) {
    int hw = h * w, k = cin * 9;
    int p = i % hw, row = (i / hw) % k, s = i / (hw * k);
    int ci = row / 9, tap = row - ci * 9;
    int yy = p / w + tap / 3 - 1, xx = p % w + tap % 3 - 1;
    bool inside = yy >= 0 && yy < h && xx >= 0 && xx < w;
    col[i] = inside ? x[(((size_t)s * cin + ci) * h + yy) * w + xx] : 0.f;
}

// dx element i of n x cin x h x w: the sum, in (ky, kx) order, of the col entries that read it
// (a gather: no atomics).
CAE_HD void col2im3x3_at(int i, const float* col, float* dx, int h, int w) {
    int hw = h * w;
    int xx = i % w, yy = (i / w) % h, sc = i / hw;  // sc = s * cin + ci
    const float* rows = col + (size_t)sc * 9 * hw;  // rows ci * 9 .. ci * 9 + 8 of sample s
    float sum = 0.f;
    for (int ky = 0; ky < 3; ++ky) {
        int oy = yy - ky + 1;
        if (oy < 0 || oy >= h) continue;
        for (int kx = 0; kx < 3; ++kx) {
            int ox = xx - kx + 1;
            if (ox < 0 || ox >= w) continue;
            sum += rows[(size_t)(ky * 3 + kx) * hw + oy * w + ox];
        }
    }
    dx[i] = sum;
}

// ---- decoder variants (issue 5) ----

// Bilinear resize, TF1 resize_bilinear (align_corners = half_pixel_centers = false). Per axis, output
// index dst reads src = dst * in / out: i0 = floor(src), i1 = min(i0 + 1, in - 1), t = src - i0. src is
// kept as the exact fraction (dst * in) / out, so i0 carries no rounding error and t is one division.
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

// Max-unpooling (SegNet) puts value j at pooled window j's first arg-max in the pool's input x and 0
// elsewhere, which is maxpool_same_backward; its gradient is this gather. dvalues element i of
// planes x ceil(h/2) x ceil(w/2) = dout at window i's arg-max (same window, padding and tie rule).
CAE_HD void maxpool_same_gather_at(int i, const float* x, const float* dout, float* dvalues, int h, int w) {
    int oh = (h + 1) / 2, ow = (w + 1) / 2;
    int ox = i % ow, oy = (i / ow) % oh, plane = i / (ow * oh);
    size_t base = (size_t)plane * h * w;
    dvalues[i] = dout[base + maxpool_argmax(x + base, h, w, oy, ox)];
}

// im2col / col2im for the 3x3, stride-2, padding-1 convolution from a large grid (oh x ow) to a small
// one (h x w, h = ceil(oh / 2)); the transposed convolution is its transpose. Column layout, per sample s
// (n x (c * 9) x hw, hw = h * w, row-major; c the large tensor's channels):
//   col[s][ch * 9 + ky * 3 + kx][iy * w + ix] = big[s][ch][2 iy + ky - 1][2 ix + kx - 1]   (0 outside)

// col element i of n x (c * 9) x hw.
CAE_HD void im2col3x3_s2_at(int i, const float* big, float* col, int c, int h, int w, int oh, int ow) {
    int hw = h * w, k = c * 9;
    int p = i % hw, row = (i / hw) % k, s = i / (hw * k);
    int ch = row / 9, tap = row - ch * 9;
    int yy = 2 * (p / w) + tap / 3 - 1, xx = 2 * (p % w) + tap % 3 - 1;
    bool inside = yy >= 0 && yy < oh && xx >= 0 && xx < ow;
    col[i] = inside ? big[(((size_t)s * c + ch) * oh + yy) * ow + xx] : 0.f;
}

// big element i of n x c x oh x ow: the sum, in (ky, kx) order, of the col entries that read it. Per axis
// tap k reads it from small index (pos + 1 - k) / 2 when that is whole and inside, so one or two taps.
CAE_HD void col2im3x3_s2_at(int i, const float* col, float* big, int h, int w, int oh, int ow) {
    int hw = h * w;
    int xx = i % ow, yy = (i / ow) % oh, sc = i / (oh * ow);  // sc = s * c + ch
    const float* rows = col + (size_t)sc * 9 * hw;
    float sum = 0.f;
    for (int ky = 0; ky < 3; ++ky) {
        int ty = yy + 1 - ky;
        if (ty < 0 || (ty & 1) || ty / 2 >= h) continue;
        for (int kx = 0; kx < 3; ++kx) {
            int tx = xx + 1 - kx;
            if (tx < 0 || (tx & 1) || tx / 2 >= w) continue;
            sum += rows[(size_t)(ky * 3 + kx) * hw + (ty / 2) * w + tx / 2];
        }
    }
    big[i] = sum;
}

// ---- thin convolutions: 3x3 SAME with one input channel or one output channel ----
//
// A layer with one input channel (conv1) or one output channel (the logits) has too little work per
// output for the libraries' tiles; these kernels compute it directly. "wide" is the side with c
// channels, "narrow" the single-channel one, and the weights are w[ch * 9 + tap] (tap = ky * 3 + kx)
// in either OIHW layout (I = 1 or O = 1). Each direction of both kinds is one of two sums, with the
// tap's offset (ky - 1, kx - 1) for the convolution and (1 - ky, 1 - kx) for its data gradient (flip):
//   spread:   wide[s][ch][p] = sum over taps of w[ch * 9 + tap] * narrow[s][p + offset(tap)]
//   collect:  narrow[s][p]   = sum over ch, then taps, of w[ch * 9 + tap] * wide[s][ch][p + offset(tap)]
// (0 outside the image). The convolutions add the bias and apply the ReLU in the same pass.

// The index in an h x w plane of (row, col) moved by the tap's offset, or -1 when that is outside.
CAE_HD int tap_source(int row, int col, int tap, int flip, int h, int w) {
    int ky = tap / 3, kx = tap - ky * 3;
    int r = flip ? row + 1 - ky : row + ky - 1, c = flip ? col + 1 - kx : col + kx - 1;
    return r >= 0 && r < h && c >= 0 && c < w ? r * w + c : -1;
}

// v + bias[ch] (no bias when bias is null), then ReLU when relu != 0.
CAE_HD float add_bias_relu(float v, const float* bias, int ch, int relu) {
    if (bias) v += bias[ch];
    return relu && v < 0.f ? 0.f : v;
}

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

// ---- the weight gradient of a 3x3 SAME convolution with im2col folded in (conv_wgrad.cu) ----
//
// dW[co][ci][tap] = sum over samples s and cells (r, c) of dy[s][co][r][c] * x[s][ci][r + ky - 1][c + kx - 1],
// summed directly from x instead of from im2col's columns. Each block takes a run of samples and a run
// of row tiles of each (tiles of kWgradTileRows x kWgradTileCols cells); its partial sums go to one row
// of a partials matrix, whose rows are then summed in order. Channels up to kWgradMaxChannels each side.
constexpr int kWgradTileRows = 4, kWgradTileCols = 32, kWgradMaxChannels = 32, kWgradCoGroup = 4;

// The blocks of a launch: every run of samples_per_block samples times every run of tiles_per_block
// row tiles, sample runs outermost.
CAE_HD int wgrad_row_runs(int h, int tiles_per_block) {
    int row_tiles = (h + kWgradTileRows - 1) / kWgradTileRows;
    return (row_tiles + tiles_per_block - 1) / tiles_per_block;
}

CAE_HD int wgrad_blocks(int n, int h, int samples_per_block, int tiles_per_block) {
    return (n + samples_per_block - 1) / samples_per_block * wgrad_row_runs(h, tiles_per_block);
}

// Block b's samples [s0, s1) and image rows [r0, r1).
struct WgradRange { int s0, s1, r0, r1; };

CAE_HD WgradRange wgrad_range(int b, int n, int h, int samples_per_block, int tiles_per_block) {
    int runs = wgrad_row_runs(h, tiles_per_block), sample_run = b / runs, row_run = b - sample_run * runs;
    int s0 = sample_run * samples_per_block, r0 = row_run * tiles_per_block * kWgradTileRows;
    return {s0, imin(n, s0 + samples_per_block), r0, imin(h, r0 + tiles_per_block * kWgradTileRows)};
}

// Block b's partial sum of dW[co][ci][tap] over its range, in the kernel's order: sample, row tile,
// column tile, row, column.
CAE_HD float conv3x3_weight_grad_partial(int co, int ci, int tap, WgradRange b, const float* x, const float* dy,
                                         int cin, int cout, int h, int w) {
    int ky = tap / 3, kx = tap - ky * 3;
    float sum = 0.f;
    for (int s = b.s0; s < b.s1; ++s)
        for (int rt = b.r0; rt < b.r1; rt += kWgradTileRows)
            for (int ct = 0; ct < w; ct += kWgradTileCols)
                for (int r = rt; r < imin(rt + kWgradTileRows, h); ++r)
                    for (int c = ct; c < imin(ct + kWgradTileCols, w); ++c) {
                        int yy = r + ky - 1, xx = c + kx - 1;
                        float xv = yy >= 0 && yy < h && xx >= 0 && xx < w ? x[(((size_t)s * cin + ci) * h + yy) * w + xx] : 0.f;
                        sum += dy[(((size_t)s * cout + co) * h + r) * w + c] * xv;
                    }
    return sum;
}

// Column o of a rows x stride matrix summed in row order (the partial sums of one output).
CAE_HD float column_sum(const float* m, int rows, int stride, int o) {
    float sum = 0.f;
    for (int r = 0; r < rows; ++r) sum += m[(size_t)r * stride + o];
    return sum;
}

// ---- direct convolutions (3x3 SAME, stride 1, several channels each side), forward ----
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

#endif
