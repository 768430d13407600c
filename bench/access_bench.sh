#!/usr/bin/env bash
# Cost of Hub's access check (core.access.v1), measured with wrk on loopback in one invocation:
#   baseline  GET /api/v1/auth/users/me            (a simple authenticated GET)
#   owner     GET /api/v1/advisors/{id} as owner   (check short-cuts on ownership)
#   user      GET the same advisor as a user with a direct grant
#   team      GET it as a member of a team that holds the grant (team expansion)
# and prints req/s, p99 and ratios. The issue's target is that the check costs at most 10 %
# of a simple authenticated GET: compare "team" with "owner" (same handler, same advisor
# read; the difference is the grant lookup) relative to the baseline's time per request.
# Usage: bash bench/access_bench.sh [BUILD_DIR]   (env BENCH_DURATION seconds, default 8)
set -euo pipefail

build_dir=${1:-build}
hubd="$build_dir/bin/hubd"
duration=${BENCH_DURATION:-8}
for tool in wrk curl python3; do command -v "$tool" >/dev/null || { echo "access_bench: $tool missing" >&2; exit 69; }; done
[[ -x "$hubd" ]] || { echo "access_bench: $hubd not found" >&2; exit 69; }

work=$(mktemp -d /tmp/hub-access-bench.XXXXXX)
hubd_pid=""
cleanup() {
  [[ -n "$hubd_pid" ]] && kill "$hubd_pid" 2>/dev/null && wait "$hubd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$hubd" --port 0 --data-dir "$work/data" --set logging.access_log=false \
  --set auth.password.argon2_memory_kib=8192 --set auth.password.argon2_iterations=1 \
  --set auth.throttle.registrations_per_ip=1000 >"$work/out" 2>"$work/err" &
hubd_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/out" 2>/dev/null && break; sleep 0.05; done
url=$(grep -o 'http://[0-9.:]*' "$work/out" | head -1)
[[ -n "$url" ]] || { echo "access_bench: hubd did not start" >&2; cat "$work/err" >&2; exit 1; }

json() { python3 -c "import sys,json;print(json.load(sys.stdin)$1)"; }
token() {
  curl -sf -XPOST "$url/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"email\":\"$1@bench.test\",\"password\":\"correct horse 1\"}" >/dev/null
  curl -sf -XPOST "$url/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"correct horse 1\"}" | json '["access_token"]'
}
owner=$(token alice); direct=$(token bob); member=$(token carol)
post() { curl -sf -XPOST "$url$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
advisor=$(post /api/v1/advisors "$owner" '{"name":"Bench","model":"echo","messages":[{"role":"system","content":"x"}]}' | json '["id"]')
post /api/v1/teams "$owner" '{"name":"bench-team"}' >/dev/null
team=$(curl -sf "$url/api/v1/teams" -H "Authorization: Bearer $owner" | json '[0]["id"]')
post "/api/v1/teams/$team/members" "$owner" '{"username":"carol"}' >/dev/null
# Some unrelated grants and teams so the lookups are not on empty tables.
for i in $(seq 1 50); do post /api/v1/teams "$owner" "{\"name\":\"other-$i\"}" >/dev/null; done
post /api/v1/shares "$owner" "{\"resource_type\":\"advisor\",\"resource_id\":\"$advisor\",\"principal_name\":\"bob\",\"role\":\"user\"}" >/dev/null
post /api/v1/shares "$owner" "{\"resource_type\":\"advisor\",\"resource_id\":\"$advisor\",\"principal_type\":\"team\",\"principal_name\":\"bench-team\",\"role\":\"user\"}" >/dev/null

run() {  # name path token -> "req/s p99_ms"
  local out
  wrk -t2 -c32 -d1s -H "Authorization: Bearer $3" "$url$2" >/dev/null 2>&1 || true
  out=$(wrk -t2 -c32 -d"${duration}s" --latency -H "Authorization: Bearer $3" "$url$2" 2>&1)
  local rps p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "$1 ${rps:-0} ${p99:-0} ${non2xx:-0}"
}

results=()
results+=("$(run baseline /api/v1/auth/users/me "$owner")")
results+=("$(run owner "/api/v1/advisors/$advisor" "$owner")")
results+=("$(run user "/api/v1/advisors/$advisor" "$direct")")
results+=("$(run team "/api/v1/advisors/$advisor" "$member")")

python3 - "${results[@]}" <<'EOF'
import sys
rows = {r.split()[0]: r.split()[1:] for r in sys.argv[1:]}
base = float(rows["baseline"][0])
owner = float(rows["owner"][0])
print("Hub access-check benchmark (wrk -t2 -c32, loopback, one hubd on SQLite)")
print(f"{'request':<44}{'req/s':>10}{'p99 ms':>9}{'x baseline':>12}{'non-2xx':>9}")
labels = {"baseline": "GET users/me (authenticated baseline)", "owner": "GET advisor as owner",
          "user": "GET advisor, direct user grant", "team": "GET advisor, grant through a team"}
for k in ["baseline", "owner", "user", "team"]:
    rps, p99, bad = rows[k]
    print(f"{labels[k]:<44}{float(rps):>10.0f}{float(p99):>9.2f}{float(rps)/base:>12.2f}{bad:>9}")
# Time per request in microseconds on the whole machine (wrk shares the cores).
t = {k: 1e6 / float(v[0]) for k, v in rows.items()}
for k in ["user", "team"]:
    extra = t[k] - t["owner"]
    print(f"grant lookup ({k}): {extra:.1f} us per request = {100*extra/t['baseline']:.0f} % of the baseline request"
          f" (target <= 10 %)")
EOF
