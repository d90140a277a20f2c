#!/usr/bin/env bash
# docs_code.sh DOC FILE: fails unless DOC has a fenced code block right after the line
# `<!-- code: PATH -->` (PATH: FILE relative to the repository) equal to FILE, line for line, so
# the examples in docs/consuming/ are the programs the interop suite runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
doc=$1 file=$2
path=${file#"$root/"}
shown=$(awk -v marker="<!-- code: $path -->" '
  $0 == marker { found = 1; next }
  found == 1 && /^```/ { found = 2; next }
  found == 2 && /^```$/ { exit }
  found == 2 { print }' "$doc")
if [ "$shown" != "$(cat "$file")" ]; then
  echo "docs: $doc does not show $path as it is (after <!-- code: $path -->):" >&2
  diff <(echo "$shown") "$file" >&2 || true
  exit 1
fi
