#!/usr/bin/env python3
"""The recipe's model (docs/SPEC.md §2.1) in PyTorch: the speed anchor ours is compared with.

    python3 anchors/torch_cae.py [--device cuda|cpu] [--data DIR] [--epochs 3] [--batch 100] [--seed 0]
                                 [--tf32 | --no-tf32] [--compile MODE] [--channels-last] [--threads N]

Trains for --epochs epochs of 55,000 images and times each one (the device synchronised before and
after); the first epoch warms up (and, with --compile, compiles) and is reported on its own, the others
give the median. With --data (a folder holding train-images-idx3-ubyte, raw or .gz) the images are
MNIST's training split without the 5,000 validation images (docs/SPEC.md §3.2); without it, 55,000
random images (the time does not depend on the pixels). All images stay on the device, and the noise
is drawn there. Then it times 200 forward passes at the batch size.

One line per epoch, then a last line holding one JSON object that native-tests/compare-table.py reads:
anchor, torch, device, threads, data, batch, tf32, compile, channels_last, first_epoch_s,
epoch_s_median, train_images_per_s, infer_images_per_s, last_loss.

What differs from ours, on purpose or not: PyTorch's Adam adds epsilon after the bias correction
(docs/SPEC.md §2.5 has TensorFlow 1's form), its initialisation and noise come from torch's generators,
and its inference timing is the logits without the sigmoid.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

TRAIN_IMAGES = "train-images-idx3-ubyte"
VALIDATION = 5000
EPOCH_IMAGES = 55000
INFERENCE_WARMUP, INFERENCE_RUNS = 20, 200


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", help="cuda or cpu (default: cuda when PyTorch sees a GPU)")
    p.add_argument("--data", metavar="DIR", help="folder with the MNIST IDX files (default: random images)")
    p.add_argument("--epochs", type=int, default=3, help="epochs, the first one a warm-up (default: 3)")
    p.add_argument("--batch", type=int, default=100, help="images per step (default: 100)")
    p.add_argument("--seed", type=int, default=0, help="seed of torch's and numpy's generators (default: 0)")
    p.add_argument("--tf32", dest="tf32", action="store_true", default=False, help="allow TF32 tensor cores")
    p.add_argument("--no-tf32", dest="tf32", action="store_false", help="strict FP32 (the default)")
    p.add_argument("--compile", metavar="MODE", help="torch.compile the training step with this mode, "
                   "e.g. default, reduce-overhead, max-autotune")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (default: every core)")
    p.add_argument("--channels-last", action="store_true", help="NHWC tensors instead of NCHW")
    a = p.parse_args(argv)
    if a.epochs < 1 or a.batch < 1:
        p.error("--epochs and --batch must be at least 1")
    return a


def idx_images(folder):
    """N x H x W unsigned bytes from FOLDER/train-images-idx3-ubyte (raw or .gz; gzip told by its magic bytes)."""
    for name in (TRAIN_IMAGES, TRAIN_IMAGES + ".gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            break
    else:
        sys.exit("torch_cae.py: %s has no %s (or %s.gz)" % (folder, TRAIN_IMAGES, TRAIN_IMAGES))
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic, count, height, width = struct.unpack(">IIII", raw[:16])
    if magic != 0x00000803 or len(raw) != 16 + count * height * width:
        sys.exit("torch_cae.py: %s is not an IDX file of N x H x W unsigned bytes" % path)
    return raw[16:], count, height, width


def make_model(nn, F):
    class Autoencoder(nn.Module):
        """Three conv + ReLU + 2x2 SAME max-pool stages, three nearest-resize + conv stages back to the
        encoder's sizes, a 1-channel logits conv. Layer names as in our model.safetensors."""

        def __init__(self):
            super().__init__()
            for name, cin, cout in (("conv1", 1, 32), ("conv2", 32, 32), ("conv3", 32, 16), ("conv4", 16, 16),
                                    ("conv5", 16, 32), ("conv6", 32, 32), ("logits", 32, 1)):
                layer = nn.Conv2d(cin, cout, kernel_size=3, padding=1)
                nn.init.xavier_uniform_(layer.weight)   # fan_in 9 Cin, fan_out 9 Cout: the Glorot limit of docs/SPEC.md §2.3
                nn.init.zeros_(layer.bias)
                setattr(self, name, layer)

        def forward(self, x):
            # ceil_mode pads at the end only, and padding never wins: TensorFlow's SAME for a 2x2 stride-2 pool
            pool = lambda t: F.max_pool2d(t, kernel_size=2, stride=2, ceil_mode=True)
            up = lambda t, like: F.interpolate(t, size=like.shape[-2:], mode="nearest")
            e1 = F.relu(self.conv1(x))
            e2 = F.relu(self.conv2(pool(e1)))
            e3 = F.relu(self.conv3(pool(e2)))
            code = pool(e3)
            d = F.relu(self.conv4(up(code, e3)))
            d = F.relu(self.conv5(up(d, e2)))
            d = F.relu(self.conv6(up(d, e1)))
            return self.logits(d)

    return Autoencoder()


def main(argv):
    a = parse_args(argv)
    try:
        import numpy as np
        import torch
        import torch.nn.functional as F
        from torch import nn
    except ImportError as e:
        sys.exit("torch_cae.py needs PyTorch and numpy: %s" % e)

    torch.manual_seed(a.seed)
    device = torch.device(a.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    on_gpu = device.type == "cuda"
    if not on_gpu:
        # every core, as torch_photo_bench.py: some builds (Debian's 1.13) default to one thread
        torch.set_num_threads(a.threads or os.cpu_count())
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.benchmark = True   # let cuDNN time its algorithms, as our engine does
    layout = torch.channels_last if a.channels_last else torch.contiguous_format

    if a.data:
        pixels, count, height, width = idx_images(a.data)
        images = np.frombuffer(pixels, dtype=np.uint8).reshape(count, height, width)[VALIDATION:]
        source = "mnist-%d" % len(images)
    else:
        images = np.random.default_rng(a.seed).integers(0, 256, size=(EPOCH_IMAGES, 28, 28), dtype=np.uint8)
        source = "random-%d" % EPOCH_IMAGES
    clean_all = torch.from_numpy(images.copy()).to(device).float().div_(255).unsqueeze(1)   # a writable copy for torch

    model = make_model(nn, F).to(device).to(memory_format=layout)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def train_step(clean):
        noisy = torch.clamp(clean + 0.5 * torch.randn_like(clean), 0.0, 1.0)
        loss = F.binary_cross_entropy_with_logits(model(noisy), clean)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    if a.compile:
        train_step = torch.compile(train_step, mode=a.compile)
    wait = torch.cuda.synchronize if on_gpu else (lambda: None)

    steps = clean_all.shape[0] // a.batch
    seconds, last_losses = [], []
    for epoch in range(a.epochs):
        order = torch.randperm(clean_all.shape[0], device=device)
        wait()
        start = time.perf_counter()
        for s in range(steps):
            batch = clean_all[order[s * a.batch:(s + 1) * a.batch]].contiguous(memory_format=layout)
            loss = train_step(batch)
        wait()
        seconds.append(time.perf_counter() - start)
        last_losses.append(float(loss))
        print("epoch %d: %.3f s, last loss %.4f" % (epoch, seconds[-1], last_losses[-1]), flush=True)

    model.eval()
    sample = clean_all[:a.batch].contiguous(memory_format=layout)
    with torch.no_grad():
        for _ in range(INFERENCE_WARMUP):
            model(sample)
        wait()
        start = time.perf_counter()
        for _ in range(INFERENCE_RUNS):
            model(sample)
        wait()
        per_batch = (time.perf_counter() - start) / INFERENCE_RUNS

    warm = statistics.median(seconds[1:] or seconds)
    result = {
        "anchor": "pytorch",
        "torch": torch.__version__,
        "device": torch.cuda.get_device_name(device) if on_gpu else "cpu",
        "threads": torch.get_num_threads(),
        "data": source,
        "batch": a.batch,
        "tf32": a.tf32,
        "compile": a.compile,
        "channels_last": a.channels_last,
        "first_epoch_s": round(seconds[0], 4),
        "epoch_s_median": round(warm, 4),
        "train_images_per_s": round(steps * a.batch / warm, 1),
        "infer_images_per_s": round(a.batch / per_batch, 1),
        "last_loss": round(last_losses[-1], 5),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
