#!/usr/bin/env bash
# Runs every test of llmarket, installing what it needs first (tests/tools.sh):
# format and lint checks (cargo fmt, clippy over every target, benchmarks included, buf lint, buf
# format), the dependency policy (cargo deny, deny.toml), the guarded contract (buf breaking
# against proto/released/), unit and end-to-end tests (cargo test --workspace; the memory and CPU
# threshold tests as their own step), and the cross-language smoke test against the release binary
# (grpcurl, a generated Python client, ghz), the interop suite (the Go, Python, TypeScript and Java
# packages of clients/, built and installed as a user would, each running one script on v1 and v2,
# tests/interop/), the report page in headless Chromium
# (Debian's `chromium`, tests/web/), the load suite's short version
# (tests/load: ghz, and h2load from Debian's `nghttp2-client`), the metrics against a real Prometheus (Debian's `prometheus`, installed with
# apt-get when missing), and the deployment: the container image (podman build, run with chroot),
# the Kubernetes manifests (rendered and strictly decoded by a Go test) and HAProxy in front of
# three replicas.
set -euo pipefail
cd "$(dirname "$0")/.."
# Every build here starts from nothing or from the last run: incremental compilation only adds
# work and disk (docs/testing.md, "How long the test command takes").
export CARGO_INCREMENTAL=0

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

# Debian packages the tests need, by name only: Debian's security updates replace a package's
# version and remove the old one from the mirror, so an exact pin would stop every run. Each entry is
# "package command minimum version-command": the command (or a file path) shows whether the package
# is installed; where an older version would break a test, the minimum is checked after install
# against what version-command prints (its first dotted number), and "-" means any version serves.
# Those missing are installed together, after one apt-get update.
DEBIAN_PACKAGES=(
  # promtool `check metrics` on standard input and the v1 query API (tests/prometheus.sh): Prometheus 2.
  "prometheus promtool 2.0 promtool --version"
  # `podman build --pull=never` and `image inspect --format` (tests/image.sh): podman 4.
  "podman podman 4.0 podman --version"
  # `proto h2` on bind and server lines, `server-template` (deploy/haproxy/haproxy.cfg): HAProxy 2.0.
  "haproxy haproxy 2.0 haproxy -v"
  # h2load: the load suite's client that does not decode replies (tests/load/bench.py); its
  # `--log-file` and `-H` have been there since nghttp2 1.0.
  "nghttp2-client h2load - -"
  # callgrind and callgrind_control (`--instr`, `--zero`, `--dump`): the instruction counts of the
  # load suite (tests/load/instructions.py); all of them since Valgrind 3.0.
  "valgrind callgrind_control - -"
  # The CJK fonts `llmarket --chart x.png` renders Chinese with (a path: present when installed).
  "fonts-noto-cjk /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc - -"
  # The headless browser of the report page's test (tests/web/), driven by puppeteer-core 24, whose
  # `headless: true` is Chromium's new headless mode: Chromium 112 or later.
  "chromium chromium 112 chromium --version"
)

# at_least HAVE MINIMUM: whether dotted version HAVE is MINIMUM or later.
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

step "tools"
eval "$(tests/tools.sh)"
missing=()
for entry in "${DEBIAN_PACKAGES[@]}"; do
  read -r package command _ <<<"$entry"
  # A command, or a file the package installs.
  if [[ $command == /* ]]; then
    [ -e "$command" ] || missing+=("$package")
  else
    command -v "$command" >/dev/null || missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tools: installing ${missing[*]} (apt-get)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
for entry in "${DEBIAN_PACKAGES[@]}"; do
  read -r package _ minimum version_command <<<"$entry"
  [ "$minimum" = - ] && continue
  # shellcheck disable=SC2086 # version_command is a command and its arguments
  have=$($version_command 2>&1 | grep -oE '[0-9]+(\.[0-9]+)+' | head -n1 || true)
  if ! at_least "${have:-0}" "$minimum"; then
    echo "tools: $package ${have:-(no version)} is older than $minimum, which the tests need" >&2
    exit 1
  fi
  echo "tools: $package $have (at least $minimum)" >&2
done

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "buf lint / buf format"
(cd proto && buf lint && buf format --diff --exit-code)

step "links in README.md, CHANGELOG.md and docs/ resolve (tests/links.py)"
python3 tests/links.py

step "buf breaking against the released contracts (proto/released/v1.binpb, v2.binpb)"
timeout 120 tests/contract.sh

step "cargo deny check bans licenses (deny.toml)"
cargo deny --locked check --hide-inclusion-graph bans licenses

step "cargo test"
# At least 8 test threads, however few cores: the end-to-end tests mostly wait (on timers, on
# loopback peers), so on 2 cores the default of 2 threads leaves the machine idle (the tests'
# end-to-end binary: 48 s with 2 threads, 22 s with 8; docs/testing.md).
RUST_TEST_THREADS="${RUST_TEST_THREADS:-$(( $(nproc) > 8 ? $(nproc) : 8 ))}" \
  cargo test --workspace --locked

step "memory and CPU thresholds (the ignored end-to-end tests, alone on the machine)"
# --workspace, as above: the same features, so nothing is built again. `measure_…` tests are
# measurements run by hand for docs/benchmarks (no threshold), not part of this step.
cargo test --workspace --locked --test e2e -- --ignored --skip measure_ --test-threads 1

step "the server without the built-in data: clippy on the build and its unit tests (--no-default-features)"
# Type-checks the library, the binary and their unit tests (`--profile test` checks in test mode)
# without the feature: a unit test that needs the built-in data must be gated on it. Checked, not
# run: the tests left are those `cargo test` ran above, and a test build of one package alone
# would rebuild its dependencies with other features. The end-to-end tests and benches use the
# built-in data on purpose.
cargo clippy -p llmarket-server --no-default-features --lib --bins --profile test --locked -- -D warnings

step "release build (statically linked, as deployed)"
server=$(tests/release.sh)

step "smoke test (release binary, grpcurl, python, ghz)"
tests/smoke.sh "$server"

step "load suite, short (release binary, ghz and h2load on pinned cores, 0 errors; one row counted by callgrind)"
timeout 90 tests/load/run.sh --quick "$server"
timeout 120 tests/load/instructions.py --v2 "$server" --only "GetSeries market-size" --calls 200 --rounds 1 --cache on

step "interop: the Go, Python, TypeScript and Java packages, built, installed and run on v1 and v2 (release binary)"
timeout 600 tests/interop/run.sh "$server"

step "report page in headless Chromium (release binary, puppeteer-core, taxonomy stopped too)"
timeout 240 tests/web/run.sh "$server"

step "metrics against a real Prometheus (release binary, ghz, prometheus)"
timeout 180 tests/prometheus.sh "$server"

step "container image (podman build from scratch, run from its file system with chroot)"
timeout 180 tests/image.sh "$server"

step "Kubernetes manifests (every overlay rendered with kustomize, decoded strictly, invariants)"
(cd tests/deploy/kubernetes && timeout 420 go test -count=1 ./...)

step "HAProxy in front of 3 replicas (ghz, rolling restart under load)"
timeout 120 tests/haproxy.sh "$server"
