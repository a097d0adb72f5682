#!/usr/bin/env bash
# Installs the Debian packages KDNAS builds against (OpenBLAS through pkg-config, SQLite for GRDB) and
# oneDNN (libdnnl2, loaded at run time for matrix products), when missing.
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

# OpenBLAS (matrix products, through pkg-config) and SQLite (the search's trial store, through GRDB).
missing=()
pkg-config --exists openblas 2>/dev/null || missing+=(libopenblas-dev pkg-config)
[[ -f /usr/include/sqlite3.h ]] || missing+=(libsqlite3-dev)
# oneDNN's sgemm, which KDNAS loads at run time where it is faster than OpenBLAS's (bench/blas.sh).
ldconfig -p 2>/dev/null | grep -q 'libdnnl\.so\.2 ' || missing+=(libdnnl2)
if [[ ${#missing[@]} -eq 0 ]]; then
    log "OpenBLAS $(pkg-config --modversion openblas), oneDNN and SQLite headers found"
    exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { log "error: installing ${missing[*]} needs root or sudo" >&2; exit 1; }
    SUDO="sudo"
fi
log "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "OpenBLAS $(pkg-config --modversion openblas), oneDNN and SQLite headers installed"
