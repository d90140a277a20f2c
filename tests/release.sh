#!/usr/bin/env bash
# Builds the release `llmarket-server` as it is deployed: for the gnu target, statically linked
# (`+crt-static`), so it runs on an empty base image. Prints the binary's path on stdout; every test
# that runs the release server (smoke, Prometheus, load, interop, image) takes it from here, so the
# test command builds it once.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
# --target keeps the flag off build scripts and proc macros, which must stay dynamic.
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --release --locked -p llmarket-server --target "$target" >&2
echo "$PWD/target/$target/release/llmarket-server"
