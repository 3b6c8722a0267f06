#!/usr/bin/env bash
# benches/serve.sh: how fast `appraise serve` follows an edit on a large site.
#
# Starts the preview on the benchmark's appraise corpus (made by bench.sh),
# waits for the first build, then, RUNS times each:
#   1. adds a new trial page  -> time until the preview's version moves and
#      the new page is served;
#   2. edits one number of one trial -> time until the version moves and the
#      trial page shows the new number;
# and reports medians, the preview's peak RSS, and its CPU use while idle.
# Appends nothing: prints a Markdown fragment for benches/results.md.
#
# Environment:
#   N=10000                 corpus size (BENCH_DIR/appraise-N must exist)
#   RUNS=5
#   BENCH_DIR=/tmp/appraise-bench
#   APPRAISE=target/release/appraise
#   PORT=18111
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
N=${N:-10000}
RUNS=${RUNS:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/appraise-bench}
APPRAISE=${APPRAISE:-$ROOT/target/release/appraise}
PORT=${PORT:-18111}
SITE="$BENCH_DIR/appraise-$N"
[ -d "$SITE/content" ] || { echo "no $SITE: run benches/bench.sh first" >&2; exit 1; }
[ -x "$APPRAISE" ] || { echo "no $APPRAISE: cargo build --release" >&2; exit 1; }

# Work on a copy on tmpfs, so the corpus stays as bench.sh made it.
WORK=$(mktemp -d /dev/shm/appraise-serve.XXXXXX)
cp -r "$SITE/." "$WORK/"
LOG="$BENCH_DIR/serve-$N.log"
"$APPRAISE" serve --root "$WORK" --port "$PORT" --timings >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

python3 - "$PORT" "$WORK" "$RUNS" "$PID" "$N" <<'EOF'
import json, os, re, statistics, sys, time, urllib.request
port, work, runs, pid, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
base = "http://127.0.0.1:%d" % port
def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""
    except Exception:
        return 0, ""
def version():
    code, body = get("/__appraise/status")
    return json.loads(body)["version"] if code == 200 else None
t0 = time.time()
while version() in (None, 0):
    if time.time() - t0 > 600:
        sys.exit("the first build did not finish")
    time.sleep(0.05)
first = time.time() - t0
def wait_change(v0, ok, limit=60):
    start = time.time()
    while True:
        v = version()
        if v is not None and v != v0 and ok():
            return time.time() - start
        if time.time() - start > limit:
            sys.exit("no rebuild within %d s" % limit)
        time.sleep(0.002)
trials = os.path.join(work, "content/trials")
pages = sorted(p for p in os.listdir(trials) if p.endswith(".md") and p != "_index.md")
template = open(os.path.join(trials, pages[0])).read()
add, edit = [], []
for k in range(runs):
    # 1. a new trial
    slug = "bench-new-%d" % k
    text = template.replace("title: \"", "title: \"NEW%d " % k, 1)
    v0 = version()
    t = time.time()
    with open(os.path.join(trials, slug + ".md"), "w") as f:
        f.write(text)
    wait_change(v0, lambda: get("/trials/%s/" % slug)[0] == 200)
    add.append(time.time() - t)
    time.sleep(0.3)
    # 2. one number edited in an existing trial
    page = os.path.join(trials, pages[1 + k])
    text = open(page).read()
    m = re.search(r'"(\d+)/(\d+)"', text)
    e, tot = int(m.group(1)), int(m.group(2))
    new = '"%d/%d"' % (e - 1 if e > 0 else e + 1, tot)
    v0 = version()
    t = time.time()
    with open(page, "w") as f:
        f.write(text.replace(m.group(0), new, 1))
    trial_url = "/trials/%s/" % pages[1 + k][:-3]
    wait_change(v0, lambda: new.strip('"') in get(trial_url)[1])
    edit.append(time.time() - t)
    time.sleep(0.3)
# idle CPU over 10 s
def cpu():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
c0, w0 = cpu(), time.time()
time.sleep(10)
idle = (cpu() - c0) / (time.time() - w0)
hwm = [l for l in open("/proc/%d/status" % pid) if l.startswith("VmHWM")][0].split()[1]
ms = lambda v: "%.0f ms" % (1000 * statistics.median(v))
print("`appraise serve` on %d trial pages (tmpfs), %d runs each, medians:\n" % (n, runs))
print("| step | time |")
print("| --- | --- |")
print("| first build (start → site served) | %.2f s |" % first)
print("| new trial file → its page served (version moved) | %s (%s) |" % (ms(add), ", ".join("%.0f" % (1000 * a) for a in add)))
print("| one number edited → trial page shows it | %s (%s) |" % (ms(edit), ", ".join("%.0f" % (1000 * a) for a in edit)))
print("| idle CPU (10 s, nothing changing) | %.2f%% of a core |" % (100 * idle))
print("| peak RSS of the preview | %d MB |" % (int(hwm) // 1024))
EOF
echo
echo "rebuild lines from the preview's log ($LOG):"
grep -E "pages rendered again|^timings" "$LOG" | tail -8 | sed 's/^/    /'
