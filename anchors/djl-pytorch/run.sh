#!/usr/bin/env bash
# Builds the PyTorch-through-DJL speed anchor and times the model of docs/SPEC.md §2 under three malloc settings.
# Usage: anchors/djl-pytorch/run.sh            (environment: LOGITS="conv grouped", BATCH, WARMUP, REPEATS, STEPS)
# Prints, per setting and last-layer form, the engine line, a gradient check, training ms/step and inference ms.
#
# MODEL=photo anchors/djl-pytorch/run.sh      times the photo model of anchors/torch_photo_bench.py instead, under
# the arena1+thresholds setting only (environment: SIZE=64, COLOR=rgb|grey, WIDTHS=64,64,32, SKIPS=1|0,
# RESIDUAL=0|1, BATCH=32, STEPS=10, REPEATS=3, WARMUP=STEPS, THREADS=all cores); prints training images/s.
set -euo pipefail
cd "$(dirname "$0")"

mvn -q compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
classpath="target/classes:$(cat target/classpath.txt)"

# libtorch comes from the pytorch-native-cpu jar on the classpath; DJL extracts it once into target/djl-cache.
# The dead proxy makes any download attempt fail at once, so a run that succeeds used nothing from the network.
java_opts=(-DENGINE_CACHE_DIR=target/djl-cache -Dai.djl.offline=true
           -Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=9 -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=9
           -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
export OPT_OUT_TRACKING=true DJL_OFFLINE=true

# Raised thresholds keep the 10 MB activation buffers on the heap instead of an mmap/munmap (and page faults)
# per tensor per step; 32 MiB is the largest mmap threshold glibc accepts.
declare -A settings=(
  [default]=""
  [arena1]="MALLOC_ARENA_MAX=1"
  [arena1+thresholds]="MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824"
)
echo "uptime: $(uptime)"
if [[ ${MODEL:-recipe} == photo ]]; then
  photo_args=(--label "photo/arena1+thresholds" --size "${SIZE:-64}" --color "${COLOR:-rgb}" --widths "${WIDTHS:-64,64,32}"
              --batch "${BATCH:-32}" --steps "${STEPS:-10}" --repeats "${REPEATS:-3}" --warmup "${WARMUP:-${STEPS:-10}}")
  [[ ${SKIPS:-1} == 1 ]] && photo_args+=(--skips)
  [[ ${RESIDUAL:-0} == 1 ]] && photo_args+=(--residual)
  [[ -n ${THREADS:-} ]] && photo_args+=(--threads "$THREADS")
  env ${settings[arena1+thresholds]} java "${java_opts[@]}" -cp "$classpath" cae.anchor.PhotoAnchorBench \
      "${photo_args[@]}" 2>&1 | grep -v CudaUtils
  echo "uptime: $(uptime)"
  exit 0
elif [[ ${MODEL:-recipe} != recipe ]]; then
  echo "MODEL must be recipe or photo, not $MODEL" >&2
  exit 2
fi
for logits in ${LOGITS:-conv grouped}; do
  for name in default arena1 arena1+thresholds; do
    env ${settings[$name]} java "${java_opts[@]}" -cp "$classpath" cae.anchor.TorchAnchorBench \
        "$name" "$logits" "${BATCH:-100}" "${WARMUP:-20}" "${REPEATS:-5}" "${STEPS:-20}" 2>&1 | grep -v CudaUtils
  done
done
echo "uptime: $(uptime)"
