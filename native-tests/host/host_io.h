// What the two CPU programs for the kernels share (kernel_host.cpp runs the per-element bodies,
// kernel_launch.cpp the __global__ wrappers): raw little-endian array files and positional arguments.
#ifndef CAE_HOST_IO_H
#define CAE_HOST_IO_H

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

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

}  // namespace

#endif
