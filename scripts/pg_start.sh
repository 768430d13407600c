#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1:$HUB_TEST_PG_PORT (default 55432), trust auth,
# data in /tmp, fsync off. Used by the test suite; stopped by pg_stop.sh.
set -euo pipefail
PGPORT="${HUB_TEST_PG_PORT:-55432}"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA="/tmp/hub-pgdata-$PGPORT"
RUNAS=()
if [ "$(id -u)" -eq 0 ]; then RUNAS=(runuser -u postgres --); fi

if [ -f "$PGDATA/postmaster.pid" ]; then
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
fi
rm -rf "$PGDATA"
if [ "$(id -u)" -eq 0 ]; then
  install -d -o postgres -g postgres -m 700 "$PGDATA"
else
  install -d -m 700 "$PGDATA"
fi
"${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-sync >/dev/null
# The port lies in Linux's ephemeral range (32768-60999): an outgoing connection may hold it
# for a moment, so a bind failure is retried for a while before giving up.
for attempt in $(seq 1 20); do
  if "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 -o \
    "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null; then
    break
  fi
  if [ "$attempt" -eq 20 ] || ! grep -q "Address already in use" "$PGDATA/server.log"; then
    echo "pg_start: PostgreSQL did not start; see $PGDATA/server.log" >&2
    tail -5 "$PGDATA/server.log" >&2
    exit 1
  fi
  sleep 1
done
"$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qAtc "SELECT 1" >/dev/null
echo "PostgreSQL ready on 127.0.0.1:$PGPORT"
