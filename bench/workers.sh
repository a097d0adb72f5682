#!/usr/bin/env bash
# Two workers × one thread against one process × two threads on these 2 cores: the quick preset's
# search stage (24 candidates, no final stage) on the bundled task, timed whole. A benchmark, not a
# test. Both runs predict latency from one profile calibrated here at 2 threads (so both propose the
# same candidates and differ only in how the cores are used); the two workers share one PostgreSQL
# study (scripts/postgres-server.sh, a server of this benchmark's own).
#
# Usage: bench/workers.sh TEACHER_DIR [OUT_DIR]      env: KDNAS (a built kdnas; default: build it)
# Prints wall time and candidates per hour for each, and their ratio.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEACHER="$(cd "${1:?usage: bench/workers.sh TEACHER_DIR [OUT_DIR]}" && pwd)"
OUT="${2:-runs/bench-workers}"
cd "$ROOT"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
if [[ -z "${KDNAS:-}" ]]; then
    swift build -c release --product kdnas --quiet
    KDNAS="$ROOT/.build/release/kdnas"
fi
log() { echo "bench/workers: $*" >&2; }
if [[ ! -f "$OUT/profile.json" ]]; then
    log "calibrating the latency profile (2 threads)"
    "$KDNAS" latency calibrate --space derived --teacher "$TEACHER" --count 60 --runs 10 --threads 2 --out "$OUT/profile.json" 2> /dev/null
fi
stage=(--teacher "$TEACHER" --task rotten-tomatoes --preset quick --latency-profile "$OUT/profile.json" --final-top 0 --final-pareto 0 --final-speedups none --no-baselines)

rm -rf "$OUT/one"
start=$(date +%s.%N)
"$KDNAS" search "${stage[@]}" --threads 2 --out "$OUT/one" 2> "$OUT/one.log" > /dev/null
one=$(python3 -c "print($(date +%s.%N) - $start)")
log "one process × 2 threads: $one s"

trap 'scripts/postgres-server.sh stop "$OUT/pg" > /dev/null 2>&1 || true' EXIT
url="$(scripts/postgres-server.sh start "$OUT/pg")"
study="bench-$(date +%s)"
start=$(date +%s.%N)
export KDNAS_STORAGE="$url"  # the URL holds the password: by the environment, not on command lines
"$KDNAS" search "${stage[@]}" --threads 1 --study "$study" --out "$OUT/two-a" 2> "$OUT/two-a.log" > /dev/null &
creator=$!
until "$KDNAS" status --study "$study" > /dev/null 2>&1; do sleep 0.2; done
"$KDNAS" worker --threads 1 --study "$study" --out "$OUT/two-b" 2> "$OUT/two-b.log" > /dev/null
wait "$creator"
two=$(python3 -c "print($(date +%s.%N) - $start)")
log "two workers × 1 thread: $two s"
"$KDNAS" report --study "$study" --out "$OUT/two" > /dev/null
python3 - "$OUT/one/report.json" "$OUT/two/report.json" "$one" "$two" <<'PY'
import json, sys
a, b = (json.load(open(p))["trials"] for p in sys.argv[1:3])
one, two = float(sys.argv[3]), float(sys.argv[4])
same = [x["architecture"] for x in a] == [y["architecture"] for y in b]
print("| run | candidates | wall s | candidates / hour | mean s / candidate |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, trials, wall in [("one process × 2 threads", a, one), ("two workers × 1 thread (PostgreSQL)", b, two)]:
    mean = sum(t["seconds"] for t in trials) / len(trials)
    print(f"| {name} | {len(trials)} | {wall:.0f} | {len(trials) * 3600 / wall:.0f} | {mean:.1f} |")
print(f"\ntwo workers / one process wall time: {two / one:.2f}; same candidates proposed: {same}")
PY
