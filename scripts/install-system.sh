#!/usr/bin/env bash
# Installs the Debian packages KDNAS builds against (OpenBLAS through pkg-config), when missing.
#
# Usage: scripts/install-system.sh
#
# Needs root (or sudo) only when something is missing. Swift itself (6.x) must be on PATH:
# Debian does not package it.
set -euo pipefail

log() { echo "install-system: $*"; }

if ! command -v swift >/dev/null 2>&1; then
    log "error: swift is not on PATH; install Swift 6.x (swift.org) first" >&2
    exit 1
fi

if pkg-config --exists openblas 2>/dev/null; then
    log "OpenBLAS $(pkg-config --modversion openblas) found through pkg-config"
    exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { log "error: installing libopenblas-dev needs root or sudo" >&2; exit 1; }
    SUDO="sudo"
fi
log "installing libopenblas-dev and pkg-config with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libopenblas-dev pkg-config >/dev/null
log "OpenBLAS $(pkg-config --modversion openblas) installed"
