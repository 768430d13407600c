#!/usr/bin/env bash
# Installs every package Hub needs to build, test and benchmark on Debian 12, skipping the
# ones already present (so a second run does no apt work). Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config
  libpoco-dev libboost-dev libyaml-cpp-dev libsodium-dev libzstd-dev libmagic-dev
  libcrypt-dev libpq-dev libssl-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev curl python3 python3-bcrypt wrk procps openssl
  # services started by the test scripts
  postgresql redis-server
  # browser tests of the page at / (tests/browser: playwright-core drives Debian's chromium)
  chromium fonts-liberation nodejs
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm comes with some nodejs builds (NodeSource) and as Debian's own package with others.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
