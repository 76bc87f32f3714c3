#!/usr/bin/env bash
# Builds one of the two CPU programs for the kernels into OUTDIR, unless it is newer than its sources:
#   host    OUTDIR/cae_kernel_host from kernel_host.cpp: the per-element bodies of kernels/cae_ops.cuh
#           (the same bodies the GPU runs), run in a loop over the grid;
#   launch  OUTDIR/cae_kernel_launch from kernel_launch.cpp: the __global__ wrappers of kernels/*.cu
#           themselves, compiled as C++20 through cuda_emulation.h (threads, barriers, shared memory).
#
#   bash native-tests/host/build.sh OUTDIR [host|launch]      (default host)
#
# Exits 77 with a one-line reason when there is no C++ compiler, or (launch) none with C++20's
# <barrier>; the Java tests then skip. CXX overrides the compiler. Both are built without fused
# multiply-adds (-ffp-contract=off), so they round like the Java engine and like each other.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: bash native-tests/host/build.sh OUTDIR [host|launch]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
kernels=$(cd "$here/../../kernels" && pwd)
what=${2:-host}

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

case $what in
  host)
    out="$1/cae_kernel_host"
    sources=("$here/kernel_host.cpp" "$here/host_io.h" "$here/op_args.h" "$kernels/cae_ops.cuh")
    flags=(-std=c++17)
    main=$here/kernel_host.cpp ;;
  launch)
    out="$1/cae_kernel_launch"
    sources=("$here/kernel_launch.cpp" "$here/host_io.h" "$here/op_args.h" "$here/cuda_emulation.h" "$kernels"/*.cu "$kernels"/*.cuh)
    flags=(-std=c++20 -pthread)
    main=$here/kernel_launch.cpp ;;
  *)
    echo "usage: bash native-tests/host/build.sh OUTDIR [host|launch]" >&2
    exit 2 ;;
esac

fresh=1
for f in "${sources[@]}"; do [ -x "$out" ] && [ "$out" -nt "$f" ] || fresh=0; done
[ "$fresh" = 1 ] && exit 0
if [ "$what" = launch ] && ! printf '#include <barrier>\nint main() { std::barrier<> b(1); b.arrive_and_wait(); }\n' \
     | "$cxx" -std=c++20 -pthread -x c++ -o /dev/null - 2> /dev/null; then
  echo "$cxx has no C++20 <barrier>, so the kernels' launches cannot be emulated on the CPU"
  exit 77
fi
mkdir -p "$1"
"$cxx" "${flags[@]}" -O2 -ffp-contract=off -Wall -Wextra -I "$kernels" -I "$here" -o "$out.tmp" "$main"
mv "$out.tmp" "$out"
