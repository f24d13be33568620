#!/usr/bin/env bash
# A PostgreSQL cluster of its own for the booking benchmark: `bench/booking/pg.sh start|stop`.
#
# Why not the cluster the tests use: pgbench at 200 clients needs max_connections above 200, and
# Debian's default is 100 (changing it means restarting a server other work is using). The
# settings follow ../shared/reference/performance-anchors.md §2.1: shared_buffers=1GB, durable commits
# (fsync and synchronous_commit on), everything else default. Same binaries as the main cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
PGDATA=${BENCH_PGDATA:-$PWD/var/bench-pg}
PORT=${BENCH_PGPORT:-5433}
as_postgres() { runuser -u postgres -- "$@"; }

case "${1:-}" in
start)
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        mkdir -p "$PGDATA"
        chown postgres: "$PGDATA"
        as_postgres "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGDATA'
max_connections = 300
shared_buffers = 1GB
max_wal_size = 4GB
EOF
    fi
    as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w start >/dev/null
    echo "bench cluster on 127.0.0.1:$PORT (data in $PGDATA)"
    ;;
stop)
    as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
