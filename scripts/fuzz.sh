#!/usr/bin/env bash
# Fuzzes the parsers of users' files with libFuzzer (Sources/FuzzTargets): the safetensors header,
# config.json, the tokenizer on arbitrary bytes, CSV/TSV/JSONL and GLUE files, search spaces and
# latency profiles.
#
# Usage: scripts/fuzz.sh TARGET|all SECONDS [libFuzzer options...]
#        TARGET: safetensors, config, tokenizer, task-file, search-space, latency-profile
#
# Builds kdnas-fuzz with `-sanitize=fuzzer,address` (libFuzzer and AddressSanitizer, both shipped
# with the Swift toolchain) in .build-fuzz/, starts from the committed seeds (fuzz/corpus/TARGET)
# and the corpus grown by earlier runs (.build-fuzz/corpus/TARGET), and runs each target SECONDS
# seconds. An input that traps, runs past 20 s (AddressSanitizer slows a run 2-10×), allocates
# past 2 GB or touches memory it does not own is written to fuzz/regressions/TARGET/, where
# FuzzRegressionTests replays it in every test run: commit it with the fix. Leak detection is off:
# FoundationEssentials' Data(contentsOf:) leaks 4 KB on an empty file, which is not KDNAS's to fix.
# Prints a table (target, seconds, executions, coverage, crashes) and exits 1 if any target crashed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGETS=(safetensors config tokenizer task-file search-space latency-profile)
if [[ $# -lt 2 ]] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then  # libFuzzer reads 0 seconds as no limit
    echo "usage: scripts/fuzz.sh TARGET|all SECONDS [libFuzzer options...]  (TARGET: ${TARGETS[*]})" >&2
    exit 2
fi
WHICH="$1"; SECONDS_EACH="$2"; shift 2
if [[ "$WHICH" == all ]]; then SELECTED=("${TARGETS[@]}")
elif [[ " ${TARGETS[*]} " == *" $WHICH "* ]]; then SELECTED=("$WHICH")
else echo "scripts/fuzz.sh: unknown target '$WHICH'; expected all or one of: ${TARGETS[*]}" >&2; exit 2
fi

scripts/install-system.sh
SCRATCH=.build-fuzz
echo "fuzz: building kdnas-fuzz with -sanitize=fuzzer,address"
swift build -c release --product kdnas-fuzz --scratch-path "$SCRATCH" --quiet \
    -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld  # gold fails on this link (an internal error)
FUZZER="$SCRATCH/release/kdnas-fuzz"

# The inputs libFuzzer wrote to $regressions as failures; slow-unit-* files (a slow input that passed) are not.
failures() { find "$regressions" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l; }

ROWS=()
FAILED=0
for target in "${SELECTED[@]}"; do
    work="$SCRATCH/corpus/$target"; regressions="fuzz/regressions/$target"; log="$SCRATCH/$target.log"
    mkdir -p "$work" "$regressions"
    before=$(failures)
    echo "fuzz: $target for ${SECONDS_EACH}s (log: $log)"
    status=0
    KDNAS_FUZZ_TARGET="$target" ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$FUZZER" "$work" "fuzz/corpus/$target" -max_total_time="$SECONDS_EACH" \
        -timeout=20 -report_slow_units=20 -rss_limit_mb=2048 -max_len=4096 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$regressions/" "$@" \
        >"$log" 2>&1 || status=$?
    crashes=$(( $(failures) - before ))
    find "$regressions" -type f -name 'slow-unit-*' -delete
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    coverage=$({ grep -o 'cov: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
    features=$({ grep -o 'ft: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
    corpus=$(find "$work" -type f | wc -l)
    ROWS+=("$(printf '%-16s %8s %12s %9s %9s %7s %8s' "$target" "$SECONDS_EACH" "${executions:-?}" "${coverage:-?}" \
        "${features:-?}" "$corpus" "$crashes")")
    if [[ $status -ne 0 || $crashes -gt 0 ]]; then
        FAILED=1
        echo "fuzz: $target FAILED (exit $status); new inputs in $regressions:" >&2
        grep -m5 -E 'Fatal error|fuzz invariant|ERROR: libFuzzer|SUMMARY' "$log" >&2 || tail -20 "$log" >&2
    fi
done
printf '%-16s %8s %12s %9s %9s %7s %8s\n' target seconds executions coverage features corpus crashes
printf '%s\n' "${ROWS[@]}"
exit $FAILED
