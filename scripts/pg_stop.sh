#!/usr/bin/env bash
# Stops the throwaway PostgreSQL started by pg_start.sh and removes its data.
set -uo pipefail
PGPORT="${HUB_TEST_PG_PORT:-55432}"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA="/tmp/hub-pgdata-$PGPORT"
RUNAS=()
if [ "$(id -u)" -eq 0 ]; then RUNAS=(runuser -u postgres --); fi
if [ -d "$PGDATA" ]; then
  "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
fi
echo "PostgreSQL on 127.0.0.1:$PGPORT stopped"
