// Runs the kernels' per-element bodies (kernels/cae_ops.cuh) on the CPU, looping over the grid the
// way the GPU would, so the Java tests can compare them with the CPU engine without a GPU.
//
//   cae_kernel_host OP ARGS...
//
// Arrays are raw little-endian files (float32, int32 or uint8); sizes come from the shape arguments
// and a file of the wrong length is an error. OP is a kernel name; see usage() for each one's arguments.
// The reducing kernels are run block by block, thread by thread, and summed with the same tree as on
// the GPU (cae::tree_step), so even their summation order is the device's.
#include "cae_ops.cuh"
#include "op_args.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace {

const char* kUsage =
    "usage: cae_kernel_host OP ARGS...\n"
    "  resize_nearest_forward   n c ih iw oh ow x.f32 y.f32\n"
    "  resize_nearest_backward  n c ih iw oh ow dy.f32 dx.f32\n"
    "  maxpool_same_forward     n c h w x.f32 y.f32\n"
    "  maxpool_same_backward    n c h w x.f32 dy.f32 dx.f32\n"
    "  sigmoid_forward          count x.f32 y.f32\n"
    "  bias_relu_forward        n c hw relu y.f32 bias.f32 out.f32\n"
    "  relu_backward_bias_grad  n c hw relu y.f32 dy.f32 dy_out.f32 dbias.f32\n"
    "  sigmoid_xent             count logits.f32 target.f32 grad.f32 loss.f32\n"
    "  adam_update              count lr_t beta1 beta2 epsilon p.f32 g.f32 m.f32 v.f32   (p, m, v updated in place)\n"
    "  gather_noise             count plane from n noise_std seed step images.u8 order.i32 clean.f32 noisy.f32|-\n"
    "                           (order.i32: the epoch's whole order; noisy '-': no noise, like a null pointer)\n"
    "  im2col3x3                n cin h w x.f32 col.f32\n"
    "  col2im3x3                n cin h w col.f32 dx.f32\n"
    "  resize_bilinear_forward  n c ih iw oh ow x.f32 y.f32\n"
    "  resize_bilinear_backward n c ih iw oh ow dy.f32 dx.f32\n"
    "  maxpool_same_gather      n c h w x.f32 dout.f32 dvalues.f32\n"
    "  im2col3x3_s2             n c h w oh ow big.f32 col.f32\n"
    "  col2im3x3_s2             n c h w oh ow col.f32 big.f32\n"
    "  maxpool_relu_backward_bias_grad  n c h w y.f32 dpooled.f32 dy.f32 dbias.f32   (then bias_grad_reduce)\n"
    "  resize_relu_backward_bias_grad   n c h w oh ow y.f32 dresized.f32 dy.f32 dbias.f32   (then bias_grad_reduce)\n"
    "  conv3x3_weight_grad           n cin cout h w samples_per_block tiles_per_block x.f32 dy.f32 dweight.f32   (partials, then reduce)\n"
    "  direct_conv_forward           n cin cout h w relu x.f32 weight.f32 bias.f32 y.f32   (cin at most 128)\n"
    "  thin_conv_in1_forward         n c h w relu x.f32 weight.f32 bias.f32 y.f32   (c: output channels)\n"
    "  thin_conv_out1_forward        n c h w relu x.f32 weight.f32 bias.f32 y.f32   (c: input channels)\n"
    "  thin_conv_in1_backward_data   n c h w dy.f32 weight.f32 dx.f32\n"
    "  thin_conv_out1_backward_data  n c h w dy.f32 weight.f32 dx.f32\n"
    "  thin_conv_weight_grad         n c h w dy_wide relu store x.f32 y.f32|- dy.f32|- dpooled.f32|- dy_out.f32 dweight.f32 dbias.f32\n"
    "                                (the partials kernel, then the reduce; '-': none, like a null pointer;\n"
    "                                dy_out starts as dy, or as NaN without it)\n";

// Emulates a reducing kernel's block: thread t's value from thread(t), then the device's tree.
template <typename Thread>
float block_sum(Thread thread) {
    float slots[cae::kReduceThreads];
    for (int t = 0; t < cae::kReduceThreads; ++t) slots[t] = thread(t);
    for (int half = cae::kReduceThreads / 2; half > 0; half >>= 1)
        for (int t = 0; t < cae::kReduceThreads; ++t) cae::tree_step(slots, t, half);
    return slots[0];
}

int blocks_for(int count) { return (count + cae::kReduceThreads - 1) / cae::kReduceThreads; }

// bias_grad_reduce: grid = c, block ch sums channel ch's chunks partial sums.
std::vector<float> bias_grad_reduce(const std::vector<float>& partials, int c, int chunks) {
    std::vector<float> dbias(c);
    for (int ch = 0; ch < c; ++ch)
        dbias[ch] = block_sum([&](int t) {
            return cae::strided_sum_at(t, cae::kReduceThreads, partials.data() + (size_t)ch * chunks, chunks);
        });
    return dbias;
}

// The bias gradient as the engine computes it: a (chunks, c) grid of blocks, block (k, ch) summing
// thread(ch, k, t) over its threads (a *_bias_partials kernel), then bias_grad_reduce.
template <typename Thread>
std::vector<float> bias_grad(int c, int chunks, Thread thread) {
    std::vector<float> partials((size_t)c * chunks);
    for (int ch = 0; ch < c; ++ch)
        for (int k = 0; k < chunks; ++k) partials[(size_t)ch * chunks + k] = block_sum([&](int t) { return thread(ch, k, t); });
    return bias_grad_reduce(partials, c, chunks);
}

// Output element i of an element-wise op (the kernel's body for grid index i).
void element_at(const std::string& op, int i, const int* d, const std::vector<std::vector<float>>& in, float* out) {
    const float* x = in[0].data();
    if (op == "resize_nearest_forward") cae::resize_nearest_forward_at(i, x, out, d[2], d[3], d[4], d[5]);
    else if (op == "resize_nearest_backward") cae::resize_nearest_backward_at(i, x, out, d[2], d[3], d[4], d[5]);
    else if (op == "resize_bilinear_forward") cae::resize_bilinear_forward_at(i, x, out, d[2], d[3], d[4], d[5]);
    else if (op == "resize_bilinear_backward") cae::resize_bilinear_backward_at(i, x, out, d[2], d[3], d[4], d[5]);
    else if (op == "maxpool_same_forward") cae::maxpool_same_forward_at(i, x, out, d[2], d[3]);
    else if (op == "maxpool_same_gather") cae::maxpool_same_gather_at(i, x, in[1].data(), out, d[2], d[3]);
    else if (op == "sigmoid_forward") cae::sigmoid_forward_at(i, x, out);
    else if (op == "bias_relu_forward") {  // in place in the kernel: out starts as y
        out[i] = x[i];
        cae::bias_relu_forward_at(i, out, in[1].data(), d[1], d[2], d[3]);
    }
    else if (op == "im2col3x3") cae::im2col3x3_at(i, x, out, d[1], d[2], d[3]);
    else if (op == "col2im3x3") cae::col2im3x3_at(i, x, out, d[2], d[3]);
    else if (op == "im2col3x3_s2") cae::im2col3x3_s2_at(i, x, out, d[1], d[2], d[3], d[4], d[5]);
    else if (op == "col2im3x3_s2") cae::col2im3x3_s2_at(i, x, out, d[2], d[3], d[4], d[5]);
    else throw Failure("no element-wise body for " + op);
}

void run(const std::string& op, Args& a) {
    ElementwiseArgs e;
    if (elementwise_args(op, a, e)) {
        const int* d = e.d;
        std::vector<float> out(e.out_size);
        for (int i = 0; i < (int)out.size(); ++i) element_at(op, i, d, e.in, out.data());
        save(e.out, out);
    } else if (op == "maxpool_same_backward") {
        PoolBackwardArgs r = pool_backward_args(a);
        std::vector<float> dx(r.x.size());
        for (int i = 0; i < (int)dx.size(); ++i) cae::maxpool_same_backward_at(i, r.x.data(), r.dy.data(), dx.data(), r.h, r.w);
        save(r.dx_out, dx);
    } else if (op == "relu_backward_bias_grad") {
        ReluBiasArgs r = relu_bias_args(a);
        std::vector<float> dbias = bias_grad(r.c, cae::bias_grad_chunks(r.n, r.hw), [&](int ch, int k, int t) {
            return cae::relu_backward_bias_grad_thread(ch, k, t, r.y.data(), r.dy.data(), r.n, r.c, r.hw, r.relu);
        });
        save(r.dy_out, r.dy);
        save(r.dbias_out, dbias);
    } else if (op == "sigmoid_xent") {
        LossArgs r = loss_args(a);
        std::vector<float> grad(r.count);
        int blocks = blocks_for(r.count), threads = blocks * cae::kReduceThreads;
        std::vector<float> partials(blocks);
        for (int b = 0; b < blocks; ++b)  // sigmoid_xent_forward_backward
            partials[b] = block_sum([&](int t) {
                return cae::sigmoid_xent_thread(b * cae::kReduceThreads + t, threads, r.logits.data(), r.target.data(),
                                                grad.data(), r.count);
            });
        float total = block_sum([&](int t) {  // sigmoid_xent_reduce
            return cae::strided_sum_at(t, cae::kReduceThreads, partials.data(), blocks);
        });
        save(r.grad_out, grad);
        save(r.loss_out, std::vector<float>{total / (float)r.count});
    } else if (op == "adam_update") {
        AdamArgs r = adam_args(a);
        for (int i = 0; i < r.count; ++i)
            cae::adam_update_at(i, r.p.data(), r.g.data(), r.m.data(), r.v.data(), r.lr_t, r.beta1, r.beta2, r.epsilon);
        save(r.p_file, r.p);
        save(r.m_file, r.m);
        save(r.v_file, r.v);
    } else if (op == "gather_noise") {
        GatherArgs r = gather_args(a);
        bool noise = r.noisy_out != "-";
        std::vector<float> clean((size_t)r.n * r.plane), noisy(noise ? clean.size() : 0);
        for (int i = 0; i < r.n * r.plane; ++i)
            cae::gather_noise_at(i, r.images.data(), r.order.data(), r.from, r.plane, clean.data(), or_null(noisy),
                                 r.noise_std, r.seed, r.step);
        save(r.clean_out, clean);
        if (noise) save(r.noisy_out, noisy);
    } else if (op == "maxpool_relu_backward_bias_grad") {
        PoolReluBiasArgs r = pool_relu_bias_args(a);
        std::vector<float> dy(r.y.size(), std::nanf(""));
        std::vector<float> dbias = bias_grad(r.c, cae::bias_grad_chunks(r.n, r.h * r.w), [&](int ch, int k, int t) {
            return cae::maxpool_relu_backward_bias_grad_thread(ch, k, t, r.y.data(), r.dpooled.data(), dy.data(), r.n, r.c, r.h, r.w);
        });
        save(r.dy_out, dy);
        save(r.dbias_out, dbias);
    } else if (op == "resize_relu_backward_bias_grad") {
        ResizeReluBiasArgs r = resize_relu_bias_args(a);
        std::vector<float> dy(r.y.size(), std::nanf(""));
        std::vector<float> dbias = bias_grad(r.c, cae::bias_grad_chunks(r.n, r.h * r.w), [&](int ch, int k, int t) {
            return cae::resize_relu_backward_bias_grad_thread(ch, k, t, r.y.data(), r.dresized.data(), dy.data(),
                                                             r.n, r.c, r.h, r.w, r.oh, r.ow);
        });
        save(r.dy_out, dy);
        save(r.dbias_out, dbias);
    } else if (op == "direct_conv_forward") {
        DirectForwardArgs r = direct_forward_args(a);
        std::vector<float> y((size_t)r.n * r.cout * r.h * r.w), staged((size_t)r.cin * 9 * cae::kDirectGroup);
        for (int group = 0; group < r.groups(); ++group) {  // blockIdx.y: stage the group's weights, then every pixel
            int co0 = group * cae::kDirectGroup;
            for (int k = 0; k < (int)staged.size(); ++k) cae::direct_conv_stage_at(k, r.weight.data(), staged.data(), r.cin, r.cout, co0);
            for (int j = 0; j < r.n * r.h * r.w; ++j)
                cae::direct_conv_forward_at(j, r.x.data(), staged.data(), r.bias.data(), y.data(), r.cin, r.cout, co0, r.h, r.w, r.relu);
        }
        save(r.y_out, y);
    } else if (op == "thin_conv_in1_forward" || op == "thin_conv_out1_forward") {
        ThinForwardArgs r = thin_forward_args(op, a);
        std::vector<float> y(r.y_size);
        for (int j = 0; j < r.n * r.h * r.w; ++j) {  // a pixel each: all c outputs (spread), or the one output (collect)
            if (r.one_in) cae::thin_spread_pixel_at(j, r.x.data(), r.weight.data(), r.bias.data(), y.data(), r.c, r.h, r.w, 0, r.relu);
            else cae::thin_collect_at(j, r.x.data(), r.weight.data(), r.bias.data(), y.data(), r.c, r.h, r.w, 0, r.relu);
        }
        save(r.y_out, y);
    } else if (op == "thin_conv_in1_backward_data" || op == "thin_conv_out1_backward_data") {
        ThinDataArgs r = thin_data_args(op, a);
        std::vector<float> dx(r.dx_size);
        for (int j = 0; j < r.n * r.h * r.w; ++j) {
            if (r.one_in) cae::thin_collect_at(j, r.dy.data(), r.weight.data(), nullptr, dx.data(), r.c, r.h, r.w, 1, 0);
            else cae::thin_spread_pixel_at(j, r.dy.data(), r.weight.data(), nullptr, dx.data(), r.c, r.h, r.w, 1, 0);
        }
        save(r.dx_out, dx);
    } else if (op == "conv3x3_weight_grad") {
        WeightGradArgs r = weight_grad_args(a);
        int outputs = r.cout * r.cin * 9, blocks = r.blocks();
        std::vector<float> partials((size_t)blocks * outputs), dweight(outputs);
        for (int b = 0; b < blocks; ++b)  // conv3x3_weight_grad_partials: grid = blocks
            for (int co = 0; co < r.cout; ++co)
                for (int ci = 0; ci < r.cin; ++ci)
                    for (int tap = 0; tap < 9; ++tap)
                        partials[(size_t)b * outputs + (co * r.cin + ci) * 9 + tap] = cae::conv3x3_weight_grad_partial(
                                co, ci, tap, cae::wgrad_range(b, r.n, r.h, r.samples_per_block, r.tiles_per_block),
                                r.x.data(), r.dy.data(), r.cin, r.cout, r.h, r.w);
        for (int o = 0; o < outputs; ++o) dweight[o] = cae::column_sum(partials.data(), blocks, outputs, o);  // _reduce
        save(r.dweight_out, dweight);
    } else if (op == "thin_conv_weight_grad") {
        ThinWeightGradArgs r = thin_weight_grad_args(a);
        int c = r.c, chunks = cae::bias_grad_chunks(r.n, r.h * r.w);
        std::vector<float> partials((size_t)c * cae::kThinSums * chunks);
        for (int ch = 0; ch < c; ++ch)  // thin_conv_weight_grad_partials: grid = (chunks, c)
            for (int k = 0; k < chunks; ++k) {
                float sums[cae::kReduceThreads][cae::kThinSums];
                for (int t = 0; t < cae::kReduceThreads; ++t)
                    cae::thin_weight_grad_thread(ch, k, t, r.x.data(), or_null(r.y), r.dy.data(), or_null(r.dpooled),
                                                 r.n, c, r.h, r.w, r.dy_wide, r.relu, r.store, sums[t]);
                for (int v = 0; v < cae::kThinSums; ++v)
                    partials[((size_t)ch * cae::kThinSums + v) * chunks + k] = block_sum([&](int t) { return sums[t][v]; });
            }
        std::vector<float> dweight((size_t)c * 9), dbias(r.dy_wide ? c : 1);
        for (int row = 0; row < c * cae::kThinSums; ++row) {  // thin_conv_weight_grad_reduce: grid = c * kThinSums
            float sum = block_sum([&](int t) {
                return cae::strided_sum_at(t, cae::kReduceThreads, partials.data() + (size_t)row * chunks, chunks);
            });
            cae::thin_grad_store(row, sum, dweight.data(), dbias.data(), r.dy_wide);
        }
        save(r.dy_out, r.dy);
        save(r.dweight_out, dweight);
        save(r.dbias_out, dbias);
    } else {
        throw Failure("unknown op " + op);
    }
}

}  // namespace

int main(int argc, char** argv) { return run_program(argc, argv, "cae_kernel_host", kUsage, run); }
