# Shared by the check scripts (sourced from the repository's root, not run).

# Set APPRAISE_BIN to a release build of this checkout unless it is given
# (.ci/run builds once and passes it to every check).
appraise_bin() {
  if [ -z "${APPRAISE_BIN:-}" ]; then
    cargo build --release --quiet
    APPRAISE_BIN="${CARGO_TARGET_DIR:-target}/release/appraise"
  fi
}

# Install the npm packages the Chromium checks use (axe-core and
# playwright-core, no browser download) into ~/.cache/appraise-axe once,
# and set BROWSER_TOOLS to that folder's node_modules.
browser_tools() {
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/appraise-axe"
  if [ ! -d "$cache/node_modules/axe-core" ] || [ ! -d "$cache/node_modules/playwright-core" ]; then
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund axe-core playwright-core >/dev/null
  fi
  BROWSER_TOOLS="$cache/node_modules"
}
