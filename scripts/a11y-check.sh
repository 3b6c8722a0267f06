#!/usr/bin/env bash
# Accessibility check with axe-core in headless Chromium: the example site's
# main pages, light and dark, at 360 px and 1280 px. Exits non-zero on any
# violation.
#
#   scripts/a11y-check.sh
#
# APPRAISE_BIN: an appraise binary to build with (default: cargo build --release).
# Needs Chromium (CHROME_PATH, default /usr/bin/chromium), Node and Python 3;
# installs the npm packages axe-core and playwright-core (no browser
# download) into ~/.cache/appraise-axe once.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
browser_tools
port="${PORT:-8093}"
work="$(mktemp -d)"
appraise_bin
"$APPRAISE_BIN" build --root . --output "$work/site" --base-url "http://127.0.0.1:$port/" >/dev/null 2>&1
python3 -m http.server "$port" --bind 127.0.0.1 -d "$work/site" >/dev/null 2>&1 &
server=$!
trap 'kill $server; rm -rf "$work"' EXIT
sleep 1
b="http://127.0.0.1:$port"
NODE_PATH="$BROWSER_TOOLS" CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}" node scripts/axe-run.js \
  "$b/" "$b/trials/" "$b/trials/leopards/" "$b/trials/levoecmo/" "$b/trials/nct04728932/" \
  "$b/topics/levosimendan/" "$b/appraisals/leopards-blog/" "$b/appraisals/levoecmo-bottom-line/" \
  "$b/tags/" "$b/tags/sepsis/" "$b/about/" "$b/changes/" "$b/search/" "$b/404.html"
