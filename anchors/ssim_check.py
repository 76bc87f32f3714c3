#!/usr/bin/env python3
"""The oracle numbers SsimTest, PsnrTest and GaussianBlurTest hold cae.metrics to (docs/metrics.md).

Run it with scikit-image and SciPy installed:

    python3 anchors/ssim_check.py                 # the formula-generated pairs the Java tests rebuild
    python3 anchors/ssim_check.py a.png b.png     # also PSNR and SSIM of two PNGs of one size

The images are pure integer formulas (the same ones as in the Java tests), as 8-bit values turned into
pixels the way the trainer does: float32(v) / float32(255), then widened to double. SSIM is
scikit-image's structural_similarity with data_range=1, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False (Wang et al. 2004 as the issue defines it); PSNR is 10 log10(1 / MSE);
the blur is scipy.ndimage.gaussian_filter with its defaults (mode 'reflect', truncate 4) per channel.
The Java tests need no Python: they hold the numbers printed here.
"""
import sys

import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.metrics import structural_similarity, peak_signal_noise_ratio


def smooth(c, h, w):
    """A smooth ramp with a ripple: the 'clean' image."""
    y, x = np.mgrid[0:h, 0:w]
    planes = [(x * 7 + y * 13 + ch * 50 + ((x * y) % 17) * 5) % 256 for ch in range(c)]
    return np.stack(planes).astype(np.int64)


def scrambled(c, h, w, salt):
    """An LCG-like scramble of the ramp: the 'noisy' image."""
    base = smooth(c, h, w)
    y, x = np.mgrid[0:h, 0:w]
    planes = [(base[ch] + ((x * 31 + y * 17 + ch * 7 + salt) * 2654435761 % 97) - 48) for ch in range(c)]
    return np.clip(np.stack(planes), 0, 255)


def pixels(v):
    return (v.astype(np.float32) / np.float32(255)).astype(np.float64)


def ssim(a, b):
    if a.shape[0] == 1:
        return structural_similarity(a[0], b[0], data_range=1, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False)
    return structural_similarity(a, b, data_range=1, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, channel_axis=0)


def report(name, a, b):
    print(f"{name}: psnr {peak_signal_noise_ratio(a, b, data_range=1)!r} ssim {ssim(a, b)!r}")


def main():
    for c, h, w, salt in [(1, 23, 31, 1), (3, 17, 29, 2), (1, 11, 11, 3), (3, 40, 12, 4)]:
        a, b = pixels(smooth(c, h, w)), pixels(scrambled(c, h, w, salt))
        report(f"{c}x{h}x{w} salt {salt}", a, b)
    a = pixels(scrambled(1, 9, 13, 5))
    for sigma in (0.5, 1.5, 4.0):
        blurred = gaussian_filter(a[0], sigma=sigma, mode='reflect', truncate=4.0)
        print(f"blur 1x9x13 salt 5 sigma {sigma}: sum {blurred.sum()!r} [4][6] {blurred[4, 6]!r} [0][12] {blurred[0, 12]!r}")
    if len(sys.argv) == 3:
        from skimage.io import imread
        a, b = (pixels(imread(p)) for p in sys.argv[1:])
        if a.ndim == 3:
            a, b = np.moveaxis(a[..., :3], -1, 0), np.moveaxis(b[..., :3], -1, 0)
        else:
            a, b = a[None], b[None]
        report(f"{sys.argv[1]} against {sys.argv[2]}", a, b)


if __name__ == "__main__":
    main()
