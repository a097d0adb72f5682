#!/usr/bin/env bash
# LSTM controller against random search (and regularised evolution with STRATEGIES="lstm random
# evolution") at an equal candidate budget, over seeds, on rotten-tomatoes: the search stage only
# (no finalists). Latency is predicted by a calibrated profile so that machine noise does not pick
# the winner. Prints each run's best reward and the mean ± std per strategy. An experiment, not a test.
#
# Usage: bench/search_strategies.sh TEACHER_DIR PROFILE.json [OUT_DIR]
#   env: SEEDS="1 2 3"  STRATEGIES="lstm random"  EXTRA="--preset quick"  (any kdnas search options)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="${1:?usage: bench/search_strategies.sh TEACHER_DIR PROFILE.json [OUT_DIR]}"
PROFILE="${2:?usage: bench/search_strategies.sh TEACHER_DIR PROFILE.json [OUT_DIR]}"
OUT="${3:-runs/strategies}"
SEEDS="${SEEDS:-1 2 3}"
STRATEGIES="${STRATEGIES:-lstm random}"
EXTRA="${EXTRA:---preset quick}"
cd "$ROOT"
swift build -c release --product kdnas --quiet
for seed in $SEEDS; do
    for strategy in $STRATEGIES; do
        run="$OUT/$strategy-seed-$seed"
        [[ -f "$run/report.json" ]] && continue
        mkdir -p "$OUT"
        if [[ -f "$run/search.sqlite" ]]; then args=(--resume "$run"); else args=(--out "$run" --teacher "$TEACHER" --task rotten-tomatoes \
            --strategy "$strategy" --seed "$seed" --latency-profile "$PROFILE" --final-top 0 --final-pareto 0 --no-baselines $EXTRA); fi
        .build/release/kdnas search "${args[@]}" 2> "$run.log" > /dev/null || { echo "failed: $run (see $run.log)"; continue; }
    done
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
from collections import defaultdict
from pathlib import Path
best = defaultdict(list)
for report in sorted(Path(sys.argv[1]).glob("*-seed-*/report.json")):
    data = json.loads(report.read_text())
    rewards = [t["reward"] for t in data["trials"] if t.get("reward") is not None]
    top = max(rewards)
    winner = max((t for t in data["trials"] if t.get("reward") is not None), key=lambda t: t["reward"])
    arch = winner["architecture"]
    strategy = report.parent.name.split("-seed-")[0]
    best[strategy].append(top)
    print(f"{report.parent.name}: best reward {top:.4f} over {len(rewards)} candidates "
          f"(L{arch['num_hidden_layers']}-H{arch['hidden_size']}-A{arch['num_attention_heads']}-F{arch['intermediate_size']}-{arch['hidden_act']}, "
          f"accuracy {winner['accuracy']:.4f}, {winner['latency_ms']:.2f} ms)")
print("| strategy | best reward (mean ± std) | runs |")
print("| --- | ---: | ---: |")
for strategy, values in best.items():
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    print(f"| {strategy} | {statistics.mean(values):.4f} ± {std:.4f} | {len(values)} |")
PY
