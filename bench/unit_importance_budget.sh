#!/usr/bin/env bash
# How an inherited student's FFN units should be chosen, at a search proxy's budget: each student distilled
# (od + MiniLMv2 relations, one epoch at 5e-4, the quick preset's proxy) on a seeded 10% of the bundled
# task's training set, its FFN units ranked by weight norm (`--unit-importance 0`, the default) and by their
# activations on 512 of the proxy set's examples (`--unit-importance 512`; a search would measure them on 512 of
# the whole training set), each with every seed. A benchmark, not a
# test: prints the dev and test accuracy of each pair (dev and test whole) and the mean difference. Runs are
# kept in OUT (a finished one is not redone).
#
# Usage: bench/unit_importance_budget.sh TEACHER_DIR [OUT_DIR]
#   env: SHAPES="L6-H384-A12-F192 ..."  SEEDS="42 43 44"  SHARE=0.1  THREADS=2  KDNAS=path (default: build it here)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="$(cd "${1:?usage: bench/unit_importance_budget.sh TEACHER_DIR [OUT_DIR]}" && pwd)"
OUT="$(realpath -m "${2:-runs/unit-importance-budget}")"
SHAPES="${SHAPES:-L6-H384-A12-F192 L5-H384-A12-F384 L4-H384-A12-F768 L4-H384-A12-F192 L3-H384-A12-F768 L2-H384-A12-F384}"
SEEDS="${SEEDS:-42 43 44}" SHARE="${SHARE:-0.1}" THREADS="${THREADS:-2}"
cd "$ROOT"
source bench/kdnas_binary.sh
TASK=cache/tasks/rotten-tomatoes
[[ -f $TASK/train.jsonl ]] || { echo "unit_importance_budget: $TASK/train.jsonl is missing; run scripts/setup-data.sh" >&2; exit 1; }
mkdir -p "$OUT"
# The proxy's share of train, drawn once with a fixed seed; dev and test whole.
python3 - "$TASK" "$OUT" "$SHARE" <<'PY'
import random, shutil, sys
task, out, share = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows = open(f"{task}/train.jsonl").read().splitlines()
random.seed(7)
open(f"{out}/train.jsonl", "w").write("\n".join(random.sample(rows, int(len(rows) * share))) + "\n")
for split in ("dev", "test"):
    shutil.copy(f"{task}/{split}.jsonl", f"{out}/{split}.jsonl")
PY
for shape in $SHAPES; do
    python3 bench/student_config.py "$TEACHER/config.json" "$shape" "$OUT/$shape.json"
    for seed in $SEEDS; do
        for examples in 0 512; do
            run="$OUT/$shape-s$seed-u$examples"
            [[ -f "$run/eval_results.json" ]] && continue
            rm -rf "$run"
            $KDNAS distill --teacher "$TEACHER" --student "$OUT/$shape.json" --task proxy --train-file "$OUT/train.jsonl" \
                --dev-file "$OUT/dev.jsonl" --test-file "$OUT/test.jsonl" --labels 0,1 --losses od,mha --epochs 1 --lr 5e-4 \
                --seed "$seed" --threads "$THREADS" --teacher-cache "$OUT/teacher-cache" --unit-importance "$examples" \
                --out "$run" > "$run.log" 2>&1 || { echo "unit_importance_budget: $run failed (see $run.log)" >&2; exit 1; }
        done
    done
done
python3 - "$OUT" "$SEEDS" $SHAPES <<'PY'
import json, statistics, sys
out, seeds, shapes = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
print("| student | seed | dev, weight norm | dev, importance | Δ dev | test, weight norm | test, importance | Δ test |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
dd, dt = [], []
for shape in shapes:
    for seed in seeds:
        r = [json.load(open(f"{out}/{shape}-s{seed}-u{u}/eval_results.json")) for u in (0, 512)]
        d, t = [x["dev"]["accuracy"] for x in r], [x["test"]["accuracy"] for x in r]
        dd.append(100 * (d[1] - d[0])); dt.append(100 * (t[1] - t[0]))
        print(f"| {shape} | {seed} | {d[0]:.4f} | {d[1]:.4f} | {dd[-1]:+.2f} | {t[0]:.4f} | {t[1]:.4f} | {dt[-1]:+.2f} |")
spread = lambda xs: f" ± {statistics.stdev(xs):.2f}" if len(xs) > 1 else ""
print(f"\nMean Δ over {len(dd)} pairs, points (mean ± std): dev {statistics.mean(dd):+.2f}{spread(dd)}, "
      f"test {statistics.mean(dt):+.2f}{spread(dt)}; higher with the importance on dev in {sum(x > 0 for x in dd)} "
      f"of {len(dd)}, on test in {sum(x > 0 for x in dt)}.")
PY
