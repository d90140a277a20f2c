#!/usr/bin/env bash
# Metrics against a real Prometheus: starts the forecast and taxonomy services as two processes,
# each with its admin listener, runs Prometheus (Debian's `prometheus`) as this script's own
# process on loopback scraping both, sends a known number of calls with ghz, and checks through
# Prometheus' HTTP API that grpc_server_handled_total for those methods and codes equals what
# ghz sent. `promtool check metrics` must pass on both /metrics outputs.
# Needs: prometheus, promtool, ghz (tests/tools.sh), curl, python3.
# Usage: tests/prometheus.sh [path/to/llmarket-server]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/llmarket-server}
out="$root/target/prometheus"
rm -rf "$out"
mkdir -p "$out"
. "$root/tests/lib.sh"

# start NAME: starts `llmarket-server NAME` with an admin listener; sets grpc_addr and admin_addr.
start() {
  local log="$out/$1.log"
  "$bin" "$1" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --log-format json 2>"$log" &
  pids+=($!)
  await_listening "$log" "llmarket.$1.v1.$2"
}

start forecast ForecastService
forecast=$grpc_addr; forecast_admin=$admin_addr
start taxonomy TaxonomyService
taxonomy=$grpc_addr; taxonomy_admin=$admin_addr
echo "prometheus: forecast $forecast (admin $forecast_admin), taxonomy $taxonomy (admin $taxonomy_admin)"

for admin in "$forecast_admin" "$taxonomy_admin"; do
  ready=no
  for _ in $(seq 1 100); do
    if curl -sf "http://$admin/readyz" >/dev/null; then ready=yes; break; fi
    sleep 0.1
  done
  [ "$ready" = yes ] && ok "/readyz 200 on $admin" || bad "/readyz never 200 on $admin"
done

# The scrape configuration docs/operations.md shows, with a fast interval for the test.
port=$(free_port)
cat >"$out/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: llmarket
    static_configs:
      - targets: ["$forecast_admin", "$taxonomy_admin"]
YAML
promtool check config "$out/prometheus.yml" >/dev/null && ok "promtool check config" || bad "promtool check config"
prometheus --config.file="$out/prometheus.yml" --storage.tsdb.path="$out/data" \
  --web.listen-address="127.0.0.1:$port" >"$out/prometheus.log" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  curl -sf "$api/-/ready" >/dev/null && break
  sleep 0.1
done
curl -sf "$api/-/ready" >/dev/null || { echo "prometheus did not start:"; cat "$out/prometheus.log"; exit 1; }

# Known numbers of calls, by reflection as ghz finds the methods.
series='{"name":"datasets/cic-global-llm-2026/series/market-size"}'
missing='{"name":"datasets/cic-global-llm-2026/series/nope"}'
ghz --insecure --call llmarket.forecast.v1.ForecastService/GetSeries -d "$series" -n 1000 -c 8 "$forecast" >"$out/ghz-ok.txt"
ghz --insecure --call llmarket.forecast.v1.ForecastService/GetSeries -d "$missing" -n 37 -c 2 "$forecast" >"$out/ghz-notfound.txt"
ghz --insecure --call llmarket.taxonomy.v1.TaxonomyService/ListSchemes -d '{"language_code":"en"}' -n 250 -c 4 "$taxonomy" >"$out/ghz-taxonomy.txt"

# query PROMQL: the value of the single result, or nothing.
query() {
  curl -sf --get "$api/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
result = json.load(sys.stdin)["data"]["result"]
print(result[0]["value"][1] if len(result) == 1 else "")'
}

# expect NAME PROMQL VALUE: Prometheus reports VALUE within 20 s (it scrapes every second).
expect() {
  local name=$1 promql=$2 want=$3 got=
  for _ in $(seq 1 200); do
    got=$(query "$promql" || true)
    [ "$got" = "$want" ] && { ok "$name = $want"; return; }
    sleep 0.1
  done
  bad "$name: Prometheus says ${got:-nothing}, ghz sent $want ($promql)"
}
handled='grpc_server_handled_total{job="llmarket",grpc_type="unary"'
expect "GetSeries OK" "$handled,grpc_service=\"llmarket.forecast.v1.ForecastService\",grpc_method=\"GetSeries\",grpc_code=\"OK\"}" 1000
expect "GetSeries NotFound" "$handled,grpc_service=\"llmarket.forecast.v1.ForecastService\",grpc_method=\"GetSeries\",grpc_code=\"NotFound\"}" 37
expect "ListSchemes OK" "$handled,grpc_service=\"llmarket.taxonomy.v1.TaxonomyService\",grpc_method=\"ListSchemes\",grpc_code=\"OK\"}" 250
expect "GetSeries histogram count" "grpc_server_handling_seconds_count{job=\"llmarket\",grpc_method=\"GetSeries\"}" 1037
expect "both targets up" 'sum(up{job="llmarket"})' 2
expect "data version of the built-in dataset" 'count(llmarket_data_version_info{service="forecast",dataset="cic-global-llm-2026"})' 1

# A reload by SIGHUP is counted by result.
kill -HUP "${pids[0]}"
expect "reloads counted" 'sum(llmarket_reloads_total{job="llmarket",result="ok"})' 1

for admin in "$forecast_admin" "$taxonomy_admin"; do
  curl -sf "http://$admin/metrics" >"$out/metrics.txt"
  if promtool check metrics <"$out/metrics.txt" >"$out/promtool.txt" 2>&1; then
    ok "promtool check metrics ($admin)"
  else
    bad "promtool check metrics ($admin)"; sed 's/^/     /' "$out/promtool.txt"
  fi
done

echo "prometheus: $failed failed"
[ "$failed" -eq 0 ]
