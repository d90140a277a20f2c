#!/usr/bin/env bash
# A flat CPU profile of the server under one call, for finding where a row of the load suite
# spends its time (docs/benchmarks/2026-12-07-v2-vs-v1.md used it). Starts `BIN all` on core 0
# with the reply cache off, warms it with 20,000 calls, then records it with `perf record -g` for
# 8 s while ghz (core 1, -c 50) sends METHOD with DATA; prints ghz's rate and writes OUT.data
# (perf's) and OUT.txt (the top symbols by their own samples).
# Needs perf and ghz (`eval "$(tests/tools.sh)"`). Loopback only; stops by itself.
# Usage: tests/load/profile.sh BIN METHOD DATA_JSON OUT
#   e.g. tests/load/profile.sh target/release/llmarket-server \
#          llmarket.forecast.v2.ForecastService/ListSeries '{"parent":"datasets/cic-global-llm"}' /tmp/v2
set -euo pipefail
bin=${1:?usage: profile.sh BIN METHOD DATA_JSON OUT} method=${2:?} data=${3:?} out=${4:?}
# shellcheck source=listener.sh
. "$(dirname "$0")/listener.sh"
log=$(mktemp)
LLMARKET_REPLY_CACHE=off taskset -c 0 "$bin" all --forecast-listen 127.0.0.1:0 \
  --taxonomy-listen 127.0.0.1:0 --log-format json 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
addr=$(listener_addr "$log" "$(listener_service "$method")")
[ -n "$addr" ] || { echo "profile.sh: the server did not log its address" >&2; cat "$log" >&2; exit 1; }
taskset -c 1 ghz --insecure --call "$method" -d "$data" -n 20000 -c 50 "$addr" >/dev/null
perf record -F 2999 -g -p "$server" -o "$out.data" -- sleep 8 >/dev/null 2>&1 &
recording=$!
taskset -c 1 ghz --insecure --call "$method" -d "$data" -z 8s -c 50 "$addr" | grep -E "Count|Requests/sec"
wait "$recording" || true
perf report -i "$out.data" --no-children --sort symbol --stdio -g none 2>/dev/null \
  | awk '/%/ && shown++ < 60 { sub(/ +$/, ""); print }' >"$out.txt"
echo "profile.sh: $out.data, top symbols in $out.txt"
