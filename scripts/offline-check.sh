#!/usr/bin/env bash
# Offline reading and search in headless Chromium, under the /appraise-demo/
# project path (scripts/offline-run.js says what is checked): the example
# site, and a generated site of 300 trials whose index is too large to be
# precached (the search page's "Keep search on this device"). Exits
# non-zero when a check fails.
#
#   scripts/offline-check.sh
#
# APPRAISE_BIN: an appraise binary to build with (default: cargo build --release).
# Needs Chromium (CHROME_PATH, default /usr/bin/chromium), Node and Python 3;
# shares the npm package playwright-core with a11y-check.sh
# (~/.cache/appraise-axe).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
browser_tools
port="${PORT:-8095}"
work="$(mktemp -d)"
appraise_bin
b="http://127.0.0.1:$port"
"$APPRAISE_BIN" build --root . --output "$work/www/appraise-demo" --base-url "$b/appraise-demo/" >/dev/null 2>&1

# 300 small trials: 5 entry shards, more than the worker precaches.
large="$work/large"
mkdir -p "$large/content/trials"
printf -- '---\ntitle: "Large site"\nsocial_images: false\n---\n' >"$large/content/_index.md"
for i in $(seq -w 1 300); do
  word=$([ "$i" = 150 ] && echo zebra || echo usual)
  cat >"$large/content/trials/t$i.md" <<MD
---
title: "TRIAL $i: drug $i in condition $((10#$i % 7))"
date: 2020-01-01
trial:
  acronym: TRIAL $i
  arms:
    - { id: drug, label: Drug, n: 100 }
    - { id: placebo, label: Placebo, n: 100, control: true }
  outcomes:
    - id: death
      label: Death at 28 days
      binary: { drug: 20/100, placebo: 30/100 }
---
A $word trial.
MD
done
"$APPRAISE_BIN" build --root "$large" --output "$work/www/large" --base-url "$b/large/" >/dev/null 2>&1

python3 -m http.server "$port" --bind 127.0.0.1 -d "$work/www" >/dev/null 2>&1 &
server=$!
trap 'kill $server; rm -rf "$work"' EXIT
sleep 1
NODE_PATH="$BROWSER_TOOLS" CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}" node scripts/offline-run.js \
  "$b/appraise-demo/" "$b/large/"
