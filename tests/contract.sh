#!/usr/bin/env bash
# The guarded contract: proto/ must not break what a client generated from the released contract
# (proto/released/v1.binpb) relies on. `buf breaking` with the rules of proto/buf.yaml (`breaking:`,
# FILE: wire and JSON compatibility, and the generated code's names: a renamed field, message,
# service or file breaks the build of a generated client even where the wire still works).
# Releasing a contract version (docs/api.md, "Releasing a contract version"):
#   buf build proto -o proto/released/v1.binpb
# Needs buf from tests/tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
buf breaking proto --against proto/released/v1.binpb
echo "contract: proto/ is compatible with proto/released/v1.binpb"
