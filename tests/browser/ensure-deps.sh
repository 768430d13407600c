#!/usr/bin/env bash
# CTest fixture of the browser tests: checks node and chromium are there and installs the npm
# packages with `npm ci` when node_modules is missing or package-lock.json changed since.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

chromium="${HUB_CHROMIUM:-/usr/bin/chromium}"
command -v node >/dev/null || { echo "browser tests: node is missing (run scripts/install-deps.sh)" >&2; exit 1; }
command -v npm >/dev/null || { echo "browser tests: npm is missing (run scripts/install-deps.sh)" >&2; exit 1; }
[ -x "$chromium" ] || { echo "browser tests: $chromium is missing (run scripts/install-deps.sh)" >&2; exit 1; }
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "browser tests: node $(node --version) is too old, playwright-core needs 20 or newer" >&2
  exit 1
fi

stamp=node_modules/.hub-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/playwright-core ]; then
  echo "browser tests: node_modules up to date"
  exit 0
fi
echo "browser tests: npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
