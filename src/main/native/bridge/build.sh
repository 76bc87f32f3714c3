#!/usr/bin/env bash
# Builds the bridge libraries that let the JCuda natives (linked against libcudnn.so.8 and
# libcublas.so.12) run on cuDNN 9 / cuBLAS 13 machines: OUTDIR/cae/bridge/libcae-cudnn8-bridge.so and
# libcae-cublas12-bridge.so, classpath resources the CUDA engine loads before JCudnn / JCublas2.
#
#   bash src/main/native/bridge/build.sh OUTDIR [MAVEN_REPO] [JCUDA_VERSION] [JCUDNN_VERSION]
#
# The export list of each bridge is the list of symbols the JCuda native imports from the old library
# (nm -D --undefined-only), taken from the -natives jars in the local Maven repository. No gcc: says so
# in one line and succeeds (the engine then runs only where the old libraries exist).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: bash src/main/native/bridge/build.sh OUTDIR [MAVEN_REPO] [JCUDA_VERSION] [JCUDNN_VERSION]" >&2
  exit 2
fi
out="$1/cae/bridge"
repo=${2:-${MAVEN_REPO:-$HOME/.m2/repository}}
jcuda_version=${3:-12.6.0}
jcudnn_version=${4:-11.7.0}
src=$(cd "$(dirname "$0")" && pwd)

cc=${CC:-$(command -v gcc || true)}
if [ -z "$cc" ] || ! command -v nm > /dev/null; then
  echo "bridge: gcc or nm not found, so no cuDNN 9 / cuBLAS 13 bridges are built (the rest of the build goes on)"
  exit 0
fi

# extract_native JAR ENTRY FILE: one file out of a jar, with unzip or the JDK's jar tool
extract_native() {
  if command -v unzip > /dev/null; then
    unzip -p "$1" "$2" > "$3"
  else
    (cd "$(dirname "$3")" && jar xf "$1" "$2" && mv "$2" "$3")
  fi
}

# build_bridge NAME JAR ENTRY OLD_SONAME TARGET NOT_SUPPORTED ENV_1 ENV_2 SUBLIBS
build_bridge() {
  local name=$1 jar=$2 entry=$3 old=$4 target=$5 status=$6 env1=$7 env2=$8 subs=$9
  local lib="$out/$name"
  if [ ! -f "$jar" ]; then
    echo "bridge: $jar not found (run Maven so it resolves the JCuda natives), $name not built" >&2
    exit 1
  fi
  if [ -f "$lib" ] && [ "$lib" -nt "$jar" ] && [ "$lib" -nt "$src/bridge.c" ] && [ "$lib" -nt "$src/build.sh" ]; then
    echo "bridge: $lib is up to date"
    return
  fi
  local work
  work=$(mktemp -d)
  extract_native "$jar" "$entry" "$work/native.so"
  nm -D --undefined-only "$work/native.so" | awk -v node="@$old" '
    { sym = $NF; at = index(sym, "@"); if (at > 0 && substr(sym, at) == node) print substr(sym, 1, at - 1) }' \
    | sort -u > "$work/symbols.txt"
  local count
  count=$(wc -l < "$work/symbols.txt")
  if [ "$count" -eq 0 ]; then
    echo "bridge: $entry imports nothing from $old; is it the right native?" >&2
    exit 1
  fi
  awk '{ printf "X(%d, %s)\n", NR - 1, $1 }' "$work/symbols.txt" > "$work/symbols.h"
  { echo "$old {"; echo "  global:"; sed 's/.*/    &;/' "$work/symbols.txt"; echo "  local: *;"; echo "};"; } > "$work/exports.map"
  mkdir -p "$out"
  # bridge.c binds dlopen/dlsym/dlerror to GLIBC_2.2.5; NEEDED libdl.so.2 provides them where glibc is
  # older than 2.34 (before dlopen moved into libc), so the bridge needs no newer glibc than JCuda's natives
  "$cc" -shared -fPIC -O2 -fvisibility=hidden -o "$work/$name" "$src/bridge.c" \
    -DSYMBOLS_H="\"$work/symbols.h\"" -DSYMBOL_COUNT="$count" -DTARGET="\"$target\"" \
    -DENV_1="\"$env1\"" -DENV_2="\"$env2\"" -DSUBLIBS="$subs" -DNOT_SUPPORTED="$status" \
    -Wl,--version-script="$work/exports.map" -Wl,-soname,"$old" -Wl,--no-undefined -Wl,--no-as-needed -l:libdl.so.2
  mv "$work/$name" "$lib"
  rm -rf "$work"
  echo "bridge: $lib ($count symbols, $old -> $target)"
}

# cuDNN 8's CUDNN_STATUS_NOT_SUPPORTED is 9, cuBLAS's CUBLAS_STATUS_NOT_SUPPORTED is 15: what the
# JCuda natives' callers expect from the old libraries.
build_bridge libcae-cudnn8-bridge.so \
  "$repo/org/jcuda/jcudnn-natives/$jcudnn_version/jcudnn-natives-$jcudnn_version-linux-x86_64.jar" \
  "lib/libJCudnn-$jcudnn_version-linux-x86_64.so" libcudnn.so.8 libcudnn.so.9 9 CAE_CUDNN_LIB GPU_CUDNN_LIB \
  '"libcudnn_graph.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9"'
build_bridge libcae-cublas12-bridge.so \
  "$repo/org/jcuda/jcublas-natives/$jcuda_version/jcublas-natives-$jcuda_version-linux-x86_64.jar" \
  "lib/libJCublas2-$jcuda_version-linux-x86_64.so" libcublas.so.12 libcublas.so.13 15 CAE_CUBLAS_LIB GPU_CUBLAS_LIB \
  '"libcublasLt.so.13"'
