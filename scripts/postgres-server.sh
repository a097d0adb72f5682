#!/usr/bin/env bash
# A PostgreSQL server of its own for tests and benchmarks, never the machine's: Debian's postgresql
# (installed when missing), a new cluster in DIR (initdb), listening on 127.0.0.1 (and LISTEN's
# addresses) at a free port, with a user and database "kdnas" and a generated password.
#
#   scripts/postgres-server.sh start DIR     prints the URL postgresql://kdnas:PASSWORD@127.0.0.1:PORT/kdnas
#   scripts/postgres-server.sh stop DIR      stops it (immediately; the cluster stays in DIR)
#   scripts/postgres-server.sh restart DIR   starts it again on the same port
#   env: LISTEN="127.0.0.1,10.77.1.1" (addresses to listen on), ALLOW="10.77.0.0/16" (client networks
#        allowed besides loopback, with the password), PORT (default: a free one)
#
# As root the server runs as Debian's postgres user (initdb refuses root); otherwise as the caller.
set -euo pipefail
command="${1:?usage: postgres-server.sh start|stop|restart DIR}"
dir="${2:?usage: postgres-server.sh start|stop|restart DIR}"

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [[ -z "$(bin_dir)" || ! -x "$(bin_dir)/initdb" ]]; then
    echo "postgres-server: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    apt-get install -y -qq postgresql >&2
fi
BIN="$(bin_dir)"
as_server() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_server() {
    local port; port="$(cat "$dir/port")"
    as_server "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=${LISTEN:-127.0.0.1} -c fsync=off -c max_connections=50" start >&2
}

case "$command" in
start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        (umask 077; python3 -c 'import secrets; print("kdnas-" + secrets.token_hex(8))' > "$dir/password")
        echo "${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}" > "$dir/port"
        if [[ $EUID -eq 0 ]]; then chown -R postgres "$dir"; chmod 755 "$dir"; fi
        as_server "$BIN/initdb" -D "$dir/data" -U kdnas --pwfile="$dir/password" -A scram-sha-256 -E UTF8 --no-sync >/dev/null
    fi
    for network in ${ALLOW:+${ALLOW//,/ }}; do
        grep -q "host all all $network scram-sha-256" "$dir/data/pg_hba.conf" \
            || echo "host all all $network scram-sha-256" | as_server tee -a "$dir/data/pg_hba.conf" > /dev/null
    done
    start_server
    PGPASSWORD="$(cat "$dir/password")" as_server "$BIN/psql" -h 127.0.0.1 -p "$(cat "$dir/port")" -U kdnas -d postgres -qAt \
        -c "SELECT 1 FROM pg_database WHERE datname = 'kdnas'" | grep -q 1 \
        || PGPASSWORD="$(cat "$dir/password")" as_server "$BIN/createdb" -h 127.0.0.1 -p "$(cat "$dir/port")" -U kdnas kdnas
    echo "postgresql://kdnas:$(cat "$dir/password")@127.0.0.1:$(cat "$dir/port")/kdnas"
    ;;
restart)
    start_server
    ;;
stop)
    [[ -f "$dir/data/postmaster.pid" ]] && as_server "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    ;;
*)
    echo "postgres-server.sh: $command: expected start, stop or restart" >&2
    exit 2
    ;;
esac
