#!/usr/bin/env bash
# The final stage's recipe: what a student gains from a higher peak learning rate, a second epoch,
# or perturbed copies of the training set (--augment), each run being `kdnas distill` of one
# inherited student from the fine-tuned teacher on rotten-tomatoes with the final stage's losses
# (od + MiniLMv2 relations), seed 42 (distill's default). A benchmark, not a test: prints one row per
# run (test and dev accuracy, seconds) and keeps every run in OUT (a finished run is not redone, a
# stopped one resumes).
#
# Usage: bench/final_recipe.sh TEACHER_DIR [OUT_DIR]
#   env: RUNS="NAME:SHAPE:AUGMENT:EPOCHS:LR ..."  (SHAPE as L2-H384-A12-F768; default: the rows below)
#        SEED=42  THREADS=2  KDNAS=path (a kdnas built already; default: build it here)
#        DISTILL_ARGS="..." (more kdnas distill options for every run, e.g. "--unit-importance 0")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="$(cd "${1:?usage: bench/final_recipe.sh TEACHER_DIR [OUT_DIR]}" && pwd)"
OUT="${2:-runs/final-recipe}"
THREADS="${THREADS:-2}"
SEED="${SEED:-42}"
L2=L2-H384-A12-F768 EOL=L3-H384-A12-F1536 SMALL=L4-H192-A3-F768
RUNS="${RUNS:-e1:$L2:0:1:1e-4 e2:$L2:0:2:1e-4 aug1:$L2:1:1:1e-4 aug3:$L2:3:1:1e-4 lr3e-4:$L2:0:1:3e-4 e2-lr3e-4:$L2:0:2:3e-4 \
aug1-lr3e-4:$L2:1:1:3e-4 lr5e-4:$L2:0:1:5e-4 aug1-lr5e-4:$L2:1:1:5e-4 lr1e-3:$L2:0:1:1e-3 e1:$EOL:0:1:1e-4 lr3e-4:$EOL:0:1:3e-4 \
lr5e-4:$EOL:0:1:5e-4 e1:$SMALL:0:1:1e-4 lr3e-4:$SMALL:0:1:3e-4 lr5e-4:$SMALL:0:1:5e-4}"
cd "$ROOT"
mkdir -p "$OUT"
source bench/kdnas_binary.sh
for spec in $RUNS; do
    IFS=: read -r name shape augment epochs lr <<< "$spec"
    run="$OUT/$shape-$name"
    [[ -f "$run/eval_results.json" ]] && continue
    python3 bench/student_config.py "$TEACHER/config.json" "$shape" "$OUT/$shape.json"
    start=$(date +%s)
    resume=(); [[ -d "$run" ]] && resume=(--resume)
    if ! $KDNAS distill --teacher "$TEACHER" --student "$OUT/$shape.json" --task rotten-tomatoes --losses od,mha --augment "$augment" \
        --epochs "$epochs" --lr "$lr" --seed "$SEED" --threads "$THREADS" --teacher-cache "$OUT/teacher-cache" --out "$run" \
        ${DISTILL_ARGS:-} "${resume[@]}" > "$run.log" 2>&1; then
        echo "final_recipe: $shape $name failed (see $run.log)" >&2
        continue
    fi
    echo $(( $(date +%s) - start )) > "$run.seconds"
done
python3 - "$OUT" $RUNS <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
print("| student | copies | epochs | peak lr | test | dev (all 1,251) | seconds |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for spec in sys.argv[2:]:
    name, shape, augment, epochs, lr = spec.split(":")
    run = out / f"{shape}-{name}"
    if not (run / "eval_results.json").exists():
        print(f"| {shape} | {augment} | {epochs} | {lr} | – | – | not run |"); continue
    r = json.loads((run / "eval_results.json").read_text())
    timing = out / f"{shape}-{name}.seconds"
    seconds = timing.read_text().strip() if timing.exists() else "–"
    print(f"| {shape} | {augment} | {epochs} | {lr} | {r['test']['accuracy']:.4f} | {r['dev']['accuracy']:.4f} | {seconds} |")
PY
