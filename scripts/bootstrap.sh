#!/usr/bin/env bash
# Installs everything `npm start` and `npm test` need on a fresh Debian machine: Debian
# packages, npm dependencies, the Fabric and Fabric CA binaries, and the compiled chaincode.
# Safe to run again: each step skips what is already in place.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

log() { printf '[bootstrap] %s\n' "$*"; }

install_debian_packages() {
  local missing=() tool package
  # command:package pairs for what the scripts, builds and tests call (jq: the ccaas builder;
  # chromium: the portal's browser tests, driven by playwright-core with Debian's build).
  for pair in gcc:gcc g++:g++ make:make git:git curl:curl jq:jq shellcheck:shellcheck chromium:chromium; do
    tool="${pair%%:*}"
    package="${pair##*:}"
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${package}")
  done
  [[ -f /usr/include/stdio.h ]] || missing+=(libc6-dev)
  if ((${#missing[@]} == 0)); then
    return
  fi
  if [[ "$(id -u)" != "0" ]]; then
    printf '[bootstrap] error: missing Debian packages: %s (install them, or run as root)\n' "${missing[*]}" >&2
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_npm_dependencies() {
  # npm records the installed tree in node_modules/.package-lock.json; reinstall when the
  # lock file is newer than that record.
  if [[ -f node_modules/.package-lock.json && node_modules/.package-lock.json -nt package-lock.json ]]; then
    return
  fi
  log "installing npm dependencies"
  npm ci --no-audit --no-fund
}

install_debian_packages
install_npm_dependencies
bash scripts/build-binaries.sh
npm run build --silent
