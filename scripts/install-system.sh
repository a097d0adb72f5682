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
# oneDNN's sgemm, which KDNAS loads at run time where it is faster than OpenBLAS's (bench/blas.sh);
# optional: without it every product runs on OpenBLAS.
onednn=(); dpkg-query -W -f='${Status}' libdnnl2 2>/dev/null | grep -q 'ok installed' || onednn=(libdnnl2)
if [[ ${#missing[@]} -eq 0 && ${#onednn[@]} -eq 0 ]]; then
    log "OpenBLAS $(pkg-config --modversion openblas), oneDNN and the SQLite headers found"
    exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        [[ ${#missing[@]} -eq 0 ]] || { log "error: installing ${missing[*]} needs root or sudo" >&2; exit 1; }
        log "oneDNN (libdnnl2) is not installed and needs root or sudo: matrix products will run on OpenBLAS"
        exit 0
    fi
    SUDO="sudo"
fi
log "installing ${missing[*]} ${onednn[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [[ ${#missing[@]} -gt 0 ]]; then
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ ${#onednn[@]} -gt 0 ]] && ! $SUDO apt-get install -y -qq --no-install-recommends libdnnl2 >/dev/null; then
    log "warning: libdnnl2 could not be installed: matrix products will run on OpenBLAS"
fi
log "OpenBLAS $(pkg-config --modversion openblas) and the SQLite headers installed; oneDNN: $(dpkg-query -W -f='${Version}' libdnnl2 2>/dev/null || echo none)"
