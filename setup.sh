#!/usr/bin/env bash
# One-step setup on Debian/Ubuntu: system libraries (as root), npm packages, the native addon, the TypeScript build.
# Safe to run again: apt and npm skip what is already there.
set -euo pipefail
cd "$(dirname "$0")"

# oneDNN for the native backend; the Fashion-MNIST IDX files for the default dataset; a C++ toolchain for node-gyp;
# redis-server for the study queue's tests (they start their own on a free port; nothing runs as a service);
# patchelf for `npm run pack` (the prebuilt addon's $ORIGIN run path); Chromium for the browser tests of the demo
# pages (driven headless by playwright-core; nothing is downloaded).
APT_PACKAGES=(libdnnl-dev dataset-fashion-mnist g++ make python3 redis-server patchelf chromium)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
  elif command -v apt-get >/dev/null; then
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: run as root, or first: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  else
    echo "setup: not a Debian/Ubuntu system; install oneDNN (e.g. 'brew install onednn') and a C++ toolchain." >&2
    echo "setup: Fashion-MNIST: point --set data.dir=DIR at a folder holding the four IDX files." >&2
  fi
fi

# Build native addons against the installed Node headers when they are there (no header download offline).
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then
  export npm_config_nodedir=/usr
fi

npm ci --no-audit --no-fund
npm run build
