#!/usr/bin/env bash
# Writes cae/build.properties into the classes folder (cae.train.Provenance reads it): the program's
# version (the POM's) and the git commit it is built from, with "-modified" when tracked files differ
# from that commit, or "unknown" where the project is not a git checkout of its own (a source archive)
# or git is missing. Generated at every build and never committed.
#   build-info.sh OUTPUT_DIR VERSION PROJECT_DIR
set -euo pipefail
out=$1/cae
version=$2
project=$3
commit=unknown
if command -v git >/dev/null 2>&1 \
   && [ "$(cd "$project" && git rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$project" && pwd -P)" ]; then
  commit=$(git -C "$project" rev-parse HEAD 2>/dev/null || echo unknown)
  if [ "$commit" != unknown ] && ! git -C "$project" diff --quiet HEAD -- 2>/dev/null; then commit="$commit-modified"; fi
fi
mkdir -p "$out"
content=$(printf 'version=%s\ncommit=%s' "$version" "$commit")
# rewritten only when it changes, so that an unchanged build leaves the jar's inputs as they were
if [ ! -f "$out/build.properties" ] || [ "$(cat "$out/build.properties")" != "$content" ]; then
  printf '%s\n' "$content" > "$out/build.properties"
fi
