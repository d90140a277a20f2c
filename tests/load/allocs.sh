#!/usr/bin/env bash
# Allocator calls per call of one server binary, counted exactly: uprobes on jemalloc's entry
# points (the server links tikv-jemallocator, whose symbols carry the `_rjem_` prefix), counted by
# `perf stat` over CALLS ghz calls after a warm-up. Unlike CPU time this is not noisy, so it shows
# what a change to the per-call path allocates. Needs root (uprobes) and `perf` (linux-perf).
# Usage: tests/load/allocs.sh BIN [METHOD] [JSON] [calls]
#   METHOD defaults to ForecastService/GetSeries; the server's LLMARKET_* environment reaches it
#   (e.g. LLMARKET_REPLY_CACHE=off).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "$1")
method=${2:-llmarket.forecast.v1.ForecastService/GetSeries}
data=${3:-'{"name":"datasets/cic-global-llm-2026/series/market-size"}'}
calls=${4:-10000}
command -v ghz >/dev/null || eval "$("$root/tests/tools.sh")"
out="$root/target/load-allocs"
mkdir -p "$out"
group="allocs_$$"
functions=(malloc mallocx calloc rallocx realloc)
pid=
cleanup() {
  [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  perf probe -q -d "$group:*" 2>/dev/null || true
}
trap cleanup EXIT
events=()
for f in "${functions[@]}"; do
  perf probe -q -x "$bin" -a "$group:$f=_rjem_$f"
  events+=("$group:$f")
done
# shellcheck source=listener.sh
. "$root/tests/load/listener.sh"
service=$(listener_service "$method")
taskset -c 0 "$bin" all --forecast-listen 127.0.0.1:0 --taxonomy-listen 127.0.0.1:0 \
  --admin-listen 127.0.0.1:0 --log-format json 2>"$out/server.log" &
pid=$!
addr=$(listener_addr "$out/server.log" "$service")
[ -n "$addr" ] || { echo "the server did not start"; cat "$out/server.log"; exit 1; }
run() { # run CALLS
  taskset -c 1 ghz --insecure --call "$method" -d "$data" -n "$1" -c 50 "$addr" >"$out/ghz.txt"
  grep -q "\[OK\] *$1 responses" "$out/ghz.txt" || { echo "errors:"; cat "$out/ghz.txt"; exit 1; }
}
run 2000 # warm-up
events_list=$(IFS=,; echo "${events[*]}")
perf stat -x, -e "$events_list" -p "$pid" -o "$out/perf.txt" &
perf_pid=$!
sleep 0.5 # perf attaches
run "$calls"
kill -INT "$perf_pid"
wait "$perf_pid" || true
python3 - "$out/perf.txt" "$calls" "$method" <<'PY'
import sys
counts = {}
for line in open(sys.argv[1]):
    fields = line.strip().split(",")
    if len(fields) > 2 and fields[0].isdigit():
        counts[fields[2].split(":")[-1]] = int(fields[0])
calls = int(sys.argv[2])
each = ", ".join(f"{name} {count / calls:.2f}" for name, count in counts.items())
print(f"{sys.argv[3]}: {sum(counts.values()) / calls:.2f} allocator calls per call ({each})")
PY
