#!/usr/bin/env bash
# Workers as separate hosts on this machine: each kdnas process of one search runs in a network
# namespace of its own (ip netns), joined to this machine by a veth pair, and reaches the PostgreSQL
# server (scripts/postgres-server.sh, in the root namespace) only through its veth address: the
# namespaces have no route to 127.0.0.1 of the root namespace. The first namespace creates the study
# (kdnas search), the others join it (kdnas worker); then kdnas status and kdnas report --out show the
# result, fetched from the database alone, and the trials are counted by the host that ran them.
#
# Usage (as root): scripts/netns_workers.sh OUT WORKERS -- SEARCH_OPTIONS...
#   e.g. scripts/netns_workers.sh runs/netns 3 -- --teacher runs/main/teacher --task rotten-tomatoes \
#            --preset quick --episodes 2 --final-top 1 --final-pareto 0 --final-speedups none --no-baselines
#   env: KDNAS (a built kdnas; default: build it), THREADS=1 (per process), LEASE=60
# The namespaces share this machine's file system, so every host finds the teacher and data at the
# same paths. Everything made here (namespaces, links, the server) is removed at the end.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: netns_workers.sh OUT WORKERS -- SEARCH_OPTIONS...}"
WORKERS="${2:?usage: netns_workers.sh OUT WORKERS -- SEARCH_OPTIONS...}"
shift 2
[[ "${1:-}" == "--" ]] && shift
(( EUID == 0 )) || { echo "netns_workers.sh: network namespaces need root" >&2; exit 1; }
command -v ip > /dev/null || { apt-get update -qq && apt-get install -y -qq iproute2; }
THREADS="${THREADS:-1}"
LEASE="${LEASE:-60}"
cd "$ROOT"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
if [[ -z "${KDNAS:-}" ]]; then
    swift build -c release --product kdnas --quiet
    KDNAS="$ROOT/.build/release/kdnas"
fi
log() { echo "netns_workers: $*" >&2; }

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
    for i in $(seq 1 "$WORKERS"); do
        ip netns del "kdnas-w$i" 2> /dev/null || true
        ip link del "kdnas-h$i" 2> /dev/null || true
    done
    scripts/postgres-server.sh stop "$OUT/pg" || true
}
trap cleanup EXIT

# The server listens on loopback and on the root side of every veth pair.
listen="127.0.0.1"
for i in $(seq 1 "$WORKERS"); do
    ip netns del "kdnas-w$i" 2> /dev/null || true
    ip link del "kdnas-h$i" 2> /dev/null || true
    ip netns add "kdnas-w$i"
    ip link add "kdnas-h$i" type veth peer name "kdnas-n$i"
    ip link set "kdnas-n$i" netns "kdnas-w$i"
    ip addr add "10.77.$i.1/24" dev "kdnas-h$i"
    ip link set "kdnas-h$i" up
    ip netns exec "kdnas-w$i" ip addr add "10.77.$i.2/24" dev "kdnas-n$i"
    ip netns exec "kdnas-w$i" ip link set "kdnas-n$i" up
    ip netns exec "kdnas-w$i" ip link set lo up
    listen="$listen,10.77.$i.1"
done
url="$(LISTEN="$listen" ALLOW="10.77.0.0/16" scripts/postgres-server.sh start "$OUT/pg")"
port="${url##*:}"; port="${port%%/*}"
password="$(cat "$OUT/pg/password")"
host_url() { echo "postgresql://kdnas:$password@10.77.$1.1:$port/kdnas"; }
log "server on $listen port $port; $WORKERS hosts kdnas-w1…kdnas-w$WORKERS"
if ip netns exec kdnas-w1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2> /dev/null; then
    log "kdnas-w1 reaches 127.0.0.1:$port: the namespaces are not isolated"; exit 1
fi

study="netns-$(date +%s)"
started=$(date +%s)
# The URL (with its password) goes by KDNAS_STORAGE, never on a command line that ps shows.
ip netns exec kdnas-w1 env KDNAS_WORKER_HOST=kdnas-w1 KDNAS_STORAGE="$(host_url 1)" "$KDNAS" search --study "$study" \
    --out "$OUT/w1" --threads "$THREADS" --lease "$LEASE" "$@" 2> "$OUT/w1.log" > /dev/null &
pids+=($!)
creator=$!
for i in $(seq 2 "$WORKERS"); do
    until KDNAS_STORAGE="$url" "$KDNAS" status --study "$study" > /dev/null 2>&1; do
        kill -0 "$creator" 2> /dev/null || { log "the creator stopped: $(tail -3 "$OUT/w1.log")"; exit 1; }
        sleep 0.2
    done
    ip netns exec "kdnas-w$i" env KDNAS_WORKER_HOST="kdnas-w$i" KDNAS_STORAGE="$(host_url "$i")" "$KDNAS" worker --study "$study" \
        --out "$OUT/w$i" --threads "$THREADS" --lease "$LEASE" 2> "$OUT/w$i.log" > /dev/null &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
pids=()
log "all processes ended (exit $status) after $(( $(date +%s) - started )) s"
KDNAS_STORAGE="$url" "$KDNAS" status --study "$study"
KDNAS_STORAGE="$url" "$KDNAS" report --study "$study" --out "$OUT/report"
python3 - "$OUT/report/report.json" <<'PY'
import collections, json, sys
trials = json.load(open(sys.argv[1]))["trials"]
print("trials by host:", dict(collections.Counter(t.get("host") for t in trials)))
PY
exit "$status"
