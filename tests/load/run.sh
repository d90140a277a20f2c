#!/usr/bin/env bash
# The load suite: every read RPC of both services beside the empty call (Health/Check on the same
# process), ghz on one pinned core and the release server on the other, server CPU per call from
# /proc/PID/stat, medians of 3 runs; writes the tables to docs/benchmarks/load-suite.md (see bench.py).
# Plaintext first, then the same over TLS with a bearer token.
# Usage: tests/load/run.sh [path/to/llmarket-server] [calls per run] [runs]
#        tests/load/run.sh --quick [path/to/llmarket-server]   (the test command's short version)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
quick=()
if [ "${1:-}" = --quick ]; then quick=(--quick); shift; fi
bin=${1:-}
calls=${2:-20000}
rounds=${3:-3}
command -v ghz >/dev/null || eval "$("$root/tests/tools.sh")"
[ -n "$bin" ] || bin=$("$root/tests/release.sh")
if [ ${#quick[@]} -gt 0 ]; then
  exec python3 "$root/tests/load/bench.py" --server "$bin" --quick
fi
for mode in "" --tls; do
  python3 "$root/tests/load/bench.py" --server "$bin" --calls "$calls" --rounds "$rounds" $mode \
    --write "$root/docs/benchmarks/load-suite.md" --command "tests/load/run.sh${1:+ $*}"
done
