#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, on a free local port, owned by the postgres user.
#   eval "$(scripts/throwaway-postgres.sh start)"   # sets QL_PGDATA and QL_PG_URL
#   scripts/throwaway-postgres.sh stop "$QL_PGDATA"
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

case "${1:-}" in
  start)
    data=$(mktemp -d /tmp/ql-pg.XXXXXX)
    chown postgres "$data"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_postgres "$bin/initdb" -D "$data/db" -A trust -U postgres --no-sync >"$data/initdb.log" 2>&1
    as_postgres "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres quality_ledger_test
    echo "export QL_PGDATA=$data"
    echo "export QL_PG_URL=postgresql://postgres@127.0.0.1:$port/quality_ledger_test"
    ;;
  stop)
    data=${2:?usage: stop DIR}
    as_postgres "$bin/pg_ctl" -D "$data/db" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$data"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
