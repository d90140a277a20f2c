#!/usr/bin/env bash
# Runs every test of llmarket, installing what it needs first (tests/tools.sh):
# format and lint checks (cargo fmt, clippy, buf lint, buf format), the guarded contract (buf breaking
# against proto/released/), unit and end-to-end tests
# (cargo test --workspace), and the cross-language smoke test against the release binary
# (grpcurl, a generated Python client, ghz), the interop suite (clients generated in Go, Java,
# TypeScript and Python running one script, tests/interop/), and the metrics against a real Prometheus
# (Debian's `prometheus`, installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step prints how long the one before it took, and the total so far.
started=$SECONDS
step_started=$SECONDS
step_name=""
finish_step() {
  if [ -n "$step_name" ]; then
    printf '== %s: %d s (total %d s)\n' "$step_name" $((SECONDS - step_started)) $((SECONDS - started))
  fi
}
step() {
  finish_step
  step_name="$*"
  step_started=$SECONDS
  printf '\n== %s\n' "$*"
}
trap finish_step EXIT

# Debian packages the tests need, pinned: "package=version command" (the command shows whether it
# is installed). Those missing are installed together, after one apt-get update.
DEBIAN_PACKAGES=(
  "prometheus=2.42.0+ds-5+deb12u* promtool"
)

step "tools"
eval "$(tests/tools.sh)"
missing=()
for entry in "${DEBIAN_PACKAGES[@]}"; do
  read -r package command <<<"$entry"
  command -v "$command" >/dev/null || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tools: installing ${missing[*]} (apt-get)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "buf lint / buf format"
(cd proto && buf lint && buf format --diff --exit-code)

step "buf breaking against the released contract (proto/released/v1.binpb)"
timeout 120 tests/contract.sh

step "cargo test"
cargo test --workspace --locked

step "build and unit tests without the built-in data (--no-default-features)"
cargo test -p llmarket-server --no-default-features --locked --lib --bins

step "benchmarks compile"
cargo bench --workspace --locked --no-run

step "release build (statically linked, as deployed)"
server=$(tests/release.sh)

step "smoke test (release binary, grpcurl, python, ghz)"
tests/smoke.sh "$server"

step "interop: generated Go, Java, TypeScript and Python clients (release binary)"
timeout 600 tests/interop/run.sh "$server"

step "metrics against a real Prometheus (release binary, ghz, prometheus)"
timeout 180 tests/prometheus.sh "$server"
