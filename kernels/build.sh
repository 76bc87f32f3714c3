#!/usr/bin/env bash
# Compiles kernels/*.cu into one fatbin, OUTDIR/cae/kernels/cae_kernels.fatbin (a classpath resource),
# with SASS for sm_80, sm_86, sm_89, sm_90 and PTX for compute_90 so later GPUs can JIT it.
#
#   bash kernels/build.sh OUTDIR          (Maven runs it with OUTDIR = target/classes)
#
# No nvcc: says so and succeeds, and the CUDA engine has no kernels. A kernel that fails to compile
# fails the build. Skips the compile when the fatbin is newer than every file in kernels/.
# NVCC overrides the compiler; CAE_CUDA_ARCHS overrides the -gencode list (e.g. for a quick local build).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: bash kernels/build.sh OUTDIR" >&2
  exit 2
fi
src=$(cd "$(dirname "$0")" && pwd)
out="$1/cae/kernels/cae_kernels.fatbin"

nvcc=${NVCC:-$(command -v nvcc || true)}
if [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ]; then nvcc=/usr/local/cuda/bin/nvcc; fi
if [ -z "$nvcc" ]; then
  echo "kernels: nvcc not found, so the CUDA engine will have no kernels (the rest of the build goes on)"
  exit 0
fi

if [ -f "$out" ] && [ -z "$(find "$src" -newer "$out" -type f -print -quit)" ]; then
  echo "kernels: $out is up to date"
  exit 0
fi

archs=${CAE_CUDA_ARCHS:-"-gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86
  -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=[sm_90,compute_90]"}

# One translation unit holding every kernel file, so that one module has every kernel.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in "$src"/*.cu; do printf '#include "%s"\n' "$f"; done > "$work/cae_kernels.cu"

mkdir -p "$(dirname "$out")"
start=$(date +%s)
# shellcheck disable=SC2086
"$nvcc" -fatbin -std=c++17 -O3 -I "$src" $archs -o "$work/cae_kernels.fatbin" "$work/cae_kernels.cu"
mv "$work/cae_kernels.fatbin" "$out"
echo "kernels: compiled $(ls "$src"/*.cu | wc -l) files into $out in $(( $(date +%s) - start )) s"
