#!/usr/bin/env bash
# A latency band's ceiling: how accurate any student of the band can be, against the main job's checks.
# A benchmark, not a test. Two bands:
# - ANCHOR=eol (the default): the every-other-layer student's latency ±WIDTH. It asks whether the main
#   job's last check (a finalist at the every-other-layer latency ±5% at least 1 point more accurate on
#   test) is within reach; the table gives each shape's gain over the every-other-layer student trained
#   with the same seeds.
# - ANCHOR=S (a speed-up, e.g. 3): the final stage's band of that speed-up, (0.8·t/S, t/S] for the
#   teacher's predicted latency t. It asks whether "≥ 97% of the teacher's test accuracy at ≥ 3×" is
#   within reach; the table gives each shape's share of the teacher's test accuracy.
# Both try the inherited part of the search space only: whole teacher heads and the teacher's
# activation. The derived space the main job searches also varies the heads and the activation
# (A6-silu, A8-relu, ...); those variants are not tried here.
#
# Every shape of the inherited space (1..L layers, hidden a quarter to all of the teacher's in whole
# teacher heads, the derived space's FFN widths, the teacher's activation) whose latency, predicted by
# PROFILE (a calibration: the main job's cached one, or `kdnas latency calibrate`), lies in the band
# (with TOP=N: the N of them with the most parameters, the band coverage's order) is distilled from
# the teacher by the final stage's recipe (the quick preset's: od + MiniLMv2 relations, EPOCHS epochs
# at peak LR, on all of train) with each of SEEDS, through bench/final_recipe.sh (its runs are kept in
# OUT and resume).
#
# Usage: bench/band_ceiling.sh TEACHER_DIR PROFILE [OUT_DIR]
#   env: ANCHOR=eol  WIDTH=0.05  TOP=all  EPOCHS=2  LR=5e-4  SEEDS="42 43"  THREADS=2
#        KDNAS=path (default: build it here)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="$(cd "${1:?usage: bench/band_ceiling.sh TEACHER_DIR PROFILE [OUT_DIR]}" && pwd)"
PROFILE="$(realpath "${2:?usage: bench/band_ceiling.sh TEACHER_DIR PROFILE [OUT_DIR]}")"
OUT="$(realpath -m "${3:-runs/band-ceiling}")"
ANCHOR="${ANCHOR:-eol}" WIDTH="${WIDTH:-0.05}" TOP="${TOP:-all}" EPOCHS="${EPOCHS:-2}" LR="${LR:-5e-4}" SEEDS="${SEEDS:-42 43}"
cd "$ROOT"
if [[ "$ANCHOR" != eol ]] && ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))["test"]["accuracy"]' "$TEACHER/eval_results.json" 2>/dev/null; then
    echo "band_ceiling: ANCHOR=$ANCHOR compares with the teacher's test accuracy: $TEACHER/eval_results.json has none" >&2
    exit 1
fi
mkdir -p "$OUT/configs"
source bench/kdnas_binary.sh
export KDNAS

# Every shape of the inherited space, with its predicted latency (kdnas latency --predict).
python3 - "$TEACHER/config.json" "$OUT/configs" <<'PY'
import json, sys
from pathlib import Path
teacher = json.load(open(sys.argv[1]))
out = Path(sys.argv[2])
h, f, layers, heads = teacher["hidden_size"], teacher["intermediate_size"], teacher["num_hidden_layers"], teacher["num_attention_heads"]
head = h // heads
# SearchSpace.derived / .inherited: hidden sizes a quarter to all of the teacher's (multiples of 32, whole heads), FFN H/2 … F.
hidden = sorted({max(32, x // 32 * 32) for x in (h // 4, h // 2, 3 * h // 4, h)} & {x for x in range(head, h + 1, head)})
ffn = sorted({x for x in (h // 2, h, 2 * h, 3 * h, 4 * h, f) if 0 < x <= f})
for l in range(1, layers + 1):
    for hs in hidden:
        for fs in ffn:
            config = dict(teacher, num_hidden_layers=l, hidden_size=hs, num_attention_heads=hs // head, intermediate_size=fs)
            (out / f"L{l}-H{hs}-A{hs // head}-F{fs}.json").write_text(json.dumps(config))
PY
# Predictions are kept per profile, so another machine's profile predicts anew.
predictions="$OUT/predicted-$(basename "$PROFILE" .json).tsv"
if [[ ! -s "$predictions" ]]; then
    for config in "$OUT"/configs/*.json; do
        ms=$($KDNAS latency --predict "$PROFILE" --config "$config" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["predicted_ms"])')
        printf '%s\t%s\n' "$(basename "$config" .json)" "$ms"
    done > "$predictions.partial"
    mv "$predictions.partial" "$predictions"
fi
EOL=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print("L%d-H%d-A%d-F%d" % (max(1, c["num_hidden_layers"] // 2), c["hidden_size"], c["num_attention_heads"], c["intermediate_size"]))' "$TEACHER/config.json")
TEACHER_MS=$($KDNAS latency --predict "$PROFILE" --config "$TEACHER/config.json" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["predicted_ms"])')
SHAPES=$(python3 - "$predictions" "$EOL" "$WIDTH" "$ANCHOR" "$TEACHER_MS" "$TOP" "$TEACHER/config.json" <<'PY'
import json, re, sys
rows = {s: float(ms) for s, ms in (line.split("\t") for line in open(sys.argv[1]).read().split("\n") if line)}
eol, width, anchor, teacher, top = sys.argv[2], float(sys.argv[3]), sys.argv[4], float(sys.argv[5]), sys.argv[6]
if anchor == "eol":
    band = [s for s, ms in rows.items() if abs(ms / rows[eol] - 1) <= width]
else:
    high = teacher / float(anchor)
    band = [s for s, ms in rows.items() if 0.8 * high < ms <= high]
teacher_config = json.load(open(sys.argv[7]))
rows_of_embeddings = teacher_config["vocab_size"] + teacher_config["max_position_embeddings"] + teacher_config["type_vocab_size"]
def parameters(shape):  # StudentArchitecture.parameterCount less the classifier, the same for every shape
    l, h, f = (int(x) for x in re.match(r"L(\d+)-H(\d+)-A\d+-F(\d+)", shape).groups())
    layer = 4 * h * h + 4 * h + 2 * h * f + f + h + 4 * h  # attention, FFN, two LayerNorms
    return rows_of_embeddings * h + 2 * h + l * layer + h * h + h  # embeddings and their LayerNorm, layers, pooler
if top != "all":
    band = sorted(band, key=parameters, reverse=True)[:int(top)]
print(" ".join(sorted(band, key=lambda s: rows[s])))
PY
)
[[ -n "$SHAPES" ]] || { echo "band_ceiling: no shape of the inherited space lies in the band" >&2; exit 1; }
[[ "$ANCHOR" == eol ]] && echo "band_ceiling: $EOL and the shapes within ±$WIDTH of its latency: $SHAPES" >&2 \
    || echo "band_ceiling: the ${ANCHOR}x band (teacher $TEACHER_MS ms), $([[ $TOP == all ]] && echo every shape || echo "the $TOP with the most parameters"): $SHAPES" >&2
for seed in $SEEDS; do
    RUNS=""
    for shape in $SHAPES; do RUNS+=" e$EPOCHS-s$seed:$shape:0:$EPOCHS:$LR"; done
    RUNS="$RUNS" SEED="$seed" bench/final_recipe.sh "$TEACHER" "$OUT" > /dev/null
done
python3 - "$OUT" "$predictions" "$EOL" "$EPOCHS" "$SEEDS" "$ANCHOR" "$TEACHER" $SHAPES <<'PY' | tee "$OUT/table-$ANCHOR.md"
import json, statistics, sys
from pathlib import Path
out, eol, epochs, seeds, anchor, shapes = Path(sys.argv[1]), sys.argv[3], sys.argv[4], sys.argv[5].split(), sys.argv[6], sys.argv[8:]
predicted = {s: float(ms) for s, ms in (l.split("\t") for l in open(sys.argv[2]).read().split("\n") if l)}

def result(shape, seed):
    path = out / f"{shape}-e{epochs}-s{seed}" / "eval_results.json"
    return json.loads(path.read_text()) if path.exists() else None

def test(shape, seed):
    r = result(shape, seed)
    return r["test"]["accuracy"] if r else None

def parameters(shape):
    r = next((r for r in (result(shape, s) for s in seeds) if r), None)
    return f"{r['parameters'] / 1e6:.1f}M" if r else "–"

speedup = anchor != "eol"
base = {} if speedup else {seed: test(eol, seed) for seed in seeds}
if speedup:
    teacher_test = json.loads((Path(sys.argv[7]) / "eval_results.json").read_text())["test"]["accuracy"]
    print(f"Latencies predicted by the profile; the {anchor}x band. Test accuracy after {epochs} epochs, seeds "
          f"{', '.join(seeds)}; share of the teacher's test accuracy ({teacher_test:.4f}).\n")
else:
    print(f"Latencies predicted by the profile; the every-other-layer student {eol} at {predicted[eol]:.2f} ms. "
          f"Test accuracy after {epochs} epochs, seeds {', '.join(seeds)}; gain over {eol} with the same seed, in points.\n")
print("| shape | parameters | latency ms | " + ("" if speedup else "vs every-other-layer | ") + " | ".join(f"test s{s}" for s in seeds)
      + " | mean test | " + ("of the teacher" if speedup else "mean gain") + " |")
print("| --- | ---: | ---: | " + ("" if speedup else "---: | ") + " | ".join("---:" for _ in seeds) + " | ---: | ---: |")
for shape in shapes:
    scores = [test(shape, s) for s in seeds]
    done = [x for x in scores if x is not None]
    cells = [f"{x:.4f}" if x is not None else "–" for x in scores]
    mean = statistics.mean(done) if done else None
    if speedup:
        position, last = "", f"{100 * mean / teacher_test:.1f}%" if done else "–"
    else:
        gains = [100 * (x - base[s]) for x, s in zip(scores, seeds) if x is not None and base[s] is not None]
        position = f"{100 * (predicted[shape] / predicted[eol] - 1):+.1f}% | "
        last = f"{statistics.mean(gains):+.2f}" if gains else "–"
    print(f"| {shape} | {parameters(shape)} | {predicted[shape]:.2f} | {position}" + " | ".join(cells)
          + f" | {f'{mean:.4f}' if done else '–'} | {last} |")
PY
