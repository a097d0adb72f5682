#!/usr/bin/env bash
# The distillation step against the plain training step (issue 13): for each student, the trainer's
# step with OD + MiniLMv2 relations against the teacher cache (as the search distils) and with
# cross-entropy on the labels alone, on the same first batches of the bundled task (batch 32,
# bucketed by length, as the trainer orders them), alternating step by step. A benchmark, not a test.
#
# Usage: bench/distill_step.sh TEACHER_DIR
#   env: STUDENTS=L3-H384-A12-F1536,…  STEPS=30  ROUNDS=3  THREADS=2
#        BENCH=path (a kdnas-bench built already; default: build it here)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="$(cd "${1:?usage: bench/distill_step.sh TEACHER_DIR}" && pwd)"
cd "$ROOT"
if [[ -z "${BENCH:-}" ]]; then
    swift build -c release --product kdnas-bench --quiet
    BENCH=.build/release/kdnas-bench
fi
args=(distill-step --teacher "$TEACHER" --cache "$ROOT/cache" --steps "${STEPS:-30}" --rounds "${ROUNDS:-3}" --threads "${THREADS:-2}")
[[ -n "${STUDENTS:-}" ]] && args+=(--students "$STUDENTS")
lines="$(mktemp)"
trap 'rm -f "$lines"' EXIT
"$BENCH" "${args[@]}" | tee "$lines" >&2
python3 - "$lines" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
summary = [r for r in rows if "ratio" in r]
if summary:
    first = summary[0]
    print(f"\n{first['steps']} steps of batch {first['batch']}, {first['threads']} threads, {first['blas']}")
print("| student | tokens / step | plain step ms | distillation step ms | ratio |")
print("| --- | ---: | ---: | ---: | ---: |")
for r in summary:
    print(f"| {r['student']} | {r['mean_tokens_per_step']:.0f} | {r['plain_median_ms']:.1f} | {r['distill_median_ms']:.1f} | {r['ratio']:.3f} |")
print("\nWhere the difference goes (one profiled pass each, ms per step; distillation minus plain, the largest five):")
for r in summary:
    def rows(variant):
        return {(row["phase"], row["op"]): row["ms"] for row in r["profile"][variant]}
    plain, distill = rows("plain"), rows("distill")
    keys = set(plain) | set(distill)
    deltas = sorted(((distill.get(k, 0) - plain.get(k, 0), k) for k in keys), reverse=True)[:5]
    print(f"- {r['student']}: " + ", ".join(f"{phase} {op} {delta:+.1f}" for delta, (phase, op) in deltas))
PY
