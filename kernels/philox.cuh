// The counter-based random numbers both engines share: the C++ twin of src/main/java/cae/engine/Philox.java
// (Philox4x32-10 keyed by the seed; Box-Muller normals and 24-bit uniforms from its words). A draw
// depends only on (seed, step, index), so a batch's noise, crops and flips are the same on any device
// and after a resume. Java and CUDA cannot share source: the kernel tests hold the two together, bit
// for bit, in the CPU emulation.
#ifndef CAE_PHILOX_CUH
#define CAE_PHILOX_CUH

#include "common.cuh"

namespace cae {

// Philox.CROP_STREAM: the counter word c3 of the crops' and flips' blocks, apart from the noise's (0);
// KernelConstants.CROP_STREAM.
constexpr uint32_t kCropStream = 1;

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

// The block of counter (c0, step lo, step hi, stream) under key (seed lo, seed hi), into c: the noise's
// (stream 0, c0 = element / 2) or the crops' (kCropStream, c0 = sample).
CAE_HD void philox_block(uint32_t c0, uint64_t step, uint32_t stream, uint64_t seed, uint32_t c[4]) {
    c[0] = c0;
    c[1] = (uint32_t)step;
    c[2] = (uint32_t)(step >> 32);
    c[3] = stream;
    philox4x32_10(c, (uint32_t)seed, (uint32_t)(seed >> 32));
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

// Philox.normal: the standard normal for element `index` of step `step`. Elements 2k and 2k+1 share one
// block (counter (k, step lo, step hi, 0)) and take the cosine and sine of its words 0 and 1.
CAE_HD float philox_normal(uint64_t seed, uint64_t step, uint32_t index) {
    uint32_t c[4];
    philox_block(index >> 1, step, 0u, seed, c);
    return box_muller(c[0], c[1], (index & 1u) == 0u);
}

// Philox.uniform, from element `index`'s noise block c (philox_block(index >> 1, step, 0, seed)): the top
// 24 bits of word 0 (even index) or word 2 (odd) as a float in [0, 1), exact on every device. The
// word after it, c[(index & 1) * 2 + 1], is left for a second draw.
CAE_HD float philox_uniform(const uint32_t c[4], uint32_t index) {
    return (float)(c[(index & 1u) * 2u] >> 8) * (1.f / 16777216.f);
}

}  // namespace cae

#endif
