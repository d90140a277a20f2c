#!/usr/bin/env bash
# Regenerates the module's generated code from proto/ with proto/buf.gen.yaml (the template users
# copy) and copies the published retry policy (proto/llmarket/service_config.json) beside the
# helpers, which embed it. `generate.sh --check` changes nothing and fails when the checked-in files
# differ from a fresh generation (tests/interop/run.sh runs it). Needs buf, protoc-gen-go and
# protoc-gen-go-grpc at the versions tests/tools.sh pins (`eval "$(tests/tools.sh)"`).
# Also run by `go generate` (doc.go).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proto=$(cd "$here/../../proto" && pwd)
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
(cd "$proto" && buf generate --template buf.gen.yaml --output "$fresh")
cp "$proto/llmarket/service_config.json" "$fresh/gen/go/service_config.json"
if [ "${1:-}" = --check ]; then
  diff -ru "$fresh/gen/go/llmarket" "$here/llmarket" \
    && diff -u "$fresh/gen/go/service_config.json" "$here/service_config.json" \
    || { echo "clients/go: the checked-in code differs from a fresh generation; run clients/go/generate.sh" >&2; exit 1; }
  echo "clients/go: generated code is up to date" >&2
else
  rm -rf "$here/llmarket"
  cp -r "$fresh/gen/go/llmarket" "$here/llmarket"
  cp "$fresh/gen/go/service_config.json" "$here/service_config.json"
fi
