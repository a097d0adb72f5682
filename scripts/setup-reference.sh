#!/usr/bin/env bash
# Creates the Python reference environment (torch + transformers) used by the parity fixtures.
#
# Usage: scripts/setup-reference.sh
#
# The venv lives in .venv-ref/ at the repo root (git-ignored). torch is pinned to 2.13.0: on the
# project's machines pip's configured find-links folder carries a CPU-only wheel (2.13.0+cpu) and
# pip picks it on its own. Where that wheel is absent, the plain PyPI torch is installed instead
# (the large CUDA build). Safe to run again: it does nothing when the venv already imports torch
# and transformers.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-ref"
PY="$VENV/bin/python"
TORCH_VERSION="2.13.0"

log() { echo "setup-reference: $*"; }

if [[ -x "$PY" ]] && "$PY" -c "import torch, transformers" >/dev/null 2>&1; then
    log "$(basename "$VENV") already has torch $("$PY" -c 'import torch; print(torch.__version__)')" \
        "and transformers $("$PY" -c 'import transformers; print(transformers.__version__)'); nothing to do"
    exit 0
fi

if [[ ! -x "$PY" ]]; then
    log "creating virtual environment $(basename "$VENV")/"
    python3 -m venv "$VENV"
fi

log "upgrading pip"
"$PY" -m pip install --quiet --upgrade pip

log "installing torch==$TORCH_VERSION (local CPU-only wheel when pip's find-links has it)"
if ! "$PY" -m pip install --quiet "torch==$TORCH_VERSION"; then
    log "torch==$TORCH_VERSION not available; falling back to the newest torch from the index"
    "$PY" -m pip install --quiet torch
fi

log "installing transformers 5.x, safetensors, numpy, scipy, scikit-learn, onnxruntime, onnx"
"$PY" -m pip install --quiet "transformers>=5,<6" safetensors numpy scipy scikit-learn onnxruntime onnx

"$PY" - <<'PY'
import torch, transformers
build = "CPU-only" if "+cpu" in torch.__version__ else "not the +cpu build"
print(f"setup-reference: torch {torch.__version__} ({build}), transformers {transformers.__version__}")
PY
log "done"
