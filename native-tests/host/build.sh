#!/usr/bin/env bash
# Builds the CPU harness for the kernel bodies, OUTDIR/cae_kernel_host, from kernel_host.cpp and
# kernels/cae_ops.cuh (the same bodies the GPU runs), unless it is newer than both.
#
#   bash native-tests/host/build.sh OUTDIR
#
# Exits 77 with a one-line reason when there is no C++ compiler (the Java tests then skip); CXX
# overrides the compiler.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: bash native-tests/host/build.sh OUTDIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
kernels=$(cd "$here/../../kernels" && pwd)
out="$1/cae_kernel_host"

cxx=${CXX:-}
if [ -z "$cxx" ]; then
  for c in g++ c++ clang++; do
    if command -v "$c" > /dev/null; then cxx=$c; break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "no C++ compiler (g++, c++ or clang++; or set CXX), so the kernel bodies cannot be run on the CPU"
  exit 77
fi

if [ -x "$out" ] && [ "$out" -nt "$here/kernel_host.cpp" ] && [ "$out" -nt "$kernels/cae_ops.cuh" ]; then
  exit 0
fi
mkdir -p "$1"
# -ffp-contract=off: no fused multiply-adds, so the bodies round like the Java engine does.
"$cxx" -std=c++17 -O2 -ffp-contract=off -Wall -Wextra -I "$kernels" -o "$out.tmp" "$here/kernel_host.cpp"
mv "$out.tmp" "$out"
