#!/usr/bin/env bash
# The guarded contract: proto/ must not break what a client generated from a released contract
# relies on: proto/released/v1.binpb (v1 as released) and proto/released/v2.binpb (v2 as released,
# with v1 beside it). `buf breaking` with the rules of proto/buf.yaml (`breaking:`, FILE: wire and
# JSON compatibility, and the generated code's names: a renamed field, message, service or file
# breaks the build of a generated client even where the wire still works).
# Releasing a contract version (docs/api.md, "Releasing a contract version"):
#   buf build proto -o proto/released/vN.binpb
# Needs buf from tests/tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
for released in proto/released/v*.binpb; do
  buf breaking proto --against "$released"
  echo "contract: proto/ is compatible with $released"
done
