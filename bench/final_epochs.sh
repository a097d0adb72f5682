#!/usr/bin/env bash
# Final-stage epochs: how the final ranking of students moves with the final stage's epochs.
# A benchmark, not a test. The same list of architectures (bench/final_epochs.json: the hand-crafted
# students and shapes around the 3× and every-other-layer latencies) is distilled on the full
# training set by the final stage's recipe for 1, 2 and 3 epochs (kdnas search --strategy list with
# every architecture a finalist, no baselines: the list holds them), then
# bench/final_epochs.py tabulates test and reported-dev accuracy per epoch count and the rank
# agreement of each epoch count with the longest. Every run is kept in OUT and resumes.
#
# Usage: bench/final_epochs.sh TEACHER_DIR [OUT_DIR]
#   env: EPOCHS="1 2 3"  SEED=1  THREADS=2  KDNAS=path (a kdnas built already; default: build it here)
#        LIST=bench/final_epochs.json (the architectures)  LR=1e-4 (the final stage's peak learning rate; the quick preset's is 5e-4 since 2026-12-02)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="$(cd "${1:?usage: bench/final_epochs.sh TEACHER_DIR [OUT_DIR]}" && pwd)"
OUT="${2:-runs/final-epochs}"
EPOCHS="${EPOCHS:-1 2 3}"
SEED="${SEED:-1}"
THREADS="${THREADS:-2}"
LIST="${LIST:-bench/final_epochs.json}"
LR="${LR:-1e-4}"
cd "$ROOT"
mkdir -p "$OUT"
source bench/kdnas_binary.sh
for epochs in $EPOCHS; do
    folder="$OUT/e$epochs"
    if [[ -f "$folder/report.json" ]]; then echo "final_epochs: e$epochs done already" >&2; continue; fi
    echo "final_epochs: e$epochs" >&2
    if [[ -f "$folder/search.sqlite" ]]; then
        $KDNAS search --resume "$folder" --threads "$THREADS" 2>> "$folder.log" > /dev/null
    else
        $KDNAS search --teacher "$TEACHER" --task rotten-tomatoes --strategy list --architectures "$LIST" --lr "$LR" \
            --seed "$SEED" --threads "$THREADS" --final-top 999 --final-pareto 0 --no-baselines --final-epochs "$epochs" \
            --out "$folder" 2> "$folder.log" > /dev/null
    fi
done
python3 bench/final_epochs.py "$OUT" $EPOCHS | tee "$OUT/table.md"
