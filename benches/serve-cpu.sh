#!/usr/bin/env bash
# benches/serve-cpu.sh: the CPU (user + system, from /proc) of single
# `appraise serve` rebuilds, with nothing polling the server meanwhile
# (benches/serve.sh polls every 2 ms, which the process's CPU then includes).
# usage: benches/serve-cpu.sh BINARY SITE PORT  (SITE: e.g. /tmp/appraise-bench/appraise-10000)
set -euo pipefail
BIN=$1; SITE=$2; PORT=$3
WORK=$(mktemp -d /dev/shm/perf-cpu.XXXXXX)
cp -r "$SITE/." "$WORK/"
LOG=$WORK.log
"$BIN" serve --root "$WORK" --port "$PORT" --timings >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; rm -rf "$WORK" "$LOG"' EXIT
until grep -q "rendered again" "$LOG"; do sleep 1; done
cpu() { awk '{print $14+$15}' /proc/$PID/stat; }
TCK=$(getconf CLK_TCK)
T=$WORK/content/trials
P=$(ls $T | grep -v _index | sort | sed -n 5p)
for k in 1 2 3; do
  sleep 2; n=$(grep -c "rendered again" "$LOG"); c0=$(cpu)
  python3 - "$T/$P" "$k" <<'PY'
import re,sys
p,k=sys.argv[1],int(sys.argv[2]); t=open(p).read()
m=re.search(r'"(\d+)/(\d+)"',t); e,tot=int(m.group(1)),int(m.group(2))
open(p,'w').write(t.replace(m.group(0),'"%d/%d"'%(e+k if e+k<tot else e-k,tot),1))
PY
  until [ "$(grep -c "rendered again" "$LOG")" -gt "$n" ]; do sleep 0.05; done
  sleep 0.5; c1=$(cpu)
  echo "edit $k: cpu $(( (c1-c0)*1000/TCK )) ms (/proc); $(grep '^timings' "$LOG" | tail -1 | grep -o 'total.*')"
  sleep 2; n=$(grep -c "rendered again" "$LOG"); c0=$(cpu)
  sed "s/title: \"/title: \"NEWCPU$k /" "$T/$P" > "$T/zz-cpu-new-$k.md"
  until [ "$(grep -c "rendered again" "$LOG")" -gt "$n" ]; do sleep 0.05; done
  sleep 0.5; c1=$(cpu)
  echo "add $k: cpu $(( (c1-c0)*1000/TCK )) ms (/proc); $(grep '^timings' "$LOG" | tail -1 | grep -o 'total.*'); $(grep 'rendered again' "$LOG" | tail -1 | grep -o '(.*')"
done
grep '^timings' "$LOG" | tail -6
