#!/usr/bin/env bash
# Two server binaries side by side on one pinned core (ghz on the other), rounds alternating
# between them so drift in the machine's load hits both alike: the median server CPU per call of
# each, for one call, and the ratio. This is how a change is measured against its starting point.
# Usage: tests/load/ab.sh BEFORE_BIN AFTER_BIN [METHOD] [JSON] [calls per round] [rounds]
#   METHOD defaults to ForecastService/GetSeries; a TaxonomyService method goes to that service.
#   GHZ_FLAGS adds ghz flags (e.g. --enable-compression); the servers' LLMARKET_* environment
#   reaches both (e.g. LLMARKET_REPLY_CACHE=off).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
before_bin=$1 after_bin=$2
method=${3:-llmarket.forecast.v1.ForecastService/GetSeries}
data=${4:-'{"name":"datasets/cic-global-llm-2026/series/market-size"}'}
calls=${5:-20000}
rounds=${6:-5}
command -v ghz >/dev/null || eval "$("$root/tests/tools.sh")"
out="$root/target/load-ab"
mkdir -p "$out"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
# shellcheck source=listener.sh
. "$(dirname "$0")/listener.sh"
service=$(listener_service "$method")
start() { # start NAME BIN: sets addr and pid
  taskset -c 0 "$2" all --forecast-listen 127.0.0.1:0 --taxonomy-listen 127.0.0.1:0 \
    --admin-listen 127.0.0.1:0 --log-format json 2>"$out/$1.log" &
  pid=$!; pids+=("$pid")
  addr=$(listener_addr "$out/$1.log" "$service")
  [ -n "$addr" ] || { echo "$1 did not start"; cat "$out/$1.log"; exit 1; }
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
start before "$before_bin"; before_addr=$addr before_pid=$pid
start after "$after_bin"; after_addr=$addr after_pid=$pid
run() { # run ADDR CALLS
  # shellcheck disable=SC2086 # GHZ_FLAGS is a list of flags
  taskset -c 1 ghz --insecure ${GHZ_FLAGS:-} --call "$method" -d "$data" -n "$2" -c 50 "$1" >"$out/ghz.txt"
  grep -q "\[OK\] *$2 responses" "$out/ghz.txt" || { echo "errors:"; cat "$out/ghz.txt"; exit 1; }
}
run "$before_addr" 2000; run "$after_addr" 2000 # warm-up
b=() a=()
for round in $(seq 1 "$rounds"); do
  for which in before after; do
    if [ "$which" = before ]; then addr=$before_addr pid=$before_pid; else addr=$after_addr pid=$after_pid; fi
    t0=$(cpu_ticks "$pid"); run "$addr" "$calls"; t1=$(cpu_ticks "$pid")
    us=$(python3 -c "print(round(($t1 - $t0) * 1e6 / $(getconf CLK_TCK) / $calls, 2))")
    if [ "$which" = before ]; then b+=("$us"); else a+=("$us"); fi
  done
  echo "round $round: before ${b[-1]} µs/call, after ${a[-1]} µs/call"
done
python3 - "${b[*]}" "${a[*]}" "$method" <<'PY'
import statistics, sys
b = statistics.median(float(x) for x in sys.argv[1].split())
a = statistics.median(float(x) for x in sys.argv[2].split())
print(f"{sys.argv[3]}: median server CPU per call before {b:.2f} µs, after {a:.2f} µs, after/before {a / b:.3f}")
PY
