#!/usr/bin/env bash
# Files throughput on loopback, in one invocation:
#   1. 1 MiB raw downloads with wrk (2 threads, 64 connections) as GB/s, beside /health req/s;
#   2. one 1 GiB upload (PUT) and download (GET /raw) with curl, as MB/s, with hubd's peak RSS.
# Usage: bash bench/files_bench.sh BUILD_DIR     (env: BENCH_DURATION=10, BIG_MB=1024)
set -euo pipefail
BUILD="${1:-build}"
HUBD="$BUILD/bin/hubd"
DURATION="${BENCH_DURATION:-10}"
BIG_MB="${BIG_MB:-1024}"
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-deps.sh)"; exit 1; }
[ -x "$HUBD" ] || { echo "no $HUBD; build first"; exit 1; }

WORK=$(mktemp -d /tmp/hub-files-bench.XXXXXX)
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

printf 'bench-password-1\n' | "$HUBD" user create bench --data-dir "$WORK/data" >/dev/null
"$HUBD" --port 0 --data-dir "$WORK/data" --set logging.access_log=false --set logging.level=warning \
  >"$WORK/out" 2>"$WORK/err" &
PID=$!
for _ in $(seq 500); do grep -q "listening on" "$WORK/out" && break; sleep 0.01; done
URL=$(grep -o 'http://[^ ]*' "$WORK/out" | head -1)
[ -n "$URL" ] || { echo "hubd did not start:"; cat "$WORK/err"; exit 1; }
TOKEN=$(curl -s -X POST "$URL/api/v1/auth/login" -d '{"username":"bench","password":"bench-password-1"}' |
  sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
AUTH="Authorization: Bearer $TOKEN"

rss_peak_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }
rss_now_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$PID/status"; }
wrk_rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
wrk_errors() { awk '/Non-2xx|Socket errors/ {print}' "$1" | tr '\n' ' '; }

head -c 1048576 /dev/urandom >"$WORK/1m.bin"
curl -sf -X PUT -H "$AUTH" --data-binary @"$WORK/1m.bin" "$URL/api/v1/files/bench/1m.bin" >/dev/null

wrk -t2 -c64 -d2s "$URL/health" >/dev/null
wrk -t2 -c64 -d"${DURATION}s" --latency "$URL/health" >"$WORK/health.txt"
wrk -t2 -c64 -d2s -H "$AUTH" "$URL/api/v1/files/bench/1m.bin/raw" >/dev/null
wrk -t2 -c64 -d"${DURATION}s" --latency -H "$AUTH" "$URL/api/v1/files/bench/1m.bin/raw" >"$WORK/raw.txt"
HEALTH_RPS=$(wrk_rps "$WORK/health.txt")
RAW_RPS=$(wrk_rps "$WORK/raw.txt")
RAW_GBS=$(awk -v r="$RAW_RPS" 'BEGIN {printf "%.2f", r * 1048576 / 1e9}')
RATIO=$(awk -v a="$RAW_RPS" -v b="$HEALTH_RPS" 'BEGIN {printf "%.3f", a / b}')
RSS_AFTER_WRK=$(rss_now_mb)

head -c "$((BIG_MB * 1048576))" /dev/urandom >"$WORK/big.bin"
SUM_IN=$(sha256sum "$WORK/big.bin" | cut -d' ' -f1)
T0=$(date +%s.%N)
curl -sf -X PUT -H "$AUTH" -T "$WORK/big.bin" "$URL/api/v1/files/bench/big.bin" >/dev/null
T1=$(date +%s.%N)
RSS_UP=$(rss_peak_mb)
curl -sf -H "$AUTH" "$URL/api/v1/files/bench/big.bin/raw" -o "$WORK/big.out"
T2=$(date +%s.%N)
RSS_DOWN=$(rss_peak_mb)
SUM_OUT=$(sha256sum "$WORK/big.out" | cut -d' ' -f1)
UP=$(awk -v s="$T0" -v e="$T1" -v m="$BIG_MB" 'BEGIN {printf "%.0f", m * 1.048576 / (e - s)}')
DOWN=$(awk -v s="$T1" -v e="$T2" -v m="$BIG_MB" 'BEGIN {printf "%.0f", m * 1.048576 / (e - s)}')

pass() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo MISS; fi; }
{
  echo "Hub files benchmark  ($(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
  printf '%-34s %12s\n' "GET /health" "$HEALTH_RPS req/s"
  printf '%-34s %12s  = %s GB/s, %sx /health  %s\n' "GET 1 MiB /raw (wrk -t2 -c64)" "$RAW_RPS req/s" "$RAW_GBS" "$RATIO" "$(wrk_errors "$WORK/raw.txt")"
  printf '%-34s %8s MB/s\n' "PUT ${BIG_MB} MiB (curl)" "$UP"
  printf '%-34s %8s MB/s  (sha256 %s)\n' "GET ${BIG_MB} MiB /raw (curl)" "$DOWN" "$([ "$SUM_IN" = "$SUM_OUT" ] && echo match || echo MISMATCH)"
  printf '%-34s %8s MB after wrk, peak %s MB during upload, %s MB during download\n' "hubd RSS" "$RSS_AFTER_WRK" "$RSS_UP" "$RSS_DOWN"
  echo "targets: 1 MiB downloads >= 1 GB/s: $(pass "$RAW_GBS >= 1.0"); upload >= 200 MB/s: $(pass "$UP >= 200");" \
       "download >= 200 MB/s: $(pass "$DOWN >= 200"); peak RSS < 100 MB: $(pass "$RSS_DOWN < 100")"
} | tee "$BUILD/files-bench-report.txt"
