#!/usr/bin/env bash
# HAProxy with deploy/haproxy/haproxy.cfg in front of three forecast replicas on their own
# loopback addresses (127.0.14.2-4, gRPC :50051, admin :9090), found through a DNS name answered by
# a DNS server the test starts (as a headless Service is). ghz calls through HAProxy: no error, and
# every replica served calls (from each replica's /metrics). Then the replicas are restarted one
# by one (SIGTERM with a lame-duck delay, wait for exit, start again, wait until HAProxy has it
# back) while ghz runs
# through HAProxy, and the failed calls are counted and printed; a failure fails the test. Last, a
# replica killed with SIGKILL under load: no more failures than the calls in flight.
# Needs: haproxy, ghz (tests/tools.sh), curl, python3. Loopback only.
# Usage: tests/haproxy.sh [path/to/llmarket-server]   (default: tests/release.sh's binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$("$root/tests/release.sh")}
out="$root/target/haproxy"
rm -rf "$out"
mkdir -p "$out"
. "$root/tests/lib.sh"
replicas=(127.0.14.2 127.0.14.3 127.0.14.4)
declare -A replica_pid
trap 'stop_all "${replica_pid[@]}"' EXIT

# start ADDRESS: one forecast replica; returns once its /readyz answers 200.
start() {
  # A lame duck of 1.5 s, as in the manifests: /readyz fails and HAProxy (checking every second)
  # takes the replica out before its listener closes.
  "$bin" forecast --listen "$1:50051" --admin-listen "$1:9090" --shutdown-delay 1500ms \
    --log-format json 2>>"$out/$1.log" &
  replica_pid[$1]=$!
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://$1:9090/readyz" && return 0
    sleep 0.1
  done
  echo "replica $1 did not become ready:"; cat "$out/$1.log"; exit 1
}

# stop ADDRESS: SIGTERM, and wait for the exit.
stop() {
  kill -TERM "${replica_pid[$1]}"
  wait "${replica_pid[$1]}" || true
  unset "replica_pid[$1]"
}

# up ADDRESS: HAProxy counts the replica at ADDRESS as UP (its stats page, as CSV).
up() {
  curl -sf "http://$stats/stats;csv" | awk -F, -v a="$1:50051" '$1 == "forecast" && $74 == a && $18 == "UP" { found = 1 } END { exit !found }'
}

# wait_up ADDRESS...: waits (10 s at most) until HAProxy has every ADDRESS UP.
wait_up() {
  for _ in $(seq 1 100); do
    local all=yes
    for a in "$@"; do up "$a" || all=no; done
    [ "$all" = yes ] && return 0
    sleep 0.1
  done
  return 1
}

python3 "$root/tests/deploy/dns_stub.py" 127.0.14.53 53 \
  "forecast.llmarket.test=$(IFS=,; echo "${replicas[*]}")" >"$out/dns.txt" &
pids+=($!)
for _ in $(seq 1 50); do grep -qs ready "$out/dns.txt" && break; sleep 0.1; done
for a in "${replicas[@]}"; do start "$a"; done

proxy="127.0.14.1:$(free_port 127.0.14.1)"
stats="127.0.14.1:$(free_port 127.0.14.1)"
LLMARKET_PROXY_FORECAST=$proxy LLMARKET_PROXY_TAXONOMY="127.0.14.1:$(free_port 127.0.14.1)" LLMARKET_PROXY_STATS=$stats \
  LLMARKET_DNS=127.0.14.53:53 LLMARKET_FORECAST_NAME=forecast.llmarket.test \
  LLMARKET_TAXONOMY_NAME=taxonomy.llmarket.test \
  haproxy -f "$root/deploy/haproxy/haproxy.cfg" >"$out/haproxy.log" 2>&1 &
pids+=($!)
if wait_up "${replicas[@]}"; then
  ok "HAProxy found the 3 replicas by DNS and their /readyz is 200"
else
  bad "HAProxy did not bring the 3 replicas up"; curl -s "http://$stats/stats;csv" | cut -d, -f1,2,18,74; tail -n 20 "$out/haproxy.log"; exit 1
fi

# handled ADDRESS: GetSeries calls the replica answered OK, from its /metrics.
handled() {
  curl -sf "http://$1:9090/metrics" | awk '/^grpc_server_handled_total\{/ && /grpc_method="GetSeries"/ && /grpc_code="OK"/ { n += $NF } END { print n + 0 }'
}

# errors FILE: calls ghz did not get OK for.
errors() {
  local total okay
  total=$(awk '/Count:/ { print $2; exit }' "$1")
  okay=$(awk '/\[OK\]/ { print $2 }' "$1")
  echo $((total - ${okay:-0}))
}

series='{"name":"datasets/cic-global-llm-2026/series/market-size"}'
call=llmarket.forecast.v1.ForecastService/GetSeries
ghz --insecure --call "$call" -d "$series" -n 3000 -c 12 --connections 2 "$proxy" >"$out/ghz.txt"
n=$(errors "$out/ghz.txt")
[ "$n" -eq 0 ] && ok "3000 calls through HAProxy, 0 errors" || { bad "$n of 3000 calls through HAProxy failed"; cat "$out/ghz.txt"; }
shares=()
for a in "${replicas[@]}"; do
  c=$(handled "$a")
  shares+=("$a:$c")
  [ "$c" -gt 0 ] && ok "replica $a served $c calls" || bad "replica $a served no call"
done

# Rolling restart under load: ghz at a fixed rate for about 15 s; each replica in turn is stopped,
# started again and waited for until HAProxy has it back.
ghz --insecure --call "$call" -d "$series" --rps 400 -n 6000 -c 8 --connections 2 "$proxy" >"$out/ghz-rolling.txt" &
load=$!
sleep 1
for a in "${replicas[@]}"; do
  stop "$a"
  start "$a"
  wait_up "$a" || bad "HAProxy did not bring $a back"
done
wait "$load" || true
n=$(errors "$out/ghz-rolling.txt")
retried=$(curl -sf "http://$stats/stats;csv" | awk -F, '$1 == "forecast" && $2 == "BACKEND" { print "HAProxy retried " $16 " and redispatched " $17 }')
echo "rolling restart of 3 replicas through HAProxy under load: $n of 6000 calls failed ($retried)"
[ "$n" -eq 0 ] && ok "rolling restart: 0 failed calls" || { bad "rolling restart: $n failed calls"; sed -n '/Error distribution/,$p' "$out/ghz-rolling.txt"; }

# A replica killed with SIGKILL under load: the calls in flight on it (at most the concurrency, 8)
# may fail, unless HAProxy sends them again (retry-on empty-response); then it is started again.
ghz --insecure --call "$call" -d "$series" --rps 400 -n 2000 -c 8 --connections 2 "$proxy" >"$out/ghz-kill.txt" &
load=$!
sleep 1
victim=${replicas[1]}
kill -KILL "${replica_pid[$victim]}"
wait "${replica_pid[$victim]}" 2>/dev/null || true
unset "replica_pid[$victim]"
sleep 1
start "$victim"
wait "$load" || true
n=$(errors "$out/ghz-kill.txt")
echo "a replica killed with SIGKILL under load: $n of 2000 calls failed"
[ "$n" -le 8 ] && ok "SIGKILL: $n failed calls, within the 8 in flight" || { bad "SIGKILL: $n failed calls, more than the 8 in flight"; sed -n '/Error distribution/,$p' "$out/ghz-kill.txt"; }

echo "haproxy: $failed failed"
[ "$failed" -eq 0 ]
