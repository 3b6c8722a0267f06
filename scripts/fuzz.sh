#!/usr/bin/env bash
# Run the cargo-fuzz targets in fuzz/ for a given time each (not run by CI).
#
#   scripts/fuzz.sh TARGET SECONDS    one of: build_page stats csv
#   scripts/fuzz.sh all SECONDS       each target in turn, never in parallel
#   scripts/fuzz.sh seed              rebuild fuzz/corpus/ from the fixtures
#
# Targets are built as cargo-fuzz does by default: optimised, with debug
# assertions, overflow checks and AddressSanitizer. Needs a nightly
# toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`). One libFuzzer process, one target at a time (no -jobs or
# -workers: those fork and log to fuzz-N.log in the current folder). New
# inputs libFuzzer finds go to fuzz/corpus-work/TARGET (git-ignored); the
# committed seeds in fuzz/corpus/TARGET are only read. A crash or a slow
# input (over TIMEOUT seconds, default 10) is saved under
# fuzz/artifacts/TARGET/ and makes the script exit non-zero; minimise it
# with `cargo +nightly fuzz tmin TARGET FILE`.
set -euo pipefail

cd "$(dirname "$0")/.."
TARGETS=(build_page stats csv)
TIMEOUT=${TIMEOUT:-10}
RSS_LIMIT_MB=${RSS_LIMIT_MB:-2048}

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

seed() {
    local dir=fuzz/corpus
    rm -rf "$dir"
    mkdir -p "$dir/build_page" "$dir/csv" "$dir/stats"
    # Every Markdown page of the fixtures and the example site, named by
    # its path; identical files are kept once.
    find tests/fixtures content -name '*.md' -type f | sort | while read -r f; do
        cp "$f" "$dir/build_page/$(echo "$f" | tr '/' '_')"
    done
    # Page bundles: index.md, the separator line, then outcomes.csv.
    find tests/fixtures content -name outcomes.csv -type f | sort | while read -r csv; do
        local page
        page="$(dirname "$csv")/index.md"
        [ -f "$page" ] || continue
        { cat "$page"; printf '\n%%%%outcomes.csv%%%%\n'; cat "$csv"; } \
            >"$dir/build_page/bundle_$(dirname "$csv" | tr '/' '_').md"
        cp "$csv" "$dir/csv/$(echo "$csv" | tr '/' '_')"
    done
    # Hand-written CSV cases, and every input a fuzz run once failed on
    # (kept so later runs start from them).
    for t in "${TARGETS[@]}"; do
        if [ -d "fuzz/seeds/$t" ]; then cp fuzz/seeds/"$t"/* "$dir/$t/"; fi
    done
    # Drop duplicates (same bytes), keeping the first name.
    for t in "${TARGETS[@]}"; do
        [ -n "$(ls -A "$dir/$t")" ] || continue
        (cd "$dir/$t" && sha256sum -- * | sort -k1,1 -s | awk 'seen[$1]++ { print $2 }' | xargs -r rm --)
    done
    du -sh "$dir"/*
}

run() {
    local target=$1 secs=$2
    local work=fuzz/corpus-work/$target
    mkdir -p "$work" "fuzz/artifacts/$target" "fuzz/corpus/$target"
    echo "== $target: $secs s, -timeout=$TIMEOUT s per input"
    local log
    log=$(mktemp)
    local rc=0
    cargo +nightly fuzz run "$target" "$work" "fuzz/corpus/$target" -- \
        -max_total_time="$secs" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_LIMIT_MB" \
        -print_final_stats=1 2>&1 | tee "$log" | grep -v '^#[0-9]*\s*\(NEW\|REDUCE\|pulse\)' || true
    rc=${PIPESTATUS[0]}
    echo "== $target summary"
    grep -E '^#[0-9]+\s+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true
    grep -E '^stat::' "$log" || true
    grep -E 'ERROR: libFuzzer|SUMMARY|Test unit written|==[0-9]+== ERROR' "$log" || true
    rm -f "$log"
    return "$rc"
}

[ $# -ge 1 ] || usage
case $1 in
    seed) seed ;;
    all)
        [ $# -eq 2 ] || usage
        status=0
        for t in "${TARGETS[@]}"; do run "$t" "$2" || status=1; done
        exit $status
        ;;
    build_page | stats | csv)
        [ $# -eq 2 ] || usage
        run "$1" "$2"
        ;;
    *) usage ;;
esac
