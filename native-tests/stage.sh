#!/usr/bin/env bash
# Prepares, here, everything native-tests/gpu-check.sh needs on the GPU machine (no Maven, no network):
#   SHARED=DIR bash native-tests/stage.sh [MNIST_DIR]      (MNIST_DIR default: $CAE_DATA or ~/.cache/cae/mnist)
# SHARED names the folder that holds the device tool's staging scripts, gpu/stage.sh and
# gpu/device-env.sh; they are not part of this repository.
# 1. mvn package: target/cae.jar, target/lib (runtime jars, JCuda natives), target/test-classes and
#    target/test-lib (the JUnit console launcher);
# 2. $SHARED/gpu/stage.sh: .gpu/jre.tar.xz, .gpu/device-env.sh and .gpu/data/mnist, the MNIST files
#    gzip-compressed (55 MB raw would not fit what the device tool carries);
# then prunes test reports from target and checks that target + .gpu fit in 64 MiB. The PyTorch anchor,
# anchors/torch_cae.py, travels with the repository.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
shared=${SHARED:-}
mnist=${1:-${CAE_DATA:-$HOME/.cache/cae/mnist}}
[ -n "$shared" ] || { echo "stage: set SHARED to the folder holding the device tool's gpu/stage.sh and gpu/device-env.sh" >&2; exit 2; }
[ -f "$shared/gpu/stage.sh" ] || { echo "stage: $shared/gpu/stage.sh not found (SHARED names the wrong folder)" >&2; exit 2; }

echo "stage: mvn package (main and test classes, runtime jars, JUnit console launcher)" >&2
mvn -q -B -DskipTests package

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/mnist"
for name in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [ -f "$mnist/$name.gz" ]; then cp "$mnist/$name.gz" "$tmp/mnist/"
  elif [ -f "$mnist/$name" ]; then gzip -c "$mnist/$name" > "$tmp/mnist/$name.gz"
  elif [[ $name == *images* ]]; then echo "stage: $mnist has no $name (or $name.gz); fetch MNIST first (./cae fetch)" >&2; exit 2
  fi
done
rm -rf .gpu/data/mnist
stage=$shared/gpu/stage.sh
if [ ! -d .git ]; then
  # a git worktree: .git is a file, and the staging script's "echo /.gpu/ >> .git/info/exclude" would
  # stop it; .gitignore already ignores /.gpu/, so run a copy without that line
  mkdir "$tmp/gpu"
  grep -v 'info/exclude' "$shared/gpu/stage.sh" > "$tmp/gpu/stage.sh"
  cp "$shared/gpu/device-env.sh" "$tmp/gpu/"
  stage=$tmp/gpu/stage.sh
fi
bash "$stage" --data "$tmp/mnist"

# only target/{cae.jar,classes,test-classes,lib,test-lib} travel usefully; drop what earlier test runs left
rm -rf target/surefire-reports target/surefire target/gpu-check
kib=$(du -sk target .gpu | awk '{s += $1} END {print s}')
du -sh target .gpu
if [ "$kib" -gt $((64 * 1024)) ]; then
  echo "stage: target + .gpu hold $((kib / 1024)) MiB, more than the 64 MiB the device tool carries" >&2
  exit 1
fi
echo "stage: target + .gpu hold $((kib / 1024)) MiB; now call the device tool's run with
  carry: [\".gpu\", \"target\"], timeout_s: 420, command:
  OUT=/tmp/gc bash native-tests/gpu-check.sh > \$OUT/gpu-check.log 2>&1; tar -C /tmp -czf \$OUT/gc.tgz gc" >&2
