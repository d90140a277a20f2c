#!/usr/bin/env bash
# The Python step of the interop suite (tests/interop/run.sh runs it with the servers' addresses):
# checks the package clients/python (its generated code against a fresh generation), builds its
# wheel (pip wheel; the build backend is pinned in pyproject.toml), installs it into a fresh venv
# with requirements.txt, runs its unit tests and mypy --strict on the installed package, its tests and the example, checks that
# docs/consuming/python.md shows example.py as it is, runs the example against the plaintext
# servers, then the interop program (client.py) on the installed package.
# Usage: run.sh FORECAST TAXONOMY TLS_FORECAST TLS_TAXONOMY CA_PEM RESTART_FORECAST RESTART_TAXONOMY RESTART_CONTROL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
package="$root/clients/python"
python=${LLMARKET_PYTHON:-python3}
work="$root/target/interop-python"

"$package/generate.sh" --check
# The package's version is the workspace's (Cargo.toml), in pyproject.toml and __version__.
workspace=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n1)
grep -qx "version = \"$workspace\"" "$package/pyproject.toml" && grep -qx "__version__ = \"$workspace\"" "$package/src/llmarket/__init__.py" \
  || { echo "python: clients/python's version is not the workspace version $workspace"; exit 1; }
rm -rf "$work"; mkdir -p "$work"
# The venv has no pip of its own (ensurepip takes seconds): the tools' pip installs into it.
"$python" -m venv --without-pip "$work/venv"
py="$work/venv/bin/python"
pip() { "$python" -m pip --disable-pip-version-check "$@"; }
pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$package"
wheel=$(ls "$work/dist"/llmarket-*.whl)
pip --python "$py" install --quiet -r "$here/requirements.txt" "$wheel"
echo "python: installed $(basename "$wheel")"

# From a folder that is not the checkout's, so only the installed package is importable.
cd "$work"
"$py" -m unittest discover --quiet -s "$package/tests"
"$py" -m mypy --config-file "$here/mypy.ini" -p llmarket
"$py" -m mypy --config-file "$here/mypy.ini" "$here/example.py" "$package/tests/test_helpers.py"
"$root/tests/interop/docs_code.sh" "$root/docs/consuming/python.md" "$here/example.py"
example=$("$py" "$here/example.py" "$1" "$2")
echo "$example"
for line in '^2024: 10.7 bn USD \[10.65, 10.75\] PROVENANCE_REPORTED datasets/cic-global-llm/editions/2026$' \
  '^2029: 206.5 bn USD \[206.45, 206.55\] PROVENANCE_REPORTED' '^CAGR 80.76% \[80.58%, 80.94%\], stated 80.7%$' \
  '^concept datasets/cic-global-llm/schemes/industry/concepts/model-based-revenue ' '^data version [0-9a-f]{16}$'; do
  grep -qE "$line" <<<"$example" || { echo "python: the example did not print a line matching $line"; exit 1; }
done
"$py" "$here/client.py" "$@"
