#!/usr/bin/env bash
# Builds OUTDIR/cae_kernel_emulator, unless it is newer than its sources: the kernels of kernels/*.cu
# compiled as C++20 through cuda_emulation.h, behind the protocol of kernel_emulator.cpp, for the Java
# kernel tests (src/test/java/cae/engine/cuda/*KernelTest.java).
#
#   bash native-tests/host/build.sh OUTDIR
#
# Exits 77 with a one-line reason when there is no C++ compiler; the Java tests then skip. CXX overrides
# the compiler. Built without fused multiply-adds (-ffp-contract=off), so it rounds like the Java engine.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: bash native-tests/host/build.sh OUTDIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
kernels=$(cd "$here/../../kernels" && pwd)
out="$1/cae_kernel_emulator"

cxx=${CXX:-}
if [ -z "$cxx" ]; then
  for c in g++ c++ clang++; do
    if command -v "$c" > /dev/null; then cxx=$c; break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "no C++ compiler (g++, c++ or clang++; or set CXX), so the kernels cannot be emulated on the CPU"
  exit 77
fi

sources=("$here/kernel_emulator.cpp" "$here/cuda_emulation.h" "$here/build.sh" "$kernels"/*.cu "$kernels"/*.cuh)
fresh=1
for f in "${sources[@]}"; do [ -x "$out" ] && [ "$out" -nt "$f" ] || fresh=0; done
[ "$fresh" = 1 ] && exit 0

mkdir -p "$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# every kernel file, as kernels/build.sh compiles them: one translation unit
for f in "$kernels"/*.cu; do printf '#include "%s"\n' "$f"; done > "$work/all_kernels.inc"
"$cxx" -std=c++20 -O2 -ffp-contract=off -Wall -Wextra -I "$kernels" -I "$work" -o "$out.tmp" "$here/kernel_emulator.cpp"
mv "$out.tmp" "$out"
