#!/usr/bin/env python3
"""One sitting of the CPU speed comparison: ours against PyTorch natively and through DJL.

    python3 anchors/cpu_sitting.py [--rounds 3] [--models photo,recipe]

Each round runs, one after the other, `./cae bench` on the CPU engine, PyTorch natively
(anchors/torch_photo_bench.py or anchors/torch_cae.py, with this Python) and PyTorch through DJL
(anchors/djl-pytorch/run.sh), for the photo model (64 x 64 colour crops, --widths 64,64,32 --skips,
batch 32) and for the recipe (batch 100). Alternating the three inside each round puts them in the
same minutes on a machine whose speed drifts. Prints each round's training images/s as it comes,
then per model the medians and our median over each anchor's. For DJL's recipe run, which times
three malloc settings, a round counts its best setting. About 5 minutes a round on a 2-core machine.
Needs the project built (./cae builds it), PyTorch for this Python, and Maven for the DJL anchor.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PHOTO = ["--size", "64", "--color", "rgb", "--widths", "64,64,32", "--skips", "--batch", "32"]


def run(command, env=None):
    """stdout and stderr of a command run from the repository's root; exits on failure."""
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})}, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        sys.exit("cpu_sitting.py: %s failed (exit %d):\n%s" % (" ".join(command), done.returncode, done.stdout[-2000:]))
    return done.stdout


def one_number(pattern, text, what):
    found = re.findall(pattern, text, re.MULTILINE)
    if not found:
        sys.exit("cpu_sitting.py: no %s in:\n%s" % (what, text[-2000:]))
    return [float(f) for f in found]


def ours(model):
    args = PHOTO + ["--steps", "10", "--repeats", "3", "--warmup", "1"] if model == "photo" else ["--batch", "100"]
    out = run(["./cae", "bench", "--device", "cpu"] + args)
    return one_number(r"^cpu\s+\d+\s+(\d+)", out, "bench line")[0]


def native(model):
    if model == "photo":
        out = run([sys.executable, "anchors/torch_photo_bench.py"] + PHOTO + ["--steps", "10", "--repeats", "3"])
        return one_number(r"^torch-cpu\s+\d+\s+(\d+)", out, "torch_photo_bench line")[0]
    out = run([sys.executable, "anchors/torch_cae.py", "--device", "cpu", "--epochs", "2"])
    return float(json.loads(out.strip().splitlines()[-1])["train_images_per_s"])


def djl(model):
    if model == "photo":
        out = run(["anchors/djl-pytorch/run.sh"], {"MODEL": "photo"})
        return one_number(r"djl-torch-cpu\s+\d+\s+(\d+)", out, "DJL photo line")[0]
    out = run(["anchors/djl-pytorch/run.sh"], {"LOGITS": "grouped"})
    return max(one_number(r"train ms/step.*\((\d+) images/s\)", out, "DJL training line"))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3, help="rounds per model (default: 3)")
    p.add_argument("--models", default="photo,recipe", help="photo, recipe or both (default: photo,recipe)")
    a = p.parse_args(argv)
    models = a.models.split(",")
    if a.rounds < 1 or any(m not in ("photo", "recipe") for m in models):
        p.error("--rounds must be at least 1 and --models photo and/or recipe")
    print("start %s UTC, load average %.2f" % (time.strftime("%H:%M:%S", time.gmtime()), os.getloadavg()[0]), flush=True)
    results = {}
    for model in models:
        rows = []
        for r in range(a.rounds):
            row = (ours(model), native(model), djl(model))
            rows.append(row)
            print("%-6s round %d: ours %.0f, native %.0f, DJL %.0f training images/s" % ((model, r + 1) + row), flush=True)
        results[model] = rows
    print("end %s UTC, load average %.2f" % (time.strftime("%H:%M:%S", time.gmtime()), os.getloadavg()[0]))
    for model, rows in results.items():
        o, n, d = (statistics.median(column) for column in zip(*rows))
        print("%-6s medians: ours %.0f, native %.0f, DJL %.0f; ours / native %.2fx, ours / DJL %.2fx"
              % (model, o, n, d, o / n, o / d))


if __name__ == "__main__":
    main(sys.argv[1:])
