#!/usr/bin/env bash
# Storage engine benchmark (core/src/storage/BlobEngine): dedup, insertion locality,
# compression, encryption cost, delete-frees-space and hubd's peak RSS. Everything goes
# through the files API (PUT /api/v1/files/{path}, GET .../raw, DELETE) of real hubd
# processes on 127.0.0.1, each with its own temporary data dir. Prints a table with
# PASS/FAIL per target (also written to BUILD_DIR/storage-bench-report.txt). See
# bench/README.md ("Storage benchmark").
#
#   bash bench/storage_bench.sh [BUILD_DIR]        (default BUILD_DIR: build)
#
# Env: STORAGE_BENCH_COPIES    uploads of the same file in the dedup test (default 100)
#      STORAGE_BENCH_FILE_MB   file size of the dedup, insertion and delete tests (64)
#      STORAGE_BENCH_CORPUS_MB size of the text corpus (48)
#      STORAGE_BENCH_TP_MB     file size of the throughput test (256)
#      STORAGE_BENCH_TP_RUNS   uploads/downloads per mode in the throughput test (3)
#      STORAGE_BENCH_HUBD_SET  extra KEY=VALUE words, each passed to every hubd as --set KEY=VALUE
#      STORAGE_BENCH_KEEP=1    keep the work dir (data dirs, hubd logs) for inspection
#
# Exit status: 0 all targets met; 1 a target was missed (or a measurement failed: an HTTP
# error, a wrong download, a hubd that died); 2 bad arguments; 69 a tool or hubd is missing;
# 70 a hubd did not start or login failed.
set -euo pipefail

if (( $# > 1 )); then
    echo "usage: $0 [BUILD_DIR]" >&2
    exit 2
fi
build_arg=${1:-build}
[[ -d "$build_arg" ]] || { echo "storage_bench: build directory '$build_arg' does not exist" >&2; exit 69; }
build_dir=$(cd "$build_arg" && pwd)
repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hubd="$build_dir/bin/hubd"

copies=${STORAGE_BENCH_COPIES:-100}
file_mb=${STORAGE_BENCH_FILE_MB:-64}
corpus_mb=${STORAGE_BENCH_CORPUS_MB:-48}
tp_mb=${STORAGE_BENCH_TP_MB:-256}
tp_runs=${STORAGE_BENCH_TP_RUNS:-3}
for v in copies file_mb corpus_mb tp_mb tp_runs; do
    if ! [[ ${!v} =~ ^[0-9]+$ ]] || (( ${!v} < 1 )); then
        echo "storage_bench: $v must be a positive integer (got '${!v}')" >&2
        exit 2
    fi
done
(( file_mb >= 2 )) || { echo "storage_bench: STORAGE_BENCH_FILE_MB must be >= 2" >&2; exit 2; }
extra_set=()
for kv in ${STORAGE_BENCH_HUBD_SET:-}; do
    [[ "$kv" == *=* ]] || { echo "storage_bench: STORAGE_BENCH_HUBD_SET wants KEY=VALUE words (got '$kv')" >&2; exit 2; }
    extra_set+=(--set "$kv")
done

# Targets.
readonly MIB=1048576
readonly TARGET_DEDUP_RATIO=1.1          # blobs on disk after N copies / one copy
readonly TARGET_INSERT_MIB=8             # new bytes stored for a 1 KiB insertion
readonly TARGET_COMPRESSION_RATIO=1.0    # stored / original for the text corpus, compression on
readonly TARGET_ENC_RATIO=0.7            # MB/s with encryption / MB/s without
readonly TARGET_DELETE_SLACK_MIB=1       # the drop after DELETE must be >= FILE_MB - this
readonly START_TIMEOUT_S=30

progress() { echo "storage_bench: $*" >&2; }
for tool in curl awk du openssl sha256sum timeout find; do
    command -v "$tool" >/dev/null 2>&1 || { echo "storage_bench: '$tool' is not installed" >&2; exit 69; }
done
[[ -x "$hubd" ]] || { echo "storage_bench: $hubd not found (cmake --build $build_arg --target hubd hub_files)" >&2; exit 69; }
ls "$build_dir"/lib/hub/plugins/*files* >/dev/null 2>&1 ||
    { echo "storage_bench: no files plugin in $build_dir/lib/hub/plugins (build the hub_files target)" >&2; exit 69; }
py=/usr/bin/python3
[[ -x "$py" ]] || py=python3
command -v "$py" >/dev/null 2>&1 || { echo "storage_bench: python3 is not installed" >&2; exit 69; }

work=$(mktemp -d "${TMPDIR:-/tmp}/hub-storage-bench.XXXXXX")
t_start=$SECONDS
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------
# hubd instances. Each has a name, its own data dir ($work/NAME/data) and its own --set
# options; several can run at once (different ports). Peak RSS (VmHWM) is kept per name
# over all its incarnations.
# ---------------------------------------------------------------------------------------
declare -A i_pid i_url i_opts i_key i_hwm i_starts i_exit i_note i_token
instances=()
password="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
# Only loopback and a private SQLite database: drop the environment overrides hubd honours.
hub_env=(env -u DATABASE_URL -u HUB_PORT -u HUB_JWT_SECRET -u JWT_SECRET_KEY -u API_USERNAME -u API_PASSWORD
         -u HUB_STORAGE_MASTER_KEY)

hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
declare -A i_shwm  # peak of the current section (VmHWM is reset at each section's start)
note_hwm() {  # note_hwm NAME: folds the running hubd's VmHWM into the instance's peaks
    local n=$1 pid=${i_pid[$1]:-} kb
    [[ -n "$pid" ]] || return 0
    kb=$(hwm_kb "$pid")
    [[ -n "$kb" ]] || return 0
    if [[ -z "${i_hwm[$n]:-}" ]] || (( kb > i_hwm[$n] )); then i_hwm[$n]=$kb; fi
    if [[ -z "${i_shwm[$n]:-}" ]] || (( kb > i_shwm[$n] )); then i_shwm[$n]=$kb; fi
}
reset_hwm() {  # reset_hwm NAME: VmHWM := VmRSS (Linux clear_refs 5), for a per-section peak
    [[ -n "${i_pid[$1]:-}" ]] || return 0
    note_hwm "$1"
    echo 5 2>/dev/null >"/proc/${i_pid[$1]}/clear_refs" || true
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/${i_pid[$1]}/stat"; }  # utime + stime of hubd
clk_tck=$(getconf CLK_TCK)
alive() { [[ -n "${i_pid[$1]:-}" ]] && kill -0 "${i_pid[$1]}" 2>/dev/null; }

new_instance() {  # new_instance NAME "NOTE" [--set K=V ...]: creates the data dir and the user
    local n=$1 note=$2
    shift 2
    instances+=("$n")
    i_opts[$n]="$*"
    i_note[$n]=$note
    i_starts[$n]=0
    i_key[$n]=""
    mkdir -p "$work/$n/data"
    if ! printf '%s\n' "$password" | timeout 60 "${hub_env[@]}" "$hubd" user create bench --data-dir "$work/$n/data" \
            >"$work/$n/user.out" 2>"$work/$n/user.err"; then
        cat "$work/$n/user.out" "$work/$n/user.err" >&2
        progress "hubd user create failed for instance $n"
        exit 70
    fi
}

# start_instance NAME: starts hubd, waits for /ready, logs in (once per data dir). On failure
# it sets `err` (with hubd's stderr), stops what it started and returns 1.
start_instance() {
    local n=$1 out errf line code deadline
    i_starts[$n]=$(( i_starts[$n] + 1 ))
    out="$work/$n/hubd.${i_starts[$n]}.out"
    errf="$work/$n/hubd.${i_starts[$n]}.err"
    local -a envv=("${hub_env[@]}")
    [[ -z "${i_key[$n]}" ]] || envv+=("HUB_STORAGE_MASTER_KEY=${i_key[$n]}")
    # shellcheck disable=SC2086  # i_opts holds "--set K=V" words
    "${envv[@]}" "$hubd" --port 0 --data-dir "$work/$n/data" \
        --set server.host=127.0.0.1 --set logging.access_log=false --set logging.level=warning \
        ${i_opts[$n]} "${extra_set[@]}" >"$out" 2>"$errf" </dev/null &
    i_pid[$n]=$!
    i_url[$n]=""
    deadline=$((SECONDS + START_TIMEOUT_S))
    while :; do
        if ! alive "$n"; then
            local rc=0
            wait "${i_pid[$n]}" 2>/dev/null || rc=$?
            i_pid[$n]=""
            i_exit[$n]="${i_exit[$n]:-}incarnation ${i_starts[$n]} exited during start-up with status $rc; "
            err="hubd ($n) exited during start-up with status $rc: $(tail -n 5 "$errf" | tr '\n' ' ')"
            return 1
        fi
        if [[ -z "${i_url[$n]}" && -s "$out" ]]; then
            while IFS= read -r line; do
                if [[ "$line" =~ listening\ on\ (http://[^[:space:]]+) ]]; then
                    i_url[$n]=${BASH_REMATCH[1]}
                    break
                fi
            done <"$out"
        fi
        if [[ -n "${i_url[$n]}" ]]; then
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "${i_url[$n]}/ready" || true)
            [[ "$code" == 200 ]] && break
        fi
        if (( SECONDS > deadline )); then
            err="hubd ($n) not ready after ${START_TIMEOUT_S} s: $(tail -n 5 "$errf" | tr '\n' ' ')"
            stop_instance "$n"
            return 1
        fi
        sleep 0.01
    done
    case "${i_url[$n]}" in
        http://127.0.0.1:*|http://localhost:*|http://\[::1\]:*) ;;
        *) err="hubd ($n) listens on ${i_url[$n]}, not loopback; refusing"; stop_instance "$n"; return 1 ;;
    esac
    # A token survives a restart (same data dir); log in only when it no longer works.
    if [[ -z "${i_token[$n]:-}" ]] ||
       [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${i_token[$n]}" \
             "${i_url[$n]}/api/v1/auth/users/me")" != 200 ]]; then
        local body
        body=$(curl -sS --max-time 30 -X POST -H 'Content-Type: application/json' \
               --data "{\"username\":\"bench\",\"password\":\"$password\"}" "${i_url[$n]}/api/v1/auth/login") || true
        i_token[$n]=$("$py" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' <<<"$body" 2>/dev/null) || {
            err="login on hubd ($n) failed: $body"
            stop_instance "$n"
            return 1
        }
    fi
}

stop_instance() {  # stop_instance NAME: SIGTERM (SIGKILL after 10 s), records the exit status
    local n=$1 rc=0
    [[ -n "${i_pid[$n]:-}" ]] || return 0
    if alive "$n"; then
        note_hwm "$n"
        kill -TERM "${i_pid[$n]}" 2>/dev/null || true
        for _ in $(seq 1 200); do alive "$n" || break; sleep 0.05; done
        if alive "$n"; then
            kill -KILL "${i_pid[$n]}" 2>/dev/null || true
            i_exit[$n]="${i_exit[$n]:-}SIGKILLed after ignoring SIGTERM for 10 s; "
        fi
    fi
    wait "${i_pid[$n]}" 2>/dev/null || rc=$?
    if (( rc != 0 )); then i_exit[$n]="${i_exit[$n]:-}incarnation ${i_starts[$n]} exited with status $rc; "; fi
    i_pid[$n]=""
}
restart_instance() { stop_instance "$1"; start_instance "$1"; }

cleanup() {
    local rc=$?
    for n in "${instances[@]}"; do stop_instance "$n" 2>/dev/null || true; done
    if [[ "${STORAGE_BENCH_KEEP:-0}" == 1 ]]; then
        progress "work dir kept: $work"
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# HTTP and disk helpers. Each request sets `code` and `secs` (curl's time_total, so the
# curl process start is not counted); a failed request sets `err` and returns 1.
# ---------------------------------------------------------------------------------------
code="" secs="" err=""
curl_w() {  # curl_w NAME CURL-ARGS...
    local n=$1 w
    shift
    w=$(curl -sS --max-time 300 -H "Authorization: Bearer ${i_token[$n]}" -H 'Expect:' -w '%{http_code} %{time_total}' "$@" \
        2>"$work/curl.err") || { err="curl failed: $(head -c 300 "$work/curl.err")"; code=""; return 1; }
    code=${w% *}
    secs=${w#* }
}
put_file() {  # put_file NAME PATH FILE
    curl_w "$1" -o "$work/resp.txt" -X PUT -T "$3" "${i_url[$1]}/api/v1/files/$2" || return 1
    if [[ "$code" != 200 && "$code" != 201 ]]; then
        err="PUT $2 on hubd ($1) answered $code: $(head -c 300 "$work/resp.txt")"
        return 1
    fi
}
get_file() {  # get_file NAME PATH OUTFILE
    curl_w "$1" -o "$3" "${i_url[$1]}/api/v1/files/$2/raw" || return 1
    if [[ "$code" != 200 ]]; then
        err="GET $2/raw on hubd ($1) answered $code"
        [[ "$3" == /dev/null ]] || err="$err: $(head -c 300 "$3")"
        return 1
    fi
}
delete_file() {  # delete_file NAME PATH
    curl_w "$1" -o "$work/resp.txt" -X DELETE "${i_url[$1]}/api/v1/files/$2" || return 1
    if [[ "$code" != 200 && "$code" != 204 ]]; then
        err="DELETE $2 on hubd ($1) answered $code: $(head -c 300 "$work/resp.txt")"
        return 1
    fi
}
# Download and compare with the original's SHA-256 (not timed).
verify_file() {  # verify_file NAME PATH ORIGINAL
    get_file "$1" "$2" "$work/verify.out" || return 1
    if [[ "$(sha256sum <"$work/verify.out")" != "$(sha256sum <"$3")" ]]; then
        err="GET $2/raw on hubd ($1) returned $(stat -c %s "$work/verify.out") bytes that differ from the upload"
        rm -f "$work/verify.out"
        return 1
    fi
    rm -f "$work/verify.out"
}
blobs_dir() { echo "$work/$1/data/blobs"; }
disk_bytes() {  # allocated bytes (st_blocks) of everything under the instance's blobs dir
    local d
    d=$(blobs_dir "$1")
    if [[ -d "$d" ]]; then du -s --block-size=1 "$d" | cut -f1; else echo 0; fi
}
apparent_bytes() {  # sum of file sizes under the blobs dir
    local d
    d=$(blobs_dir "$1")
    if [[ -d "$d" ]]; then find "$d" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}'; else echo 0; fi
}
chunk_files() {
    local d
    d=$(blobs_dir "$1")/chunks
    if [[ -d "$d" ]]; then find "$d" -type f | wc -l; else echo 0; fi
}
random_file() {  # random_file PATH MIB: fresh pseudo-random bytes (AES-CTR keystream, random key)
    head -c "$(( $2 * MIB ))" /dev/zero |
        openssl enc -aes-128-ctr -K "$(openssl rand -hex 16)" -iv "$(openssl rand -hex 16)" -out "$1"
}
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN {if (s > 0) printf "%.0f", b / s / 1e6; else print "-"}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
isnum() { [[ "$1" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }

# Results: one row per target, plus free-form detail lines per section.
rows=()      # "section|measured|target|PASS/FAIL"
details=()   # "section|text"
failed=0
row() {  # row SECTION MEASURED TARGET OK(1/0)
    local word=PASS
    if [[ "$4" != 1 ]]; then word=FAIL; failed=1; fi
    rows+=("$1|$2|$3|$word")
}
detail() { details+=("$1|$2"); }
cmp_lt() { awk -v a="$1" -v b="$2" 'BEGIN {print (a < b) ? 1 : 0}'; }
cmp_ge() { awk -v a="$1" -v b="$2" 'BEGIN {print (a >= b) ? 1 : 0}'; }

# ---------------------------------------------------------------------------------------
# Instances: main (defaults: compression on, encryption off, 64 MiB cache) for sections 1,
# 2, 3 and 5; nocomp for the compression-off comparison; plain and enc for throughput, with
# a cache big enough to hold one throughput file (for the warm downloads).
# ---------------------------------------------------------------------------------------
progress "work dir $work; creating data dirs and users"
tp_cache_mb=$(( tp_mb + 64 ))
new_instance main "defaults (compression on, encryption off, cache_mb=64)"
new_instance nocomp "storage.compression.enabled=false" --set storage.compression.enabled=false
new_instance plain "encryption off, cache_mb=$tp_cache_mb" --set storage.cache_mb=$tp_cache_mb
new_instance enc "encryption on (per-owner dedup scope), cache_mb=$tp_cache_mb" \
    --set storage.encryption.enabled=true --set storage.cache_mb=$tp_cache_mb
i_key[enc]=$(openssl rand -hex 32)
start_instance main || { progress "$err"; exit 70; }
progress "hubd (main) ready at ${i_url[main]}"

# ---- 1. Dedup ---------------------------------------------------------------------------
section_dedup() {
    local f="$work/dedup.bin" total=0 i
    random_file "$f" "$file_mb"
    progress "1. dedup: uploading one ${file_mb} MiB random file $copies times"
    for (( i = 1; i <= copies; i++ )); do
        put_file main "dedup/copy-$(printf '%03d' "$i").bin" "$f" || return 1
        total=$(awk -v a="$total" -v b="$secs" 'BEGIN {print a + b}')
    done
    local used apparent ratio
    used=$(disk_bytes main)   # main is fresh: this is the whole blobs dir
    apparent=$(apparent_bytes main)
    ratio=$(awk -v u="$used" -v m="$file_mb" 'BEGIN {printf "%.3f", u / (m * 1048576)}')
    verify_file main "dedup/copy-$(printf '%03d' "$copies").bin" "$f" || return 1
    row "1 dedup: blobs/ after $copies x ${file_mb} MiB" "$(mib "$used") = ${ratio}x one copy" \
        "< ${TARGET_DEDUP_RATIO}x" "$(cmp_lt "$ratio" "$TARGET_DEDUP_RATIO")"
    detail 1 "$((copies * file_mb)) MiB uploaded, $(mib "$used") allocated on disk (du), $(mib "$apparent") in file sizes, $(chunk_files main) chunk files"
    detail 1 "upload rate with dedup hits: $(mbps "$((copies * file_mb * MIB))" "$total") MB/s over $copies PUTs ($(awk -v t="$total" 'BEGIN {printf "%.1f", t}') s); last copy downloads intact"
    rm -f "$f"
}

# ---- 2. Insertion -----------------------------------------------------------------------
section_insert() {
    local a="$work/ins-a.bin" b="$work/ins-b.bin" half=$(( file_mb * MIB / 2 ))
    random_file "$a" "$file_mb"
    { head -c "$half" "$a"; head -c 1024 /dev/urandom; tail -c +$((half + 1)) "$a"; } >"$b"
    progress "2. insertion: ${file_mb} MiB file, then the same with 1 KiB inserted in the middle"
    local d0 d1 d2 c0 c1 c2
    d0=$(disk_bytes main); c0=$(chunk_files main)
    put_file main insert/original.bin "$a" || return 1
    d1=$(disk_bytes main); c1=$(chunk_files main)
    put_file main insert/inserted.bin "$b" || return 1
    d2=$(disk_bytes main); c2=$(chunk_files main)
    verify_file main insert/inserted.bin "$b" || return 1
    local delta=$(( d2 - d1 ))
    row "2 insertion: new bytes for 1 KiB inserted" "$(mib "$delta") ($((c2 - c1)) new chunks)" "< ${TARGET_INSERT_MIB} MiB" \
        "$(cmp_lt "$delta" "$((TARGET_INSERT_MIB * MIB))")"
    detail 2 "original: $(mib "$((d1 - d0))") in $((c1 - c0)) chunks (avg $(awk -v b="$((d1 - d0))" -v c="$((c1 - c0))" 'BEGIN {if (c) printf "%.0f", b / c / 1024; else print "-"}') KiB); with the insertion: +$(mib "$delta") in $((c2 - c1)) new chunks; download intact"
    rm -f "$a" "$b"
}

# ---- 3. Compression ---------------------------------------------------------------------
build_corpus() {  # deterministic text: licenses, Debian's Python sources, copyright files, man pages
    "$py" - "$1" "$((corpus_mb * MIB))" <<'EOF'
import glob, gzip, os, sys
out_path, limit = sys.argv[1], int(sys.argv[2])
groups = [
    ("common-licenses", sorted(glob.glob("/usr/share/common-licenses/*"))),
    ("python sources", sorted(glob.glob("/usr/lib/python3*/**/*.py", recursive=True))),
    ("copyright files", sorted(glob.glob("/usr/share/doc/*/copyright"))),
    ("man pages (roff)", sorted(glob.glob("/usr/share/man/man[1-8]/*.gz"))),
]
seen, used, total = set(), [], 0
with open(out_path, "wb") as out:
    for name, paths in groups:
        n = 0
        for p in paths:
            if total >= limit:
                break
            try:
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                real = os.path.realpath(p)
                if real in seen:
                    continue
                seen.add(real)
                data = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
            except (OSError, EOFError):
                continue
            data = data[: limit - total]
            out.write(data)
            total += len(data)
            n += 1
        if n:
            used.append(f"{n} {name}")
print(f"{total} bytes from " + ", ".join(used))
EOF
}
section_compression() {
    local c="$work/corpus.txt" info orig
    progress "3. compression: building a ${corpus_mb} MiB text corpus"
    info=$(build_corpus "$c")
    orig=$(stat -c %s "$c")
    (( orig > 0 )) || { err="no text found for the corpus"; return 1; }
    progress "3. compression: uploading it with compression on and off"
    start_instance nocomp || return 1
    local d0 d1 n0 n1 on off
    d0=$(disk_bytes main)
    put_file main corpus/corpus.txt "$c" || return 1
    d1=$(disk_bytes main)
    n0=$(disk_bytes nocomp)
    put_file nocomp corpus/corpus.txt "$c" || return 1
    n1=$(disk_bytes nocomp)
    verify_file main corpus/corpus.txt "$c" || return 1
    verify_file nocomp corpus/corpus.txt "$c" || return 1
    on=$(awk -v s="$((d1 - d0))" -v o="$orig" 'BEGIN {printf "%.3f", s / o}')
    off=$(awk -v s="$((n1 - n0))" -v o="$orig" 'BEGIN {printf "%.3f", s / o}')
    row "3 compression: stored/original, text" "$on (off: $off)" "< $TARGET_COMPRESSION_RATIO" \
        "$(cmp_lt "$on" "$TARGET_COMPRESSION_RATIO")"
    detail 3 "corpus: $(mib "$orig") (${info#* bytes from })"
    detail 3 "compression on: $(mib "$((d1 - d0))") on disk = $on x; off: $(mib "$((n1 - n0))") = $off x; on/off = $(awk -v a="$((d1 - d0))" -v b="$((n1 - n0))" 'BEGIN {if (b > 0) printf "%.3f", a / b; else print "-"}')"
    if command -v gzip >/dev/null 2>&1; then
        local gz
        gz=$(gzip -6 -c "$c" | wc -c)
        detail 3 "for scale: gzip -6 of the whole corpus in one stream = $(awk -v s="$gz" -v o="$orig" 'BEGIN {printf "%.3f", s / o}') x (zstd here works per chunk)"
    fi
    stop_instance nocomp
    # Stored/original below 1 with compression off means chunks of the corpus repeat (dedup).
    local dup
    dup=$("$py" - "$work/nocomp/data/hub.db" <<'EOF2' 2>/dev/null || true
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
refs, distinct, rb, db_ = db.execute(
    "SELECT COUNT(*), COUNT(DISTINCT scope || ':' || hash), SUM(size_bytes),"
    " (SELECT SUM(size_bytes) FROM storage_chunks) FROM storage_blob_chunks").fetchone()
print(f"{refs} chunk references, {distinct} distinct chunks; {(rb - db_) / 1048576:.1f} MiB of the corpus deduplicated")
EOF2
)
    [[ -z "$dup" ]] || detail 3 "compression off: $dup"
    rm -f "$c"
}

# ---- 4. Throughput, encryption off vs on --------------------------------------------------
section_throughput() {
    local r m f c0 c1 bytes=$(( tp_mb * MIB ))
    declare -g -A up_s=() cold_s=() warm_s=() up_c=() cold_c=() warm_c=()
    start_instance plain || return 1
    start_instance enc || return 1
    for (( r = 1; r <= tp_runs; r++ )); do
        f="$work/tp-$r.bin"
        random_file "$f" "$tp_mb"
        progress "4. throughput run $r/$tp_runs: PUT ${tp_mb} MiB (fresh random), restart, cold GET, warm GET; encryption off, then on"
        for m in plain enc; do
            c0=$(cpu_ticks "$m")
            put_file "$m" "tp/run-$r.bin" "$f" || return 1
            up_s[$m]+="$secs "
            up_c[$m]+="$(( $(cpu_ticks "$m") - c0 )) "
        done
        # Restart both so the chunk cache is empty: the first GET reads, decrypts,
        # decompresses and verifies every chunk (the OS page cache still holds the files).
        for m in plain enc; do restart_instance "$m" || return 1; done
        for m in plain enc; do
            c0=$(cpu_ticks "$m")
            get_file "$m" "tp/run-$r.bin" /dev/null || return 1
            cold_s[$m]+="$secs "
            c1=$(cpu_ticks "$m")
            cold_c[$m]+="$(( c1 - c0 )) "
            get_file "$m" "tp/run-$r.bin" /dev/null || return 1
            warm_s[$m]+="$secs "
            warm_c[$m]+="$(( $(cpu_ticks "$m") - c1 )) "
        done
        if (( r == 1 )); then
            for m in plain enc; do verify_file "$m" "tp/run-$r.bin" "$f" || return 1; done
        fi
        rm -f "$f"
    done
    local kind label
    declare -g -A tp_med=() tp_best=() tp_cpu=()
    detail 4 "$(printf '%-6s %-28s %8s %18s %12s' mode transfer "median" "runs" "CPU-bound")"
    for m in plain enc; do
        for kind in up cold warm; do
            local -n arr="${kind}_s" carr="${kind}_c"
            local rates=() cpus=() s
            for s in ${arr[$m]}; do rates+=("$(mbps "$bytes" "$s")"); done
            for s in ${carr[$m]}; do cpus+=("$(awk -v t="$s" -v k="$clk_tck" 'BEGIN {print t / k}')"); done
            tp_med[$m.$kind]=$(median "${rates[@]}")
            tp_best[$m.$kind]=$(printf '%s\n' "${rates[@]}" | sort -g | tail -1)
            # MB per hubd CPU-second (median CPU time): what one stream would reach if hubd had a
            # core to itself and never waited for the disk. Less sensitive to other load.
            tp_cpu[$m.$kind]=$(mbps "$bytes" "$(median "${cpus[@]}")")
            detail 4 "$(printf '%-6s %-28s %4s MB/s %18s %7s MB/s' "$m" \
                "$(case $kind in up) echo "PUT";; cold) echo "GET, cold chunk cache";; warm) echo "GET again, warm chunk cache";; esac)" \
                "${tp_med[$m.$kind]}" "${rates[*]}" "${tp_cpu[$m.$kind]}")"
            unset -n arr carr
        done
    done
    for kind in up cold warm; do
        local ratio
        ratio=$(awk -v a="${tp_med[enc.$kind]}" -v b="${tp_med[plain.$kind]}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
        case $kind in
            up) label="4 encryption: PUT MB/s on/off" ;;
            cold) label="4 encryption: cold GET MB/s on/off" ;;
            warm) label="4 encryption: warm GET MB/s on/off" ;;
        esac
        local best cpu
        best=$(awk -v a="${tp_best[enc.$kind]}" -v b="${tp_best[plain.$kind]}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
        cpu=$(awk -v a="${tp_cpu[enc.$kind]}" -v b="${tp_cpu[plain.$kind]}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}')
        detail 4 "$(printf 'on/off %-28s median %sx, best run %sx, CPU-bound %sx' "$(case $kind in up) echo "PUT";; cold) echo "GET, cold";; warm) echo "GET, warm (no target)";; esac)" "$ratio" "$best" "$cpu")"
        if [[ $kind != warm ]]; then
            row "$label" "${tp_med[enc.$kind]} / ${tp_med[plain.$kind]} = ${ratio}x" ">= ${TARGET_ENC_RATIO}x" \
                "$(cmp_ge "$ratio" "$TARGET_ENC_RATIO")"
        fi
    done
    detail 4 "MB = 10^6 bytes; $tp_runs runs of ${tp_mb} MiB each with curl (time_total), a fresh random file per run;"
    detail 4 "CPU-bound = MB per hubd CPU-second (utime+stime, median). Warm GETs come from the decoded-chunk cache:"
    detail 4 "encryption does no work there, so their on/off ratio shows the run-to-run noise."
    stop_instance plain
    stop_instance enc
}

# ---- 5. Delete frees space at once ------------------------------------------------------
section_delete() {
    local f="$work/del.bin" d0 d1 d2 c1 c2 open_deleted
    random_file "$f" "$file_mb"
    progress "5. delete: ${file_mb} MiB upload, DELETE, disk usage right after"
    d0=$(disk_bytes main)
    put_file main delete/victim.bin "$f" || return 1
    d1=$(disk_bytes main); c1=$(chunk_files main)
    delete_file main delete/victim.bin || return 1
    d2=$(disk_bytes main); c2=$(chunk_files main)   # no sleep: right after the 2xx
    # Unlinked chunk files that hubd still holds open would still occupy the disk.
    open_deleted=$(find "/proc/${i_pid[main]}/fd" -type l -printf '%l\n' 2>/dev/null | grep -c '/blobs/.*(deleted)' || true)
    local drop=$(( d1 - d2 )) want=$(( (file_mb - TARGET_DELETE_SLACK_MIB) * MIB ))
    local ok
    ok=$(cmp_ge "$drop" "$want")
    (( open_deleted == 0 )) || ok=0
    row "5 delete: disk freed when DELETE returns" "$(mib "$drop") ($((c1 - c2)) chunks)" ">= $((file_mb - TARGET_DELETE_SLACK_MIB)) MiB" "$ok"
    detail 5 "upload added $(mib "$((d1 - d0))"); DELETE answered $code in $(awk -v s="$secs" 'BEGIN {printf "%.0f", s * 1000}') ms; usage dropped by $(mib "$drop") measured right after; $open_deleted deleted blob files still open in hubd"
    rm -f "$f"
}

sec_rss=()  # "section|instance peak, ..."
run_section() {  # run_section NUMBER FUNCTION LABEL: a failure becomes a FAIL row, not an abort
    local n=$1 fn=$2 label=$3 m
    err=""
    for m in "${instances[@]}"; do reset_hwm "$m"; done
    i_shwm=()
    if ! "$fn"; then
        row "$n $label" "not measured: ${err:-error}" "-" 0
        for m in "${instances[@]}"; do [[ "$m" == main ]] || stop_instance "$m"; done
    fi
    for m in "${instances[@]}"; do
        if [[ -n "${i_pid[$m]:-}" ]] && ! alive "$m"; then
            local rc=0
            wait "${i_pid[$m]}" 2>/dev/null || rc=$?
            i_pid[$m]=""
            i_exit[$m]="${i_exit[$m]:-}died during section $n (status $rc); "
            row "$n hubd ($m) alive after the section" "died (status $rc)" "alive" 0
        fi
    done
    local peaks=""
    for m in "${instances[@]}"; do
        note_hwm "$m"
        [[ -z "${i_shwm[$m]:-}" ]] || peaks+="${peaks:+, }$m $(awk -v k="${i_shwm[$m]}" 'BEGIN {printf "%.1f MB", k / 1024}')"
    done
    sec_rss+=("$n $label|$peaks")
}

run_section 1 section_dedup "dedup"
run_section 2 section_insert "insertion"
run_section 3 section_compression "compression"
run_section 4 section_throughput "encryption throughput"
run_section 5 section_delete "delete"
for n in "${instances[@]}"; do stop_instance "$n"; done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------
report="$work/report.txt"
: >"$report"
say() { printf '%s\n' "$*" | tee -a "$report"; }
rev=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ "$rev" != unknown ]] && [[ -n "$(git -C "$repo_dir" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    rev="$rev (working tree has uncommitted changes)"
fi
say "Hub storage benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)  ($((SECONDS - t_start)) s)"
say "  hubd          $hubd @ $rev"
say "  machine       nproc=$(nproc), $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), kernel $(uname -r)"
say "  load average  before $load_before, after $load_after"
say "  disk          $(df -hT "$work" | awk 'NR == 2 {print $2 " on " $7 ", " $5 " free"}'); usage = du --block-size=1 of <data_dir>/blobs (allocated blocks)"
say ""
fmt='  %-44s %-34s %-12s %s'
say "$(printf "$fmt" target measured wanted result)"
for r in "${rows[@]}"; do
    IFS='|' read -r a b c d <<<"$r"
    say "$(printf "$fmt" "$a" "$b" "$c" "$d")"
done
say ""
say "Details"
for s in 1 2 3 4 5; do
    for d in "${details[@]}"; do
        [[ "${d%%|*}" == "$s" ]] && say "  $s  ${d#*|}"
    done
done
say ""
say "hubd peak RSS (VmHWM; reset at each section's start with /proc/PID/clear_refs)"
for r in "${sec_rss[@]}"; do say "$(printf '  section %-26s %s' "${r%%|*}" "${r#*|}")"; done
say "  whole run, per instance:"
for n in "${instances[@]}"; do
    (( i_starts[$n] > 0 )) || continue
    hw="-"
    [[ -z "${i_hwm[$n]:-}" ]] || hw=$(awk -v k="${i_hwm[$n]}" 'BEGIN {printf "%.1f MB", k / 1024}')
    say "$(printf '    %-7s %10s  %s, %d start(s)%s' "$n" "$hw" "${i_note[$n]}" "${i_starts[$n]}" "${i_exit[$n]:+; ${i_exit[$n]%; }}")"
done
for n in "${instances[@]}"; do
    for e in "$work/$n"/hubd.*.err; do
        [[ -s "$e" ]] || continue
        say ""
        say "hubd ($n) stderr, $(basename "$e") (last 20 of $(wc -l <"$e") lines):"
        while IFS= read -r line; do say "  | $line"; done < <(tail -n 20 "$e")
    done
done
say ""
if (( failed )); then say "RESULT: FAIL (at least one target missed)"; else say "RESULT: PASS (all targets met)"; fi
cp "$report" "$build_dir/storage-bench-report.txt" 2>/dev/null || true
(( failed == 0 )) || exit 1
