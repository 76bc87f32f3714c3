// A training batch: samples cut from the device-resident images by the epoch's shuffled order (whole
// images, or crops with flips), scaled to [0, 1], and their noisy versions (a real noisy twin's same
// crop, or the noise model's), every draw from (seed, step, sample or element) only, so resuming is
// exact and the batch does not depend on the grid.
#include "sampling.cuh"

namespace cae {

// Element i of a batch of n x channels x h x w: sample s = i / (channels h w) is image
// image = order[from + s], whose plane ch starts at pixels + offsets[image] and holds sizes[2 image]
// rows of sizes[2 image + 1]. The sample is the h x w window at the crop sample_crop draws (with
// `crop` or `flips`; else the top-left one, the whole image), flipped as drawn; clean = pixel / 255.
// Unless noisy is null, noisy = the paired image's same pixel / 255 (paired_pixels not null), or
// apply_noise of clean with element index i.
CAE_HD void gather_noise_at(unsigned i, const uint8_t* pixels, const long long* offsets, const int* sizes,
                            const uint8_t* paired_pixels, const long long* paired_offsets, const int* order, int from,
                            int channels, int h, int w, int crop, int flips, float* clean, float* noisy, int noise,
                            float strength, uint64_t seed, uint64_t step) {
    int plane = h * w, sample = channels * plane;
    int s = (int)(i / (unsigned)sample), e = (int)i - s * sample;
    int ch = e / plane, p = e - ch * plane, y = p / w, x = p - y * w;
    int image = order[from + s], ih = sizes[2 * image], iw = sizes[2 * image + 1];
    Crop k = {0, 0, 0, 0};
    if (crop || flips) k = sample_crop(seed, step, s, ih, iw, h, w, flips);
    long long at = (long long)(ch * ih + k.y + (k.flip_y ? h - 1 - y : y)) * iw + k.x + (k.flip_x ? w - 1 - x : x);
    float c = (float)pixels[offsets[image] + at] / 255.f;
    clean[i] = c;
    if (!noisy) return;
    noisy[i] = paired_pixels ? (float)paired_pixels[paired_offsets[image] + at] / 255.f
                             : apply_noise(noise, strength, c, seed, step, i);
}

}  // namespace cae

// For the n samples order[from .. from + n) of an image set (pixels, offsets, sizes: see
// gather_noise_at; paired_pixels and paired_offsets, the noisy twins of the same sizes, or null):
// clean (n x channels x h x w) = pixels / 255 and, unless noisy is null, noisy = the twins' or
// clean with noise `noise` (cae::kNoise*) of `strength`. from and step change every training step,
// so they are read from device memory (step.cu): scalars[0] = from, scalars[1] = step.
extern "C" __global__ void gather_noise(const unsigned char* __restrict__ pixels, const long long* __restrict__ offsets,
                                        const int* __restrict__ sizes, const unsigned char* __restrict__ paired_pixels,
                                        const long long* __restrict__ paired_offsets, const int* __restrict__ order,
                                        int n, int channels, int h, int w, int crop, int flips,
                                        float* __restrict__ clean, float* __restrict__ noisy, int noise, float strength,
                                        unsigned long long seed, const long long* __restrict__ scalars) {
    int from = (int)scalars[0];
    unsigned long long step = (unsigned long long)scalars[1];
    CAE_FOR_EACH(i, n * channels * h * w)
        cae::gather_noise_at(i, pixels, offsets, sizes, paired_pixels, paired_offsets, order, from, channels, h, w, crop,
                             flips, clean, noisy, noise, strength, seed, step);
}
