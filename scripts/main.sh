#!/usr/bin/env bash
# The main job, from a fresh clone: installs what is missing, builds kdnas, and runs the whole
# KD-NAS pipeline on the bundled rotten-tomatoes task: fine-tunes the teacher (all-MiniLM-L6-v2)
# when it is absent, then searches students with the quick preset (episodes of proxy distillation
# and calibrated latency, the finalists and hand-crafted baselines distilled on the full training
# set), and prints where the report is.
#
# Usage: scripts/main.sh [RUN_FOLDER]      (default: runs/main)
#
# Safe to run again: an interrupted fine-tuning or search resumes where it stopped; finished work
# is kept. On 2 cores, with the teacher present: 8.6 minutes (quiet, an AMD EPYC Zen 5 AVX-512 VM,
# 2026-12-07 late); 13.6 (quiet, an AMD EPYC Zen 4 AVX-512 VM,
# 2026-12-07 evening, two final epochs; 13.0 on an Intel AVX-512 VM that morning; 25.5 on an
# AVX2-only AMD EPYC (Zen 3) VM that night; 36.9 on an AVX2-only Zen 1 VM that evening, with the
# engine before AdamW's deferred rows); the teacher's fine-tuning, once, 7 to 16 more.
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
if [[ -f "$RUN/teacher/eval_results.json" ]]; then
    echo "main: using the fine-tuned teacher in $RUN/teacher"
else
    $KDNAS finetune --model cache/minilm --task rotten-tomatoes --out "$RUN/teacher" --resume
fi
if [[ -f "$RUN/search/search.sqlite" ]]; then
    $KDNAS search --resume "$RUN/search"
else
    $KDNAS search --teacher "$RUN/teacher" --task rotten-tomatoes --preset quick --out "$RUN/search"
fi
echo "main: finalists (Hugging Face checkpoints) in $RUN/search/finalists; open $RUN/search/report.html"
