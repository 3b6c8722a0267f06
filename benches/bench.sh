#!/usr/bin/env bash
# benches/bench.sh: appraise vs Hugo vs the I/O floor on the shared synthetic
# corpus, at 1,000 and 10,000 pages, plus "add one page to 10,000".
# See benches/README.md. Writes benches/results.md.
#
# Environment:
#   SIZES="1000 10000"   corpus sizes
#   RUNS=5 WARMUP=1      hyperfine runs per command
#   BENCH_DIR=/tmp/appraise-bench   inputs (corpora, sites, logs); reused if present
#   OUT_DIR=/dev/shm     where the generators write (tmpfs)
#   APPRAISE=target/release/appraise   the binary (build it first: cargo build --release)
#   SHARED=/work/shared/bench          gen_corpus.py, make_hugo_site.sh, floor.rs
#   RESULTS=benches/results.md
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
SIZES=${SIZES:-"1000 10000"}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
BENCH_DIR=${BENCH_DIR:-/tmp/appraise-bench}
OUT_DIR=${OUT_DIR:-/dev/shm}
APPRAISE=${APPRAISE:-$ROOT/target/release/appraise}
SHARED=${SHARED:-/work/shared/bench}
RESULTS=${RESULTS:-$HERE/results.md}
GEN="$SHARED/gen_corpus.py"
ADD_INDEX=10000   # the page a 10,001-page corpus adds

die() { echo "bench.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

for t in python3 hugo hyperfine rustc; do
  command -v "$t" >/dev/null || die "$t not found. Install: printf '#clear DPkg::Post-Invoke;\\n' > /tmp/apt-noclean.conf; apt-get -c /tmp/apt-noclean.conf -o DPkg::Lock::Timeout=600 install -y --no-install-recommends hugo hyperfine"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
[ -x "$APPRAISE" ] || die "$APPRAISE not found: run 'cargo build --release' in $ROOT first"
for f in "$GEN" "$SHARED/make_hugo_site.sh" "$SHARED/floor.rs"; do [ -f "$f" ] || die "missing $f"; done

mkdir -p "$BENCH_DIR"
OUT_A="$OUT_DIR/out-a"; OUT_H="$OUT_DIR/out-h"; OUT_F="$OUT_DIR/out-f"

# --- the I/O floor -----------------------------------------------------------
FLOOR="$BENCH_DIR/floor"
if [ ! -x "$FLOOR" ] || [ "$SHARED/floor.rs" -nt "$FLOOR" ]; then
  log "compiling floor.rs"
  rustc -O "$SHARED/floor.rs" -o "$FLOOR"
fi

# --- inputs ------------------------------------------------------------------
# prepare N: corpus-N (gen_corpus.py, unmodified), hugo-N (make_hugo_site.sh on
# that corpus) and appraise-N (to_appraise.py on that corpus). Reused when the
# generator and converter are older than the stamp.
prepare() {
  local n=$1 c="$BENCH_DIR/corpus-$n" h="$BENCH_DIR/hugo-$n" a="$BENCH_DIR/appraise-$n"
  local stamp="$BENCH_DIR/.ready-$n"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$GEN" ] && [ "$stamp" -nt "$HERE/to_appraise.py" ] \
     && [ "$stamp" -nt "$SHARED/make_hugo_site.sh" ]; then
    log "inputs for $n pages already in $BENCH_DIR"
    return
  fi
  rm -rf "$c" "$h" "$a" "$stamp"
  log "generating $n pages"
  python3 "$GEN" --pages "$n" --out "$c" >&2
  log "building the Hugo site"
  sh "$SHARED/make_hugo_site.sh" "$c" "$h" >&2
  log "converting to appraise's schema"
  python3 "$HERE/to_appraise.py" "$c" "$a" >&2
  touch "$stamp"
}

# peak RSS (MB) and wall seconds of one run, via /usr/bin/time -v
peak_rss() {
  local logf=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$logf" || { echo "command failed: $* (see $logf)" >&2; tail -5 "$logf" >&2; echo "NA"; return; }
  awk '/Maximum resident set size/ {printf "%.0f\n", $NF/1024}' "$logf"
}

# medians of appraise --timings over 3 runs -> stage<TAB>ms lines
stage_timings() {
  local a=$1 out=$2
  : > "$out.raw"
  for k in 1 2 3; do
    "$APPRAISE" build --root "$a" --output "$OUT_A" --timings >/dev/null 2>"$out.$k" || true
    grep -E '^  [a-z]+ +[0-9.]+ ms$' "$out.$k" | awk -v k=$k '{print k"\t"$1"\t"$2}' >> "$out.raw"
  done
  python3 - "$out.raw" > "$out" <<'EOF'
import sys, statistics, collections
d = collections.OrderedDict()
for line in open(sys.argv[1]):
    k, stage, ms = line.split("\t")
    d.setdefault(stage, []).append(float(ms))
for s, v in d.items():
    print("%s\t%.1f" % (s, statistics.median(v)))
EOF
}

declare -A RSS
SUMMARY_LINES=""
for n in $SIZES; do
  prepare "$n"
  c="$BENCH_DIR/corpus-$n"; h="$BENCH_DIR/hugo-$n"; a="$BENCH_DIR/appraise-$n"
  rm -rf "$OUT_A" "$OUT_H" "$OUT_F"

  # One checked run of each first: exit status and diagnostics.
  log "appraise on $n pages (diagnostics -> $BENCH_DIR/appraise-$n.stderr)"
  if "$APPRAISE" build --root "$a" --output "$OUT_A" >"$BENCH_DIR/appraise-$n.stdout" 2>"$BENCH_DIR/appraise-$n.stderr"; then
    SUMMARY_LINES+="- $n pages: \`$(cat "$BENCH_DIR/appraise-$n.stdout")\`"$'\n'
  else
    echo "appraise FAILED on $n pages; first lines of stderr:" >&2
    head -20 "$BENCH_DIR/appraise-$n.stderr" >&2
    die "appraise build failed (see $BENCH_DIR/appraise-$n.stderr)"
  fi
  hugo --source "$h" --destination "$OUT_H" --quiet >"$BENCH_DIR/hugo-$n.log" 2>&1 \
    || { tail -20 "$BENCH_DIR/hugo-$n.log" >&2; die "hugo failed on $n pages"; }

  log "hyperfine, $n pages"
  hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$BENCH_DIR/hf-$n.json" \
    -n floor "$FLOOR $c/content $OUT_F" \
    -n appraise "$APPRAISE build --root $a --output $OUT_A" \
    -n hugo "hugo --source $h --destination $OUT_H --quiet" >&2

  log "peak RSS, $n pages"
  RSS[floor-$n]=$(peak_rss "$BENCH_DIR/time-floor-$n.txt" "$FLOOR" "$c/content" "$OUT_F")
  RSS[appraise-$n]=$(peak_rss "$BENCH_DIR/time-appraise-$n.txt" "$APPRAISE" build --root "$a" --output "$OUT_A")
  RSS[hugo-$n]=$(peak_rss "$BENCH_DIR/time-hugo-$n.txt" hugo --source "$h" --destination "$OUT_H" --quiet)

  log "appraise --timings, $n pages (median of 3)"
  stage_timings "$a" "$BENCH_DIR/stages-$n.tsv"
done

# --- add one page to the largest corpus ---------------------------------------
BIG=$(echo $SIZES | tr ' ' '\n' | sort -n | tail -1)
c="$BENCH_DIR/corpus-$BIG"; h="$BENCH_DIR/hugo-$BIG"; a="$BENCH_DIR/appraise-$BIG"
add="$BENCH_DIR/add-one"
rm -rf "$add"
python3 "$GEN" --pages 1 --start "$ADD_INDEX" --out "$add/corpus" >&2
python3 "$HERE/to_appraise.py" "$add/corpus" "$add/site" --pages-only >&2
page=$(cd "$add/corpus/content/trials" && ls | grep -v '^_index.md$')
slug=${page%.md}
cleanup_add() { rm -f "$a/content/trials/$page" "$h/content/trials/$page"; }
trap cleanup_add EXIT
# Outputs of the full 10,000-page build are in place (the last peak-RSS runs).
cp "$add/site/content/trials/$page" "$a/content/trials/$page"
cp "$add/corpus/content/trials/$page" "$h/content/trials/$page"
log "hyperfine, rebuild after adding $page to $BIG pages"
# Each run starts from an output that lacks the new page (prepare removes it).
hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$BENCH_DIR/hf-add.json" \
  -n appraise --prepare "rm -rf $OUT_A/trials/$slug" "$APPRAISE build --root $a --output $OUT_A" \
  -n hugo --prepare "rm -rf $OUT_H/trials/$slug" "hugo --source $h --destination $OUT_H --quiet" >&2
[ -f "$OUT_A/trials/$slug/index.html" ] || echo "WARNING: appraise output lacks trials/$slug/index.html" >&2
[ -f "$OUT_H/trials/$slug/index.html" ] || echo "WARNING: hugo output lacks trials/$slug/index.html" >&2
"$APPRAISE" build --root "$a" --output "$OUT_A" >"$BENCH_DIR/appraise-add.stdout" 2>"$BENCH_DIR/appraise-add.stderr" || true
cleanup_add
trap - EXIT

# --- report ------------------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no -- src 2>/dev/null | wc -l)
{
  for k in "${!RSS[@]}"; do echo "$k ${RSS[$k]}"; done
} > "$BENCH_DIR/rss.txt"
python3 - "$BENCH_DIR" "$SIZES" "$BIG" "$RESULTS" <<EOF
import json, os, sys
bench, sizes, big, results = sys.argv[1], [int(s) for s in sys.argv[2].split()], int(sys.argv[3]), sys.argv[4]
rss = dict(l.split() for l in open(os.path.join(bench, "rss.txt")))
def med(f):
    d = json.load(open(os.path.join(bench, f)))
    return {r["command"]: r["median"] for r in d["results"]}
def cpu(f):
    d = json.load(open(os.path.join(bench, f)))
    return {r["command"]: r["user"] + r["system"] for r in d["results"]}
def mb(c):
    b = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(bench, "corpus-%d" % c, "content")) for f in fs)
    return b / 1e6
def s(x): return "%.3f s" % x if x < 1 else "%.2f s" % x
L = []
L.append("# appraise benchmark results\n")
L.append("- date: $(date -u '+%Y-%m-%d %H:%M UTC')")
L.append("- machine: $(nproc) cores (nproc), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr); outputs on tmpfs ($OUT_DIR)")
L.append("- appraise commit: $COMMIT (binary $APPRAISE, built $(date -u -r "$APPRAISE" '+%Y-%m-%d %H:%M UTC')$( [ "$DIRTY" -gt 0 ] && echo "; src/ had $DIRTY uncommitted change(s) at benchmark time" ))")
L.append("- $(hugo version | cut -d' ' -f1-2), $(hyperfine --version); hyperfine --warmup $WARMUP --runs $RUNS; medians")
L.append("- corpus: /work/shared/bench/gen_corpus.py (seed 42), converted by benches/to_appraise.py (front matter only)\n")
L.append("| work | floor | appraise | Hugo | appraise / Hugo | appraise / floor | CPU appraise / Hugo |")
L.append("| --- | --- | --- | --- | --- | --- | --- |")
meds = {}
for n in sizes:
    m = med("hf-%d.json" % n); meds[n] = m; c = cpu("hf-%d.json" % n)
    L.append("| full build, {:,} pages ({:.0f} MB) | {} | {} | {} | {:.2f} | {:.1f} | {:.2f} ({:.1f} s / {:.1f} s) |".format(
        n, mb(n), s(m["floor"]), s(m["appraise"]), s(m["hugo"]), m["appraise"] / m["hugo"], m["appraise"] / m["floor"],
        c["appraise"] / c["hugo"], c["appraise"], c["hugo"]))
m = med("hf-add.json"); c = cpu("hf-add.json")
L.append("| rebuild after adding 1 page to {:,} | — | {} | {} | {:.2f} | — | {:.2f} |".format(big, s(m["appraise"]), s(m["hugo"]), m["appraise"] / m["hugo"], c["appraise"] / c["hugo"]))
L.append("")
L.append("| peak RSS | floor | appraise | Hugo | appraise / Hugo |")
L.append("| --- | --- | --- | --- | --- |")
for n in sizes:
    f, a, h = rss.get("floor-%d" % n), rss.get("appraise-%d" % n), rss.get("hugo-%d" % n)
    r = "%.2f" % (float(a) / float(h)) if a not in (None, "NA") and h not in (None, "NA") else "—"
    L.append("| full build, {:,} pages | {} MB | {} MB | {} MB | {} |".format(n, f, a, h, r))
if len(sizes) > 1:
    lo, hi = sizes[0], sizes[-1]
    L.append("\nScaling {:,} → {:,} pages: appraise ×{:.1f}, Hugo ×{:.1f}, floor ×{:.1f}.".format(
        lo, hi, meds[hi]["appraise"] / meds[lo]["appraise"], meds[hi]["hugo"] / meds[lo]["hugo"], meds[hi]["floor"] / meds[lo]["floor"]))
for n in sizes:
    p = os.path.join(bench, "stages-%d.tsv" % n)
    if not os.path.exists(p): continue
    st = [l.rstrip("\n").split("\t") for l in open(p) if l.strip()]
    tot = sum(float(v) for _, v in st)
    L.append("\nappraise stages, {:,} pages (\`--timings\`, median of 3 runs):\n".format(n))
    L.append("| stage | ms | share |")
    L.append("| --- | --- | --- |")
    for k, v in st:
        L.append("| {} | {:.1f} | {:.1f}% |".format(k, float(v), 100 * float(v) / tot if tot else 0))
    L.append("| total | {:.1f} | |".format(tot))
out = "\n".join(L) + "\n"
open(results, "w").write(out)
print(out)
EOF
{
  echo
  echo "appraise summary lines:"
  echo
  printf '%s' "$SUMMARY_LINES"
  for n in $SIZES; do
    nd=$(grep -c . "$BENCH_DIR/appraise-$n.stderr" || true)
    if [ "$nd" -gt 0 ]; then
      echo
      echo "appraise printed $nd line(s) of diagnostics on $n pages; first lines:"
      echo
      echo '```'
      head -8 "$BENCH_DIR/appraise-$n.stderr"
      echo '```'
    fi
  done
} | tee -a "$RESULTS"
