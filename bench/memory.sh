#!/usr/bin/env bash
# Resident memory of a command over time: runs it, samples the resident set of it and its
# children every --every seconds into a TSV (seconds since start, MiB), and prints the peak.
#
#     bench/memory.sh [--every 5] [--out rss.tsv] [--log main.log] -- scripts/main.sh > main.log
#
# With --log, each sample also records how many lines that file (the command's log) has, so that a
# sample can be placed against the log: whether memory grows from one candidate to the next.
set -euo pipefail
every=5 out=rss.tsv log=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --every) every=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        --) shift; break ;;
        *) break ;;
    esac
done
[[ $# -gt 0 ]] || { echo "usage: bench/memory.sh [--every S] [--out F] -- command ..." >&2; exit 2; }

# The resident KiB of a process and all its descendants (procps's ps).
tree_rss() {
    ps -e -o pid=,ppid=,rss= | awk -v root="$1" '
        { parent[$1] = $2; rss[$1] = $3 }
        END {
            for (p in rss) {
                for (q = p; q != "" && q != 0 && q != root; q = parent[q]) {}
                if (q == root) total += rss[p]
            }
            print total + 0
        }'
}

"$@" &
pid=$!
start=$(date +%s)
peak=0
printf 'seconds\trss_mib\tlog_lines\n' > "$out"
while kill -0 "$pid" 2>/dev/null; do
    kib=$(tree_rss "$pid")
    (( kib > peak )) && peak=$kib
    lines=0; [[ -n $log && -f $log ]] && lines=$(wc -l < "$log")
    printf '%d\t%d\t%d\n' $(( $(date +%s) - start )) $(( kib / 1024 )) "$lines" >> "$out"
    sleep "$every"
done
wait "$pid" && status=0 || status=$?
echo "memory: peak resident $(( peak / 1024 )) MiB (sampled every ${every}s, samples in $out); exit $status" >&2
exit "$status"
