#!/usr/bin/env python3
"""Classical denoisers on a folder of photographs: the yardstick for a trained model's PSNR and SSIM.

    python3 anchors/classical_denoise.py --clean DIR --out DIR [--noise gaussian:0.098] [--color grey|rgb]
                                         [--seed 1] [--jobs 2]

For each image of --clean (PNG, JPEG, BMP, searched recursively) it makes one noisy copy (the noise
on the [0, 1] scale, clipped, then rounded to 8 bits) and writes it to OUT/noisy/<same relative
name>.png, so that `cae eval --data CLEAN --noisy-data OUT/noisy` scores a model on exactly these
noisy images, and the clean image it scores against (after its own grey conversion) to
OUT/clean/<name>.png: `cae eval --data OUT/clean --noisy-data OUT/noisy` then scores on the very same
references (a colour file with an ICC profile can turn grey slightly differently in Java). Then it denoises them with OpenCV's non-local means (fastNlMeansDenoising, or
fastNlMeansDenoisingColored for RGB; the filter strength h chosen on this set, the best mean PSNR
over a grid), a Gaussian blur (its sigma chosen the same way) and, for salt-and-pepper noise, a 3 x 3
median filter, and reports PSNR and SSIM against the clean image for each image and method.

SSIM is scikit-image's structural_similarity(data_range=1, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False), as `cae eval` computes it (Wang et al. 2004). Needs numpy, OpenCV and
scikit-image (Debian: python3-opencv python3-skimage). Writes OUT/classical.json and OUT/classical.md.
"""
import argparse, json, os, sys
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from skimage.metrics import structural_similarity

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")


def parse_noise(text):
    kind, _, value = text.partition(":")
    if not value:
        kind, value = "gaussian", kind
    if kind not in ("gaussian", "salt-pepper", "mask"):
        sys.exit(f"classical_denoise: unknown noise '{text}' (gaussian:SIGMA, salt-pepper:P or mask:P)")
    return kind, float(value)


def load(path, color):
    image = cv2.imread(path, cv2.IMREAD_COLOR if color == "rgb" else cv2.IMREAD_GRAYSCALE)
    if image is None:
        sys.exit(f"classical_denoise: cannot read {path}")
    return image


def corrupt(clean, kind, strength, rng):
    x = clean.astype(np.float64) / 255.0
    if kind == "gaussian":
        x = x + strength * rng.standard_normal(x.shape)
    else:
        hit = rng.random(x.shape) < strength
        x = np.where(hit, (rng.random(x.shape) < 0.5).astype(np.float64) if kind == "salt-pepper" else 0.0, x)
    return np.clip(np.rint(np.clip(x, 0, 1) * 255), 0, 255).astype(np.uint8)


def scores(clean, image):
    a, b = clean.astype(np.float64) / 255.0, image.astype(np.float64) / 255.0
    mse = np.mean((a - b) ** 2)
    psnr = 100.0 if mse == 0 else 10 * np.log10(1.0 / mse)
    ssim = structural_similarity(a, b, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                 channel_axis=2 if a.ndim == 3 else None)
    return float(psnr), float(ssim)


def nlm(noisy, h):
    if noisy.ndim == 3:
        return cv2.fastNlMeansDenoisingColored(noisy, None, h, h, 7, 21)
    return cv2.fastNlMeansDenoising(noisy, None, h, 7, 21)


def blur(noisy, sigma):
    return cv2.GaussianBlur(noisy, (0, 0), sigma)


def best_setting(images, method, grid, jobs):
    """The setting of `method` with the best mean PSNR over the (clean, noisy) pairs, and that mean."""
    def mean_psnr(setting):
        return float(np.mean([scores(clean, method(noisy, setting))[0] for clean, noisy in images]))
    with ThreadPoolExecutor(jobs) as pool:
        means = list(pool.map(mean_psnr, grid))
    i = int(np.argmax(means))
    return grid[i], means[i]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clean", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--noise", default="gaussian:0.098")
    p.add_argument("--color", choices=("grey", "rgb"), default="grey")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    kind, strength = parse_noise(args.noise)

    names = sorted(os.path.relpath(os.path.join(d, f), args.clean)
                   for d, _, files in os.walk(args.clean) for f in files if f.lower().endswith(EXTENSIONS))
    if not names:
        sys.exit(f"classical_denoise: {args.clean} holds no PNG, JPEG or BMP images")
    rng = np.random.default_rng(args.seed)
    pairs = []
    for name in names:
        clean = load(os.path.join(args.clean, name), args.color)
        noisy = corrupt(clean, kind, strength, rng)
        target = os.path.join(args.out, "noisy", os.path.splitext(name)[0] + ".png")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        cv2.imwrite(target, noisy)
        # the clean reference as scored here, so a model can be scored against the very same pixels
        reference = os.path.join(args.out, "clean", os.path.splitext(name)[0] + ".png")
        os.makedirs(os.path.dirname(reference), exist_ok=True)
        cv2.imwrite(reference, clean)
        pairs.append((clean, noisy))

    methods = {"noisy": lambda noisy: noisy}
    h, _ = best_setting(pairs, nlm, [float(v) for v in range(4, 42, 2)], args.jobs)
    sigma, _ = best_setting(pairs, blur, [round(0.3 + 0.1 * i, 1) for i in range(28)], args.jobs)
    methods[f"non-local means (h {h:g})"] = lambda noisy: nlm(noisy, h)
    methods[f"Gaussian blur (sigma {sigma:g})"] = lambda noisy: blur(noisy, sigma)
    if kind == "salt-pepper":
        methods["median 3x3"] = lambda noisy: cv2.medianBlur(noisy, 3)

    rows = []
    for name, (clean, noisy) in zip(names, pairs):
        row = {"image": name, "height": clean.shape[0], "width": clean.shape[1]}
        for method, run in methods.items():
            row[method] = dict(zip(("psnr", "ssim"), scores(clean, run(noisy))))
        rows.append(row)
    mean = {m: {k: float(np.mean([r[m][k] for r in rows])) for k in ("psnr", "ssim")} for m in methods}
    result = {"noise": args.noise, "color": args.color, "seed": args.seed, "images": rows, "mean": mean}
    with open(os.path.join(args.out, "classical.json"), "w") as f:
        json.dump(result, f, indent=1)
    lines = [f"noise {args.noise}, {args.color}, {len(rows)} images; PSNR dB / SSIM", "",
             "| image | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    for r in rows + [dict(image="**mean**", **mean)]:
        lines.append(f"| {r['image']} | " + " | ".join(f"{r[m]['psnr']:.2f} / {r[m]['ssim']:.4f}" for m in methods) + " |")
    with open(os.path.join(args.out, "classical.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
