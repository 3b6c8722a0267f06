#!/usr/bin/env bash
# benches/cache-add.sh: `appraise build --cache` after adding one trial, the
# issue 9 target "CLI rebuild after adding one trial, with the cache, <= 1 s".
# Copies SITE to tmpfs, builds it once with the cache, then three times adds
# a copy of the fifth trial (its title changed) and rebuilds; then once more
# with nothing changed. Each rebuild is timed by /usr/bin/time, with the
# stages from --timings. Finally the cached output is compared (diff -r) with
# a clean build of the same content.
# usage: benches/cache-add.sh BINARY SITE   (SITE: e.g. /tmp/appraise-bench/appraise-10000)
set -euo pipefail
BIN=$(realpath "$1"); SITE=$2
WORK=$(mktemp -d /dev/shm/cache-add.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp -r "$SITE/." "$WORK/site/" 2>/dev/null || { mkdir -p "$WORK/site"; cp -r "$SITE/." "$WORK/site/"; }
cd "$WORK/site"
T=content/trials
P=$(ls $T | grep -v _index | sort | sed -n 5p)
run() { # $1: label
  sleep 2.2 # a source stamped less than 2 s ago is not trusted by the cache
  /usr/bin/time -f "%e s wall, %U user + %S sys, %M KB" "$BIN" build --cache --timings \
    >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  echo "$1: $(tail -1 "$WORK/err"); stages: $(grep -E '^  [a-z][a-z ]* +[0-9.]+ ms$' "$WORK/err" | sed -E 's/ +/ /g; s/^ //' | paste -sd, | sed 's/,/, /g')"
}
echo "load before: $(uptime | sed 's/.*load average: //')"
run "first (no cache)"
for k in 1 2 3; do
  sed "s/title: \"/title: \"NEW$k /" "$T/$P" > "$T/zz-new-$k.md"
  run "add one ($k)"
done
run "nothing changed"
echo "load after: $(uptime | sed 's/.*load average: //')"
"$BIN" build --output "$WORK/clean" >/dev/null 2>&1
if diff -r -q --exclude=.appraise-output public "$WORK/clean" >/dev/null; then
  echo "output identical to a clean build (diff -r)"
else
  echo "OUTPUT DIFFERS from a clean build:"; diff -r -q --exclude=.appraise-output public "$WORK/clean" | head
  exit 1
fi
