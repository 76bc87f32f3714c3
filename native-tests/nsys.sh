#!/usr/bin/env bash
# Nsight Systems for the GPU check's nsys part (docs/profiling.md, "Nsight Systems"). The GPU machines
# carry only the nsys inside Nsight Compute, which writes a .qdstrm and no report; Debian non-free's
# Nsight Systems 2022.4 (nsight-systems-target: nsys; nsight-systems: the QdstrmImporter that turns a
# .qdstrm into a report) is what this stages, carries and runs.
#
#   bash native-tests/nsys.sh stage           here: downloads the two packages (apt, a private package
#                                             list, nothing installed) into the cache, and puts into .nsys/
#                                             what the GPU machine needs (the nsight-systems-target .deb and
#                                             the QdstrmImporter with the libraries it loads), checks that
#                                             it fits one device call, and prints that call
#   bash native-tests/nsys.sh install [DIR]   on the GPU machine: unpacks .nsys/ into DIR (default
#                                             /tmp/nsys): DIR/target-linux-x64/nsys, which finds the importer
#                                             in DIR/host-linux-x64
#   bash native-tests/nsys.sh report BASE     a report BASE.nsys-rep, or else BASE.qdstrm (or the newest
#                                             /tmp/nsys-report-*.qdstrm, copied to BASE.qdstrm) converted with
#                                             the importer next to nsys: prints nsys stats' kernel summary and
#                                             NVTX summary; exit 0 when both were printed
#   bash native-tests/nsys.sh import FILE.qdstrm
#                                             here: the same for a .qdstrm brought back from the GPU machine,
#                                             with the staged tools (a .qdstrm converts only with the importer
#                                             of the nsys version that wrote it)
#   bash native-tests/nsys.sh cpu-check       here: profiles a short CPU training with --nvtx under the staged
#                                             nsys (--trace=nvtx) and prints the NVTX summary: shows the shim,
#                                             the CUDA installation's NVTX library and nsys's injection at work
#
# Environment: NSYS (the nsys to use for report; default: the one under /tmp/nsys, on PATH, or staged);
# NSYS_APT_SUITE (default bookworm), NSYS_APT_URI (the Debian mirror; default: the one this machine's
# apt sources name for Debian's main archive); CAE_CACHE (default ~/.cache/cae).
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${CAE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cae}/nsys
suite=${NSYS_APT_SUITE:-bookworm}
tools=$cache/tools                 # target-linux-x64 and host-linux-x64, unpacked here for import and cpu-check
target_rel=usr/lib/x86_64-linux-gnu/nsight-systems/target-linux-x64
host_rel=usr/lib/nsight-systems/host-linux-x64

die() { echo "nsys.sh: $*" >&2; exit 1; }

# the Debian mirror this machine's apt uses for the main archive (not the security one)
debian_uri() {
  if [ -n "${NSYS_APT_URI:-}" ]; then echo "$NSYS_APT_URI"; return; fi
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -E '/debian/?$' | head -1)
  [ -n "$uri" ] || uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
                          | awk '{print $2}' | grep -E '/debian/?$' | head -1)
  echo "$uri"
}

# apt with a private package list (main and non-free of $suite) under $cache/apt: installs nothing
private_apt() {
  local uri apt=$cache/apt
  uri=$(debian_uri)
  [ -n "$uri" ] || die "no Debian mirror in this machine's apt sources; give NSYS_APT_URI"
  mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/parts"
  echo "deb $uri $suite main non-free" > "$apt/sources.list"
  apt_opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts="$apt/parts"
            -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
}

# the newest version of $1 in the private list
candidate() { apt-cache "${apt_opts[@]}" policy "$1" | awk '/Candidate:/ {print $2}'; }

# unpacks a .deb's data (dpkg-deb, or Python where there is none) under $2
unpack_deb() {
  local deb=$1 into=$2
  mkdir -p "$into"
  if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$deb" "$into"; return; fi
  python3 - "$deb" "$into" <<'EOF'
import io, sys, tarfile
deb, into = sys.argv[1], sys.argv[2]
data = open(deb, "rb").read()
assert data[:8] == b"!<arch>\n", deb + " is not a .deb"
pos = 8
while pos < len(data):
    name, size = data[pos:pos + 16].decode().strip().rstrip("/"), int(data[pos + 48:pos + 58])
    if name.startswith("data.tar"):
        tarfile.open(fileobj=io.BytesIO(data[pos + 60:pos + 60 + size])).extractall(into)
    pos += 60 + size + (size % 2)
EOF
}

# the staged tools here: the two packages unpacked, and the importer's libraries beside it
download() {
  private_apt
  echo "nsys.sh: package list of $suite (main, non-free) from $(debian_uri)" >&2
  apt-get "${apt_opts[@]}" -q update >/dev/null || die "apt-get update failed"
  local version
  version=$(candidate nsight-systems-target)
  [ -n "$version" ] && [ "$version" != "(none)" ] || die "no nsight-systems-target in $suite non-free"
  mkdir -p "$cache/debs"
  (cd "$cache/debs" && apt-get "${apt_opts[@]}" -q download "nsight-systems-target=$version" "nsight-systems=$version" libssh-4 \
     >/dev/null 2>&1) || die "apt-get download failed"
  target_deb=$(ls "$cache"/debs/nsight-systems-target_*.deb | tail -1)
  host_deb=$(ls "$cache"/debs/nsight-systems_*.deb | tail -1)
  ssh_deb=$(ls "$cache"/debs/libssh-4_*.deb | tail -1)
  if [ ! -x "$tools/target-linux-x64/nsys" ] || [ "$target_deb" -nt "$tools/target-linux-x64/nsys" ]; then
    local work
    work=$(mktemp -d)
    unpack_deb "$target_deb" "$work/target"
    unpack_deb "$host_deb" "$work/host"
    unpack_deb "$ssh_deb" "$work/ssh"
    rm -rf "$tools"
    mkdir -p "$tools/host-linux-x64"
    mv "$work/target/$target_rel" "$tools/target-linux-x64"
    # the importer and the libraries it loads (ldd, from the package's own folder), not the 400 MB user interface
    local libssh
    libssh=$(readlink -f "$work"/ssh/usr/lib/x86_64-linux-gnu/libssh.so.4)
    cp "$libssh" "$tools/host-linux-x64/libssh.so.4"
    ln -s libssh.so.4 "$tools/host-linux-x64/libssh.so"   # the importer's libraries ask for the unversioned name
    cp "$work/host/$host_rel/QdstrmImporter" "$tools/host-linux-x64/"
    LD_LIBRARY_PATH="$tools/host-linux-x64:$work/host/$host_rel" ldd "$work/host/$host_rel/QdstrmImporter" \
      | awk -v dir="$work/host/$host_rel/" 'index($3, dir) == 1 {print $3}' | while read -r lib; do cp -L "$lib" "$tools/host-linux-x64/"; done
    rm -rf "$work"
  fi
  missing=$(LD_LIBRARY_PATH="$tools/host-linux-x64" ldd "$tools/host-linux-x64/QdstrmImporter" | grep 'not found')
  [ -z "$missing" ] || die "the importer's libraries are incomplete here: $missing"
  echo "nsys.sh: $("$tools/target-linux-x64/nsys" --version) in $tools" >&2
}

stage() {
  download
  rm -rf "$top/.nsys"
  mkdir -p "$top/.nsys"
  cp "$target_deb" "$top/.nsys/"
  tar -C "$tools" -cJf "$top/.nsys/host-linux-x64.tar.xz" host-linux-x64
  local tree kib
  tree=$(cd "$top" && git ls-files -z | xargs -0 du -ck 2>/dev/null | tail -1 | awk '{print $1}')
  kib=$(( $(du -sk "$top/.nsys" | awk '{print $1}') + tree ))
  du -sh "$top/.nsys"/* >&2
  [ "$kib" -le $((64 * 1024)) ] || die ".nsys and the working tree hold $((kib / 1024)) MiB, more than the 64 MiB a device call carries"
  cat >&2 <<EOF
nsys.sh: .nsys and the working tree hold $((kib / 1024)) MiB. With the build staged (bash native-tests/stage.sh), make
two device calls back to back (the machine is kept only briefly between calls):
  1. carry: [".nsys"], timeout_s: 120, command: bash native-tests/nsys.sh install /tmp/nsys
  2. carry: [".gpu", "target"], timeout_s: 300, command:
     GPU_CHECK_PARTS=nsys GPU_CHECK_BUDGET_S=240 OUT=/tmp/gc bash native-tests/gpu-check.sh > \$OUT/gpu-check.log 2>&1; tar -C /tmp -czf \$OUT/gc.tgz gc
EOF
}

install_nsys() {
  local dir=${1:-/tmp/nsys}
  local deb
  deb=$(ls "$top"/.nsys/nsight-systems-target_*.deb 2>/dev/null | tail -1)
  [ -n "$deb" ] && [ -f "$top/.nsys/host-linux-x64.tar.xz" ] || die ".nsys/ is missing or incomplete: stage it here first (bash native-tests/nsys.sh stage)"
  local work
  work=$(mktemp -d)
  unpack_deb "$deb" "$work"
  rm -rf "$dir"
  mkdir -p "$dir"
  mv "$work/$target_rel" "$dir/target-linux-x64"
  rm -rf "$work"
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$top/.nsys/host-linux-x64.tar.xz" "$dir"
  echo "nsys.sh: installed into $dir: $("$dir/target-linux-x64/nsys" --version 2>&1 | head -1)"
  local missing
  missing=$( (ldd "$dir/target-linux-x64/nsys"; LD_LIBRARY_PATH="$dir/host-linux-x64" ldd "$dir/host-linux-x64/QdstrmImporter") | grep 'not found' | sort -u)
  if [ -n "$missing" ]; then echo "nsys.sh: libraries missing on this machine:"; echo "$missing"; return 1; fi
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1
}

# the nsys to read reports with
find_nsys() {
  if [ -n "${NSYS:-}" ]; then echo "$NSYS"; return; fi
  for candidate in /tmp/nsys/target-linux-x64/nsys "$(command -v nsys 2>/dev/null)" "$tools/target-linux-x64/nsys"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
}

report() {
  local base=${1%.nsys-rep}
  base=${base%.qdstrm}
  local nsys
  nsys=$(find_nsys)
  [ -n "$nsys" ] || die "no nsys (give NSYS)"
  if [ ! -f "$base.nsys-rep" ]; then
    if [ ! -f "$base.qdstrm" ]; then
      local stray
      stray=$(ls -t /tmp/nsys-report-*.qdstrm 2>/dev/null | head -1)
      [ -n "$stray" ] && cp "$stray" "$base.qdstrm"
    fi
    [ -f "$base.qdstrm" ] || die "neither $base.nsys-rep nor $base.qdstrm was written"
    local importer
    importer=$(dirname "$(readlink -f "$nsys")")/../host-linux-x64/QdstrmImporter
    [ -x "$importer" ] || die "only $base.qdstrm was written and there is no QdstrmImporter beside $nsys: bring the .qdstrm back and convert it here (bash native-tests/nsys.sh import $base.qdstrm)"
    echo "nsys.sh: converting $base.qdstrm with $importer"
    LD_LIBRARY_PATH="$(dirname "$importer")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$importer" -i "$base.qdstrm" -o "$base.nsys-rep" \
      | tr '\r' '\n' | grep -vE '^Processing \[|^$'
    [ -f "$base.nsys-rep" ] || die "$importer could not convert $base.qdstrm (it converts only what the same nsys version wrote)"
  fi
  # the report names of newer Nsight Systems, then those of 2022.x
  local stats rc
  stats=$("$nsys" stats --force-export=true --report cuda_gpu_kern_sum --report nvtx_sum "$base.nsys-rep" 2>&1); rc=$?
  if [ $rc != 0 ] || ! grep -q 'Kernel Summary' <<<"$stats"; then
    stats=$("$nsys" stats --force-export=true --report gpukernsum --report nvtxsum "$base.nsys-rep" 2>&1); rc=$?
  fi
  # the export's progress bars are carriage-return lines: keep the tables
  tr '\r' '\n' <<<"$stats" | grep -vE '^(Exporting|Generating SQLite|\[)' | grep -v '^$'
  grep -q 'Kernel Summary' <<<"$stats" && grep -q 'NVTX Range Summary' <<<"$stats"
}

cpu_check() {
  [ -x "$tools/target-linux-x64/nsys" ] || download
  local work jar=$top/target/cae.jar
  [ -f "$jar" ] || die "no $jar: build first (mvn -q -B -DskipTests package)"
  work=$(mktemp -d)
  python3 - "$work/data" <<'EOF'
import os, random, struct, sys
random.seed(1)
os.makedirs(sys.argv[1])
for name, n in (("train-images-idx3-ubyte", 120), ("t10k-images-idx3-ubyte", 40)):
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 12, 12) + bytes(random.randrange(256) for _ in range(n * 144)))
EOF
  "$tools/target-linux-x64/nsys" profile --trace=nvtx --sample=none --cpuctxsw=none --force-overwrite true -o "$work/cpu" \
    java --add-modules=jdk.incubator.vector -Djava.awt.headless=true -cp "$jar:$top/target/lib/*" cae.cli.Main \
    train --device cpu --epochs 2 --batch 20 --data "$work/data" --out "$work/run" --nvtx -v 2>&1 | grep -E '^(nvtx|epoch|test)'
  "$tools/target-linux-x64/nsys" stats --report nvtxsum "$work/cpu.nsys-rep" 2>&1 | tr '\r' '\n' | grep -vE '^(Exporting|Generating SQLite|\[)' | grep -v '^$'
  local rc=${PIPESTATUS[0]}
  rm -rf "$work"
  return "$rc"
}

case "${1:-}" in
  stage) stage ;;
  install) install_nsys "${2:-}" ;;
  report) [ $# -ge 2 ] || die "usage: nsys.sh report BASE"; report "$2" ;;
  import) [ $# -ge 2 ] || die "usage: nsys.sh import FILE.qdstrm"; [ -x "$tools/target-linux-x64/nsys" ] || download
          NSYS=$tools/target-linux-x64/nsys report "$2" ;;
  cpu-check) cpu_check ;;
  *) sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
