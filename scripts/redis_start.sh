#!/usr/bin/env bash
# Starts a throwaway Redis on 127.0.0.1:$HUB_TEST_REDIS_PORT (default 56379), no persistence.
set -euo pipefail
RPORT="${HUB_TEST_REDIS_PORT:-56379}"
DIR="/tmp/hub-redis-$RPORT"
if [ -f "$DIR/redis.pid" ]; then redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true; fi
rm -rf "$DIR"; mkdir -p "$DIR"
redis-server --bind 127.0.0.1 --port "$RPORT" --save '' --appendonly no --daemonize yes \
  --dir "$DIR" --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
for _ in $(seq 50); do redis-cli -p "$RPORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-cli -p "$RPORT" ping | grep -q PONG
echo "Redis ready on 127.0.0.1:$RPORT"
