#!/usr/bin/env python3
"""Training images/s of the photo model in PyTorch on the CPU, to set beside `./cae bench --device cpu`.

    /usr/bin/python3 anchors/torch_photo_bench.py [--size 64] [--color rgb] [--widths 64,64,32] [--skips]
                                                  [--residual] [--batch 32] [--steps 20] [--repeats 5]

The model is docs/SPEC.md §2.2a's with the nearest decoder: encoder stage i a 3x3 convolution (ReLU)
and a 2x2 max-pool; up stage j a nearest resize back to level S-1-j's size and a 3x3 convolution
(ReLU) to that level's width, plus, with --skips, the encoder's output of that level; a 3x3 output
convolution to the image's channels; with --residual the loss is the MSE of the output against the
noise (input - clean), else the MSE of the output against the clean image. Sides that are multiples of
2^stages keep PyTorch's pooling equal to TensorFlow's SAME padding. It prints the parameter count
(compare it with the bench's header) and, like the bench, the median of --repeats timed runs of
--steps steps after one untimed run. Uses every core (torch.set_num_threads(os.cpu_count())):
what a Python user runs with Debian's python3-torch (oneDNN).
"""
import argparse
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Autoencoder(nn.Module):
    def __init__(self, channels, widths, skips):
        super().__init__()
        self.skips = skips
        ins = [channels] + widths[:-1]
        self.encoder = nn.ModuleList(nn.Conv2d(i, o, 3, padding=1) for i, o in zip(ins, widths))
        stages = len(widths)
        # up stage j works at level S-1-j and gives that level's width, from the previous stage's
        previous = [widths[-1]] + [widths[stages - 1 - j] for j in range(stages - 1)]
        self.decoder = nn.ModuleList(nn.Conv2d(previous[j], widths[stages - 1 - j], 3, padding=1) for j in range(stages))
        self.logits = nn.Conv2d(widths[0], channels, 3, padding=1)

    def forward(self, x):
        levels, sizes = [], []
        for conv in self.encoder:
            sizes.append(x.shape[-2:])
            x = F.relu(conv(x))
            levels.append(x)
            x = F.max_pool2d(x, 2, ceil_mode=True)
        for j, conv in enumerate(self.decoder):
            level = len(self.encoder) - 1 - j
            x = F.relu(conv(F.interpolate(x, size=tuple(sizes[level]), mode="nearest")))
            if self.skips:
                x = x + levels[level]
        return self.logits(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--color", choices=("grey", "rgb"), default="rgb")
    p.add_argument("--widths", default="64,64,32")
    p.add_argument("--skips", action="store_true")
    p.add_argument("--residual", action="store_true")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--sigma", type=float, default=0.1)
    a = p.parse_args()
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    channels = 3 if a.color == "rgb" else 1
    model = Autoencoder(channels, [int(w) for w in a.widths.split(",")], a.skips)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    clean = torch.rand(a.batch, channels, a.size, a.size)

    def step():
        noisy = (clean + a.sigma * torch.randn_like(clean)).clamp(0, 1)
        out = model(noisy)
        loss = F.mse_loss(out, noisy - clean) if a.residual else F.mse_loss(out, clean)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    params = sum(t.numel() for t in model.parameters())
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads; {params} parameters; "
          f"{a.size}x{a.size} {a.color}, widths {a.widths}{', skips' if a.skips else ''}{', residual' if a.residual else ''}, batch {a.batch}")
    for _ in range(a.steps):
        step()
    seconds = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        for _ in range(a.steps):
            step()
        seconds.append((time.perf_counter() - t0) / a.steps)
    s = statistics.median(seconds)
    print(f"torch-cpu {a.batch:6d} {a.batch / s:14.0f} {s * 1e3:10.2f}   (train img/s, ms/step; median of {a.repeats})")


if __name__ == "__main__":
    main()
