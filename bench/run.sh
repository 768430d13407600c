#!/usr/bin/env bash
# HTTP benchmark of hubd: start-to-ready time, idle RSS, and wrk throughput/latency for
# /health, Bearer-authenticated and Basic-authenticated requests. Prints a report (also
# written to BUILD_DIR/bench-report.txt), then the micro-benchmark ratios when
# BUILD_DIR/bin/hub_micro_bench exists. See bench/README.md.
#
#   bash bench/run.sh BUILD_DIR          (what `make bench` runs)
#
# Env: BENCH_DURATION   seconds per measured wrk run (default 10)
#      BENCH_WARMUP     seconds per warm-up run (default 2)
#      BENCH_THREADS / BENCH_CONNECTIONS   wrk -t / -c (default 2 / 64)
#      BENCH_MICRO=0    skip the micro-benchmarks
#
# Exit status: 0 when the report was produced, even if targets are missed (they are marked
# FAIL); 69 when a tool or binary is missing; 1 when hubd does not start or login fails;
# 70 when hubd dies under load (the report is still printed, with what was seen).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 64
fi
[[ -d "$1" ]] || { echo "run.sh: build directory '$1' does not exist" >&2; exit 69; }
build_dir=$(cd "$1" && pwd)
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hubd="$build_dir/bin/hubd"

duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
wrk_threads=${BENCH_THREADS:-2}
wrk_conns=${BENCH_CONNECTIONS:-64}
for v in duration warmup wrk_threads wrk_conns; do
    if ! [[ ${!v} =~ ^[0-9]+$ ]] || (( ${!v} < 1 )); then
        echo "run.sh: $v must be a positive integer (got '${!v}')" >&2
        exit 64
    fi
done

# Targets.
readonly TARGET_BEARER_RATIO=0.5
readonly TARGET_BASIC_RATIO=0.4
readonly TARGET_P99_MS=10
readonly TARGET_RSS_MB=50
readonly TARGET_READY_MS=300
readonly START_TIMEOUT_S=30

die() {
    echo "run.sh: $*" >&2
    exit 1
}
progress() { echo "run.sh: $*" >&2; }

for tool in wrk curl base64 awk timeout; do
    command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: '$tool' is not installed (make deps installs it)" >&2; exit 69; }
done
[[ -x "$hubd" ]] || { echo "run.sh: $hubd not found (build the hubd target)" >&2; exit 69; }
py=/usr/bin/python3
[[ -x "$py" ]] || py=python3

work=$(mktemp -d "${TMPDIR:-/tmp}/hub-bench.XXXXXX")
data="$work/data"
hubd_pid=""
hubd_exit=""     # how hubd ended, once it has (e.g. "killed by signal 6 (ABRT)")

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }  # bash 5: no fork
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
threads_of() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime (comm has no spaces)
clk_tck=$(getconf CLK_TCK)

describe_status() {  # describe_status RC
    local rc=$1
    if (( rc > 128 )); then
        echo "killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?')), exit status $rc"
    else
        echo "exit status $rc"
    fi
}

# True while hubd runs; otherwise reaps it and sets hubd_exit.
hubd_running() {
    [[ -n "$hubd_pid" ]] || return 1
    kill -0 "$hubd_pid" 2>/dev/null && return 0
    local rc=0
    wait "$hubd_pid" 2>/dev/null || rc=$?
    hubd_pid=""
    hubd_exit=$(describe_status "$rc")
    return 1
}

stop_desc=""
stop_hubd() {
    hubd_running || return 0
    local t rc=0 note=""
    t=$(now_us)
    kill -TERM "$hubd_pid" 2>/dev/null || true
    # Bounded: wrk has closed its connections; allow 10 s, then SIGKILL.
    for _ in $(seq 1 200); do
        kill -0 "$hubd_pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$hubd_pid" 2>/dev/null; then
        echo "run.sh: hubd (pid $hubd_pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
        kill -KILL "$hubd_pid" 2>/dev/null || true
        note=", did not exit within 10 s: SIGKILLed"
    fi
    wait "$hubd_pid" 2>/dev/null || rc=$?
    stop_desc="$(( ($(now_us) - t) / 1000 )) ms ($(describe_status "$rc")$note)"
    hubd_pid=""
}
cleanup() {
    local rc=$?
    stop_hubd
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Only loopback and a private SQLite database: drop the environment overrides hubd honours.
hub_env=(env -u DATABASE_URL -u HUB_PORT -u HUB_JWT_SECRET -u JWT_SECRET_KEY -u API_USERNAME -u API_PASSWORD)

# ---------------------------------------------------------------------------------------
# Start hubd
# ---------------------------------------------------------------------------------------
password="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
progress "creating user 'bench' in $data"
mkdir -p "$data"
if ! printf '%s\n' "$password" | timeout 60 "${hub_env[@]}" "$hubd" user create bench --data-dir "$data" \
        >"$work/user.out" 2>"$work/user.err"; then
    cat "$work/user.out" "$work/user.err" >&2
    die "hubd user create failed"
fi

# start_hubd: launches hubd (incarnation N logs to hubd.N.out/err), waits until GET /ready is
# 200 and sets base_url, listen_ms, ready_ms. Exits the script if hubd does not come up.
incarnation=0
start_hubd() {
    incarnation=$((incarnation + 1))
    local out="$work/hubd.$incarnation.out" err="$work/hubd.$incarnation.err"
    local t0 t_listen="" t_ready="" deadline code line
    base_url=""
    t0=$(now_us)
    "${hub_env[@]}" "$hubd" --port 0 --data-dir "$data" \
        --set server.host=127.0.0.1 --set logging.access_log=false --set logging.level=warning \
        >"$out" 2>"$err" </dev/null &
    hubd_pid=$!
    deadline=$((t0 + START_TIMEOUT_S * 1000000))
    while :; do
        if ! hubd_running; then
            echo "run.sh: hubd exited during start-up ($hubd_exit)." >&2
            echo "  stdout:" >&2; sed 's/^/  | /' "$out" >&2
            echo "  stderr:" >&2; sed 's/^/  | /' "$err" >&2
            exit 1
        fi
        if [[ -z "$base_url" && -s "$out" ]]; then
            while IFS= read -r line; do
                if [[ "$line" =~ listening\ on\ (http://[^[:space:]]+) ]]; then
                    t_listen=$(now_us)
                    base_url=${BASH_REMATCH[1]}
                    break
                fi
            done <"$out"
        fi
        if [[ -n "$base_url" ]]; then
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$base_url/ready" || true)
            if [[ "$code" == 200 ]]; then
                t_ready=$(now_us)
                break
            fi
        fi
        if (( $(now_us) > deadline )); then
            echo "run.sh: hubd not ready after ${START_TIMEOUT_S} s (listening line: ${base_url:-none})" >&2
            sed 's/^/  | /' "$err" >&2
            exit 1
        fi
        sleep 0.005
    done
    case "$base_url" in
        http://127.0.0.1:*|http://localhost:*|http://\[::1\]:*) ;;
        *) die "hubd listens on $base_url, not loopback; refusing to load it" ;;
    esac
    listen_ms=$(( (t_listen - t0) / 1000 ))
    ready_ms=$(( (t_ready - t0) / 1000 ))
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
progress "starting hubd"
start_hubd
start_listen_ms=$listen_ms
start_ready_ms=$ready_ms
rss_start_kb=$(rss_kb "$hubd_pid")
threads_start=$(threads_of "$hubd_pid")
progress "ready at $base_url after $start_ready_ms ms (listening line after $start_listen_ms ms)"

# ---------------------------------------------------------------------------------------
# Credentials
# ---------------------------------------------------------------------------------------
login_body=$(printf '{"username":"bench","password":"%s"}' "$password")
login_json=$(curl -sS --max-time 30 -X POST -H 'Content-Type: application/json' \
    --data "$login_body" -w '\n%{http_code}' "$base_url/api/v1/auth/login") || die "login request failed"
login_code=${login_json##*$'\n'}
login_json=${login_json%$'\n'*}
[[ "$login_code" == 200 ]] || die "login answered $login_code: $login_json"
token=$("$py" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$login_json") \
    || die "no access_token in login response: $login_json"
basic=$(printf '%s' "bench:$password" | base64 -w0)

names=("GET /health" "GET /api/v1/auth/users/me (Bearer)" "GET /api/v1/auth/users/me (Basic)")
paths=("/health" "/api/v1/auth/users/me" "/api/v1/auth/users/me")
headers=("" "Authorization: Bearer $token" "Authorization: Basic $basic")

# Every endpoint must answer 200 before it is loaded (a 401 at 30k req/s is not a result).
for i in 0 1 2; do
    args=(-s -o "$work/check.body" -w '%{http_code}' --max-time 10)
    [[ -n "${headers[$i]}" ]] && args+=(-H "${headers[$i]}")
    code=$(curl "${args[@]}" "$base_url${paths[$i]}" || true)
    [[ "$code" == 200 ]] || die "${names[$i]} answered '$code' before the load: $(head -c 300 "$work/check.body")"
done

# ---------------------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------------------
# to_ms VALUE_WITH_UNIT -> milliseconds (wrk prints us, ms, s, m).
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v == "") { print "-"; exit }
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        else if (u != "ms") { print "-"; exit }
        printf "%.2f", n }'
}

run_wrk() {  # run_wrk INDEX SECONDS OUTFILE [wrk args...]
    local i=$1 secs=$2 out=$3
    shift 3
    local args=(-t"$wrk_threads" -c"$wrk_conns" -d"${secs}s" --latency "$@")
    [[ -n "${headers[$i]}" ]] && args+=(-H "${headers[$i]}")
    local rc=0
    timeout $((secs + 30)) wrk "${args[@]}" "$base_url${paths[$i]}" >"$out" 2>&1 || rc=$?
    if (( rc != 0 )); then
        echo "wrk exited with status $rc" >>"$out"
        return 1
    fi
}

declare -a state rps p50 p99 non2xx sockerr srv_cpu srv_threads warm_status warm_sample
for i in 0 1 2; do
    state[i]="not run"; rps[i]="-"; p50[i]="-"; p99[i]="-"; non2xx[i]="-"; sockerr[i]="-"
    srv_cpu[i]="-"; srv_threads[i]="-"; warm_status[i]=""; warm_sample[i]=""
done
# A hubd death is recorded (what, how, wrk output, stderr), then hubd is restarted on the
# same data dir so the remaining endpoints are still measured. The run then exits 70.
crashes=()  # "<endpoint index>|<phase>|<how>|<wrk output file>|<stderr file>"
record_crash() {  # record_crash INDEX PHASE WRK_OUTPUT
    crashes+=("$1|$2|$hubd_exit|$3|$work/hubd.$incarnation.err")
    progress "hubd died during the $2 of ${names[$1]} ($hubd_exit); restarting it for the remaining endpoints"
}

for i in 0 1 2; do
    if ! hubd_running; then start_hubd; fi

    progress "warm-up ${warmup}s: ${names[$i]}"
    wf="$work/warmup.$i.txt"
    wrk_ok=1
    run_wrk "$i" "$warmup" "$wf" -s "$repo_dir/bench/wrk-status.lua" || wrk_ok=0
    warm_status[i]=$(awk '$1 == "STATUS" {printf "%s%s: %s", sep, $2, $3; sep = ", "}' "$wf")
    warm_sample[i]=$(awk '$1 == "SAMPLE" {sub(/^SAMPLE /, ""); print; exit}' "$wf")
    if ! hubd_running; then
        state[i]="hubd died in the warm-up"
        record_crash "$i" warm-up "$wf"
        continue
    fi
    if (( ! wrk_ok )); then
        state[i]="wrk failed in the warm-up"
        continue
    fi

    progress "measuring ${duration}s: ${names[$i]}"
    f="$work/wrk.$i.txt"
    cpu0=$(cpu_ticks "$hubd_pid")
    # hubd's thread count half-way through: thread-per-connection, so fewer threads than
    # connections means some connections wait in the queue (starvation wrk does not show).
    ( sleep "$(awk -v d="$duration" 'BEGIN{print d/2}')"; threads_of "$hubd_pid" >"$work/threads.$i" 2>/dev/null || true ) &
    sampler=$!
    wrk_ok=1
    run_wrk "$i" "$duration" "$f" || wrk_ok=0
    wait "$sampler" 2>/dev/null || true
    srv_threads[i]=$(cat "$work/threads.$i" 2>/dev/null || true)
    srv_threads[i]=${srv_threads[i]:--}
    if hubd_running; then
        cpu1=$(cpu_ticks "$hubd_pid")
        srv_cpu[i]="$(awk -v a="$cpu0" -v b="$cpu1" -v t="$clk_tck" 'BEGIN{printf "%.1f", (b-a)/t}')s"
        state[i]="ok"
        (( wrk_ok )) || state[i]="wrk failed"
    else
        state[i]="hubd died in the measured run"
        record_crash "$i" "measured run" "$f"
    fi

    r=$(awk '/^Requests\/sec:/ {print $2}' "$f")
    rps[i]=${r:--}
    p50[i]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    p99[i]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    r=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
    non2xx[i]=${r:-0}
    r=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$f")
    sockerr[i]=${r:-0}
    if [[ "${state[$i]}" == ok && "${rps[$i]}" == "-" ]]; then
        state[i]="unparsable wrk output"
    fi
done

rss_after_kb="" threads_after=""
if hubd_running; then
    sleep 2
    if hubd_running; then
        rss_after_kb=$(rss_kb "$hubd_pid")
        threads_after=$(threads_of "$hubd_pid")
    else
        crashes+=("-|pause after the load|$hubd_exit||$work/hubd.$incarnation.err")
    fi
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
if hubd_running; then
    progress "stopping hubd (SIGTERM)"
    stop_hubd
fi

# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------
report="$work/report.txt"
: >"$report"
say() { printf '%s\n' "$*" | tee -a "$report"; }
quote_file() {  # quote_file FILE [MAX_LINES]
    local line
    while IFS= read -r line; do say "  | $line"; done < <(tail -n "${2:-1000}" "$1")
}
isnum() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
ratio() { if isnum "$1" && isnum "$2"; then awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "-" }'; else echo "-"; fi; }
mb() { if [[ -n "$1" ]]; then awk -v k="$1" 'BEGIN{printf "%.1f", k / 1024}'; else echo "-"; fi; }
# check OK DETAIL...: OK is 1 (PASS), 0 (FAIL) or "-" (not measured: FAIL).
check() {
    local ok=$1 word=FAIL
    shift
    [[ "$ok" == 1 ]] && word=PASS
    say "  $word  $*"
}
ge() { if isnum "$1"; then awk -v a="$1" -v b="$2" 'BEGIN{print (a >= b) ? 1 : 0}'; else echo "-"; fi; }
lt() { if isnum "$1"; then awk -v a="$1" -v b="$2" 'BEGIN{print (a < b) ? 1 : 0}'; else echo "-"; fi; }

rev=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ "$rev" != unknown ]] && [[ -n "$(git -C "$repo_dir" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    rev="$rev (working tree has uncommitted changes)"
fi
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
wrk_version=$(wrk -v 2>&1 | awk 'NR == 1 {print $1, $2}' || true)

say "Hub HTTP benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "  hubd          $hubd @ $rev"
say "  machine       nproc=$(nproc), ${cpu_model:-unknown CPU}, kernel $(uname -r)"
say "  load average  before $load_before, after $load_after (1/5/15 min; other work on the cores skews results)"
say "  wrk           $wrk_version, -t$wrk_threads -c$wrk_conns -d${duration}s --latency, ${warmup}s warm-up each, 127.0.0.1 (shares the cores with hubd)"
say ""
say "Start-up and memory"
say "  launch -> 'listening on' line   $(printf '%6d' "$start_listen_ms") ms"
say "  launch -> GET /ready 200        $(printf '%6d' "$start_ready_ms") ms   (polled every ~5 ms)"
say "  VmRSS after start               $(printf '%6s' "$(mb "$rss_start_kb")") MB   ($threads_start threads)"
after_note=""
(( incarnation > 1 )) && after_note=", of hubd restart #$((incarnation - 1))"
say "  VmRSS 2 s after the load        $(printf '%6s' "$(mb "$rss_after_kb")") MB   (${threads_after:--} threads$after_note)"
say "  SIGTERM -> exit                 ${stop_desc:-not done: hubd was not running}"
say ""
say "Load (measured runs)"
fmt='  %-36s %10s %8s %8s %9s %8s %8s %8s %8s'
say "$(printf "$fmt" endpoint req/s "p50 ms" "p99 ms" "x health" non-2xx sock-err "srv CPU" threads)"
for i in 0 1 2; do
    say "$(printf "$fmt" "${names[$i]}" "${rps[$i]}" "${p50[$i]}" "${p99[$i]}" "$(ratio "${rps[$i]}" "${rps[0]}")" \
        "${non2xx[$i]}" "${sockerr[$i]}" "${srv_cpu[$i]}" "${srv_threads[$i]}")"
done
say "  srv CPU = hubd CPU-seconds during the ${duration} s run (of $((duration * $(nproc))) on $(nproc) cores; wrk uses the rest);"
say "  threads = hubd threads mid-run; each keep-alive connection holds a pool thread. Idle hubd has $threads_start incl."
say "            16 prestarted pool threads (server.min_threads), so < $((wrk_conns + threads_start - 16)) means some of the $wrk_conns connections were queued."
for i in 0 1 2; do
    [[ "${state[$i]}" == ok ]] || say "  ${names[$i]}: ${state[$i]}"
done
say "  warm-up status codes:"
for i in 0 1 2; do
    [[ -n "${warm_status[$i]}" ]] || continue
    say "    ${names[$i]}: ${warm_status[$i]}"
    [[ -z "${warm_sample[$i]}" ]] || say "      first non-200: ${warm_sample[$i]}"
done
say ""
say "Targets"
measured() { if isnum "$1"; then echo "$1$2"; else echo "not measured"; fi; }
br=$(ratio "${rps[1]}" "${rps[0]}")
check "$(ge "$br" "$TARGET_BEARER_RATIO")" "Bearer req/s >= ${TARGET_BEARER_RATIO}x /health   ($(measured "$br" x))"
sr=$(ratio "${rps[2]}" "${rps[0]}")
check "$(ge "$sr" "$TARGET_BASIC_RATIO")" "Basic req/s >= ${TARGET_BASIC_RATIO}x /health    ($(measured "$sr" x))"
for i in 0 1 2; do
    check "$(lt "${p99[$i]}" "$TARGET_P99_MS")" "p99 < ${TARGET_P99_MS} ms, ${names[$i]}   ($(measured "${p99[$i]}" " ms"))"
done
for i in 0 1 2; do
    ok="-"
    if [[ "${state[$i]}" == ok ]]; then
        ok=0; (( non2xx[i] == 0 && sockerr[i] == 0 )) && ok=1
    fi
    detail="${non2xx[$i]} non-2xx, ${sockerr[$i]} socket errors"
    [[ "${state[$i]}" == ok ]] || detail="$detail; ${state[$i]}"
    check "$ok" "no errors/non-2xx, ${names[$i]}   ($detail)"
done
check "$(lt "$(mb "$rss_start_kb")" "$TARGET_RSS_MB")" "idle RSS after start < ${TARGET_RSS_MB} MB   ($(measured "$(mb "$rss_start_kb")" " MB"))"
check "$(lt "$(mb "$rss_after_kb")" "$TARGET_RSS_MB")" "idle RSS after load < ${TARGET_RSS_MB} MB    ($(measured "$(mb "$rss_after_kb")" " MB")$after_note)"
check "$(lt "$start_ready_ms" "$TARGET_READY_MS")" "start to ready < ${TARGET_READY_MS} ms      ($start_ready_ms ms)"
check "$(( ${#crashes[@]} == 0 ))" "hubd survived the load   (${#crashes[@]} crash(es))"

for c in "${crashes[@]}"; do
    IFS='|' read -r ci phase how wf ef <<<"$c"
    say ""
    if [[ "$ci" == - ]]; then
        say "HUBD DIED during the $phase: $how"
    else
        say "HUBD DIED during the $phase of ${names[$ci]}: $how"
        say "wrk output of that run:"
        quote_file "$wf"
    fi
    if [[ -s "$ef" ]]; then
        say "hubd stderr ($(wc -l <"$ef") lines, last 30):"
        quote_file "$ef" 30
    else
        say "hubd stderr: empty (SIGABRT without a message is typically a SIGSEGV that POCO's signal handler turned into abort(); run hubd under gdb for a backtrace)"
    fi
done
if (( ${#crashes[@]} > 0 )); then
    say "(hubd was restarted on the same data dir after each death; the start-up figures above are the first start's)"
fi
last_err="$work/hubd.$incarnation.err"
if (( ${#crashes[@]} == 0 )) && [[ -s "$last_err" ]]; then
    say ""
    say "hubd stderr (level warning; last 30 of $(wc -l <"$last_err") lines):"
    quote_file "$last_err" 30
fi
for i in 0 1 2; do
    if [[ "${state[$i]}" == ok ]] && (( non2xx[i] != 0 || sockerr[i] != 0 )); then
        say ""
        say "wrk output for ${names[$i]}:"
        quote_file "$work/wrk.$i.txt"
    fi
done

if [[ "${BENCH_MICRO:-1}" != 0 && -x "$build_dir/bin/hub_micro_bench" ]]; then
    say ""
    progress "running micro-benchmarks"
    micro_rc=0
    bash "$repo_dir/bench/micro/ratios.sh" "$build_dir" >"$work/micro.txt" 2>"$work/micro.err" || micro_rc=$?
    while IFS= read -r line; do say "$line"; done <"$work/micro.txt"
    if (( micro_rc != 0 )); then
        say "micro-benchmarks failed (exit status $micro_rc):"
        quote_file "$work/micro.err"
    fi
fi

cp "$report" "$build_dir/bench-report.txt"
progress "report written to $build_dir/bench-report.txt"
if (( ${#crashes[@]} > 0 )); then
    exit 70
fi
