// The arguments of the ops that both CPU programs run (kernel_host.cpp on the bodies, kernel_launch.cpp
// on the launched kernels), read and loaded in one place so the two take exactly the same inputs.
// Each reader consumes the op's positional arguments (see the usage texts) and loads its input files.
#ifndef CAE_OP_ARGS_H
#define CAE_OP_ARGS_H

#include "cae_ops.cuh"
#include "host_io.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

size_t pooled_size(size_t planes, int h, int w) { return planes * (size_t)((h + 1) / 2) * ((w + 1) / 2); }

// maxpool_same_backward n c h w x.f32 dy.f32 dx.f32
struct PoolBackwardArgs {
    int n, c, h, w;
    std::vector<float> x, dy;
    std::string dx_out;
};

PoolBackwardArgs pool_backward_args(Args& a) {
    PoolBackwardArgs r;
    r.n = a.integer(), r.c = a.integer(), r.h = a.integer(), r.w = a.integer();
    std::string xf = a.text(), dyf = a.text();
    r.dx_out = a.text();
    a.done();
    r.x = load<float>(xf, (size_t)r.n * r.c * r.h * r.w);
    r.dy = load<float>(dyf, pooled_size((size_t)r.n * r.c, r.h, r.w));
    return r;
}

// relu_backward_bias_grad n c hw relu y.f32 dy.f32 dy_out.f32 dbias.f32
struct ReluBiasArgs {
    int n, c, hw, relu;
    std::vector<float> y, dy;
    std::string dy_out, dbias_out;
};

ReluBiasArgs relu_bias_args(Args& a) {
    ReluBiasArgs r;
    r.n = a.integer(), r.c = a.integer(), r.hw = a.integer(), r.relu = a.integer();
    std::string yf = a.text(), dyf = a.text();
    r.dy_out = a.text(), r.dbias_out = a.text();
    a.done();
    r.y = load<float>(yf, (size_t)r.n * r.c * r.hw);
    r.dy = load<float>(dyf, r.y.size());
    return r;
}

// maxpool_relu_backward_bias_grad n c h w y.f32 dpooled.f32 dy.f32 dbias.f32
struct PoolReluBiasArgs {
    int n, c, h, w;
    std::vector<float> y, dpooled;
    std::string dy_out, dbias_out;
};

PoolReluBiasArgs pool_relu_bias_args(Args& a) {
    PoolReluBiasArgs r;
    r.n = a.integer(), r.c = a.integer(), r.h = a.integer(), r.w = a.integer();
    std::string yf = a.text(), dpf = a.text();
    r.dy_out = a.text(), r.dbias_out = a.text();
    a.done();
    r.y = load<float>(yf, (size_t)r.n * r.c * r.h * r.w);
    r.dpooled = load<float>(dpf, pooled_size((size_t)r.n * r.c, r.h, r.w));
    return r;
}

// resize_relu_backward_bias_grad n c h w oh ow y.f32 dresized.f32 dy.f32 dbias.f32 (y: h x w, dresized: oh x ow)
struct ResizeReluBiasArgs {
    int n, c, h, w, oh, ow;
    std::vector<float> y, dresized;
    std::string dy_out, dbias_out;
};

ResizeReluBiasArgs resize_relu_bias_args(Args& a) {
    ResizeReluBiasArgs r;
    r.n = a.integer(), r.c = a.integer(), r.h = a.integer(), r.w = a.integer(), r.oh = a.integer(), r.ow = a.integer();
    std::string yf = a.text(), drf = a.text();
    r.dy_out = a.text(), r.dbias_out = a.text();
    a.done();
    r.y = load<float>(yf, (size_t)r.n * r.c * r.h * r.w);
    r.dresized = load<float>(drf, (size_t)r.n * r.c * r.oh * r.ow);
    return r;
}

// direct_conv_forward n cin cout h w relu x.f32 weight.f32 bias.f32 y.f32
struct DirectForwardArgs {
    int n, cin, cout, h, w, relu;
    std::vector<float> x, weight, bias;
    std::string y_out;
    int groups() const { return (cout + cae::kDirectGroup - 1) / cae::kDirectGroup; }
};

DirectForwardArgs direct_forward_args(Args& a) {
    DirectForwardArgs r;
    r.n = a.integer(), r.cin = a.integer(), r.cout = a.integer(), r.h = a.integer(), r.w = a.integer(), r.relu = a.integer();
    std::string xf = a.text(), wf = a.text(), bf = a.text();
    r.y_out = a.text();
    a.done();
    if (r.cin > cae::kDirectMaxIn) throw Failure("at most " + std::to_string(cae::kDirectMaxIn) + " input channels");
    r.x = load<float>(xf, (size_t)r.n * r.cin * r.h * r.w);
    r.weight = load<float>(wf, (size_t)r.cout * r.cin * 9);
    r.bias = load<float>(bf, r.cout);
    return r;
}

// thin_conv_{in1,out1}_forward n c h w relu x.f32 weight.f32 bias.f32 y.f32
struct ThinForwardArgs {
    bool one_in;
    int n, c, h, w, relu;
    std::vector<float> x, weight, bias;
    size_t y_size;
    std::string y_out;
};

ThinForwardArgs thin_forward_args(const std::string& op, Args& a) {
    ThinForwardArgs r;
    r.one_in = op == "thin_conv_in1_forward";
    r.n = a.integer(), r.c = a.integer(), r.h = a.integer(), r.w = a.integer(), r.relu = a.integer();
    std::string xf = a.text(), wf = a.text(), bf = a.text();
    r.y_out = a.text();
    a.done();
    size_t narrow = (size_t)r.n * r.h * r.w, wide = narrow * r.c;
    r.x = load<float>(xf, r.one_in ? narrow : wide);
    r.weight = load<float>(wf, (size_t)r.c * 9);
    r.bias = load<float>(bf, r.one_in ? r.c : 1);
    r.y_size = r.one_in ? wide : narrow;
    return r;
}

// thin_conv_{in1,out1}_backward_data n c h w dy.f32 weight.f32 dx.f32
struct ThinDataArgs {
    bool one_in;
    int n, c, h, w;
    std::vector<float> dy, weight;
    size_t dx_size;
    std::string dx_out;
};

ThinDataArgs thin_data_args(const std::string& op, Args& a) {
    ThinDataArgs r;
    r.one_in = op == "thin_conv_in1_backward_data";
    r.n = a.integer(), r.c = a.integer(), r.h = a.integer(), r.w = a.integer();
    std::string dyf = a.text(), wf = a.text();
    r.dx_out = a.text();
    a.done();
    size_t narrow = (size_t)r.n * r.h * r.w, wide = narrow * r.c;
    r.dy = load<float>(dyf, r.one_in ? wide : narrow);
    r.weight = load<float>(wf, (size_t)r.c * 9);
    r.dx_size = r.one_in ? narrow : wide;
    return r;
}

// thin_conv_weight_grad n c h w dy_wide relu store x.f32 y.f32|- dy.f32|- dpooled.f32|- dy_out dweight dbias
// ('-': none, like a null pointer; dy starts as NaN without it). y, dpooled: empty when '-'.
struct ThinWeightGradArgs {
    int n, c, h, w, dy_wide, relu, store;
    std::vector<float> x, y, dy, dpooled;
    std::string dy_out, dweight_out, dbias_out;
};

ThinWeightGradArgs thin_weight_grad_args(Args& a) {
    ThinWeightGradArgs r;
    r.n = a.integer(), r.c = a.integer(), r.h = a.integer(), r.w = a.integer();
    r.dy_wide = a.integer(), r.relu = a.integer(), r.store = a.integer();
    std::string xf = a.text(), yf = a.text(), dyf = a.text(), dpf = a.text();
    r.dy_out = a.text(), r.dweight_out = a.text(), r.dbias_out = a.text();
    a.done();
    if (dpf != "-" && yf == "-") throw Failure("dpooled needs y (the pooled layer output whose arg-max routes it)");
    size_t narrow = (size_t)r.n * r.h * r.w, wide = narrow * r.c, out = r.dy_wide ? wide : narrow;
    r.x = load<float>(xf, r.dy_wide ? narrow : wide);
    if (yf != "-") r.y = load<float>(yf, out);
    r.dy = dyf == "-" ? std::vector<float>(out, std::nanf("")) : load<float>(dyf, out);
    if (dpf != "-") r.dpooled = load<float>(dpf, pooled_size(out / ((size_t)r.h * r.w), r.h, r.w));
    return r;
}

// sigmoid_xent count logits.f32 target.f32 grad.f32 loss.f32
struct LossArgs {
    int count;
    std::vector<float> logits, target;
    std::string grad_out, loss_out;
};

LossArgs loss_args(Args& a) {
    LossArgs r;
    r.count = a.integer();
    std::string lf = a.text(), tf = a.text();
    r.grad_out = a.text(), r.loss_out = a.text();
    a.done();
    r.logits = load<float>(lf, r.count);
    r.target = load<float>(tf, r.count);
    return r;
}

// adam_update count lr_t beta1 beta2 epsilon p.f32 g.f32 m.f32 v.f32   (p, m, v updated in place)
struct AdamArgs {
    int count;
    float lr_t, beta1, beta2, epsilon;
    std::string p_file, m_file, v_file;
    std::vector<float> p, g, m, v;
};

AdamArgs adam_args(Args& a) {
    AdamArgs r;
    r.count = a.integer();
    r.lr_t = a.real(), r.beta1 = a.real(), r.beta2 = a.real(), r.epsilon = a.real();
    r.p_file = a.text();
    std::string gf = a.text();
    r.m_file = a.text(), r.v_file = a.text();
    a.done();
    r.p = load<float>(r.p_file, r.count);
    r.g = load<float>(gf, r.count);
    r.m = load<float>(r.m_file, r.count);
    r.v = load<float>(r.v_file, r.count);
    return r;
}

// gather_noise count plane from n noise_std seed step images.u8 order.i32 clean.f32 noisy.f32|-
struct GatherArgs {
    int count, plane, from, n;
    float noise_std;
    unsigned long long seed, step;
    std::vector<uint8_t> images;
    std::vector<int32_t> order;
    std::string clean_out, noisy_out;  // noisy_out "-": no noise, like a null pointer
};

GatherArgs gather_args(Args& a) {
    GatherArgs r;
    r.count = a.integer(), r.plane = a.integer(), r.from = a.integer(), r.n = a.integer();
    r.noise_std = a.real();
    r.seed = a.u64(), r.step = a.u64();
    std::string imf = a.text(), orf = a.text();
    r.clean_out = a.text(), r.noisy_out = a.text();
    a.done();
    r.images = load<uint8_t>(imf, (size_t)r.count * r.plane);
    r.order = load_all<int32_t>(orf, (size_t)r.from + r.n);
    for (int s = r.from; s < r.from + r.n; ++s)
        if (r.order[s] < 0 || r.order[s] >= r.count)
            throw Failure(orf + ": index " + std::to_string(r.order[s]) + " out of range");
    return r;
}

// conv3x3_weight_grad n cin cout h w samples_per_block tiles_per_block x.f32 dy.f32 dweight.f32
struct WeightGradArgs {
    int n, cin, cout, h, w, samples_per_block, tiles_per_block;
    std::vector<float> x, dy;
    std::string dweight_out;
    int blocks() const { return cae::wgrad_blocks(n, h, samples_per_block, tiles_per_block); }
};

WeightGradArgs weight_grad_args(Args& a) {
    WeightGradArgs r;
    r.n = a.integer(), r.cin = a.integer(), r.cout = a.integer(), r.h = a.integer(), r.w = a.integer();
    r.samples_per_block = a.integer(), r.tiles_per_block = a.integer();
    std::string xf = a.text(), dyf = a.text();
    r.dweight_out = a.text();
    a.done();
    if (r.samples_per_block < 1 || r.tiles_per_block < 1) throw Failure("samples_per_block and tiles_per_block must be at least 1");
    if (r.cin > cae::kWgradMaxChannels || r.cout > cae::kWgradMaxChannels)
        throw Failure("at most " + std::to_string(cae::kWgradMaxChannels) + " channels each side");
    r.x = load<float>(xf, (size_t)r.n * r.cin * r.h * r.w);
    r.dy = load<float>(dyf, (size_t)r.n * r.cout * r.h * r.w);
    return r;
}

// The element-wise ops (one output element per grid index, no sums across blocks): OP d0 d1 ...
// in.f32... out.f32, where the int arguments d and each file's size are the op's (see the usage texts).
struct ElementwiseOp {
    const char* name;
    int ints;
    std::vector<size_t (*)(const int*)> inputs;
    size_t (*output)(const int*);
};

inline size_t half_up(int v) { return (size_t)((v + 1) / 2); }

const std::vector<ElementwiseOp>& elementwise_ops() {
    using D = const int*;
    static const std::vector<ElementwiseOp> ops = {
        // n c ih iw oh ow
        {"resize_nearest_forward", 6, {[](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }}, [](D d) { return (size_t)d[0] * d[1] * d[4] * d[5]; }},
        {"resize_nearest_backward", 6, {[](D d) { return (size_t)d[0] * d[1] * d[4] * d[5]; }}, [](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }},
        {"resize_bilinear_forward", 6, {[](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }}, [](D d) { return (size_t)d[0] * d[1] * d[4] * d[5]; }},
        {"resize_bilinear_backward", 6, {[](D d) { return (size_t)d[0] * d[1] * d[4] * d[5]; }}, [](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }},
        // n c h w
        {"maxpool_same_forward", 4, {[](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }}, [](D d) { return (size_t)d[0] * d[1] * half_up(d[2]) * half_up(d[3]); }},
        {"maxpool_same_gather", 4, {[](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }, [](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }},
         [](D d) { return (size_t)d[0] * d[1] * half_up(d[2]) * half_up(d[3]); }},
        // count
        {"sigmoid_forward", 1, {[](D d) { return (size_t)d[0]; }}, [](D d) { return (size_t)d[0]; }},
        // n c hw relu
        {"bias_relu_forward", 4, {[](D d) { return (size_t)d[0] * d[1] * d[2]; }, [](D d) { return (size_t)d[1]; }}, [](D d) { return (size_t)d[0] * d[1] * d[2]; }},
        // n cin h w
        {"im2col3x3", 4, {[](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }}, [](D d) { return (size_t)d[0] * d[1] * 9 * d[2] * d[3]; }},
        {"col2im3x3", 4, {[](D d) { return (size_t)d[0] * d[1] * 9 * d[2] * d[3]; }}, [](D d) { return (size_t)d[0] * d[1] * d[2] * d[3]; }},
        // n c h w oh ow
        {"im2col3x3_s2", 6, {[](D d) { return (size_t)d[0] * d[1] * d[4] * d[5]; }}, [](D d) { return (size_t)d[0] * d[1] * 9 * d[2] * d[3]; }},
        {"col2im3x3_s2", 6, {[](D d) { return (size_t)d[0] * d[1] * 9 * d[2] * d[3]; }}, [](D d) { return (size_t)d[0] * d[1] * d[4] * d[5]; }},
    };
    return ops;
}

struct ElementwiseArgs {
    int d[6];
    std::vector<std::vector<float>> in;
    size_t out_size;
    std::string out;
};

// The op's arguments, or false (nothing read) when op is not an element-wise one.
bool elementwise_args(const std::string& op, Args& a, ElementwiseArgs& r) {
    for (const ElementwiseOp& e : elementwise_ops()) {
        if (op != e.name) continue;
        for (int i = 0; i < e.ints; ++i) r.d[i] = a.integer();
        std::vector<std::string> files;
        for (size_t i = 0; i < e.inputs.size(); ++i) files.push_back(a.text());
        r.out = a.text();
        a.done();
        for (size_t i = 0; i < e.inputs.size(); ++i) r.in.push_back(load<float>(files[i], e.inputs[i](r.d)));
        r.out_size = e.output(r.d);
        return true;
    }
    return false;
}

float* or_null(std::vector<float>& v) { return v.empty() ? nullptr : v.data(); }

// main() of both programs: OP ARGS..., a usage error or a Failure in one line (exit 2 or 1).
int run_program(int argc, char** argv, const char* program, const char* usage, void (*run)(const std::string&, Args&)) {
    if (argc < 2) {
        std::fputs(usage, stderr);
        return 2;
    }
    try {
        Args args(argc, argv);
        run(argv[1], args);
    } catch (const Failure& e) {
        std::fprintf(stderr, "%s %s: %s\n%s", program, argv[1], e.what(), usage);
        return 1;
    }
    return 0;
}

}  // namespace

#endif
