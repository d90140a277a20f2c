#!/usr/bin/env bash
# The Go step of the interop suite (tests/interop/run.sh runs it with the servers' addresses):
# checks the module clients/go (its generated code against a fresh generation, go vet, its unit
# tests, gofmt here and there), checks that docs/consuming/go.md shows example/main.go as it is, runs the example against
# the plaintext servers, then the interop program (main.go). Both consume the module as a user of
# a local checkout does (go.mod: require llmarket.dev/go with a replace).
# Usage: run.sh FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM RESTART_FORECAST RESTART_TAXONOMY RESTART_CONTROL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
module="$root/clients/go"

"$module/generate.sh" --check
# The module's version is the workspace's (Cargo.toml).
workspace=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n1)
grep -qx "const Version = \"$workspace\"" "$module/doc.go" \
  || { echo "go: clients/go/doc.go's Version is not the workspace version $workspace"; exit 1; }
(cd "$module" && go vet ./... && go test ./...)
unformatted=$(gofmt -l "$module" "$here")
[ -z "$unformatted" ] || { echo "go: not gofmt-formatted: $unformatted"; exit 1; }
"$root/tests/interop/docs_code.sh" "$root/docs/consuming/go.md" "$here/example/main.go"

cd "$here"
go vet ./...
example=$(go run ./example "$1" "$2")
echo "$example"
# What the example must have printed: the stated values with their intervals, the CAGR, the join.
for line in '^2024: 10.7 bn USD \[10.65, 10.75\] PROVENANCE_REPORTED datasets/cic-global-llm/editions/2026$' \
  '^2029: 206.5 bn USD \[206.45, 206.55\] PROVENANCE_REPORTED' '^CAGR 80.76% \[80.58%, 80.94%\], stated 80.7%$' \
  '^concept datasets/cic-global-llm/schemes/industry/concepts/model-based-revenue ' '^data version [0-9a-f]{16}$'; do
  grep -qE "$line" <<<"$example" || { echo "go: the example did not print a line matching $line"; exit 1; }
done
go run . "$@"
