// A training batch: gathered from the device-resident data set by the epoch's shuffled order, scaled
// to [0, 1], and a noisy copy drawn by Philox from (seed, step) only, so resuming is exact.
#include "common.cuh"

namespace cae {

// Philox4x32-10 and Box-Muller, exactly as src/main/java/cae/engine/Philox.java.

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

}  // namespace cae

// For the n images order[from .. from + n) of `images` (count x plane unsigned bytes): clean (n x plane)
// = pixel / 255 and, unless noisy is null, noisy = clip(clean + noise_std * N(0,1), 0, 1).
// from and step change every training step, so they are read from device memory (step.cu):
// scalars[0] = from, scalars[1] = step.
extern "C" __global__ void gather_noise(const unsigned char* __restrict__ images, const int* __restrict__ order,
                                        int n, int plane, float* __restrict__ clean,
                                        float* __restrict__ noisy, float noise_std,
                                        unsigned long long seed, const long long* __restrict__ scalars) {
    int from = (int)scalars[0];
    unsigned long long step = (unsigned long long)scalars[1];
    CAE_FOR_EACH(i, n * plane) cae::gather_noise_at(i, images, order, from, plane, clean, noisy, noise_std, seed, step);
}
