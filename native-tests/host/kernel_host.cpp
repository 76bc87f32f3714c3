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

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
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
    "  thin_conv_in1_forward         n c h w relu x.f32 weight.f32 bias.f32 y.f32   (c: output channels)\n"
    "  thin_conv_out1_forward        n c h w relu x.f32 weight.f32 bias.f32 y.f32   (c: input channels)\n"
    "  thin_conv_in1_backward_data   n c h w dy.f32 weight.f32 dx.f32\n"
    "  thin_conv_out1_backward_data  n c h w dy.f32 weight.f32 dx.f32\n"
    "  thin_conv_weight_grad         n c h w dy_wide relu store x.f32 y.f32|- dy.f32|- dpooled.f32|- dy_out.f32 dweight.f32 dbias.f32\n"
    "                                (the partials kernel, then the reduce; '-': none, like a null pointer;\n"
    "                                dy_out starts as dy, or as NaN without it)\n";

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <typename T>
std::vector<T> load(const std::string& path, size_t count) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Failure(path + ": cannot open for reading");
    std::vector<T> data(count + 1);
    size_t got = std::fread(data.data(), sizeof(T), count + 1, f);
    std::fclose(f);
    if (got != count)
        throw Failure(path + ": expected " + std::to_string(count) + " elements of " + std::to_string(sizeof(T)) +
                      " bytes, found " + (got > count ? "more" : std::to_string(got)));
    data.resize(count);
    return data;
}

// A whole file of T, at least `minimum` of them.
template <typename T>
std::vector<T> load_all(const std::string& path, size_t minimum) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Failure(path + ": cannot open for reading");
    std::vector<T> data;
    T v;
    while (std::fread(&v, sizeof(T), 1, f) == 1) data.push_back(v);
    std::fclose(f);
    if (data.size() < minimum)
        throw Failure(path + ": expected at least " + std::to_string(minimum) + " elements, found " + std::to_string(data.size()));
    return data;
}

template <typename T>
void save(const std::string& path, const std::vector<T>& data) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data.data(), sizeof(T), data.size(), f) != data.size() || std::fclose(f) != 0)
        throw Failure(path + ": cannot write");
}

// The positional arguments after OP, read in order.
class Args {
public:
    Args(int argc, char** argv) : argc_(argc), argv_(argv) {}
    std::string text() {
        if (next_ >= argc_) throw Failure("missing arguments");
        return argv_[next_++];
    }
    int integer() { return (int)number(); }
    float real() { return std::strtof(text().c_str(), nullptr); }
    unsigned long long u64() { return std::strtoull(text().c_str(), nullptr, 10); }
    void done() const {
        if (next_ != argc_) throw Failure("too many arguments");
    }

private:
    long long number() {
        std::string t = text();
        char* end = nullptr;
        long long v = std::strtoll(t.c_str(), &end, 10);
        if (*end != 0 || v < 0) throw Failure("not a size: " + t);
        return v;
    }
    int argc_;
    char** argv_;
    int next_ = 2;
};

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

void run(const std::string& op, Args& a) {
    if (op == "resize_nearest_forward" || op == "resize_nearest_backward") {
        int n = a.integer(), c = a.integer(), ih = a.integer(), iw = a.integer(), oh = a.integer(), ow = a.integer();
        std::string in = a.text(), out = a.text();
        a.done();
        size_t small = (size_t)n * c * ih * iw, large = (size_t)n * c * oh * ow;
        if (op == "resize_nearest_forward") {
            auto x = load<float>(in, small);
            std::vector<float> y(large);
            for (int i = 0; i < (int)large; ++i) cae::resize_nearest_forward_at(i, x.data(), y.data(), ih, iw, oh, ow);
            save(out, y);
        } else {
            auto dy = load<float>(in, large);
            std::vector<float> dx(small);
            for (int i = 0; i < (int)small; ++i) cae::resize_nearest_backward_at(i, dy.data(), dx.data(), ih, iw, oh, ow);
            save(out, dx);
        }
    } else if (op == "maxpool_same_forward") {
        int n = a.integer(), c = a.integer(), h = a.integer(), w = a.integer();
        std::string in = a.text(), out = a.text();
        a.done();
        auto x = load<float>(in, (size_t)n * c * h * w);
        std::vector<float> y((size_t)n * c * ((h + 1) / 2) * ((w + 1) / 2));
        for (int i = 0; i < (int)y.size(); ++i) cae::maxpool_same_forward_at(i, x.data(), y.data(), h, w);
        save(out, y);
    } else if (op == "maxpool_same_backward") {
        int n = a.integer(), c = a.integer(), h = a.integer(), w = a.integer();
        std::string xin = a.text(), dyin = a.text(), out = a.text();
        a.done();
        auto x = load<float>(xin, (size_t)n * c * h * w);
        auto dy = load<float>(dyin, (size_t)n * c * ((h + 1) / 2) * ((w + 1) / 2));
        std::vector<float> dx(x.size());
        for (int i = 0; i < (int)dx.size(); ++i) cae::maxpool_same_backward_at(i, x.data(), dy.data(), dx.data(), h, w);
        save(out, dx);
    } else if (op == "sigmoid_forward") {
        int count = a.integer();
        std::string in = a.text(), out = a.text();
        a.done();
        auto x = load<float>(in, count);
        std::vector<float> y(count);
        for (int i = 0; i < count; ++i) cae::sigmoid_forward_at(i, x.data(), y.data());
        save(out, y);
    } else if (op == "bias_relu_forward") {
        int n = a.integer(), c = a.integer(), hw = a.integer(), relu = a.integer();
        std::string yin = a.text(), bin = a.text(), out = a.text();
        a.done();
        auto y = load<float>(yin, (size_t)n * c * hw);
        auto bias = load<float>(bin, c);
        for (int i = 0; i < (int)y.size(); ++i) cae::bias_relu_forward_at(i, y.data(), bias.data(), c, hw, relu);
        save(out, y);
    } else if (op == "relu_backward_bias_grad") {
        int n = a.integer(), c = a.integer(), hw = a.integer(), relu = a.integer();
        std::string yin = a.text(), dyin = a.text(), dyout = a.text(), dbout = a.text();
        a.done();
        auto y = load<float>(yin, (size_t)n * c * hw);
        auto dy = load<float>(dyin, y.size());
        std::vector<float> dbias(c);
        int chunks = cae::bias_grad_chunks(n, hw);
        std::vector<float> partials((size_t)c * chunks);
        for (int ch = 0; ch < c; ++ch)  // relu_backward_bias_partials: grid = (chunks, c)
            for (int k = 0; k < chunks; ++k)
                partials[(size_t)ch * chunks + k] = block_sum([&](int t) {
                    return cae::relu_backward_bias_grad_thread(ch, k, t, y.data(), dy.data(), n, c, hw, relu);
                });
        for (int ch = 0; ch < c; ++ch)  // bias_grad_reduce: grid = c
            dbias[ch] = block_sum([&](int t) {
                return cae::strided_sum_at(t, cae::kReduceThreads, partials.data() + (size_t)ch * chunks, chunks);
            });
        save(dyout, dy);
        save(dbout, dbias);
    } else if (op == "sigmoid_xent") {
        int count = a.integer();
        std::string lin = a.text(), tin = a.text(), gout = a.text(), lout = a.text();
        a.done();
        auto logits = load<float>(lin, count);
        auto target = load<float>(tin, count);
        std::vector<float> grad(count);
        int blocks = blocks_for(count), threads = blocks * cae::kReduceThreads;
        std::vector<float> partials(blocks);
        for (int b = 0; b < blocks; ++b)  // sigmoid_xent_forward_backward
            partials[b] = block_sum([&](int t) {
                return cae::sigmoid_xent_thread(b * cae::kReduceThreads + t, threads, logits.data(), target.data(),
                                                grad.data(), count);
            });
        float total = block_sum([&](int t) {  // sigmoid_xent_reduce
            return cae::strided_sum_at(t, cae::kReduceThreads, partials.data(), blocks);
        });
        save(gout, grad);
        save(lout, std::vector<float>{total / (float)count});
    } else if (op == "adam_update") {
        int count = a.integer();
        float lr_t = a.real(), beta1 = a.real(), beta2 = a.real(), epsilon = a.real();
        std::string pf = a.text(), gf = a.text(), mf = a.text(), vf = a.text();
        a.done();
        auto p = load<float>(pf, count);
        auto g = load<float>(gf, count);
        auto m = load<float>(mf, count);
        auto v = load<float>(vf, count);
        for (int i = 0; i < count; ++i)
            cae::adam_update_at(i, p.data(), g.data(), m.data(), v.data(), lr_t, beta1, beta2, epsilon);
        save(pf, p);
        save(mf, m);
        save(vf, v);
    } else if (op == "gather_noise") {
        int count = a.integer(), plane = a.integer(), from = a.integer(), n = a.integer();
        float noise_std = a.real();
        unsigned long long seed = a.u64(), step = a.u64();
        std::string imf = a.text(), orf = a.text(), cf = a.text(), nf = a.text();
        a.done();
        auto images = load<uint8_t>(imf, (size_t)count * plane);
        auto order = load_all<int32_t>(orf, (size_t)from + n);
        for (int s = from; s < from + n; ++s)
            if (order[s] < 0 || order[s] >= count) throw Failure(orf + ": index " + std::to_string(order[s]) + " out of range");
        std::vector<float> clean((size_t)n * plane), noisy(nf == "-" ? 0 : clean.size());
        float* noisy_out = nf == "-" ? nullptr : noisy.data();
        for (int i = 0; i < n * plane; ++i)
            cae::gather_noise_at(i, images.data(), order.data(), from, plane, clean.data(), noisy_out, noise_std, seed, step);
        save(cf, clean);
        if (noisy_out) save(nf, noisy);
    } else if (op == "im2col3x3") {
        int n = a.integer(), cin = a.integer(), h = a.integer(), w = a.integer();
        std::string in = a.text(), out = a.text();
        a.done();
        auto x = load<float>(in, (size_t)n * cin * h * w);
        std::vector<float> col((size_t)n * cin * 9 * h * w);
        for (int i = 0; i < (int)col.size(); ++i) cae::im2col3x3_at(i, x.data(), col.data(), cin, h, w);
        save(out, col);
    } else if (op == "col2im3x3") {
        int n = a.integer(), cin = a.integer(), h = a.integer(), w = a.integer();
        std::string in = a.text(), out = a.text();
        a.done();
        auto col = load<float>(in, (size_t)n * cin * 9 * h * w);
        std::vector<float> dx((size_t)n * cin * h * w);
        for (int i = 0; i < (int)dx.size(); ++i) cae::col2im3x3_at(i, col.data(), dx.data(), h, w);
        save(out, dx);
    } else if (op == "resize_bilinear_forward" || op == "resize_bilinear_backward") {
        int n = a.integer(), c = a.integer(), ih = a.integer(), iw = a.integer(), oh = a.integer(), ow = a.integer();
        std::string in = a.text(), out = a.text();
        a.done();
        size_t small = (size_t)n * c * ih * iw, large = (size_t)n * c * oh * ow;
        if (op == "resize_bilinear_forward") {
            auto x = load<float>(in, small);
            std::vector<float> y(large);
            for (int i = 0; i < (int)large; ++i) cae::resize_bilinear_forward_at(i, x.data(), y.data(), ih, iw, oh, ow);
            save(out, y);
        } else {
            auto dy = load<float>(in, large);
            std::vector<float> dx(small);
            for (int i = 0; i < (int)small; ++i) cae::resize_bilinear_backward_at(i, dy.data(), dx.data(), ih, iw, oh, ow);
            save(out, dx);
        }
    } else if (op == "maxpool_same_gather") {
        int n = a.integer(), c = a.integer(), h = a.integer(), w = a.integer();
        std::string xin = a.text(), din = a.text(), out = a.text();
        a.done();
        auto x = load<float>(xin, (size_t)n * c * h * w);
        auto dout = load<float>(din, x.size());
        std::vector<float> dvalues((size_t)n * c * ((h + 1) / 2) * ((w + 1) / 2));
        for (int i = 0; i < (int)dvalues.size(); ++i)
            cae::maxpool_same_gather_at(i, x.data(), dout.data(), dvalues.data(), h, w);
        save(out, dvalues);
    } else if (op == "im2col3x3_s2" || op == "col2im3x3_s2") {
        int n = a.integer(), c = a.integer(), h = a.integer(), w = a.integer(), oh = a.integer(), ow = a.integer();
        std::string in = a.text(), out = a.text();
        a.done();
        size_t columns = (size_t)n * c * 9 * h * w, large = (size_t)n * c * oh * ow;
        if (op == "im2col3x3_s2") {
            auto big = load<float>(in, large);
            std::vector<float> col(columns);
            for (int i = 0; i < (int)columns; ++i) cae::im2col3x3_s2_at(i, big.data(), col.data(), c, h, w, oh, ow);
            save(out, col);
        } else {
            auto col = load<float>(in, columns);
            std::vector<float> big(large);
            for (int i = 0; i < (int)large; ++i) cae::col2im3x3_s2_at(i, col.data(), big.data(), h, w, oh, ow);
            save(out, big);
        }
    } else if (op == "maxpool_relu_backward_bias_grad") {
        int n = a.integer(), c = a.integer(), h = a.integer(), w = a.integer();
        std::string yf = a.text(), dpf = a.text(), dyout = a.text(), dbout = a.text();
        a.done();
        auto y = load<float>(yf, (size_t)n * c * h * w);
        auto dpooled = load<float>(dpf, (size_t)n * c * ((h + 1) / 2) * ((w + 1) / 2));
        std::vector<float> dy(y.size(), std::nanf("")), dbias(c);
        int chunks = cae::bias_grad_chunks(n, h * w);
        std::vector<float> partials((size_t)c * chunks);
        for (int ch = 0; ch < c; ++ch)  // maxpool_relu_backward_bias_partials: grid = (chunks, c)
            for (int k = 0; k < chunks; ++k)
                partials[(size_t)ch * chunks + k] = block_sum([&](int t) {
                    return cae::maxpool_relu_backward_bias_grad_thread(ch, k, t, y.data(), dpooled.data(), dy.data(), n, c, h, w);
                });
        for (int ch = 0; ch < c; ++ch)  // bias_grad_reduce: grid = c
            dbias[ch] = block_sum([&](int t) {
                return cae::strided_sum_at(t, cae::kReduceThreads, partials.data() + (size_t)ch * chunks, chunks);
            });
        save(dyout, dy);
        save(dbout, dbias);
    } else if (op == "thin_conv_in1_forward" || op == "thin_conv_out1_forward") {
        int n = a.integer(), c = a.integer(), h = a.integer(), w = a.integer(), relu = a.integer();
        std::string xf = a.text(), wf = a.text(), bf = a.text(), out = a.text();
        a.done();
        size_t narrow = (size_t)n * h * w, wide = narrow * c;
        auto weight = load<float>(wf, (size_t)c * 9);
        auto bias = load<float>(bf, op == "thin_conv_in1_forward" ? c : 1);
        if (op == "thin_conv_in1_forward") {
            auto x = load<float>(xf, narrow);
            std::vector<float> y(wide);
            for (int i = 0; i < (int)wide; ++i)
                cae::thin_spread_at(i, x.data(), weight.data(), bias.data(), y.data(), c, h, w, 0, relu);
            save(out, y);
        } else {
            auto x = load<float>(xf, wide);
            std::vector<float> y(narrow);
            for (int i = 0; i < (int)narrow; ++i)
                cae::thin_collect_at(i, x.data(), weight.data(), bias.data(), y.data(), c, h, w, 0, relu);
            save(out, y);
        }
    } else if (op == "thin_conv_in1_backward_data" || op == "thin_conv_out1_backward_data") {
        int n = a.integer(), c = a.integer(), h = a.integer(), w = a.integer();
        std::string dyf = a.text(), wf = a.text(), out = a.text();
        a.done();
        size_t narrow = (size_t)n * h * w, wide = narrow * c;
        auto weight = load<float>(wf, (size_t)c * 9);
        if (op == "thin_conv_in1_backward_data") {
            auto dy = load<float>(dyf, wide);
            std::vector<float> dx(narrow);
            for (int i = 0; i < (int)narrow; ++i)
                cae::thin_collect_at(i, dy.data(), weight.data(), nullptr, dx.data(), c, h, w, 1, 0);
            save(out, dx);
        } else {
            auto dy = load<float>(dyf, narrow);
            std::vector<float> dx(wide);
            for (int i = 0; i < (int)wide; ++i)
                cae::thin_spread_at(i, dy.data(), weight.data(), nullptr, dx.data(), c, h, w, 1, 0);
            save(out, dx);
        }
    } else if (op == "thin_conv_weight_grad") {
        int n = a.integer(), c = a.integer(), h = a.integer(), w = a.integer();
        int dy_wide = a.integer(), relu = a.integer(), store = a.integer();
        std::string xf = a.text(), yf = a.text(), dyf = a.text(), dpf = a.text();
        std::string dyout = a.text(), dwout = a.text(), dbout = a.text();
        a.done();
        size_t narrow = (size_t)n * h * w, wide = narrow * c, out = dy_wide ? wide : narrow;
        auto x = load<float>(xf, dy_wide ? narrow : wide);
        std::vector<float> y = yf == "-" ? std::vector<float>() : load<float>(yf, out);
        std::vector<float> dy = dyf == "-" ? std::vector<float>(out, std::nanf("")) : load<float>(dyf, out);
        std::vector<float> dpooled = dpf == "-" ? std::vector<float>()
                                                : load<float>(dpf, out / ((size_t)h * w) * ((h + 1) / 2) * ((w + 1) / 2));
        int chunks = cae::bias_grad_chunks(n, h * w);
        std::vector<float> partials((size_t)c * cae::kThinSums * chunks);
        for (int ch = 0; ch < c; ++ch)  // thin_conv_weight_grad_partials: grid = (chunks, c)
            for (int k = 0; k < chunks; ++k) {
                float sums[cae::kReduceThreads][cae::kThinSums];
                for (int t = 0; t < cae::kReduceThreads; ++t)
                    cae::thin_weight_grad_thread(ch, k, t, x.data(), y.empty() ? nullptr : y.data(), dy.data(),
                                                 dpooled.empty() ? nullptr : dpooled.data(), n, c, h, w, dy_wide, relu,
                                                 store, sums[t]);
                for (int v = 0; v < cae::kThinSums; ++v)
                    partials[((size_t)ch * cae::kThinSums + v) * chunks + k] = block_sum([&](int t) { return sums[t][v]; });
            }
        std::vector<float> dweight((size_t)c * 9), dbias(dy_wide ? c : 1);
        for (int r = 0; r < c * cae::kThinSums; ++r) {  // thin_conv_weight_grad_reduce: grid = c * kThinSums
            float sum = block_sum([&](int t) {
                return cae::strided_sum_at(t, cae::kReduceThreads, partials.data() + (size_t)r * chunks, chunks);
            });
            cae::thin_grad_store(r, sum, dweight.data(), dbias.data(), dy_wide);
        }
        save(dyout, dy);
        save(dwout, dweight);
        save(dbout, dbias);
    } else {
        throw Failure("unknown op " + op);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    try {
        Args args(argc, argv);
        run(argv[1], args);
    } catch (const Failure& e) {
        std::fprintf(stderr, "cae_kernel_host %s: %s\n%s", argv[1], e.what(), kUsage);
        return 1;
    }
    return 0;
}
