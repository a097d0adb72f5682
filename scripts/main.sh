#!/usr/bin/env bash
# The main job, from a fresh clone: installs what is missing, builds kdnas, and runs the pipeline
# as far as it exists today: fine-tunes the teacher (all-MiniLM-L6-v2) on the bundled
# rotten-tomatoes task and evaluates it on the test split. As the search lands, this becomes the
# whole KD-NAS pipeline.
#
# Usage: scripts/main.sh [RUN_FOLDER]      (default: runs/main)
#
# Safe to run again: an interrupted fine-tuning resumes from its last epoch, a finished one is
# kept. About 15 minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUN="${1:-runs/main}"

scripts/install-system.sh
scripts/setup-data.sh
echo "main: building kdnas (release)"
swift build -c release --product kdnas --quiet
KDNAS=.build/release/kdnas

$KDNAS info
$KDNAS finetune --model cache/minilm --task rotten-tomatoes --out "$RUN/teacher" --resume
$KDNAS evaluate --model "$RUN/teacher" --task rotten-tomatoes --split test
echo "main: the fine-tuned teacher is in $RUN/teacher (Hugging Face checkpoint, eval_results.json, train_log.jsonl)"
