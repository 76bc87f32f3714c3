#!/usr/bin/env bash
# The GPU check, in one call on a machine with an NVIDIA GPU, from the repository root:
#   OUT=/tmp/gc bash native-tests/gpu-check.sh > $OUT/gpu-check.log 2>&1; tar -C /tmp -czf $OUT/gc.tgz gc
# Stage first, here: bash native-tests/stage.sh (see native-tests/README.md). The GPU machine has no
# Maven and no network, so this runs the prepared build directly with java:
#   1. the GPU tests with the JUnit console launcher: every op against the CPU engine
#      (CudaEngineGpuTest, VariantsGpuTest), ten training steps against the CPU engine
#      (TrainingParityGpuTest), replayed CUDA graphs against eager ops (StepGraphGpuTest) and device
#      memory given back (MemoryReleaseGpuTest); the tests tagged "photos" (the photo path: colour
#      images of many sizes, crops with flips, skips, the residual output, MSE) only in part photos;
#   2. cae info, train --device cuda --epochs 1 on MNIST, denoise with its model on three PNGs of two
#      sizes, compare --device cuda --limit 10000 -v --nvtx (the device memory in use before the first
#      variant and after each: it must not grow from one variant to the next), and four bench
#      --device cuda --batch 100,1000
#      --epoch runs: FP32 and TF32, each with CUDA graphs (the default) and without (--no-graph), all
#      with the default --fusion auto; then three FP32 runs with --fusion off, on and auto (-v: each
#      fused path timed against the unfused way; the one-channel layers on kernels/thin_conv.cu,
#      cuDNN's convolution + bias + ReLU call, the weight gradient with im2col folded in, the max-pool
#      and nearest-resize backwards folded into the next kernel);
#   3. the PyTorch anchor anchors/torch_cae.py on the same data, FP32 and TF32, eager and
#      --compile reduce-overhead;
#   4. if ncu is there: Nsight Compute over one steady training step (--profile-steps 30:31, no graphs)
#      with --fusion off, and the same with --fusion on; last because they may be left out when time
#      runs short;
#   5. part nsys (not in the default parts): Nsight Systems over training steps 100 to 109
#      (--profile-steps 100:110 --nvtx, nsys profile --capture-range=cudaProfilerApi
#      --cuda-graph-trace=node), with CUDA graphs and without, then nsys stats' kernel and NVTX
#      summaries (native-tests/nsys.sh report); nsys is the one native-tests/nsys.sh install put in
#      /tmp/nsys, else GPU_CHECK_NSYS, nsys on PATH, or one under /opt/nvidia or /usr/local/cuda*;
# and ends with one table (check | result | worst relative error or figure | note), then ncu's top
# kernels, then ours against PyTorch (native-tests/compare-table.py; also as Markdown in $OUT/compare.md).
# Logs, JUnit XML reports and the training run's outputs go to $OUT (default target/gpu-check).
# Exit status: 0 when nothing failed (skipped checks do not fail), 1 otherwise; the comparison's goals
# do not count.
#
# Environment: OUT; GPU_CHECK_BUDGET_S (seconds for all steps, default 360: a step is cut to what is
# left and skipped when that is under a third of its own limit, the tables still printed);
# GPU_CHECK_DATA (MNIST folder, default the one under .gpu/data); GPU_CHECK_NCU_PRECISION (fp32, the
# default, or tf32: the precision ncu profiles); GPU_CHECK_NO_ENV=1 uses the java on PATH instead of
# sourcing .gpu/device-env.sh (dry runs off the GPU machine); GPU_CHECK_PARTS (comma-separated, default
# tests,train,bench,ncu,torch: the parts to run, the others skipped with that reason; nsys and photos
# are parts too, not in the default); GPU_CHECK_NSYS (the nsys for part nsys).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
out=${OUT:-$top/target/gpu-check}
mkdir -p "$out"
out=$(cd "$out" && pwd)
budget=${GPU_CHECK_BUDGET_S:-360}
parts=${GPU_CHECK_PARTS:-tests,train,bench,ncu,torch}
skip_reason="skipped: out of time"
results="$out/results.tsv"
: > "$results"
# what the tables read, so that nothing is left from an earlier run into the same $OUT
rm -f "$out"/bench-cuda-*.log "$out"/bench-fusion-*.log "$out"/torch-*.log "$out"/ncu*.log "$out"/ncu*-top.txt \
  "$out/compare.md" "$out/compare.txt" "$out"/nsys-*
compare=(python3 native-tests/compare-table.py)

# one table row: check, result (pass|fail|skip), worst relative error or figure, note
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >> "$results"; }

if [ "${GPU_CHECK_NO_ENV:-0}" != 1 ]; then
  if [ -f .gpu/device-env.sh ]; then
    # shellcheck disable=SC1091
    source .gpu/device-env.sh
  else
    echo "gpu-check: .gpu/device-env.sh is missing: stage first (bash native-tests/stage.sh)" >&2
  fi
fi
gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
echo "gpu-check: ${gpu:-no GPU seen by nvidia-smi}; $(date -u '+%Y-%m-%d %H:%M UTC'); budget ${budget} s"

missing=""
command -v java >/dev/null 2>&1 || missing="$missing java"
for f in target/cae.jar target/classes target/test-classes target/lib; do [ -e "$f" ] || missing="$missing $f"; done
console=$(ls target/test-lib/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)
[ -n "$console" ] || missing="$missing target/test-lib/junit-platform-console-standalone-*.jar"
if [ -n "$missing" ]; then
  echo "gpu-check: missing:$missing (build and stage first: bash native-tests/stage.sh)" >&2
  exit 1
fi

data=${GPU_CHECK_DATA:-}
if [ -z "$data" ]; then
  data=$(find .gpu/data -maxdepth 2 -name 'train-images-idx3-ubyte*' 2>/dev/null | head -1)
  data=${data:+$(dirname "$data")}
fi

java_opts=(--add-modules=jdk.incubator.vector -Djava.awt.headless=true -Xss8m)
cae=(java "${java_opts[@]}" -cp "target/cae.jar:target/lib/*" cae.cli.Main)   # ./cae without its build step

# step NAME MAX_SECONDS COMMAND...: runs COMMAND into $out/NAME.log (and stdout) within the budget left,
# or skips it when what is left is under a third of MAX_SECONDS (or 15 s);
# sets $rc (124 on timeout, 125 when skipped for lack of time) and $log
step() {
  local name=$1 max=$2; shift 2
  log="$out/$name.log"
  local part=${name%%-*}   # junit, train, bench, ncu, torch, nsys, photos, info
  [ "$part" = junit ] && part=tests
  if [ "$part" != info ] && [[ ",$parts," != *",$part,"* ]]; then
    echo "== $name: skipped, not in GPU_CHECK_PARTS ($parts)"
    echo "skipped: not in GPU_CHECK_PARTS ($parts)" > "$log"
    skip_reason="skipped: not in GPU_CHECK_PARTS"
    rc=125
    return
  fi
  skip_reason="skipped: out of time"
  local left=$((budget - SECONDS)) limit=$max need=$((max / 3))
  [ "$need" -lt 15 ] && need=15
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt "$need" ]; then
    echo "== $name: skipped, ${left} s of the ${budget} s budget left"
    echo "skipped: out of time" > "$log"
    rc=125
    return
  fi
  echo "== $name (at most ${limit} s): $*"
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  echo "== $name: exit $rc after $((SECONDS - t0)) s"
}

# the row of a step whose log compare-table.py parsed into $parsed ("figure<TAB>note", exit $parsed_rc)
parsed_row() {
  if [ "$rc" = 0 ] && [ "$parsed_rc" = 0 ]; then row "$1" pass "${parsed%%$'\t'*}" "${parsed#*$'\t'}"
  elif [ "$rc" = 0 ]; then row "$1" fail - "$parsed"
  else row "$1" "$(failed)" - "$(why)"
  fi
}

# a step that did not pass: fail, or skip when it never ran for lack of time
failed() { [ "$rc" = 125 ] && echo skip || echo fail; }

# why a step failed, in one line: timeout, a command-line error (an option this build lacks), or the
# log's last error-looking line
why() {
  case $rc in
    124|137) echo "timed out" ;;
    125) echo "$skip_reason" ;;
    *) { grep -m1 -iE 'unknown option|unmatched argument|unrecognized argument|missing required' "$log" \
           || { grep -iE 'error|exception|cannot|unavailable|no such|not found|failed' "$log" || tail -1 "$log"; } | tail -1; } \
         | cut -c1-160 ;;
  esac
}

# 0. what the launcher finds: libraries, device, kernels
step info 60 "${cae[@]}" info
if [ "$rc" = 0 ] && ! grep -q 'CUDA engine: unavailable' "$log"; then
  row "cae info" pass "$(grep -m1 -oE 'device 0: .*' "$log" | cut -c11-90)"
else
  reason=$(grep -m1 -oE 'CUDA engine: unavailable.*' "$log" | cut -c1-160)
  row "cae info" "$(failed)" - "${reason:-$(why)}"
fi


# 1. GPU tests (JUnit console launcher; the JCuda natives load from the system class path as in the
# launcher), in two JVMs: the tests of the fused paths (tag "fusion") run last in their own, so that a
# kernel fault there, which leaves the CUDA context unusable, cannot fail the others.
# junit_step NAME TAG_OPTION: the GPU test classes into $out/NAME (JUnit XML), then their table rows
junit_step() {
  local name=$1 tag_option=$2
  rm -rf "${out:?}/$name"
  step "$name" 150 java "${java_opts[@]}" -cp "$console:target/classes:target/test-classes:target/lib/*" \
    org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree --disable-ansi-colors \
    --reports-dir "$out/$name" "$tag_option" \
    --select-class cae.engine.cuda.CudaEngineGpuTest --select-class cae.engine.cuda.VariantsGpuTest \
    --select-class cae.engine.cuda.TrainingParityGpuTest --select-class cae.engine.cuda.StepGraphGpuTest \
    --select-class cae.engine.EngineAgreementTest --select-class cae.engine.ShapeErrorTest \
    --select-class cae.engine.cuda.MemoryReleaseGpuTest --select-class cae.engine.cuda.TiledDenoiserGpuTest
  python3 - "$out/$name" "$log" "$results" "$rc" "$name" <<'EOF'
# Table rows from the JUnit XML report: one per op test (CudaEngineGpuTest asserts relative error
# <= 1e-5 and names the error only when it fails) and one per parity case, whose figures come from
# the "GPU-CHECK <name> <pass|fail> <worst> <note>" lines the test prints.
import glob, os, re, sys
import xml.etree.ElementTree as ET
reports, log, results, rc, name = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
printed = {}
for line in open(log, errors="replace"):
    m = re.match(r"\s*GPU-CHECK (\S+) (pass|fail) (\S+) ?(.*)", line)
    if m: printed[m.group(1)] = m.groups()[1:]

def first_line(text):
    text = (text or "").strip().splitlines()
    text = text[0] if text else ""
    for noise in ("parent was skipped: ", "org.opentest4j.TestAbortedException: ", "Assumption failed: ",
                  "org.opentest4j.AssertionFailedError: "):
        text = text.replace(noise, "")
    return text[:160]

ops, parity = [], []
files = glob.glob(os.path.join(reports, "TEST-junit-jupiter.xml"))
for f in files:
    for case in ET.parse(f).getroot().iter("testcase"):
        cls = case.get("classname", "").rsplit(".", 1)[-1]
        display = re.search(r"display-name: (.*)", case.findtext("system-out") or "")
        display = display.group(1).strip() if display else ""
        problem = case.find("failure") if case.find("failure") is not None else case.find("error")
        skipped = case.find("skipped")
        if problem is not None:
            result, message = "fail", first_line(problem.get("message") or problem.text)
        elif skipped is not None:
            result, message = "skip", first_line(skipped.get("message") or skipped.text)
        else:
            result, message = "pass", ""
        if cls == "TrainingParityGpuTest":
            key = display if display.startswith("parity-") else "parity (all cases)"
            if key in printed:
                verdict, worst, note = printed[key]
                parity.append((key, "fail" if result == "fail" else verdict, worst, note))
            else:
                parity.append((key, result, "-", message))
        else:
            label = "op " + case.get("name", "").split("(")[0]
            if display and not display.endswith(")"): label += " " + display.split("] ", 1)[-1]  # a parameterized case
            m = re.search(r"relative error ([0-9.eE+-]+)", message)
            figure = m.group(1) if m else "<= 1e-5" if result == "pass" else "-"
            ops.append((label, result, figure, message))
rows = sorted(ops) + sorted(parity)
if not files:
    rows.append((name, "skip" if rc == 125 else "fail", "-", "no JUnit report (exit %d); see %s.log" % (rc, name)))
with open(results, "a") as r:
    for row in rows: r.write("\t".join(row) + "\n")
EOF
}
junit_step junit '--exclude-tag=fusion|photos'
junit_step junit-fusion '--include-tag=fusion&!photos'
# the photo path's GPU tests (tag "photos": colour images of many sizes, crops, flips, salt-and-pepper,
# skips, the residual output and MSE), a part of their own so that the default check keeps its length
junit_step photos-junit --include-tag=photos

# 2. the command line on the GPU
if [ -z "$data" ]; then
  row "train cuda 1 epoch" fail - "no MNIST under .gpu/data (stage with --data)"
else
  rm -rf "$out/train-cuda"
  step train-cuda 120 "${cae[@]}" train --device cuda --epochs 1 --data "$data" --out "$out/train-cuda"
  test_line=$(grep -m1 -E '^test \(' "$log")
  epoch_s=$(grep -m1 -oE 'epoch 1/1 done in [0-9.]+ s' "$log" | grep -oE '[0-9.]+ s$')
  noisy=$(sed -nE 's/.*PSNR noisy ([0-9.]+) dB.*/\1/p' <<<"$test_line")
  denoised=$(sed -nE 's/.*denoised ([0-9.]+) dB.*/\1/p' <<<"$test_line")
  loss=$(sed -nE 's/.*: loss ([0-9.]+),.*/\1/p' <<<"$test_line")
  if [ "$rc" = 0 ] && [ -n "$denoised" ] && awk -v a="$denoised" -v b="$noisy" 'BEGIN { exit !(a > b) }'; then
    row "train cuda 1 epoch" pass "epoch ${epoch_s:-?}" "test loss $loss, PSNR noisy $noisy -> denoised $denoised dB"
  else
    row "train cuda 1 epoch" "$(failed)" "${epoch_s:+epoch }${epoch_s:--}" "$( [ -n "$test_line" ] && echo "denoised PSNR not above noisy: $test_line" || why)"
  fi

  # denoise with that model on the GPU: three PNGs of two sizes (batched per size, each size's tensors
  # given back before the next), written by Python's standard library
  rm -rf "$out/denoise-in" "$out/denoise-out"
  python3 - "$out/denoise-in" <<'EOF'
import os, random, struct, sys, zlib
folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)
def png(path, width, height, seed):
    random.seed(seed)
    rows = b"".join(b"\0" + bytes(random.randrange(256) for _ in range(width)) for _ in range(height))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
for name, w, h, seed in (("a.png", 20, 16, 1), ("b.png", 28, 28, 2), ("c.png", 20, 16, 3)):
    png(os.path.join(folder, name), w, h, seed)
EOF
  if [ -f "$out/train-cuda/model.safetensors" ]; then
    step train-denoise 60 "${cae[@]}" denoise --device cuda --model "$out/train-cuda/model.safetensors" \
      --out "$out/denoise-out" "$out/denoise-in/a.png" "$out/denoise-in/b.png" "$out/denoise-in/c.png"
    written=$(ls "$out/denoise-out"/*-denoised.png 2>/dev/null | wc -l)
    if [ "$rc" = 0 ] && [ "$written" = 3 ]; then row "denoise cuda" pass "3 images" "two sizes, batched per size"
    else row "denoise cuda" "$(failed)" "${written} of 3 written" "$(why)"
    fi
  else
    row "denoise cuda" skip - "no model from the train step"
  fi

  # compare gives back each variant's device memory: with -v it prints what the device has in use
  # before the first variant and after each; after the last it must be within 128 MiB of after the
  # first (a variant's leftovers would be its activations, parameters and image sets: hundreds of MiB)
  rm -rf "$out/compare-cuda"
  step train-compare 90 "${cae[@]}" compare --device cuda --epochs 1 --limit 10000 --data "$data" --out "$out/compare-cuda" -v --nvtx
  before=$(sed -nE 's/^memory before the first variant: .* ([0-9.]+) MiB in use on the device.*/\1/p' "$log" | head -1)
  after=$(sed -nE 's/^memory after ([a-z]+): .* ([0-9.]+) MiB in use on the device.*/\1 \2/p' "$log")
  first=$(head -1 <<<"$after" | awk '{print $2}'); last=$(tail -1 <<<"$after" | awk '{print $2}')
  nvtx_line=$(grep -m1 '^nvtx: ' "$log" | cut -c1-100)
  figure="in use before ${before:-?} MiB, after $(awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}' <<<"$after") MiB"
  if [ "$rc" = 0 ] && [ -n "$first" ] && awk -v a="$first" -v b="$last" 'BEGIN { exit !(b - a < 128) }'; then
    row "compare cuda memory" pass "$figure" "${nvtx_line:-no nvtx line}"
  elif [ "$rc" = 0 ]; then
    row "compare cuda memory" fail "$figure" "device memory grew by more than 128 MiB from the first variant to the last"
  else
    row "compare cuda memory" "$(failed)" - "$(why)"
  fi
fi

# our bench: FP32 and TF32, each with CUDA graphs (the default) and without; the epoch at batch 100
for precision in fp32 tf32; do
  for graph in graph no-graph; do
    flags=(); [ $precision = tf32 ] && flags+=(--tf32); [ $graph = no-graph ] && flags+=(--no-graph)
    [ $graph = graph ] && flags+=(--floor)   # the device's measured ceilings and each batch's achieved/floor
    step bench-cuda-$precision-$graph 60 "${cae[@]}" bench --device cuda --batch 100,1000 ${flags[@]+"${flags[@]}"} --epoch
    parsed=$("${compare[@]}" bench "$log" --graph "$([ $graph = graph ] && echo on || echo off)"); parsed_rc=$?
    parsed_row "bench cuda $precision $graph"
  done
done
# the fused paths: never, always, and each timed against the unfused way per shape (auto, the default
# the runs above had; -v prints each timing and choice: that is the per-fusion measurement)
for fusion in off on auto; do
  step bench-fusion-fp32-$fusion 60 "${cae[@]}" bench --device cuda --batch 100,1000 --fusion $fusion --epoch -v
  parsed=$("${compare[@]}" bench "$log" --graph on); parsed_rc=$?
  parsed_row "bench cuda fp32 graph fusion $fusion"
done

# NHWC against NCHW for the wide convolutions, in TF32 (whether NHWC tensors would pay): cuDNN's Find
# times per layout and direction, and the transposes an NHWC layer would add; the lines go to the log
# and to $out/layout-probe.txt
step bench-layout-probe 60 "${cae[@]}" bench --device cuda --batch 100,1000 --tf32 --steps 1 --repeats 1 --warmup 0 --layout-probe
grep '^layout probe' "$log" > "$out/layout-probe.txt" 2>/dev/null
probed=$(grep -c '^layout probe: ' "$out/layout-probe.txt" 2>/dev/null)
if [ "$rc" = 0 ] && [ "${probed:-0}" -ge 30 ]; then
  row "layout probe tf32" pass "$probed lines" "NHWC/NCHW per shape and direction in layout-probe.txt"
elif [ "$rc" = 0 ]; then row "layout probe tf32" fail - "${probed:-0} probe lines, expected 30 (5 layers x 3 directions x 2 batches)"
else row "layout probe tf32" "$(failed)" - "$(why)"
fi

# 3. the PyTorch anchor on the same data and precision: eager first (both precisions), then torch.compile
# (reduce-overhead: CUDA graphs), whose first epoch includes compiling
for mode in eager compile; do
  for precision in fp32 tf32; do
    name="torch $precision $mode"
    if [ ! -f anchors/torch_cae.py ]; then
      row "$name" fail - "anchors/torch_cae.py missing from this copy of the repository"
      continue
    fi
    args=(--device cuda ${data:+--data "$data"} --epochs 3); max=60
    if [ $precision = tf32 ]; then args+=(--tf32); else args+=(--no-tf32); fi
    [ $mode = compile ] && { args+=(--compile reduce-overhead); max=150; }
    step torch-$precision-$mode $max env PYTHONUNBUFFERED=1 python3 anchors/torch_cae.py "${args[@]}"
    parsed=$("${compare[@]}" torch "$log"); parsed_rc=$?
    parsed_row "$name"
  done
done


# 4. Nsight Compute over one steady-state training step (step 30 of the 40 that a repeat and a
# warm-up of 20 steps make), without CUDA graphs so that it sees each kernel; optional: skipped when
# ncu is missing or has no access to the performance counters. ncu runs each kernel alone (serialized),
# with the caches and clocks as a running program has them (--cache-control none --clock-control none:
# with its defaults, flushed caches and base clocks, a step's kernels sum to several times the timed
# step, docs/profiling.md); so these durations rank kernels, and their sum approaches, but is not, a
# step's time.
ncu_bin=$(command -v ncu 2>/dev/null)
if [ -z "$ncu_bin" ]; then
  for candidate in /usr/local/cuda*/bin/ncu /opt/nvidia/nsight-compute/*/ncu; do [ -x "$candidate" ] && ncu_bin=$candidate; done
fi
ncu_precision=${GPU_CHECK_NCU_PRECISION:-fp32}
ncu_flags=(); [ "$ncu_precision" = tf32 ] && ncu_flags=(--tf32)
# ncu_step NAME EXTRA_FLAGS WHAT ROW: one profiled step into $out/NAME.log, its table in $out/NAME-top.txt
ncu_step() {
  local name=$1 extra=$2 what=$3 label=$4 top="$out/$1-top.txt"
  # shellcheck disable=SC2086
  step "$name" 90 "$ncu_bin" --profile-from-start off --cache-control none --clock-control none --section SpeedOfLight --print-summary per-kernel --csv \
    "${cae[@]}" bench --device cuda --batch 100 --steps 20 --repeats 1 --warmup 1 ${ncu_flags[@]+"${ncu_flags[@]}"} $extra \
    --profile-steps 30:31 --no-graph
  "${compare[@]}" ncu "$log" --steps 1 --what "$what" > "$top"
  parsed_rc=$?
  per_step=$(sed -nE '1s/.*\(([0-9.]+) ms per step.*/\1/p' "$top")
  [ -n "$per_step" ] || per_step=$(sed -nE '1s/.* ([0-9.]+) ms of kernel time \(one step\).*/\1/p' "$top")
  if grep -q 'ERR_NVGPUCTRPERM' "$log"; then
    row "$label" skip - "ncu has no access to the GPU performance counters (ERR_NVGPUCTRPERM)"
    rm -f "$top"
  elif [ "$rc" = 0 ] && [ "$parsed_rc" = 0 ]; then
    row "$label" pass "${per_step:-?} ms kernel time per step" "$(head -1 "$top" | sed -E 's/^ncu: top kernels of [^:]*: //; s/, [0-9.]+ ms of kernel time.*//') in 1 step (table below)"
  elif [ "$rc" = 0 ]; then
    reason=$(grep -m1 -iE 'unknown option|unmatched argument|no kernels were profiled' "$log" | cut -c1-120)
    row "$label" fail - "${reason:-no per-kernel Duration in the ncu output} (its tail below)"
  else
    [ "$rc" = 125 ] && rm -f "$top"
    row "$label" "$(failed)" - "$(why)"
  fi
}
if [ -z "$ncu_bin" ]; then
  row "ncu top kernels" skip - "no ncu on PATH, in /usr/local/cuda*/bin or /opt/nvidia/nsight-compute"
else
  ncu_step ncu "--fusion off" "1 training step, batch 100, ${ncu_precision^^}, no CUDA graphs, --fusion off" "ncu top kernels"
  ncu_step ncu-fusion "--fusion on" "1 training step, batch 100, ${ncu_precision^^}, no CUDA graphs, --fusion on" \
    "ncu top kernels, fusion on"
fi


# 5. Nsight Systems over ten steady training steps, with CUDA graphs (--cuda-graph-trace=node: each
# kernel of the replayed graph, not one launch per step) and without (each op an NVTX range too); the
# report's kernel and NVTX summaries go to $out/nsys-graph-stats.txt and nsys-no-graph-stats.txt and
# after the table. An nsys without its QdstrmImporter (the one inside Nsight Compute) writes only a
# .qdstrm, kept in $out for converting elsewhere (native-tests/nsys.sh import).
nsys_bin=${GPU_CHECK_NSYS:-}
if [ -z "$nsys_bin" ]; then
  for candidate in /tmp/nsys/target-linux-x64/nsys "$(command -v nsys 2>/dev/null)" /opt/nvidia/nsight-systems/*/bin/nsys \
      /usr/local/cuda*/bin/nsys; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { nsys_bin=$candidate; break; }
  done
  # last, the copy inside Nsight Compute's folder
  [ -z "$nsys_bin" ] && [ -n "$ncu_bin" ] && nsys_bin=$(find "$(dirname "$(readlink -f "$ncu_bin")")" -maxdepth 4 -name nsys -type f \
    -perm -u+x 2>/dev/null | head -1)
fi
for graph in graph no-graph; do
  label="nsys $graph"
  if [[ ",$parts," != *",nsys,"* ]]; then row "$label" skip - "not in GPU_CHECK_PARTS"; continue; fi
  if [ -z "$nsys_bin" ]; then row "$label" skip - "no nsys (stage and install it: native-tests/nsys.sh)"; continue; fi
  if [ -z "$data" ]; then row "$label" fail - "no MNIST under .gpu/data"; continue; fi
  flags=(); [ $graph = no-graph ] && flags=(--no-graph)
  rm -rf "$out/nsys-train-$graph" /tmp/nsys-report-*.qdstrm
  step nsys-$graph 120 "$nsys_bin" profile --capture-range=cudaProfilerApi --capture-range-end=stop --cuda-graph-trace=node \
    --trace=cuda,nvtx --sample=none --cpuctxsw=none --force-overwrite true -o "$out/nsys-$graph" \
    "${cae[@]}" train --device cuda --epochs 1 --limit 20000 --data "$data" --out "$out/nsys-train-$graph" \
    --profile-steps 100:110 --nvtx -v ${flags[@]+"${flags[@]}"}
  profiled_rc=$rc
  if [ "$profiled_rc" = 125 ]; then row "$label" skip - "$skip_reason"; continue; fi
  NSYS=$nsys_bin bash native-tests/nsys.sh report "$out/nsys-$graph" > "$out/nsys-$graph-stats.txt" 2>&1; stats_rc=$?
  # the kernel summary's rows: from its dashed rule to the next blank line or heading
  kernels=$(awk '/Kernel Summary/ {on = 1; next} on && /^ *-+ / {rows = 1; next} rows && (NF == 0 || /\*\*|Processing/) {exit} rows {n++}
                 END {print n + 0}' "$out/nsys-$graph-stats.txt")
  steps=$(grep -m1 -E 'PushPop +step *$' "$out/nsys-$graph-stats.txt" | awk '{print $3}')
  if [ "$stats_rc" = 0 ] && [ -n "$steps" ]; then
    row "$label" pass "$kernels kernels, $steps step ranges" "$("$nsys_bin" --version 2>&1 | head -1 | cut -c1-60)"
  else
    # the profiled run's own failure first (its exit status is nsys's), else what the report step said
    if [ "$profiled_rc" != 0 ]; then rc=$profiled_rc; reason=$(why)
    else reason=$(grep -m1 -iE 'nsys.sh: |error|not found' "$out/nsys-$graph-stats.txt" | cut -c1-150); fi
    row "$label" fail - "${reason:-no kernel or NVTX summary (see nsys-$graph-stats.txt)}"
  fi
done

echo
echo "== gpu-check: ${gpu:-no GPU}; $(date -u '+%Y-%m-%d %H:%M UTC'); ${SECONDS} s"
awk -F'\t' '
  { check[NR] = $1; result[NR] = $2; figure[NR] = $3; note[NR] = $4
    if (length($1) > w1) w1 = length($1); if (length($3) > w3) w3 = length($3) }
  END {
    if (w1 < 5) w1 = 5; if (w3 < 26) w3 = 26
    printf "%-" w1 "s | %-6s | %-" w3 "s | %s\n", "check", "result", "worst rel. error / figure", "note"
    for (i = 1; i <= NR; i++) printf "%-" w1 "s | %-6s | %-" w3 "s | %s\n", check[i], result[i], figure[i], note[i]
  }' "$results" | tee "$out/table.txt"
fails=$(awk -F'\t' '$2 == "fail"' "$results" | wc -l)
passes=$(awk -F'\t' '$2 == "pass"' "$results" | wc -l)
echo "== $passes passed, $fails failed, $(($(wc -l < "$results") - passes - fails)) skipped"
for top in "$out/layout-probe.txt" "$out/ncu-top.txt" "$out/ncu-fusion-top.txt" "$out/nsys-graph-stats.txt" "$out/nsys-no-graph-stats.txt"; do
  if [ -s "$top" ]; then
    echo
    cat "$top"
  fi
done
echo
"${compare[@]}" compare "$out" --gpu "${gpu:-}" --ncu-steps 1 | tee "$out/compare.txt"
[ "$fails" = 0 ]
