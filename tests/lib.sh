# What the test scripts share; source it (`. "$root/tests/lib.sh"`). It sets up:
# - `pids`: background processes to stop (SIGTERM, then wait) when the script exits
#   (`stop_all`, the EXIT trap; a script with more to clean sets its own trap and calls it);
# - `ok`/`bad` (counted in `passed`/`failed`) and `check NAME COMMAND...`;
# - `free_port [HOST]`, `addr_of LOG SERVICE` (the address a JSON log says SERVICE listens on)
#   and `await_listening LOG SERVICE` (sets grpc_addr and admin_addr).
# shellcheck shell=bash

pids=()
passed=0
failed=0

stop_all() {
  for pid in "${pids[@]}" "$@"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}" "$@"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
# check NAME COMMAND...: ok when the command succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

# free_port [HOST]: a TCP port free on HOST (default 127.0.0.1) just now.
free_port() {
  python3 -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' \
    "${1:-127.0.0.1}"
}

# addr_of LOG SERVICE: the address SERVICE logged as listening, or nothing yet.
addr_of() {
  { grep -s '"message":"listening"' "$1" || true; } | { grep "\"service\":\"$2\"" || true; } \
    | sed -E 's/.*"addr":"([^"]+)".*/\1/' | head -n1
}

# await_listening LOG SERVICE: waits (up to 30 s) until LOG names the gRPC address of SERVICE
# (e.g. llmarket.forecast.v1.ForecastService) and the admin listener's; sets grpc_addr and
# admin_addr, or prints the log and exits.
await_listening() {
  grpc_addr=; admin_addr=
  for _ in $(seq 1 300); do
    grpc_addr=$(addr_of "$1" "$2")
    admin_addr=$(addr_of "$1" admin)
    [ -n "$grpc_addr" ] && [ -n "$admin_addr" ] && return 0
    sleep 0.1
  done
  echo "$2 did not log its addresses:"; cat "$1"; exit 1
}
