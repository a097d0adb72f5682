#!/usr/bin/env bash
# LSTM controller against random search and regularised evolution (STRATEGIES="lstm random
# evolution") at an equal budget, over seeds, on rotten-tomatoes. Prints each run's best reward and its
# front's hypervolume (latency under the target, accuracy over the scoring set's majority class), and
# the mean ± std per strategy. An experiment, not a test.
#   STAGE=search (default): the search stage only, without the finalist bands (so without band top-ups)
#     and without finalists.
#   STAGE=full: the whole search as the main job runs it (band top-ups, finalists, baselines), then
#     bench/main_job_summary.py per strategy: the issue's checks on test accuracy.
# Latency is predicted (PROFILE, a `kdnas latency calibrate` profile or a search's cached calibration)
# or, without PROFILE, calibrated by the first run and cached in cache/latency as the main job does,
# so that machine noise does not pick the winner.
#
# Usage: bench/search_strategies.sh TEACHER_DIR [OUT_DIR (default runs/strategies-STAGE: one folder per stage)]
#   env: SEEDS="1 2 3"  STRATEGIES="lstm random evolution"  EXTRA="--preset quick"  (any kdnas search options)
#        STAGE=search|full  PROFILE=latency.json  KDNAS=path (a kdnas built already; default: build it here)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="${1:?usage: bench/search_strategies.sh TEACHER_DIR [OUT_DIR]}"
SEEDS="${SEEDS:-1 2 3}"
STRATEGIES="${STRATEGIES:-lstm random evolution}"
EXTRA="${EXTRA:---preset quick}"
STAGE="${STAGE:-search}"
OUT="${2:-runs/strategies-$STAGE}"
PROFILE="${PROFILE:-}"
case "$STAGE" in
    search) stage=(--final-top 0 --final-pareto 0 --final-speedups none --no-baselines) ;;
    full) stage=() ;;
    *) echo "STAGE=$STAGE: expected search or full" >&2; exit 2 ;;
esac
latency=()
[[ -n "$PROFILE" ]] && latency=(--latency-profile "$PROFILE")
cd "$ROOT"
source bench/kdnas_binary.sh
for seed in $SEEDS; do
    for strategy in $STRATEGIES; do
        run="$OUT/$strategy-seed-$seed"
        [[ -f "$run/report.json" ]] && continue
        mkdir -p "$OUT"
        if [[ -f "$run/search.sqlite" ]]; then args=(--resume "$run"); else args=(--out "$run" --teacher "$TEACHER" --task rotten-tomatoes \
            --strategy "$strategy" --seed "$seed" "${latency[@]}" "${stage[@]}" $EXTRA); fi
        echo "$(date +%T) $run"
        $KDNAS search "${args[@]}" 2> "$run.log" > /dev/null || { echo "failed: $run (see $run.log)"; continue; }
    done
done
if [[ "$STAGE" == full ]]; then
    for strategy in $STRATEGIES; do
        runs=("$OUT/$strategy"-seed-*/report.json)
        [[ -f "${runs[0]}" ]] || continue
        echo "# $strategy"
        python3 bench/main_job_summary.py "${runs[@]%/report.json}"
    done
fi
python3 - "$OUT" <<'PY'
import json, statistics, sys
from collections import defaultdict
from pathlib import Path


def hypervolume(points, reference_latency, reference_accuracy):
    """Area dominated by the front of (latency, accuracy) points: latency below the reference (the
    target), accuracy above the reference (the scoring set's majority class), in ms × accuracy."""
    front, best = [], reference_accuracy
    for latency, accuracy in sorted(p for p in points if p[0] < reference_latency):
        if accuracy > best:
            front.append((latency, accuracy))
            best = accuracy
    area = 0.0
    for i, (latency, accuracy) in enumerate(front):
        right = front[i + 1][0] if i + 1 < len(front) else reference_latency
        area += (right - latency) * (accuracy - reference_accuracy)
    return area


best, volumes = defaultdict(list), defaultdict(list)
for report in sorted(Path(sys.argv[1]).glob("*-seed-*/report.json")):
    data = json.loads(report.read_text())
    done = [t for t in data["trials"] if t.get("reward") is not None]
    winner = max(done, key=lambda t: t["reward"])
    arch = winner["architecture"]
    strategy = report.parent.name.split("-seed-")[0]
    majority = (data.get("teacher") or {}).get("scoring_majority") or 0.5
    volume = hypervolume([(t["latency_ms"], t["accuracy"]) for t in done], data["target_ms"], majority)
    best[strategy].append(winner["reward"])
    volumes[strategy].append(volume)
    print(f"{report.parent.name}: best reward {winner['reward']:.4f} over {len(done)} candidates "
          f"(L{arch['num_hidden_layers']}-H{arch['hidden_size']}-A{arch['num_attention_heads']}-F{arch['intermediate_size']}-{arch['hidden_act']}, "
          f"accuracy {winner['accuracy']:.4f}, {winner['latency_ms']:.2f} ms); front hypervolume {volume:.3f} ms·accuracy")
print("| strategy | best reward (mean ± std) | hypervolume (mean ± std) | runs |")
print("| --- | ---: | ---: | ---: |")
for strategy, values in best.items():
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    hv = volumes[strategy]
    hv_std = statistics.stdev(hv) if len(hv) > 1 else 0.0
    print(f"| {strategy} | {statistics.mean(values):.4f} ± {std:.4f} | {statistics.mean(hv):.3f} ± {hv_std:.3f} | {len(values)} |")
PY
