// How a training batch is cut from an image and corrupted: the C++ twins of cae.engine.Sampling.crop
// (the crop's position and its flips) and cae.engine.Noise.apply (the noise models), both drawing from
// Philox (philox.cuh) by (seed, step, sample or element). The kernel tests hold them to the Java rules
// bit for bit in the CPU emulation: every crop position, flip and salt, pepper or mask decision.
#ifndef CAE_SAMPLING_CUH
#define CAE_SAMPLING_CUH

#include "philox.cuh"

namespace cae {

// cae.engine.Noise.Kind as the gather kernel takes it (KernelConstants.NOISE_NONE, ...).
constexpr int kNoiseNone = 0, kNoiseGaussian = 1, kNoiseSaltPepper = 2, kNoiseMask = 3;

// A sample's window in its image: top row y, left column x, and whether it is flipped left-right
// (flip_x) and up-down (flip_y).
struct Crop {
    int y, x, flip_x, flip_y;
};

// Sampling.crop: where sample `sample` of the batch at `step` is cut from an image of h x w for a crop
// of crop_h x crop_w, from the words of block (sample, step lo, step hi, kCropStream): the row is
// floor(word 0 * (h - crop_h + 1) / 2^32), the column likewise from word 1, so every position has
// nearly the same odds and none lies outside; with flips, bit 0 of word 2 flips left-right, bit 1 up-down.
CAE_HD Crop sample_crop(uint64_t seed, uint64_t step, int sample, int h, int w, int crop_h, int crop_w, int flips) {
    uint32_t c[4];
    philox_block((uint32_t)sample, step, kCropStream, seed, c);
    Crop crop;
    crop.y = (int)(((uint64_t)c[0] * (uint64_t)(h - crop_h + 1)) >> 32);
    crop.x = (int)(((uint64_t)c[1] * (uint64_t)(w - crop_w + 1)) >> 32);
    crop.flip_x = flips ? (int)(c[2] & 1u) : 0;
    crop.flip_y = flips ? (int)((c[2] >> 1) & 1u) : 0;
    return crop;
}

// Noise.apply: the noisy value of `clean`, element `index` of the batch at `step`, clipped to [0, 1]:
// Gaussian, clean + strength N(0,1); salt-and-pepper, with probability strength 1 or 0 by the top bit
// of the block's next word; mask, with probability strength 0; none, clean itself.
CAE_HD float apply_noise(int kind, float strength, float clean, uint64_t seed, uint64_t step, uint32_t index) {
    if (kind == kNoiseGaussian) return fminf(fmaxf(clean + strength * philox_normal(seed, step, index), 0.f), 1.f);
    if (kind == kNoiseNone) return clean;
    uint32_t c[4];
    philox_block(index >> 1, step, 0u, seed, c);
    float u = philox_uniform(c, index);
    if (kind == kNoiseMask) return u < strength ? 0.f : clean;
    if (u >= strength) return clean;
    return (c[(index & 1u) * 2u + 1u] >> 31) != 0u ? 1.f : 0.f;
}

}  // namespace cae

#endif
