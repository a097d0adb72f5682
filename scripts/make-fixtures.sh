#!/usr/bin/env bash
# Generates the parity fixtures that depend on the downloaded weights and data into cache/fixtures/,
# by running the Python reference (the committed fixtures under Tests/ are made by the same scripts).
#
# Usage: scripts/make-fixtures.sh [--force]
#
# Needs scripts/setup-data.sh and scripts/setup-reference.sh first. Each fixture is skipped when
# it exists, unless --force.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY=.venv-ref/bin/python
FORCE="${1:-}"

log() { echo "make-fixtures: $*"; }

if [[ "$FORCE" == "--force" || ! -f cache/fixtures/minilm/expected.safetensors ]]; then
    log "all-MiniLM-L6-v2 outputs on Rotten Tomatoes sentences (transformers)"
    "$PY" scripts/reference/make_model_fixtures.py --only cache
else
    log "cache/fixtures/minilm is there"
fi

log "tokenizer ids on every Rotten Tomatoes text (transformers BertTokenizer)"
"$PY" scripts/reference/make_tokenizer_fixtures.py rotten-tomatoes $FORCE
