#!/bin/sh
# Side-by-side rounds: two appraise binaries and Hugo, one after another,
# each build over the output of the one before (as bench.sh does), so that
# the two binaries' ratios to Hugo are taken under the same machine load.
#
#   benches/rounds.sh N OLD_BIN NEW_BIN [APPRAISE_SITE] [HUGO_SITE]
#
# Sites default to bench.sh's corpus under /tmp/appraise-bench. Prints,
# per round: each binary's wall time (CPU), Hugo's wall time, then each
# binary's wall and CPU (user + system) ratio to Hugo, and the load.
set -eu
N=$1; A=$2; B=$3
SITE=${4:-/tmp/appraise-bench/appraise-10000}
HUGO_SITE=${5:-/tmp/appraise-bench/hugo-10000}
OUT=${OUT:-/dev/shm}
T=$(mktemp)
trap 'rm -f "$T"' EXIT
for i in $(seq "$N"); do
  for b in "$A" "$B" hugo; do
    if [ "$b" = hugo ]; then
      /usr/bin/time -o "$T" -f "%e %U %S" hugo --source "$HUGO_SITE" --destination "$OUT/h-o" --quiet >/dev/null 2>&1
    else
      /usr/bin/time -o "$T" -f "%e %U %S" "$b" build --root "$SITE" --output "$OUT/o-p" >/dev/null 2>&1
    fi
    printf "%s " "$(cat "$T")"
  done
  echo "load $(cut -d' ' -f1 /proc/loadavg)"
done | awk '{ printf "old %.2f s (%.2f)  new %.2f s (%.2f)  hugo %.2f s | wall old/H %.3f new/H %.3f | cpu old/H %.3f new/H %.3f | load %s\n", $1, $2+$3, $4, $5+$6, $7, $1/$7, $4/$7, ($2+$3)/($8+$9), ($5+$6)/($8+$9), $11 }'
