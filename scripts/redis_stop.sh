#!/usr/bin/env bash
# Stops the throwaway Redis started by redis_start.sh.
set -uo pipefail
RPORT="${HUB_TEST_REDIS_PORT:-56379}"
redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
rm -rf "/tmp/hub-redis-$RPORT"
echo "Redis on 127.0.0.1:$RPORT stopped"
