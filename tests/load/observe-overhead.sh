#!/usr/bin/env bash
# Per-call server CPU of GetSeries with metrics and the access log at `errors` (what a deployment
# runs: --admin-listen set, the default --access-log, OTLP unset) against everything off
# (--access-log off, no admin listener). Both servers run side by side on one pinned core, ghz on
# the other; rounds alternate between them so drift in the machine's load hits both alike. The
# CPU of each server is read from /proc/<pid>/stat (user + system) around each round.
# Usage: tests/load/observe-overhead.sh [path/to/llmarket-server] [calls per round] [rounds]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/target/release/llmarket-server}
calls=${2:-20000}
rounds=${3:-5}
server_core=${SERVER_CORE:-1}
client_core=${CLIENT_CORE:-0}
out="$root/target/overhead"
mkdir -p "$out"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

addr_of() {
  { grep '"message":"listening"' "$1" || true; } | { grep "\"service\":\"$2\"" || true; } \
    | sed -E 's/.*"addr":"([^"]+)".*/\1/' | head -n1
}
start() { # start NAME FLAGS...: sets addr and pid
  local name=$1; shift
  taskset -c "$server_core" "$bin" forecast --listen 127.0.0.1:0 --log-format json "$@" 2>"$out/$name.log" &
  pid=$!; pids+=("$pid"); addr=
  for _ in $(seq 1 300); do
    addr=$(addr_of "$out/$name.log" llmarket.forecast.v1.ForecastService)
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  echo "$name did not start"; cat "$out/$name.log"; exit 1
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start observed --admin-listen 127.0.0.1:0 --access-log errors
observed_addr=$addr observed_pid=$pid
start off --access-log off
off_addr=$addr off_pid=$pid

# Reflection is resolved once per ghz run; the proto file keeps rounds to the calls themselves.
run() { # run ADDR: one round of ghz
  taskset -c "$client_core" ghz --insecure --skipFirst 200 \
    --proto "$root/proto/llmarket/forecast/v1/forecast.proto" --import-paths "$root/proto" \
    --call llmarket.forecast.v1.ForecastService/GetSeries \
    -d '{"name":"datasets/cic-global-llm-2026/series/market-size"}' \
    -n "$calls" -c 16 --connections 2 "$1" >/dev/null
}
run "$observed_addr"; run "$off_addr" # warm-up
declare -a observed_us off_us
for round in $(seq 1 "$rounds"); do
  for which in observed off; do
    if [ "$which" = observed ]; then a=$observed_addr p=$observed_pid; else a=$off_addr p=$off_pid; fi
    before=$(cpu_ticks "$p"); run "$a"; after=$(cpu_ticks "$p")
    # ticks are 10 ms; per call in microseconds
    us=$(python3 -c "print(round(($after - $before) * 10000 / $calls, 2))")
    if [ "$which" = observed ]; then observed_us+=("$us"); else off_us+=("$us"); fi
  done
  echo "round $round: observed ${observed_us[-1]} µs/call, off ${off_us[-1]} µs/call"
done
python3 - "${observed_us[*]}" "${off_us[*]}" <<'PY'
import statistics, sys
observed = [float(x) for x in sys.argv[1].split()]
off = [float(x) for x in sys.argv[2].split()]
o, f = statistics.median(observed), statistics.median(off)
print(f"median server CPU per GetSeries call: observed {o:.2f} µs, off {f:.2f} µs, overhead {100 * (o - f) / f:+.1f} %")
PY
