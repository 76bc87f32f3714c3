// The CUDA kernels (every kernels/*.cu, compiled here as C++ through cuda_emulation.h) behind a small
// binary protocol on stdin/stdout, so the Java tests launch them through the very typed methods the CUDA
// engine uses (cae.engine.cuda.Kernels, with the test's KernelEmulator as launcher) and compare the
// results with the CPU engine.
//
// Requests, little-endian, each answered with a status byte (0, or 1 and a u32-prefixed message):
//   'W' i32 buffer, u8 element (1 float, 2 int32, 3 uint8, 4 int64), i64 count, the values
//       creates or replaces a buffer
//   'R' i32 buffer                      answered with i64 bytes and the bytes
//   'F' i32 buffer                      frees it
//   'L' u16 length, the kernel's name, u32 grid x, u32 grid y, u32 threads per block, u16 arguments,
//       each a u8 kind and its value: 1 pointer (i32 buffer, 0 for null, and i64 byte offset), 2 int32,
//       3 float32, 4 int64, 5 bytes by value (u32 length and the bytes)
//   'K'                                 answered with the kernels' names, one a line (u32-prefixed)
//   'C'                                 answered with the constants Java shares, "name value" a line
// Each argument is checked against the kernel's C++ parameter type (deduced from the function
// pointer): its kind, and for a pointer the element type of its buffer and the offset's bounds, so a
// launch whose arguments are out of order is refused with the argument's position, not run. Built
// without fused multiply-adds (-ffp-contract=off), so it rounds like the Java engine.
#include "cuda_emulation.h"

#include "all_kernels.inc"  // an #include of every kernels/*.cu, written by build.sh

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum Kind : uint8_t { kPointer = 1, kInt32 = 2, kFloat32 = 3, kInt64 = 4, kBytes = 5 };
enum Element : uint8_t { kF32 = 1, kI32 = 2, kU8 = 3, kI64 = 4 };

const char* kind_name(int kind) {
    switch (kind) {
        case kPointer: return "a pointer";
        case kInt32: return "an int";
        case kFloat32: return "a float";
        case kInt64: return "a 64-bit integer";
        case kBytes: return "a struct by value";
        default: return "an unknown kind";
    }
}

const char* element_name(int element) {
    switch (element) {
        case kF32: return "float";
        case kI32: return "int";
        case kU8: return "unsigned char";
        case kI64: return "long long";
        default: return "unknown";
    }
}

struct Buffer {
    Element element;
    std::vector<unsigned char> bytes;
};

std::map<int32_t, Buffer> buffers;

struct Arg {
    uint8_t kind = 0;
    int32_t i32 = 0, buffer = 0;
    float f32 = 0;
    int64_t i64 = 0, offset = 0;
    std::vector<unsigned char> bytes;
};

void expect(const Arg& a, Kind kind, size_t position, const char* type) {
    if (a.kind != kind)
        throw Refused("argument " + std::to_string(position + 1) + " is " + kind_name(a.kind) + ", the kernel's parameter is " + type);
}

template <class T> struct ElementOf;
template <> struct ElementOf<float> { static constexpr Element value = kF32; };
template <> struct ElementOf<int> { static constexpr Element value = kI32; };
template <> struct ElementOf<unsigned char> { static constexpr Element value = kU8; };
template <> struct ElementOf<long long> { static constexpr Element value = kI64; };

// What a kernel parameter of type T accepts, and its value.
template <class T> struct Param {
    static_assert(sizeof(T) == 0, "a kernel parameter type the emulator does not know: add a Param for it");
};

template <> struct Param<int> {
    static int take(const Arg& a, size_t i) { expect(a, kInt32, i, "int"); return a.i32; }
};
template <> struct Param<float> {
    static float take(const Arg& a, size_t i) { expect(a, kFloat32, i, "float"); return a.f32; }
};
template <> struct Param<unsigned long long> {
    static unsigned long long take(const Arg& a, size_t i) { expect(a, kInt64, i, "unsigned long long"); return (unsigned long long)a.i64; }
};
template <> struct Param<StepWords> {
    static StepWords take(const Arg& a, size_t i) {
        expect(a, kBytes, i, "StepWords");
        if (a.bytes.size() != sizeof(StepWords))
            throw Refused("argument " + std::to_string(i + 1) + " has " + std::to_string(a.bytes.size()) + " bytes, StepWords " +
                          std::to_string(sizeof(StepWords)));
        StepWords w;
        std::memcpy(&w, a.bytes.data(), sizeof w);
        return w;
    }
};
template <class E> struct Param<E*> {
    using Value = std::remove_const_t<E>;
    static E* take(const Arg& a, size_t i) {
        std::string type = std::string(std::is_const_v<E> ? "const " : "") + element_name(ElementOf<Value>::value) + "*";
        expect(a, kPointer, i, type.c_str());
        if (a.buffer == 0) return nullptr;
        auto found = buffers.find(a.buffer);
        if (found == buffers.end()) throw Refused("argument " + std::to_string(i + 1) + ": no buffer " + std::to_string(a.buffer));
        Buffer& b = found->second;
        if (b.element != ElementOf<Value>::value)
            throw Refused("argument " + std::to_string(i + 1) + " points to " + element_name(b.element) + " values, the kernel's parameter is " +
                          type);
        if (a.offset < 0 || (size_t)a.offset > b.bytes.size() || a.offset % sizeof(Value) != 0)
            throw Refused("argument " + std::to_string(i + 1) + ": offset " + std::to_string(a.offset) + " into a buffer of " +
                          std::to_string(b.bytes.size()) + " bytes");
        return reinterpret_cast<E*>(b.bytes.data() + a.offset);
    }
};

struct Launch {
    unsigned gx, gy, threads;
    std::vector<Arg> args;
};

using Entry = std::function<void(const Launch&)>;

template <class... P, size_t... I>
void launch_with(void (*kernel)(P...), const Launch& l, std::index_sequence<I...>) {
    std::tuple<P...> values{Param<P>::take(l.args[I], I)...};
    std::apply([&](P... v) { cae_launch(kernel, l.gx, l.gy, l.threads, v...); }, values);
}

// The launcher of one kernel, its parameter types deduced from the function.
template <class... P>
Entry entry(void (*kernel)(P...)) {
    return [kernel](const Launch& l) {
        if (l.args.size() != sizeof...(P))
            throw Refused(std::to_string(l.args.size()) + " arguments, the kernel has " + std::to_string(sizeof...(P)) + " parameters");
        launch_with(kernel, l, std::index_sequence_for<P...>{});
    };
}

#define CAE_KERNEL(name) {#name, entry(name)}

const std::map<std::string, Entry> kernels = {
    CAE_KERNEL(bias_relu_forward), CAE_KERNEL(relu_backward_bias_partials), CAE_KERNEL(bias_grad_reduce),
    CAE_KERNEL(sigmoid_forward),
    CAE_KERNEL(adam_update),
    CAE_KERNEL(resize_bilinear_forward), CAE_KERNEL(resize_bilinear_backward),
    CAE_KERNEL(conv3x3_weight_grad_partials), CAE_KERNEL(conv3x3_weight_grad_reduce),
    CAE_KERNEL(direct_conv_forward),
    CAE_KERNEL(im2col3x3), CAE_KERNEL(col2im3x3),
    CAE_KERNEL(im2col3x3_s2), CAE_KERNEL(col2im3x3_s2),
    CAE_KERNEL(sigmoid_xent_forward_backward), CAE_KERNEL(squared_error_forward_backward), CAE_KERNEL(loss_reduce),
    CAE_KERNEL(elementwise_add), CAE_KERNEL(elementwise_subtract),
    CAE_KERNEL(maxpool_same_forward), CAE_KERNEL(maxpool_same_backward), CAE_KERNEL(maxpool_relu_backward_bias_partials),
    CAE_KERNEL(gather_noise),
    CAE_KERNEL(resize_nearest_forward), CAE_KERNEL(resize_nearest_backward), CAE_KERNEL(resize_nearest_relu_backward_bias_partials),
    CAE_KERNEL(step_scalars_set),
    CAE_KERNEL(thin_conv_in1_forward), CAE_KERNEL(thin_conv_out1_forward), CAE_KERNEL(thin_conv_in1_backward_data),
    CAE_KERNEL(thin_conv_out1_backward_data), CAE_KERNEL(thin_conv_weight_grad_partials), CAE_KERNEL(thin_conv_weight_grad_reduce),
    CAE_KERNEL(maxpool_same_gather),
};

// The constants the Java side keeps too (cae.engine.cuda.KernelConstants; KernelConstantsTest compares).
std::string constants() {
    std::string s;
    auto add = [&](const char* name, long long v) { s += std::string(name) + " " + std::to_string(v) + "\n"; };
    add("kReduceThreads", cae::kReduceThreads);
    add("kBiasChunk", cae::kBiasChunk);
    add("kStepWords", cae::kStepWords);
    add("kThinSums", cae::kThinSums);
    add("kDirectGroup", cae::kDirectGroup);
    add("kDirectMaxIn", cae::kDirectMaxIn);
    add("kWgradMaxChannels", cae::kWgradMaxChannels);
    add("kWgradTileRows", cae::kWgradTileRows);
    add("kCropStream", cae::kCropStream);
    add("kNoiseNone", cae::kNoiseNone);
    add("kNoiseGaussian", cae::kNoiseGaussian);
    add("kNoiseSaltPepper", cae::kNoiseSaltPepper);
    add("kNoiseMask", cae::kNoiseMask);
    return s;
}

// ---- the protocol ----

struct EndOfInput {};

void read_exactly(void* to, size_t n) {
    if (n > 0 && std::fread(to, 1, n, stdin) != n) throw EndOfInput{};
}

template <class T>
T get() {
    T v;
    read_exactly(&v, sizeof v);
    return v;
}

void put(const void* from, size_t n) {
    if (n > 0 && std::fwrite(from, 1, n, stdout) != n) std::_Exit(4);
}

void ok() { put("\0", 1); }

void reply_text(const std::string& text) {
    ok();
    uint32_t n = (uint32_t)text.size();
    put(&n, 4);
    put(text.data(), n);
}

void refuse(const std::string& why) {
    put("\1", 1);
    uint32_t n = (uint32_t)why.size();
    put(&n, 4);
    put(why.data(), n);
}

size_t element_bytes(int element) {
    switch (element) {
        case kF32: case kI32: return 4;
        case kU8: return 1;
        case kI64: return 8;
        default: std::fprintf(stderr, "unknown element type %d\n", element); std::_Exit(4);  // the stream is lost
    }
}

void write_buffer() {
    int32_t id = get<int32_t>();
    uint8_t element = get<uint8_t>();
    int64_t count = get<int64_t>();
    size_t size = element_bytes(element);
    if (count < 0) {
        std::fprintf(stderr, "negative count\n");
        std::_Exit(4);
    }
    Buffer b{(Element)element, std::vector<unsigned char>((size_t)count * size)};
    read_exactly(b.bytes.data(), b.bytes.size());
    if (id <= 0) throw Refused("buffer ids start at 1");
    buffers[id] = std::move(b);
    ok();
}

void read_buffer() {
    int32_t id = get<int32_t>();
    auto found = buffers.find(id);
    if (found == buffers.end()) throw Refused("no buffer " + std::to_string(id));
    ok();
    int64_t n = (int64_t)found->second.bytes.size();
    put(&n, 8);
    put(found->second.bytes.data(), (size_t)n);
}

void launch() {
    std::string name(get<uint16_t>(), '\0');
    read_exactly(name.data(), name.size());
    Launch l;
    l.gx = get<uint32_t>();
    l.gy = get<uint32_t>();
    l.threads = get<uint32_t>();
    l.args.resize(get<uint16_t>());
    for (Arg& a : l.args) {
        a.kind = get<uint8_t>();
        switch (a.kind) {
            case kPointer: a.buffer = get<int32_t>(); a.offset = get<int64_t>(); break;
            case kInt32: a.i32 = get<int32_t>(); break;
            case kFloat32: a.f32 = get<float>(); break;
            case kInt64: a.i64 = get<int64_t>(); break;
            case kBytes: a.bytes.resize(get<uint32_t>()); read_exactly(a.bytes.data(), a.bytes.size()); break;
            default: std::fprintf(stderr, "unknown argument kind %d\n", a.kind); std::_Exit(4);  // the stream is lost
        }
    }
    auto found = kernels.find(name);
    if (found == kernels.end()) throw Refused("no kernel " + name);
    if (l.gx == 0 || l.gy == 0 || l.threads == 0 || l.threads > 1024) throw Refused(name + ": an empty grid or a block of " + std::to_string(l.threads));
    try {
        found->second(l);
    } catch (const Refused& e) {
        throw Refused(name + ": " + e.what());
    }
    ok();
}

}  // namespace

int main() {
    try {
        for (;;) {
            int op = std::fgetc(stdin);
            if (op == EOF) return 0;
            try {
                switch (op) {
                    case 'W': write_buffer(); break;
                    case 'R': read_buffer(); break;
                    case 'F': buffers.erase(get<int32_t>()); ok(); break;
                    case 'L': launch(); break;
                    case 'K': {
                        std::string names;
                        for (const auto& k : kernels) names += k.first + "\n";
                        reply_text(names);
                        break;
                    }
                    case 'C': reply_text(constants()); break;
                    default: std::fprintf(stderr, "unknown request %d\n", op); return 4;
                }
            } catch (const Refused& e) {
                refuse(e.what());
            }
            std::fflush(stdout);
        }
    } catch (const EndOfInput&) {
        return 0;
    }
}
