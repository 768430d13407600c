#!/usr/bin/env bash
# Install test of the Hub SDK (abseil's install_test_project, adapted).
#
# Usage: sdk_install_test.sh <hub-build-dir> [<hub-source-dir>]
#
#  1. cmake --install the `sdk` and `hubd` components of <hub-build-dir> into a temporary prefix;
#  2. configure, build and ctest sdk/examples/hello_plugin OUT OF TREE against that prefix;
#  3. check the exported target names and that find_package(HubSDK 2) is refused;
#  4. load the built hub_hello.so into the build tree's hubd and query its routes.
# Prints one PASS/FAIL line per check; exits non-zero on the first failure.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 <hub-build-dir> [<hub-source-dir>]" >&2
    exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
SOURCE_DIR=$(cd "${2:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
EXAMPLE_DIR="$SOURCE_DIR/sdk/examples/hello_plugin"
HUBD="$BUILD_DIR/bin/hubd"
LISTEN_TIMEOUT=20   # seconds to wait for "listening on"
STOP_TIMEOUT=30     # seconds to wait for hubd to exit after SIGTERM
CURL_TIMEOUT=10     # seconds per HTTP request

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hub-sdk-install.XXXXXX")
PREFIX="$TMP/prefix"
HUBD_PID=""

cleanup() {
    local rc=$?
    if [[ -n "$HUBD_PID" ]] && kill -0 "$HUBD_PID" 2>/dev/null; then
        kill -KILL "$HUBD_PID" 2>/dev/null || true
        wait "$HUBD_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP_TMP:-0}" == "1" ]]; then
        echo "kept temporary directory $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { echo "PASS: $*"; }
fail() {
    echo "FAIL: $*"
    exit 1
}

# step <log-name> <description> <command...>: runs the command with its output in a log,
# printed only when it fails.
step() {
    local log="$TMP/$1.log" what="$2"
    shift 2
    if "$@" >"$log" 2>&1; then
        pass "$what"
    else
        echo "---- output of: $* ----"
        tail -n 60 "$log"
        echo "----"
        fail "$what"
    fi
}

# Cache value of <build-dir>/CMakeCache.txt (empty when absent).
cache_value() {
    sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt" 2>/dev/null | head -n 1 || true
}

[[ -x "$HUBD" ]] || fail "built hubd exists at $HUBD (build Hub first)"
[[ -f "$EXAMPLE_DIR/CMakeLists.txt" ]] || fail "example sources exist at $EXAMPLE_DIR"

# The plugin must be built like hubd: the build type decides NDEBUG and the compiler decides
# the compiler part of HUB_SDK_BUILD_SIGNATURE; a mismatch makes hubd refuse the plugin.
BUILD_TYPE=$(cache_value CMAKE_BUILD_TYPE)
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
CXX_COMPILER=$(cache_value CMAKE_CXX_COMPILER)
echo "hub build: $BUILD_DIR (CMAKE_BUILD_TYPE=$BUILD_TYPE, CXX=${CXX_COMPILER:-default})"
echo "temporary: $TMP"

# --- 1. install -----------------------------------------------------------------------------
step install-sdk "cmake --install --component sdk" \
    cmake --install "$BUILD_DIR" --prefix "$PREFIX" --component sdk
step install-hubd "cmake --install --component hubd" \
    cmake --install "$BUILD_DIR" --prefix "$PREFIX" --component hubd

[[ -x "$PREFIX/bin/hubd" ]] || fail "installed hubd at $PREFIX/bin/hubd"
pass "installed hubd exists"
sdk_so=$(ldd "$PREFIX/bin/hubd" | awk '/libhub_sdk\.so\./ && $2 == "=>" {print $3}')
[[ -n "$sdk_so" && "$(realpath "$sdk_so")" == "$(realpath "$PREFIX")"/lib/* ]] || {
    ldd "$PREFIX/bin/hubd"
    fail "installed hubd resolves libhub_sdk.so from the prefix (RPATH \$ORIGIN/../lib)"
}
pass "installed hubd uses the installed libhub_sdk ($sdk_so)"
step installed-hubd-help "installed hubd runs (--help)" "$PREFIX/bin/hubd" --help
for f in include/hub/sdk/Version.h include/hub/sdk/Plugin.h include/hub/sdk/testing/FakeRequestContext.h \
    lib/cmake/HubSDK/HubSDKConfig.cmake lib/cmake/HubSDK/HubSDKConfigVersion.cmake \
    lib/cmake/HubSDK/HubSDKPluginHelpers.cmake; do
    [[ -f "$PREFIX/$f" ]] || fail "installed $f"
done
grep -q '^#define HUB_SDK_ABI_MAJOR [0-9]' "$PREFIX/include/hub/sdk/Version.h" ||
    fail "installed Version.h is the generated one (HUB_SDK_ABI_MAJOR is a number)"
pass "installed headers include the generated Version.h"
ls "$PREFIX"/lib/libhub_sdk.so.* >/dev/null 2>&1 || fail "installed libhub_sdk.so.<major>"
pass "installed libhub_sdk with its SOVERSION"

# --- 2. exported targets ----------------------------------------------------------------------
TARGETS_FILE="$PREFIX/lib/cmake/HubSDK/HubSDKTargets.cmake"
[[ -f "$TARGETS_FILE" ]] || fail "installed $TARGETS_FILE"
for t in HubSDK::sdk HubSDK::testing; do
    grep -q "add_library($t " "$TARGETS_FILE" || fail "HubSDKTargets.cmake defines $t"
    pass "HubSDKTargets.cmake defines $t"
done

# --- 3. build the example out of tree ---------------------------------------------------------
HELLO_BUILD="$TMP/hello-build"
configure_args=(-S "$EXAMPLE_DIR" -B "$HELLO_BUILD" -DCMAKE_PREFIX_PATH="$PREFIX"
    -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DHELLO_BUILD_TESTS=ON)
[[ -n "$CXX_COMPILER" ]] && configure_args+=(-DCMAKE_CXX_COMPILER="$CXX_COMPILER")
step hello-configure "configure hello_plugin against the installed SDK" cmake "${configure_args[@]}"
grep -q "^HubSDK_DIR:PATH=$PREFIX/lib/cmake/HubSDK\$" "$HELLO_BUILD/CMakeCache.txt" ||
    fail "hello_plugin found HubSDK in the temporary prefix (HubSDK_DIR=$(sed -n 's/^HubSDK_DIR:PATH=//p' "$HELLO_BUILD/CMakeCache.txt"))"
pass "hello_plugin found HubSDK in the temporary prefix"
step hello-build "build hello_plugin" cmake --build "$HELLO_BUILD" -j 2
step hello-ctest "ctest of hello_plugin" ctest --test-dir "$HELLO_BUILD" --output-on-failure --timeout 120 -V
grep -E '\[  PASSED  \]|tests passed' "$TMP/hello-ctest.log" | sed -E 's/^([0-9]+: *)?/      /' || true

PLUGIN_SO="$HELLO_BUILD/hub_hello.so"
[[ -f "$PLUGIN_SO" ]] || fail "hub_hello.so built at $PLUGIN_SO"
pass "hub_hello.so built in the example's build directory"
# Hidden visibility: the descriptor is the only C symbol, and nothing of the plugin's own
# namespace is exported (vague-linkage POCO/std inline symbols may still appear).
dynsyms=$(nm -D --defined-only "$PLUGIN_SO" | awk '$2 ~ /^[TDBRVWiu]$/ {print $3}')
c_syms=$(grep -v '^_Z' <<<"$dynsyms" | sort -u)
[[ "$c_syms" == "hub_plugin_get_descriptor" ]] ||
    fail "hub_hello.so exports one C symbol, hub_plugin_get_descriptor (got: $(echo $c_syms))"
leaked=$(grep '^_Z' <<<"$dynsyms" | c++filt | grep 'hub::plugins::' || true)
[[ -z "$leaked" ]] || fail "hub_hello.so exports no hub::plugins:: symbol (got: $leaked)"
pass "hub_hello.so exports only hub_plugin_get_descriptor of its own symbols"

# --- 4. SameMajorVersion ----------------------------------------------------------------------
PROBE="$TMP/probe-v2"
mkdir -p "$PROBE"
cat >"$PROBE/CMakeLists.txt" <<'PROBE_EOF'
cmake_minimum_required(VERSION 3.20)
project(hubsdk_version_probe NONE)
find_package(HubSDK 2 CONFIG REQUIRED)
PROBE_EOF
if cmake -S "$PROBE" -B "$PROBE/build" -DCMAKE_PREFIX_PATH="$PREFIX" >"$TMP/probe-v2.log" 2>&1; then
    cat "$TMP/probe-v2.log"
    fail "find_package(HubSDK 2) is refused by the 1.x SDK"
fi
# CMake wraps its messages: compare with whitespace folded.
probe_msg=$(tr -s ' \n' '  ' <"$TMP/probe-v2.log")
[[ "$probe_msg" == *'compatible with requested version "2"'* && "$probe_msg" == *'version: 1.'* ]] || {
    cat "$TMP/probe-v2.log"
    fail "find_package(HubSDK 2) is refused for its version (not for another reason)"
}
pass "find_package(HubSDK 2) is refused (SameMajorVersion)"

# --- 5. load the plugin into hubd -------------------------------------------------------------
BASE_URL=""

# hubd_running: true while HUBD_PID is alive and not yet a zombie.
hubd_running() {
    local stat
    stat=$(ps -o stat= -p "$HUBD_PID" 2>/dev/null) || return 1
    [[ "$stat" != Z* ]]
}

# start_hubd <tag> [--set k=v ...]: starts the build tree's hubd with hub_hello.so and sets
# BASE_URL once it prints "listening on http://HOST:PORT".
start_hubd() {
    local tag="$1"
    shift
    local HUBD_OUT="$TMP/hubd-$tag.out"
    "$HUBD" --port 0 --data-dir "$TMP/data-$tag" \
        --set "plugin_search_path=[$HELLO_BUILD]" --set logging.access_log=false \
        "$@" >"$HUBD_OUT" 2>"$TMP/hubd-$tag.err" &
    HUBD_PID=$!
    local deadline=$((SECONDS + LISTEN_TIMEOUT)) line=""
    while ((SECONDS < deadline)); do
        line=$(grep -m 1 -E '^listening on http://[^ ]+:[0-9]+$' "$HUBD_OUT" || true)
        [[ -n "$line" ]] && break
        hubd_running || break
        sleep 0.1
    done
    if [[ -z "$line" ]]; then
        echo "---- hubd stdout ----"
        cat "$HUBD_OUT"
        echo "---- hubd stderr ----"
        cat "$TMP/hubd-$tag.err"
        echo "----"
        fail "hubd ($tag) loads hub_hello.so and prints 'listening on' within ${LISTEN_TIMEOUT}s"
    fi
    BASE_URL=${line#listening on }
    pass "hubd ($tag) started with hub_hello.so: $BASE_URL"
}

# http_get <path> <body-file>: prints the status code (000 when the request failed).
http_get() {
    curl -sS --max-time "$CURL_TIMEOUT" -o "$2" -w '%{http_code}' "$BASE_URL$1" 2>>"$TMP/curl.err" || true
}

# expect_get <path> <status> <substring>...: the body must contain every substring.
expect_get() {
    local path="$1" want="$2" body="$TMP/body.json" status ok=1 s
    shift 2
    status=$(http_get "$path" "$body")
    [[ "$status" == "$want" ]] || ok=0
    for s in "$@"; do
        grep -qF -- "$s" "$body" 2>/dev/null || ok=0
    done
    if [[ $ok -ne 1 ]]; then
        echo "---- response ($status) ----"
        cat "$body" 2>/dev/null || true
        echo
        cat "$TMP/curl.err" 2>/dev/null || true
        echo "----"
        fail "GET $path -> $want containing: $*"
    fi
    pass "GET $path -> $status $(cat "$body")"
}

# stop_hubd <tag>: SIGTERM, then expects exit status 0 within STOP_TIMEOUT seconds.
stop_hubd() {
    local tag="$1" rc=0 deadline=$((SECONDS + STOP_TIMEOUT))
    kill -TERM "$HUBD_PID"
    while hubd_running && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if hubd_running; then
        kill -KILL "$HUBD_PID" 2>/dev/null || true
        wait "$HUBD_PID" 2>/dev/null || true
        HUBD_PID=""
        fail "hubd ($tag) exits within ${STOP_TIMEOUT}s of SIGTERM (killed)"
    fi
    wait "$HUBD_PID" || rc=$?
    HUBD_PID=""
    if [[ $rc -ne 0 ]]; then
        echo "---- hubd stderr ----"
        tail -n 40 "$TMP/hubd-$tag.err"
        echo "----"
        fail "hubd ($tag) exits 0 on SIGTERM (exit status $rc)"
    fi
    pass "hubd ($tag) exits 0 on SIGTERM"
}

start_hubd default
expect_get /api/v1/hello 200 '"message":"Hello, world"' '"plugin":"hello"'
expect_get /api/v1/hello/me 401 'Not authenticated'
stop_hubd default

start_hubd greeting-hi --set plugins.hello.config.greeting=Hi
expect_get /api/v1/hello 200 '"message":"Hi, world"' '"plugin":"hello"'
stop_hubd greeting-hi

echo "PASS: sdk_install_test (all checks passed)"
