#!/usr/bin/env bash
# Cross-language smoke test against the real release binary on ephemeral loopback ports:
# grpcurl (reflection list/describe, health, List calls, an error; v1 and v2), a Python client generated from
# proto/, ghz (2,000 calls by reflection on v1 and v2, zero errors), and h2spec (HTTP/2 conformance, at least
# H2SPEC_MIN_PASSED of 145 per service); then the same tools over mutual TLS with a bearer header,
# against certificates made now with openssl, and a certificate rotated by SIGHUP.
# Needs the tools from tests/tools.sh, and openssl.
# Usage: tests/smoke.sh [path/to/llmarket-server]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/llmarket-server}
python=${LLMARKET_PYTHON:-python3}
out="$root/target/smoke"
mkdir -p "$out"
log="$out/server.log"
passed=0
failed=0
server_pid=

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
expect() { # expect NAME COMMAND...: the command must succeed
  local name=$1; shift
  if "$@" >"$out/last.out" 2>&1; then ok "$name"; else bad "$name"; sed 's/^/     /' "$out/last.out"; fi
}
expect_output() { # expect_output NAME PATTERN COMMAND...: output must match PATTERN (exit code ignored)
  local name=$1 pattern=$2; shift 2
  "$@" >"$out/last.out" 2>&1 || true
  if grep -Eq -- "$pattern" "$out/last.out"; then ok "$name"; else bad "$name (no match for $pattern)"; sed 's/^/     /' "$out/last.out"; fi
}

# Start both services on ephemeral ports; read their addresses from the JSON log lines.
RUST_LOG=info "$bin" all --forecast-listen 127.0.0.1:0 --taxonomy-listen 127.0.0.1:0 \
  --log-format json --shutdown-grace 5s 2>"$log" &
server_pid=$!
addr_of() { # the address a service logged, or nothing yet
  { grep '"message":"listening"' "$log" || true; } | { grep "\"service\":\"$1\"" || true; } \
    | sed -E 's/.*"addr":"([^"]+)".*/\1/' | head -n1
}
await_addresses() { # await_addresses WHAT: sets $forecast and $taxonomy from $log, or fails
  forecast=; taxonomy=
  for _ in $(seq 1 300); do
    forecast=$(addr_of llmarket.forecast.v1.ForecastService)
    taxonomy=$(addr_of llmarket.taxonomy.v1.TaxonomyService)
    [ -n "$forecast" ] && [ -n "$taxonomy" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { echo "$1 exited early:"; cat "$log"; exit 1; }
    sleep 0.1
  done
  echo "$1 did not log its addresses"; cat "$log"; exit 1
}
await_addresses server
echo "smoke: forecast at $forecast, taxonomy at $taxonomy"

# Ready means the health check says SERVING (bounded number of tries).
for addr in "$forecast" "$taxonomy"; do
  ready=no
  for _ in $(seq 1 100); do
    if grpcurl -plaintext -max-time 2 "$addr" grpc.health.v1.Health/Check 2>/dev/null | grep -q SERVING; then ready=yes; break; fi
    sleep 0.1
  done
  [ "$ready" = yes ] || { echo "$addr never became healthy"; cat "$log"; exit 1; }
done

# grpcurl through reflection.
expect_output "grpcurl list (forecast)" '^llmarket\.forecast\.v1\.ForecastService$' grpcurl -plaintext "$forecast" list
expect_output "grpcurl list hides the other service" '^grpc\.health\.v1\.Health$' grpcurl -plaintext "$forecast" list
if grpcurl -plaintext "$forecast" list | grep -q TaxonomyService; then bad "forecast process advertises taxonomy"; else ok "forecast process advertises only its own service"; fi
expect_output "grpcurl list (taxonomy)" '^llmarket\.taxonomy\.v1\.TaxonomyService$' grpcurl -plaintext "$taxonomy" list
expect_output "grpcurl describe ForecastService" 'rpc ComputeGrowth' grpcurl -plaintext "$forecast" describe llmarket.forecast.v1.ForecastService
expect_output "grpcurl describe a message" 'double value' grpcurl -plaintext "$forecast" describe llmarket.forecast.v1.Observation
expect_output "grpcurl describe TaxonomyService" 'rpc SearchConcepts' grpcurl -plaintext "$taxonomy" describe llmarket.taxonomy.v1.TaxonomyService
expect_output "grpcurl health by service name" '"status": "SERVING"' \
  grpcurl -plaintext -d '{"service":"llmarket.taxonomy.v1.TaxonomyService"}' "$taxonomy" grpc.health.v1.Health/Check
expect_output "grpcurl ListDatasets" '"name": "datasets/cic-global-llm-2026"' \
  grpcurl -plaintext -d '{}' "$forecast" llmarket.forecast.v1.ForecastService/ListDatasets
expect_output "grpcurl ListSchemes" '"name": "schemes/industry"' \
  grpcurl -plaintext -d '{"language_code":"en"}' "$taxonomy" llmarket.taxonomy.v1.TaxonomyService/ListSchemes
expect_output "grpcurl NOT_FOUND names the series" 'NotFound.*no-such-series|no-such-series.*not found' \
  grpcurl -plaintext -d '{"name":"datasets/cic-global-llm-2026/series/no-such-series"}' "$forecast" llmarket.forecast.v1.ForecastService/GetSeries
expect_output "grpcurl INVALID_ARGUMENT names the field" '"field": "page_size"' \
  grpcurl -plaintext -d '{"page_size":-5}' "$forecast" llmarket.forecast.v1.ForecastService/ListDatasets

# Contract v2 through reflection, beside v1 on the same listeners.
expect_output "grpcurl list (forecast v2)" '^llmarket\.forecast\.v2\.ForecastService$' grpcurl -plaintext "$forecast" list
expect_output "grpcurl list (taxonomy v2)" '^llmarket\.taxonomy\.v2\.TaxonomyService$' grpcurl -plaintext "$taxonomy" list
expect_output "grpcurl list (watch v2 on forecast)" '^llmarket\.watch\.v2\.WatchService$' grpcurl -plaintext "$forecast" list
expect_output "grpcurl describe ForecastService v2" 'rpc ListSeriesRevisions' grpcurl -plaintext "$forecast" describe llmarket.forecast.v2.ForecastService
expect_output "grpcurl describe shows v1 deprecated" 'option deprecated = true' grpcurl -plaintext "$forecast" describe llmarket.forecast.v1.ForecastService
expect_output "grpcurl v2 ListEditions" '"name": "datasets/cic-global-llm/editions/2026"' \
  grpcurl -plaintext -d '{"parent":"datasets/cic-global-llm"}' "$forecast" llmarket.forecast.v2.ForecastService/ListEditions
expect_output "grpcurl v2 GetSeries as of a date" '"edition": "datasets/cic-global-llm/editions/2026"' \
  grpcurl -plaintext -d '{"name":"datasets/cic-global-llm/series/market-size","edition":{"as_of":{"year":2026,"month":12,"day":31}}}' \
  "$forecast" llmarket.forecast.v2.ForecastService/GetSeries
expect_output "grpcurl v2 ListSchemes across datasets" '"name": "datasets/cic-global-llm/schemes/industry"' \
  grpcurl -plaintext -d '{"parent":"datasets/-"}' "$taxonomy" llmarket.taxonomy.v2.TaxonomyService/ListSchemes
expect_output "grpcurl v2 NOT_FOUND carries ResourceInfo" 'ResourceInfo' \
  grpcurl -plaintext -format-error -d '{"name":"datasets/cic-global-llm/series/no-such-series"}' "$forecast" llmarket.forecast.v2.ForecastService/GetSeries

# A Python client generated from proto/.
if "$python" "$root/tests/python/smoke_client.py" "$root/proto" "$forecast" "$taxonomy" >"$out/python.out" 2>&1; then
  ok "python client ($(tail -n1 "$out/python.out"))"
else
  bad "python client"; sed 's/^/     /' "$out/python.out"
fi

# ghz by reflection: 2,000 calls, zero errors, v1 and v2.
ghz_targets=(
  "$forecast" llmarket.forecast.v1.ForecastService/ListDatasets '{}'
  "$taxonomy" llmarket.taxonomy.v1.TaxonomyService/ListSchemes '{}'
  "$forecast" llmarket.forecast.v2.ForecastService/ListDatasets '{}'
  "$taxonomy" llmarket.taxonomy.v2.TaxonomyService/ListSchemes '{"parent":"datasets/-"}'
)
for ((i = 0; i < ${#ghz_targets[@]}; i += 3)); do
  set -- "${ghz_targets[@]:i:3}"
  report="$out/ghz-$(echo "${2#llmarket.}" | tr / -).json"
  if ghz --insecure --call "$2" -d "$3" -n 2000 -c 20 --timeout 10s --format json --output "$report" "$1" 2>"$out/ghz.err"; then
    if "$python" - "$report" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
codes = report.get("statusCodeDistribution", {})
errors = report.get("errorDistribution") or {}
ok = report.get("count") == 2000 and codes == {"OK": 2000} and not errors
print(f"count={report.get('count')} codes={codes} errors={errors} rps={report.get('rps', 0):.0f} "
      f"average_ms={report.get('average', 0) / 1e6:.3f}")
sys.exit(0 if ok else 1)
PY
    then ok "ghz 2000 x ${2#llmarket.} with zero errors"; else bad "ghz ${2#llmarket.} had errors"; fi
  else
    bad "ghz ${2#llmarket.} did not run"; cat "$out/ghz.err"
  fi
done

# h2spec: HTTP/2 conformance of each listener. The failures left are written down, with why they
# are right, in docs/operations.md ("Limits"). Measured against the release binary: 132 to 138 of 145 (3
# failures always, the rest races with our immediate answer to h2spec's `GET /`, more of them on a
# loaded machine); the floor leaves room for those races and fails on a real regression.
H2SPEC_MIN_PASSED=128
for target in "forecast $forecast" "taxonomy $taxonomy"; do
  set -- $target
  report="$out/h2spec-$1.txt"
  timeout 180 h2spec -h "${2%:*}" -p "${2##*:}" -o 2 >"$report" 2>&1 || true
  summary=$(grep -E '^[0-9]+ tests, [0-9]+ passed' "$report" | tail -n1)
  passes=$(echo "$summary" | sed -E 's/^[0-9]+ tests, ([0-9]+) passed.*/\1/')
  if [ -n "$passes" ] && [ "$passes" -ge "$H2SPEC_MIN_PASSED" ]; then
    ok "h2spec $1: $summary"
  else
    bad "h2spec $1: ${summary:-no summary} (at least $H2SPEC_MIN_PASSED must pass)"
    sed -n '/^Failures:/,$p' "$report" | sed 's/^/     /'
  fi
done

# Graceful stop: SIGTERM, exit 0.
kill -TERM "$server_pid"
if wait "$server_pid"; then ok "SIGTERM stops the server with exit 0"; else bad "server exit code $? on SIGTERM"; fi
server_pid=

# ---- TLS and mutual TLS ----
# A CA, a server certificate (127.0.0.1, localhost) and a client certificate, made now.
pki="$out/pki"
rm -rf "$pki"; mkdir -p "$pki"
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
issue() { # issue NAME EXTENSIONS: NAME.key and NAME.pem signed by the CA
  new_key "$pki/$1.key"
  openssl req -new -key "$pki/$1.key" -subj "/CN=$1" -out "$pki/$1.csr" 2>/dev/null
  printf '%s\n' "$2" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>/dev/null
}
new_key "$pki/ca.key"
openssl req -x509 -key "$pki/ca.key" -days 2 -subj "/CN=llmarket smoke CA" -out "$pki/ca.pem" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
server_ext=$'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE'
issue server "$server_ext"
issue client $'subjectAltName=DNS:smoke.client.test,URI:spiffe://llmarket.test/smoke\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE'
# A token made by the server's own command, whose principal is in the auth file the server reads.
"$bin" token new --principal smoke --grant 'datasets/*' --grant 'schemes/*' --grant milestones \
  >"$pki/smoke.token" 2>"$pki/auth.toml"
token=$(cat "$pki/smoke.token")
bearer="authorization: Bearer $token"
tls_log="$out/server-tls.log"
RUST_LOG=info "$bin" all --forecast-listen 127.0.0.1:0 --taxonomy-listen 127.0.0.1:0 \
  --log-format json --shutdown-grace 5s --auth-file "$pki/auth.toml" \
  --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" --tls-client-ca "$pki/ca.pem" 2>"$tls_log" &
server_pid=$!
log=$tls_log
await_addresses "TLS server"
echo "smoke: mutual TLS: forecast at $forecast, taxonomy at $taxonomy"
mtls=(-cacert "$pki/ca.pem" -cert "$pki/client.pem" -key "$pki/client.key")
for addr in "$forecast" "$taxonomy"; do
  ready=no
  for _ in $(seq 1 100); do
    # grpcurl finds Health/Check through reflection, which the auth file restricts to callers.
    if grpcurl "${mtls[@]}" -H "$bearer" -max-time 2 "$addr" grpc.health.v1.Health/Check 2>/dev/null | grep -q SERVING; then ready=yes; break; fi
    sleep 0.1
  done
  [ "$ready" = yes ] || { echo "$addr never became healthy over mutual TLS"; cat "$tls_log"; exit 1; }
done

expect_output "grpcurl over mutual TLS with a bearer header: GetSeries" '"name": "datasets/cic-global-llm-2026/series/market-size"' \
  grpcurl "${mtls[@]}" -H "$bearer" -d '{"name":"datasets/cic-global-llm-2026/series/market-size"}' \
  "$forecast" llmarket.forecast.v1.ForecastService/GetSeries
expect_output "grpcurl over mutual TLS: reflection" '^llmarket\.taxonomy\.v1\.TaxonomyService$' \
  grpcurl "${mtls[@]}" -H "$bearer" "$taxonomy" list
expect_output "grpcurl over mutual TLS without the token is UNAUTHENTICATED" 'Unauthenticated' \
  grpcurl "${mtls[@]}" -d '{"name":"datasets/cic-global-llm-2026/series/market-size"}' \
  "$forecast" llmarket.forecast.v1.ForecastService/GetSeries
expect_output "grpcurl with a wrong token is UNAUTHENTICATED" 'Unauthenticated' \
  grpcurl "${mtls[@]}" -H "authorization: Bearer not-$token" \
  -d '{"name":"datasets/cic-global-llm-2026/series/market-size"}' \
  "$forecast" llmarket.forecast.v1.ForecastService/GetSeries
expect_output "grpcurl without a client certificate is refused" 'certificate required|bad certificate|handshake|connection reset|EOF' \
  grpcurl -cacert "$pki/ca.pem" -max-time 5 "$forecast" list
expect_output "grpcurl in plaintext is refused" 'Failed to dial|deadline|connection|EOF|frame' \
  grpcurl -plaintext -max-time 3 "$forecast" list

if LLMARKET_TOKEN=$token "$python" "$root/tests/python/smoke_client.py" "$root/proto" "$forecast" "$taxonomy" \
    "$pki/ca.pem" "$pki/client.pem" "$pki/client.key" >"$out/python-tls.out" 2>&1; then
  ok "python client over mutual TLS with call credentials ($(tail -n1 "$out/python-tls.out"))"
else
  bad "python client over mutual TLS"; sed 's/^/     /' "$out/python-tls.out"
fi

report="$out/ghz-tls.json"
if ghz --cacert "$pki/ca.pem" --cert "$pki/client.pem" --key "$pki/client.key" \
    --metadata "{\"authorization\":\"Bearer $token\"}" \
    --reflect-metadata "{\"authorization\":\"Bearer $token\"}" \
    --call llmarket.forecast.v1.ForecastService/GetSeries \
    -d '{"name":"datasets/cic-global-llm-2026/series/market-size"}' \
    -n 1000 -c 10 --timeout 10s --format json --output "$report" "$forecast" 2>"$out/ghz.err"; then
  if "$python" - "$report" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
codes = report.get("statusCodeDistribution", {})
errors = report.get("errorDistribution") or {}
print(f"count={report.get('count')} codes={codes} errors={errors} rps={report.get('rps', 0):.0f}")
sys.exit(0 if report.get("count") == 1000 and codes == {"OK": 1000} and not errors else 1)
PY
  then ok "ghz 1000 x GetSeries over mutual TLS with a bearer header, zero errors"; else bad "ghz over mutual TLS had errors"; fi
else
  bad "ghz over mutual TLS did not run"; cat "$out/ghz.err"
fi

# Rotation: a new server certificate by SIGHUP is served to new connections; a bad one is refused
# and the previous one kept.
serial_of_served() {
  openssl s_client -connect "$forecast" -CAfile "$pki/ca.pem" -cert "$pki/client.pem" -key "$pki/client.key" \
    </dev/null 2>/dev/null | openssl x509 -noout -serial 2>/dev/null
}
before=$(serial_of_served)
issue server "$server_ext"
after_file=$(openssl x509 -in "$pki/server.pem" -noout -serial)
reloads=$(grep -c 'reloaded TLS' "$tls_log" || true)
kill -HUP "$server_pid"
for _ in $(seq 1 50); do
  [ "$(grep -c 'reloaded TLS' "$tls_log" || true)" -gt "$reloads" ] && break
  sleep 0.1
done
after=$(serial_of_served)
if [ -n "$before" ] && [ "$after" = "$after_file" ] && [ "$before" != "$after" ]; then
  ok "SIGHUP rotates the served certificate ($before -> $after)"
else
  bad "SIGHUP did not rotate the certificate (before $before, after $after, file $after_file)"
fi
echo "not a key" >"$pki/server.key"
kill -HUP "$server_pid"
for _ in $(seq 1 50); do
  grep -q 'TLS reload rejected' "$tls_log" && break
  sleep 0.1
done
expect_output "a bad certificate on SIGHUP is refused and the previous one kept" '"name": "datasets/cic-global-llm-2026"' \
  grpcurl "${mtls[@]}" -H "$bearer" -d '{}' "$forecast" llmarket.forecast.v1.ForecastService/ListDatasets
if grep -q "$token" "$tls_log"; then bad "the token appears in the server log"; else ok "the token never appears in the server log"; fi

kill -TERM "$server_pid"
if wait "$server_pid"; then ok "SIGTERM stops the TLS server with exit 0"; else bad "TLS server exit code $? on SIGTERM"; fi
server_pid=

echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
