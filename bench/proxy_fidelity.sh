#!/usr/bin/env bash
# Proxy fidelity: how well each proxy of the search ranks students against full distillation.
# A benchmark, not a test; it takes about an hour and a half on 2 cores, and every stage is kept in
# OUT (a re-run skips what is done, a killed one resumes).
#
#   1. a latency profile of this machine (kdnas latency calibrate), so every run sees the same latencies;
#   2. ARCHS architectures of the derived space, stratified over predicted latency: BANDS bands, each
#      within ±10% of its centre (so any two members are within ±20% of each other), plus the
#      hand-crafted students (bench/proxy_fidelity.py select);
#   3. the truth: each architecture distilled on the full training set by the final stage's recipe
#      (kdnas search --strategy list with every architecture a finalist), scored on test and on the
#      part of dev the search does not score on;
#   4. each proxy variant: the same list through the search's candidate stage only;
#   5. the table: Kendall τ and Spearman ρ against the truth, globally and within the latency bands,
#      for each proxy and for parameter count alone, top-5 overlap on the reward, the share of
#      candidates at the majority class, and seconds per candidate.
#
# Usage: bench/proxy_fidelity.sh TEACHER_DIR [OUT_DIR]
#   env: VARIANTS="name:options;..." (default below)  TRUTH_EPOCHS=1  SEED=1  THREADS=2 (latency calibration and runs)
#        KDNAS=path (a kdnas built already; default: build it here)
#        JOBS=2: the truth and the proxy variants run side by side, one thread each (seconds per candidate
#        are then those of a shared machine; the table also gives the training examples per candidate)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="$(cd "${1:?usage: bench/proxy_fidelity.sh TEACHER_DIR [OUT_DIR]}" && pwd)"
OUT="${2:-runs/proxy-fidelity}"
TRUTH_EPOCHS="${TRUTH_EPOCHS:-1}"
SEED="${SEED:-1}"
THREADS="${THREADS:-2}"
JOBS="${JOBS:-1}"
VARIANTS="${VARIANTS:-p10-e1-train:--proxy-fraction 0.1 --proxy-epochs 1 --scoring train;p05-e1-dev:--proxy-fraction 0.05 --proxy-epochs 1;p10-e1-lr5e-4-dev:--proxy-fraction 0.1 --proxy-epochs 1 --proxy-lr 5e-4;p05-e1-lr5e-4-dev:--proxy-fraction 0.05 --proxy-epochs 1 --proxy-lr 5e-4;p05-e2-lr5e-4-dev:--proxy-fraction 0.05 --proxy-epochs 2 --proxy-lr 5e-4;p30-e1-lr5e-4-dev:--proxy-fraction 0.3 --proxy-epochs 1 --proxy-lr 5e-4}"
cd "$ROOT"
mkdir -p "$OUT"
source bench/kdnas_binary.sh
log() { echo "proxy_fidelity: $*" >&2; }

if [[ ! -f "$OUT/profile.json" ]]; then
    log "calibrating the latency profile"
    $KDNAS latency calibrate --space derived --teacher "$TEACHER" --count 80 --runs 10 --threads "$THREADS" --out "$OUT/profile.json"
fi
if [[ ! -f "$OUT/architectures.json" ]]; then
    python3 bench/proxy_fidelity.py select --profile "$OUT/profile.json" --teacher "$TEACHER" --seed "$SEED" --out "$OUT/architectures.json"
fi
RUN_THREADS=$(( JOBS > 1 ? 1 : THREADS ))
common=(--teacher "$TEACHER" --task rotten-tomatoes --strategy list --architectures "$OUT/architectures.json"
        --latency-profile "$OUT/profile.json" --seed "$SEED" --threads "$RUN_THREADS" --final-pareto 0 --final-speedups none --no-baselines --lr 1e-4)

# run NAME FINAL_TOP EXTRA...: one kdnas search into OUT/NAME, resumed if it was stopped, skipped if done.
run() {
    local name="$1" top="$2"; shift 2
    local folder="$OUT/$name"
    if [[ -f "$folder/report.json" ]]; then log "$name: done already"; return; fi
    log "$name: kdnas search $*"
    if [[ -f "$folder/search.sqlite" ]]; then
        $KDNAS search --resume "$folder" --threads "$RUN_THREADS" 2>> "$folder.log" > /dev/null
    else
        $KDNAS search "${common[@]}" --out "$folder" --final-top "$top" "$@" 2> "$folder.log" > /dev/null
    fi
}

# The truth: every architecture a finalist (its candidate stage is the default proxy, kept as a variant too).
if (( JOBS > 1 )); then
    run "truth-e$TRUTH_EPOCHS" 999 --final-epochs "$TRUTH_EPOCHS" &
    truth_job=$!
else
    run "truth-e$TRUTH_EPOCHS" 999 --final-epochs "$TRUTH_EPOCHS"
fi
IFS=';' read -ra variants <<< "$VARIANTS"
for variant in "${variants[@]}"; do
    name="${variant%%:*}"; options="${variant#*:}"
    # shellcheck disable=SC2086
    run "proxy-$name" 0 $options
done
if (( JOBS > 1 )); then wait "$truth_job"; fi
python3 bench/proxy_fidelity.py table "$OUT" --truth "truth-e$TRUTH_EPOCHS" | tee "$OUT/table.md"
