#!/usr/bin/env bash
# Builds the example site and every good fixture site into OUT (one folder
# each), with the debug binary, so a refactor can be checked byte for byte:
#   scripts/snapshot.sh /tmp/before; (change); scripts/snapshot.sh /tmp/after
#   diff -r /tmp/before /tmp/after
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/snapshot.sh OUT}
rm -rf "$out"; mkdir -p "$out"
cargo build -q
bin=${CARGO_TARGET_DIR:-target}/debug/appraise
"$bin" build --root . --output "$out/example" --force >/dev/null 2>&1
for d in tests/fixtures/good/*/; do
  name=$(basename "$d")
  "$bin" build --root "$d" --output "$out/$name" --force >/dev/null 2>&1 || echo "($name did not build)"
done
