#!/usr/bin/env bash
# The figures behind the Kubernetes requests and limits and the README's replica sizing: idle RSS,
# peak RSS under load and server CPU per call of the release binary, per service. The server is
# pinned to core 0 and ghz to core 1; CPU is utime+stime from /proc/PID/stat over N calls (health
# and reflection calls included, as in production). Not part of tests/run.sh (nothing is asserted).
# Usage: tests/deploy/measure.sh [path/to/llmarket-server] [calls per method]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$("$root/tests/release.sh")}
calls=${2:-20000}
out="$root/target/measure"
mkdir -p "$out"
tick=$(getconf CLK_TCK)
pid=

cleanup() { [ -z "$pid" ] || { kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; } || true; }
trap cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk -v f="$2" '$1 == f":" { print $2 }' "/proc/$1/status"; }

# measure NAME SERVICE PORT METHOD REQUEST
measure() {
  taskset -c 0 "$bin" "$1" --listen "127.0.0.1:$3" --admin-listen 127.0.0.1:0 2>"$out/$1.log" &
  pid=$!
  for _ in $(seq 1 100); do grep -q 'listening.*admin' "$out/$1.log" && break; sleep 0.1; done
  sleep 2
  local idle before after
  idle=$(rss_kb "$pid" VmRSS)
  before=$(cpu_ticks "$pid")
  taskset -c 1 ghz --insecure --call "llmarket.$1.v1.$2/$4" -d "$5" -n "$calls" -c 10 \
    "127.0.0.1:$3" >"$out/$1-$4.txt"
  after=$(cpu_ticks "$pid")
  awk -v name="$1 $4" -v idle="$idle" -v peak="$(rss_kb "$pid" VmHWM)" -v cpu=$((after - before)) \
    -v tick="$tick" -v n="$calls" -v rps="$(awk '/Requests\/sec/ { print $2 }' "$out/$1-$4.txt")" \
    'BEGIN { printf "%-28s idle RSS %.1f MiB, peak RSS %.1f MiB, %.1f us CPU per call (%d calls, %s calls/s on one core)\n",
             name, idle / 1024, peak / 1024, cpu / tick / n * 1e6, n, rps }'
  cleanup; pid=
}

measure forecast ForecastService 50151 GetSeries '{"name":"datasets/cic-global-llm-2026/series/market-size"}'
measure forecast ForecastService 50151 GetObservations '{"series":"datasets/cic-global-llm-2026/series/market-size","fill":"FILL_CAGR_INTERPOLATE"}'
measure taxonomy TaxonomyService 50152 SearchConcepts '{"query":"模型","language_code":"en"}'
measure taxonomy TaxonomyService 50152 ListSchemes '{"language_code":"en"}'
