#!/usr/bin/env bash
# Validate what appraise writes with the W3C Nu checker (offline, Java):
# every HTML page of the example site, of the good test fixtures and of the
# registry fixtures, and
# every chart SVG in them (as standalone SVG documents).
#
#   scripts/nu-check.sh            # exits non-zero on any error
#
# APPRAISE_BIN: an appraise binary to build with (default: cargo build --release).
# Needs Java and vnu.jar: set VNU_JAR, or the script installs the npm
# package `vnu-jar` into ~/.cache/appraise-nu (npm registry only).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v java >/dev/null || { echo "Java is required (apt-get install default-jre-headless)"; exit 2; }
if [ -z "${VNU_JAR:-}" ]; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/appraise-nu"
  VNU_JAR="$cache/node_modules/vnu-jar/build/dist/vnu.jar"
  if [ ! -f "$VNU_JAR" ]; then
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund vnu-jar >/dev/null
  fi
fi
source scripts/lib.sh
appraise_bin
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$APPRAISE_BIN" build --root . --output "$work/example" >/dev/null 2>&1
# The registry fixtures too: posted results, registry-only groups and
# the posted-only status appear nowhere else.
for site in tests/fixtures/good/*/ tests/fixtures/registry/*/; do
  name="$(basename "$(dirname "$site")")-$(basename "$site")"
  # Its pages are hostile author HTML as the sanitiser leaves it (an <img>
  # whose javascript: src was removed, so it has neither src nor alt): the
  # checker would judge the fixture's markup, not what appraise writes.
  [ "$name" = good-sanitize ] && continue
  "$APPRAISE_BIN" build --root "$site" --output "$work/$name" >/dev/null 2>&1 || true
done
mkdir -p "$work/svg"
# One file per distinct chart: the <svg> elements are written on their own lines.
python3 - "$work" <<'PY'
import hashlib, pathlib, re, sys
work = pathlib.Path(sys.argv[1])
for page in work.rglob("*.html"):
    for svg in re.findall(r"<svg .*?</svg>", page.read_text(), re.S):
        name = hashlib.sha1(svg.encode()).hexdigest()[:16]
        (work / "svg" / f"{name}.svg").write_text(svg)
PY
pages=$(find "$work" -name '*.html' | wc -l)
charts=$(find "$work/svg" -name '*.svg' | wc -l)
status=0
java -jar "$VNU_JAR" --errors-only $(find "$work" -name '*.html') || status=1
java -jar "$VNU_JAR" --svg --errors-only "$work"/svg/*.svg || status=1
if [ "$status" = 0 ]; then
  echo "Nu checker: no errors in $pages HTML pages and $charts SVG charts"
fi
exit $status
