#!/usr/bin/env bash
# Regenerates the package's generated code from proto/ (grpcio-tools: messages, their .pyi stubs
# and the gRPC stubs; mypy-protobuf's protoc-gen-mypy_grpc: the gRPC stubs' .pyi) and copies the
# published retry policy (proto/llmarket/service_config.json) into the package. `generate.sh
# --check` changes nothing and fails when the checked-in files differ from a fresh generation
# (tests/interop/python/run.sh runs it). Needs the Python of tests/tools.sh (LLMARKET_PYTHON:
# grpcio-tools and mypy-protobuf at pinned versions).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proto=$(cd "$here/../../proto" && pwd)
python=${LLMARKET_PYTHON:-python3}
plugin="$(dirname "$python")/protoc-gen-mypy_grpc"
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
protos=(llmarket/forecast/v1/forecast.proto llmarket/taxonomy/v1/taxonomy.proto
  llmarket/forecast/v2/forecast.proto llmarket/taxonomy/v2/taxonomy.proto llmarket/watch/v2/watch.proto)
(cd "$proto" && "$python" -m grpc_tools.protoc -I. --python_out="$fresh" --plugin=protoc-gen-mypy="$(dirname "$python")/protoc-gen-mypy" --mypy_out="$fresh" \
  --grpc_python_out="$fresh" --plugin=protoc-gen-mypy_grpc="$plugin" --mypy_grpc_out="$fresh" "${protos[@]}" 2> >(grep -v "^Writing mypy to" >&2))
# Every folder a package (llmarket/ itself holds the helpers, not generated).
find "$fresh/llmarket" -mindepth 1 -type d -exec touch {}/__init__.py \;
cp "$proto/llmarket/service_config.json" "$fresh/llmarket/service_config.json"
package="$here/src/llmarket"
generated=(forecast taxonomy watch service_config.json)
if [ "${1:-}" = --check ]; then
  for path in "${generated[@]}"; do
    diff -ru --exclude=__pycache__ "$fresh/llmarket/$path" "$package/$path" \
      || { echo "clients/python: the checked-in code differs from a fresh generation; run clients/python/generate.sh" >&2; exit 1; }
  done
  echo "clients/python: generated code is up to date" >&2
else
  for path in "${generated[@]}"; do
    rm -rf "${package:?}/$path"
    cp -r "$fresh/llmarket/$path" "$package/$path"
  done
fi
