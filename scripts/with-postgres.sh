#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server: a temporary data
# directory, a private port and a Unix socket, stopped and removed afterwards.
# The command sees DATABASE_URL.   Usage: scripts/with-postgres.sh CMD [ARGS...]
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
workdir=$(mktemp -d /tmp/schoolpoort-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root: run the server as the postgres user.
  chown postgres "$workdir"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT
"${as_pg[@]}" "$bindir/initdb" -D "$workdir/data" -U schoolpoort -A trust -E UTF8 --no-locale -N >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w \
  -o "-p $port -k $workdir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
  start >/dev/null
"$bindir/createdb" -h "$workdir" -p "$port" -U schoolpoort schoolpoort_test
export DATABASE_URL="postgresql://schoolpoort@/schoolpoort_test?host=$workdir&port=$port"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on $workdir port $port"
"$@"
