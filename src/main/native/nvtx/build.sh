#!/usr/bin/env bash
# Builds the NVTX shim OUTDIR/cae/nvtx/libcae-nvtx.so, a classpath resource cae.profile.Nvtx loads for
# --nvtx. It binds NVTX's library at run time (dlopen), so no CUDA is needed here.
#
#   bash src/main/native/nvtx/build.sh OUTDIR [JAVA_HOME]
#
# No gcc, or no jni.h in the JDK: says so in one line and succeeds (--nvtx then says it is off).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: bash src/main/native/nvtx/build.sh OUTDIR [JAVA_HOME]" >&2
  exit 2
fi
out="$1/cae/nvtx"
jdk=${2:-${JAVA_HOME:-}}
src=$(cd "$(dirname "$0")" && pwd)
lib="$out/libcae-nvtx.so"

cc=${CC:-$(command -v gcc || true)}
if [ -z "$cc" ]; then
  echo "nvtx: gcc not found, so no NVTX shim is built (--nvtx will say it is off; the rest of the build goes on)"
  exit 0
fi
include=""
for dir in "$jdk/include" "$jdk/../include"; do
  if [ -n "$jdk" ] && [ -f "$dir/jni.h" ]; then include=$dir; break; fi
done
if [ -z "$include" ]; then
  echo "nvtx: no jni.h under the JDK '${jdk}' (give JAVA_HOME), so no NVTX shim is built (the rest of the build goes on)"
  exit 0
fi
if [ -f "$lib" ] && [ "$lib" -nt "$src/nvtx.c" ] && [ "$lib" -nt "$src/build.sh" ]; then
  echo "nvtx: $lib is up to date"
  exit 0
fi
mkdir -p "$out"
# NEEDED libdl.so.2 provides dlopen/dlsym where glibc is older than 2.34, as for the bridges
"$cc" -shared -fPIC -O2 -Wall -Wextra -o "$lib.part" "$src/nvtx.c" -I"$include" -I"$include/linux" \
  -Wl,--no-undefined -Wl,--no-as-needed -l:libdl.so.2
mv "$lib.part" "$lib"
echo "nvtx: $lib"
