// A training batch: gathered from the device-resident data set by the epoch's shuffled order, scaled
// to [0, 1], and a noisy copy drawn by Philox from (seed, step) only, so resuming is exact.
#include "device.cuh"

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
