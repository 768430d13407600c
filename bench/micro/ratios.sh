#!/usr/bin/env bash
# Runs BUILD_DIR/bin/hub_micro_bench and prints, for each measured benchmark, its time and
# the ratio to the baseline it names in its label ("baseline=BM_..."). Ratios (not absolute
# nanoseconds) are what to compare across machines and commits.
#
#   bash bench/micro/ratios.sh BUILD_DIR [extra Google Benchmark flags...]
#
# Env: BENCH_MICRO_REPS (default 3): repetitions; the median of each is used.
#      BENCH_MICRO_FILTER (default all): --benchmark_filter regex.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 BUILD_DIR [benchmark flags...]" >&2
    exit 64
fi
build_dir=$1
shift
bin="$build_dir/bin/hub_micro_bench"
if [[ ! -x "$bin" ]]; then
    echo "ratios.sh: $bin not found (build the hub_micro_bench target)" >&2
    exit 69
fi
py=/usr/bin/python3
[[ -x "$py" ]] || py=python3

reps=${BENCH_MICRO_REPS:-3}
filter=${BENCH_MICRO_FILTER:-.}
json=$(mktemp)
trap 'rm -f "$json"' EXIT

# Bounded: 8 benchmarks x reps x ~0.5 s each, plus calibration.
timeout 300 "$bin" --benchmark_format=json --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_filter="$filter" "$@" >"$json"

"$py" - "$json" <<'PY'
import json
import sys

with open(sys.argv[1]) as f:
    doc = json.load(f)
ctx = doc.get("context", {})
rows = {}
for b in doc["benchmarks"]:
    # With repetitions only aggregates are reported; without, plain iterations.
    agg = b.get("aggregate_name")
    if agg not in (None, "median", "cv"):
        continue
    name = b.get("run_name", b["name"])
    r = rows.setdefault(name, {})
    if agg == "cv":
        r["cv"] = b["cpu_time"]
        continue
    if b.get("error_occurred"):
        r["error"] = b.get("error_message", "error")
        continue
    r["cpu_ns"] = b["cpu_time"] if b["time_unit"] == "ns" else b["cpu_time"] * {"us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    label = b.get("label", "")
    if label.startswith("baseline="):
        r["baseline"] = label.split("=", 1)[1].strip()

reps = max((b.get("repetitions", 1) for b in doc["benchmarks"]), default=1)
print("Micro-benchmarks (hub_micro_bench, CPU time per call, %s)"
      % ("median of %d repetitions" % reps if reps > 1 else "single run"))
load = ctx.get("load_avg")
if load:
    print("  load average when started: %s (other processes on the cores inflate cv)"
          % " ".join("%.2f" % x for x in load))
if ctx.get("library_build_type") == "debug":
    print("  note: the Google Benchmark library itself is a debug build (Debian package);")
    print("        the code under test is built with this tree's CMAKE_BUILD_TYPE.")
fmt = "  %-26s %12s  %-27s %12s  %8s  %6s"
print(fmt % ("measured", "ns/op", "baseline", "ns/op", "ratio", "cv"))
for name, r in rows.items():
    if "baseline" not in r and "error" not in r:
        continue
    if "error" in r:
        print("  %-26s ERROR: %s" % (name, r["error"]))
        continue
    base = rows.get(r["baseline"], {})
    cv = "%.1f%%" % (100 * r["cv"]) if "cv" in r else "-"
    if "cpu_ns" not in base:
        print(fmt % (name, "%.0f" % r["cpu_ns"], r["baseline"], "missing", "-", cv))
        continue
    print(fmt % (name, "%.0f" % r["cpu_ns"], r["baseline"], "%.0f" % base["cpu_ns"],
                 "%.2fx" % (r["cpu_ns"] / base["cpu_ns"]), cv))
PY
