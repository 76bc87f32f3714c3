// Runs the kernels' __global__ wrappers (every kernels/*.cu, compiled here as C++ through
// cuda_emulation.h) on the CPU, with the CUDA engine's block sizes and, but for grid-stride kernels
// (see below), its grids:
//
//   cae_kernel_launch OP ARGS...
//
// OP and ARGS are those of cae_kernel_host (kernel_host.cpp) for the ops listed in kUsage, so a test
// can run both on the same files and compare: the host program runs the per-element bodies in a loop,
// this one the kernels themselves (block indices, grid-stride loops, shared-memory sums, barriers).
// Both are built without fused multiply-adds, so equal means equal bits. Grid-stride kernels get at
// most kStrideBlocks blocks, fewer than their elements need, so their stride loops are exercised too.
#include "cuda_emulation.h"

#include "op_args.h"

#include "activation.cu"
#include "adam.cu"
#include "bilinear.cu"
#include "conv_wgrad.cu"
#include "direct_conv.cu"
#include "im2col.cu"
#include "im2col_s2.cu"
#include "loss.cu"
#include "maxpool.cu"
#include "noise.cu"
#include "resize.cu"
#include "step.cu"
#include "thin_conv.cu"
#include "unpool.cu"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

const char* kUsage =
    "usage: cae_kernel_launch OP ARGS...   (ARGS as for cae_kernel_host)\n"
    "  every element-wise op of cae_kernel_host: resize_nearest_{forward,backward}, resize_bilinear_{forward,backward},\n"
    "  maxpool_same_forward, maxpool_same_gather, sigmoid_forward, bias_relu_forward, im2col3x3, col2im3x3,\n"
    "  im2col3x3_s2, col2im3x3_s2; and\n"
    "  sigmoid_xent                     count logits.f32 target.f32 grad.f32 loss.f32\n"
    "  adam_update                      count lr_t beta1 beta2 epsilon p.f32 g.f32 m.f32 v.f32   (p, m, v updated in place)\n"
    "  gather_noise                     count plane from n noise_std seed step images.u8 order.i32 clean.f32 noisy.f32|-\n"
    "  maxpool_same_backward            n c h w x.f32 dy.f32 dx.f32\n"
    "  relu_backward_bias_grad          n c hw relu y.f32 dy.f32 dy_out.f32 dbias.f32\n"
    "  maxpool_relu_backward_bias_grad  n c h w y.f32 dpooled.f32 dy.f32 dbias.f32\n"
    "  resize_relu_backward_bias_grad   n c h w oh ow y.f32 dresized.f32 dy.f32 dbias.f32\n"
    "  conv3x3_weight_grad              n cin cout h w samples_per_block tiles_per_block x.f32 dy.f32 dweight.f32\n"
    "  direct_conv_forward              n cin cout h w relu x.f32 weight.f32 bias.f32 y.f32\n"
    "  thin_conv_in1_forward            n c h w relu x.f32 weight.f32 bias.f32 y.f32\n"
    "  thin_conv_out1_forward           n c h w relu x.f32 weight.f32 bias.f32 y.f32\n"
    "  thin_conv_in1_backward_data      n c h w dy.f32 weight.f32 dx.f32\n"
    "  thin_conv_out1_backward_data     n c h w dy.f32 weight.f32 dx.f32\n"
    "  thin_conv_weight_grad            n c h w dy_wide relu store x.f32 y.f32|- dy.f32|- dpooled.f32|- dy_out.f32 dweight.f32 dbias.f32\n";

constexpr unsigned kThreads = cae::kReduceThreads;
constexpr int kStrideBlocks = 5;

unsigned stride_blocks(size_t total) {
    size_t needed = (total + kThreads - 1) / kThreads;
    return (unsigned)(needed < (size_t)kStrideBlocks ? (needed == 0 ? 1 : needed) : kStrideBlocks);
}

// An element-wise op's kernel with the engine's block size and at most kStrideBlocks blocks (the inputs already loaded).
void launch_elementwise(const std::string& op, const int* d, std::vector<std::vector<float>>& in, std::vector<float>& out) {
    unsigned blocks = stride_blocks(out.size());
    const float* x = in[0].data();
    float* y = out.data();
    if (op == "resize_nearest_forward") cae_launch(resize_nearest_forward, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3], d[4], d[5]);
    else if (op == "resize_nearest_backward") cae_launch(resize_nearest_backward, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3], d[4], d[5]);
    else if (op == "resize_bilinear_forward") cae_launch(resize_bilinear_forward, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3], d[4], d[5]);
    else if (op == "resize_bilinear_backward") cae_launch(resize_bilinear_backward, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3], d[4], d[5]);
    else if (op == "maxpool_same_forward") cae_launch(maxpool_same_forward, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3]);
    else if (op == "maxpool_same_gather")
        cae_launch(maxpool_same_gather, blocks, 1, kThreads, x, (const float*)in[1].data(), y, d[0], d[1], d[2], d[3]);
    else if (op == "sigmoid_forward") cae_launch(sigmoid_forward, blocks, 1, kThreads, x, y, d[0]);
    else if (op == "bias_relu_forward") {  // in place: y starts as the convolution's output
        out = in[0];
        cae_launch(bias_relu_forward, blocks, 1, kThreads, out.data(), (const float*)in[1].data(), d[0], d[1], d[2], d[3]);
    }
    else if (op == "im2col3x3") cae_launch(im2col3x3, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3]);
    else if (op == "col2im3x3") cae_launch(col2im3x3, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3]);
    else if (op == "im2col3x3_s2") cae_launch(im2col3x3_s2, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3], d[4], d[5]);
    else if (op == "col2im3x3_s2") cae_launch(col2im3x3_s2, blocks, 1, kThreads, x, y, d[0], d[1], d[2], d[3], d[4], d[5]);
    else throw Failure("no element-wise kernel for " + op);
}

void run(const std::string& op, Args& a) {
    ElementwiseArgs e;
    if (elementwise_args(op, a, e)) {
        std::vector<float> out(e.out_size, std::nanf(""));
        launch_elementwise(op, e.d, e.in, out);
        save(e.out, out);
    } else if (op == "sigmoid_xent") {
        // the engine's launches: blocksFor(count) blocks, then one; the loss slot comes from the step scalars
        LossArgs r = loss_args(a);
        unsigned blocks = (unsigned)((r.count + kThreads - 1) / kThreads);
        std::vector<float> grad(r.count, std::nanf("")), partials(blocks, std::nanf("")), losses(3, std::nanf(""));
        std::vector<long long> scalars = {1};
        cae_launch(sigmoid_xent_forward_backward, blocks, 1, kThreads, (const float*)r.logits.data(), (const float*)r.target.data(),
                   grad.data(), partials.data(), r.count);
        cae_launch(sigmoid_xent_reduce, 1, 1, kThreads, (const float*)partials.data(), (int)blocks, losses.data(), r.count,
                   (const long long*)scalars.data());
        save(r.grad_out, grad);
        save(r.loss_out, std::vector<float>{losses[1]});
    } else if (op == "adam_update") {
        AdamArgs r = adam_args(a);
        int bits;
        std::memcpy(&bits, &r.lr_t, sizeof bits);
        std::vector<long long> scalars = {(long long)(unsigned)bits};  // a float travels as its bits in the low 32
        cae_launch(adam_update, stride_blocks(r.p.size()), 1, kThreads, r.p.data(), (const float*)r.g.data(), r.m.data(), r.v.data(),
                   r.count, r.beta1, r.beta2, r.epsilon, (const long long*)scalars.data());
        save(r.p_file, r.p);
        save(r.m_file, r.m);
        save(r.v_file, r.v);
    } else if (op == "gather_noise") {
        GatherArgs r = gather_args(a);
        bool noise = r.noisy_out != "-";
        std::vector<float> clean((size_t)r.n * r.plane, std::nanf("")), noisy(noise ? clean.size() : 0, std::nanf(""));
        std::vector<long long> scalars = {r.from, (long long)r.step};
        cae_launch(gather_noise, stride_blocks(clean.size()), 1, kThreads, (const unsigned char*)r.images.data(),
                   (const int*)r.order.data(), r.n, r.plane, clean.data(), or_null(noisy), r.noise_std, r.seed,
                   (const long long*)scalars.data());
        save(r.clean_out, clean);
        if (noise) save(r.noisy_out, noisy);
    } else if (op == "maxpool_same_backward") {
        PoolBackwardArgs r = pool_backward_args(a);
        std::vector<float> dx(r.x.size(), std::nanf(""));
        cae_launch(maxpool_same_backward, stride_blocks(dx.size()), 1, kThreads, (const float*)r.x.data(), (const float*)r.dy.data(),
                   dx.data(), r.n, r.c, r.h, r.w);
        save(r.dx_out, dx);
    } else if (op == "relu_backward_bias_grad") {
        ReluBiasArgs r = relu_bias_args(a);
        int chunks = cae::bias_grad_chunks(r.n, r.hw);
        std::vector<float> partials((size_t)r.c * chunks, std::nanf("")), dbias(r.c, std::nanf(""));
        cae_launch(relu_backward_bias_partials, chunks, r.c, kThreads, (const float*)r.y.data(), r.dy.data(), partials.data(),
                   r.n, r.c, r.hw, r.relu);
        cae_launch(bias_grad_reduce, r.c, 1, kThreads, (const float*)partials.data(), chunks, dbias.data());
        save(r.dy_out, r.dy);
        save(r.dbias_out, dbias);
    } else if (op == "maxpool_relu_backward_bias_grad") {
        PoolReluBiasArgs r = pool_relu_bias_args(a);
        int chunks = cae::bias_grad_chunks(r.n, r.h * r.w);
        std::vector<float> dy(r.y.size(), std::nanf("")), partials((size_t)r.c * chunks, std::nanf("")), dbias(r.c, std::nanf(""));
        cae_launch(maxpool_relu_backward_bias_partials, chunks, r.c, kThreads, (const float*)r.y.data(), (const float*)r.dpooled.data(),
                   dy.data(), partials.data(), r.n, r.c, r.h, r.w);
        cae_launch(bias_grad_reduce, r.c, 1, kThreads, (const float*)partials.data(), chunks, dbias.data());
        save(r.dy_out, dy);
        save(r.dbias_out, dbias);
    } else if (op == "resize_relu_backward_bias_grad") {
        ResizeReluBiasArgs r = resize_relu_bias_args(a);
        int chunks = cae::bias_grad_chunks(r.n, r.h * r.w);
        std::vector<float> dy(r.y.size(), std::nanf("")), partials((size_t)r.c * chunks, std::nanf("")), dbias(r.c, std::nanf(""));
        cae_launch(resize_nearest_relu_backward_bias_partials, chunks, r.c, kThreads, (const float*)r.y.data(),
                   (const float*)r.dresized.data(), dy.data(), partials.data(), r.n, r.c, r.h, r.w, r.oh, r.ow);
        cae_launch(bias_grad_reduce, r.c, 1, kThreads, (const float*)partials.data(), chunks, dbias.data());
        save(r.dy_out, dy);
        save(r.dbias_out, dbias);
    } else if (op == "direct_conv_forward") {
        DirectForwardArgs r = direct_forward_args(a);
        std::vector<float> y((size_t)r.n * r.cout * r.h * r.w, std::nanf(""));
        cae_launch(direct_conv_forward, stride_blocks((size_t)r.n * r.h * r.w), r.groups(), kThreads, (const float*)r.x.data(),
                   (const float*)r.weight.data(), (const float*)r.bias.data(), y.data(), r.n, r.cin, r.cout, r.h, r.w, r.relu);
        save(r.y_out, y);
    } else if (op == "thin_conv_in1_forward" || op == "thin_conv_out1_forward") {
        ThinForwardArgs r = thin_forward_args(op, a);
        std::vector<float> y(r.y_size, std::nanf(""));
        cae_launch(r.one_in ? thin_conv_in1_forward : thin_conv_out1_forward, stride_blocks((size_t)r.n * r.h * r.w), 1, kThreads,
                   (const float*)r.x.data(), (const float*)r.weight.data(), (const float*)r.bias.data(), y.data(), r.n, r.c, r.h, r.w, r.relu);
        save(r.y_out, y);
    } else if (op == "thin_conv_in1_backward_data" || op == "thin_conv_out1_backward_data") {
        ThinDataArgs r = thin_data_args(op, a);
        std::vector<float> dx(r.dx_size, std::nanf(""));
        cae_launch(r.one_in ? thin_conv_in1_backward_data : thin_conv_out1_backward_data, stride_blocks((size_t)r.n * r.h * r.w), 1, kThreads,
                   (const float*)r.dy.data(), (const float*)r.weight.data(), dx.data(), r.n, r.c, r.h, r.w);
        save(r.dx_out, dx);
    } else if (op == "conv3x3_weight_grad") {
        WeightGradArgs r = weight_grad_args(a);
        int outputs = r.cout * r.cin * 9, blocks = r.blocks();
        std::vector<float> partials((size_t)blocks * outputs, std::nanf("")), dweight(outputs, std::nanf(""));
        cae_launch(conv3x3_weight_grad_partials, blocks, 1, kThreads, (const float*)r.x.data(), (const float*)r.dy.data(),
                   partials.data(), r.n, r.cin, r.cout, r.h, r.w, r.samples_per_block, r.tiles_per_block);
        cae_launch(conv3x3_weight_grad_reduce, stride_blocks(outputs), 1, kThreads, (const float*)partials.data(), blocks,
                   dweight.data(), outputs);
        save(r.dweight_out, dweight);
    } else if (op == "thin_conv_weight_grad") {
        ThinWeightGradArgs r = thin_weight_grad_args(a);
        int chunks = cae::bias_grad_chunks(r.n, r.h * r.w);
        std::vector<float> partials((size_t)r.c * cae::kThinSums * chunks, std::nanf(""));
        std::vector<float> dweight((size_t)r.c * 9, std::nanf("")), dbias(r.dy_wide ? r.c : 1, std::nanf(""));
        cae_launch(thin_conv_weight_grad_partials, chunks, r.c, kThreads, (const float*)r.x.data(), (const float*)or_null(r.y),
                   r.dy.data(), (const float*)or_null(r.dpooled), partials.data(), r.n, r.c, r.h, r.w, r.dy_wide, r.relu, r.store);
        cae_launch(thin_conv_weight_grad_reduce, r.c * cae::kThinSums, 1, kThreads, (const float*)partials.data(), chunks,
                   dweight.data(), dbias.data(), r.dy_wide);
        save(r.dy_out, r.dy);
        save(r.dweight_out, dweight);
        save(r.dbias_out, dbias);
    } else {
        throw Failure("unknown op " + op);
    }
}

}  // namespace

int main(int argc, char** argv) { return run_program(argc, argv, "cae_kernel_launch", kUsage, run); }
