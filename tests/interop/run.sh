#!/usr/bin/env bash
# The interop suite: one generated client per language (Go, Java, TypeScript on Node, Python) runs the
# same script against the real release servers (README.md beside this file says what it checks).
# Starts two servers on ephemeral loopback ports: one in plaintext, one over TLS with an auth file
# (certificates and token made now with openssl and `llmarket-server token new`). Generates each
# client's code from proto/ first (buf generate for Go and TypeScript, Maven for Java, grpcio-tools
# for Python); generated code is never committed. Every client runs under `timeout`.
# Needs the tools from tests/tools.sh (buf, protoc-gen-go, protoc-gen-go-grpc, the Python venv) and
# go, node/npm, java/mvn, openssl.
# Usage: tests/interop/run.sh path/to/llmarket-server [LANGUAGE...]   (languages: go java ts python)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:?usage: tests/interop/run.sh path/to/llmarket-server [go java ts python]}
shift
languages=("$@")
[ ${#languages[@]} -gt 0 ] || languages=(go java ts python)
python=${LLMARKET_PYTHON:-python3}
out="$root/target/interop"
rm -rf "$out"; mkdir -p "$out"
pids=()
cleanup() {
  for file in "$out"/*.pid; do
    [ -e "$file" ] && pids+=("$(cat "$file")")
  done
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

# start NAME ARGS...: starts a server logging to $out/NAME.log; sets $forecast and $taxonomy.
# The listeners are ephemeral ports unless $listen_forecast and $listen_taxonomy name them.
start() {
  local name=$1; shift
  local log="$out/$name.log"
  RUST_LOG=info "$bin" all --forecast-listen "${listen_forecast:-127.0.0.1:0}" --taxonomy-listen "${listen_taxonomy:-127.0.0.1:0}" \
    --log-format json --shutdown-grace 2s "$@" 2>"$log" &
  pids+=($!)
  forecast=; taxonomy=
  for _ in $(seq 1 300); do
    forecast=$(grep '"message":"listening"' "$log" | grep '"service":"llmarket.forecast.v1.ForecastService"' \
      | sed -E 's/.*"addr":"([^"]+)".*/\1/' | head -n1 || true)
    taxonomy=$(grep '"message":"listening"' "$log" | grep '"service":"llmarket.taxonomy.v1.TaxonomyService"' \
      | sed -E 's/.*"addr":"([^"]+)".*/\1/' | head -n1 || true)
    [ -n "$forecast" ] && [ -n "$taxonomy" ] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "interop: $name server exited early:"; cat "$log"; exit 1; }
    sleep 0.1
  done
  echo "interop: $name server did not log its addresses"; cat "$log"; exit 1
}

# A CA and a server certificate for 127.0.0.1, and a token in an auth file, made now.
pki="$out/pki"; mkdir -p "$pki"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/ca.key" 2>/dev/null
openssl req -x509 -key "$pki/ca.key" -days 2 -subj "/CN=llmarket interop CA" -out "$pki/ca.pem" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/server.key" 2>/dev/null
openssl req -new -key "$pki/server.key" -subj "/CN=localhost" -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$pki/server.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
  -extfile "$pki/server.ext" -out "$pki/server.pem" 2>/dev/null
"$bin" token new --principal interop --grant 'datasets/*' --grant 'schemes/*' --grant milestones \
  >"$pki/token" 2>"$pki/auth.toml"
export LLMARKET_TOKEN; LLMARKET_TOKEN=$(cat "$pki/token")
# One principal per client with a quota of one call a second, for the RetryInfo checks (Go, Python):
# its token in $pki/throttled-LANGUAGE.
for language in go python; do
  "$bin" token new --principal "throttled-$language" --grant 'datasets/*' \
    >"$pki/throttled-$language" 2>>"$pki/auth.toml"
  echo 'quota = { calls_per_second = 1, burst = 1 }' >>"$pki/auth.toml"
done

# restartable NAME: a plaintext server for one client's retry checks (Go, Python), and a watcher that
# restarts it once when the client creates $out/NAME.restart: stops it, writes $out/NAME.down, and
# starts it again at once on the same addresses. Sets $forecast and $taxonomy, and $control: the
# $out/NAME prefix of those files.
restartable() {
  local name=$1
  start "$name"
  local pid=${pids[-1]} f=$forecast t=$taxonomy
  control="$out/$name"
  (
    # Ended by cleanup (TERM), perhaps while the new server starts: that server goes with it.
    pids=()
    trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; exit 0' TERM
    until [ -e "$control.restart" ]; do sleep 0.02; done
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
    touch "$control.down"
    listen_forecast=$f listen_taxonomy=$t start "$name-again"
    echo "${pids[-1]}" >"$control.pid"
    wait
  ) >"$out/$name.watcher" 2>&1 &
  pids+=($!)
  forecast=$f; taxonomy=$t
}

start plain
args=("$forecast" "$taxonomy")
start tls --auth-file "$pki/auth.toml" --tls-cert "$pki/server.pem" --tls-key "$pki/server.key"
args+=("$forecast" "$taxonomy" "$pki/ca.pem")
echo "interop: plaintext ${args[0]} ${args[1]}, TLS with a bearer token ${args[2]} ${args[3]}"
# Go and Python each get a server to restart (their retry checks).
for language in "${languages[@]}"; do
  case $language in
    go) restartable restart-go; restart_go=("$forecast" "$taxonomy" "$control") ;;
    python) restartable restart-python; restart_python=("$forecast" "$taxonomy" "$control") ;;
  esac
done

# The generated TypeScript code (buf, local plugin protoc-gen-es from the packages package-lock.json
# pins), with google.rpc's status and details vendored in googleapis/. (Go and Python use their
# packages, clients/go and clients/python, instead of generated code.)
ts_template='{"version":"v2","clean":true,"inputs":[{"directory":"."},{"directory":"../tests/interop/googleapis"}],
  "plugins":[{"local":"../tests/interop/ts/node_modules/.bin/protoc-gen-es","out":"../tests/interop/ts/gen",
  "opt":["target=ts","import_extension=js"],"include_imports":true}]}'
for language in "${languages[@]}"; do
  case $language in
    ts)
      (cd "$here/ts" && timeout 300 npm ci --silent --no-audit --no-fund)
      (cd "$root/proto" && timeout 120 buf generate --template "$ts_template")
      break ;;
  esac
done

# ts_app: builds the npm package clients/typescript (npm ci, buf generate with its pinned
# protoc-gen-es, tsc), `npm pack`s it, runs its unit tests (npm test, output in
# $out/ts-unit.out), and installs the tarball into a fresh folder beside the test
# program's pinned packages (tests/interop/ts/package-lock.json), as a user installs it; prints
# the folder.
ts_app() {
  local app="$out/ts-app"
  mkdir -p "$app"
  (cd "$root/clients/typescript" && timeout 300 npm ci --silent --no-audit --no-fund \
    && npm pack --silent --pack-destination "$out" >/dev/null \
    && { npm test --silent >"$out/ts-unit.out" 2>&1 || { cat "$out/ts-unit.out"; false; }; }) >&2 || return 1
  cp "$here/ts/"{package.json,package-lock.json,tsconfig.json,*.ts} "$app/" || return 1
  (cd "$app" && timeout 300 npm ci --silent --no-audit --no-fund \
    && npm install --silent --no-save --no-audit --no-fund "$out"/llmarket-client-*.tgz) >&2 || return 1
  echo "$app"
}
# docs_example DOC: fails unless every `<!-- example: PATH -->` block of docs/consuming/DOC is
# the file PATH exactly (the TypeScript and Java guides show their test programs' examples).
docs_example() {
  python3 - "$root" "$1" <<'PY'
import pathlib, re, sys
root = pathlib.Path(sys.argv[1])
doc = (root / "docs/consuming" / sys.argv[2]).read_text()
blocks = re.findall(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```\n", doc, re.S)
bad = [path for path, code in blocks if (root / path).read_text() != code]
if not blocks or bad:
    sys.exit(f"docs/consuming/{sys.argv[2]}: the example differs from {bad or 'nothing: no example block'}")
PY
}
# package_version LANGUAGE: fails unless the package's version (clients/typescript/package.json,
# clients/java/pom.xml) is the workspace version in Cargo.toml, as go/run.sh and python/run.sh
# check theirs: the four packages are released together, under one version.
package_version() {
  python3 - "$root" "$1" <<'PY'
import json, pathlib, sys, tomllib
import xml.etree.ElementTree as ET
root, language = pathlib.Path(sys.argv[1]), sys.argv[2]
workspace = tomllib.loads((root / "Cargo.toml").read_text())["workspace"]["package"]["version"]
if language == "ts":
    path = "clients/typescript/package.json"
    version = json.loads((root / path).read_text())["version"]
else:
    path = "clients/java/pom.xml"
    version = ET.parse(root / path).getroot().findtext("{http://maven.apache.org/POM/4.0.0}version")
if version != workspace:
    sys.exit(f"{language}: {path} has version {version!r}, not the workspace version {workspace!r} (Cargo.toml)")
PY
}
export -f ts_app docs_example package_version
export out here root

# The clients run at once, each under its own timeout (Java mostly waits for Maven's downloads and
# the JVM, Go mostly compiles), then their results are printed in order.
# client LANGUAGE SECONDS COMMAND...: runs one client in the background; its output goes to
# $out/LANGUAGE.out, its exit code and time to $out/LANGUAGE.rc.
client() {
  local language=$1 seconds=$2; shift 2
  (
    started=$SECONDS
    code=0
    timeout "$seconds" "$@" >"$out/$language.out" 2>&1 || code=$?
    echo "$code $((SECONDS - started))" >"$out/$language.rc"
  ) &
  clients+=($!)
}
clients=()
for language in "${languages[@]}"; do
  case $language in
    go) client go 420 env LLMARKET_THROTTLED_TOKEN="$(cat "$pki/throttled-go")" "$here/go/run.sh" "${args[@]}" "${restart_go[@]}" ;;
    # Java: the artifact clients/java is `mvn install`ed into the local Maven repository (the
    # user's, ~/.m2, as `mvn install` does for anyone), then the test program depends on it.
    java) client java 480 bash -c 'package_version java && docs_example java.md &&
      (cd "$root/clients/java" && mvn -q -B -Dstyle.color=never install) &&
      cd "$here/java" && mvn -q -B -Dstyle.color=never compile exec:java -Dexec.args="$*"' _ "${args[@]}" "$bin" ;;
    ts) client ts 420 bash -c 'package_version ts && docs_example typescript.md && app=$(ts_app) && cd "$app" && npx tsc -p . && node dist/client.js "$@"' _ "${args[@]}" "$bin" ;;
    python) client python 300 env LLMARKET_THROTTLED_TOKEN="$(cat "$pki/throttled-python")" "$here/python/run.sh" "${args[@]}" "${restart_python[@]}" ;;
    *) echo "interop: unknown language $language (go java ts python)"; exit 64 ;;
  esac
done
wait "${clients[@]}" || true

passed=0
failed=0
for language in "${languages[@]}"; do
  read -r code seconds <"$out/$language.rc"
  if [ "$code" -eq 0 ]; then
    passed=$((passed + 1)); echo "ok   $language ($(grep -aoE "[a-z]+: [0-9]+ passed, [0-9]+ failed" "$out/$language.out" | tail -n1), $seconds s)"
  else
    failed=$((failed + 1)); echo "FAIL $language (exit $code$([ "$code" -eq 124 ] && echo ", timed out"), $seconds s)"
    sed 's/^/     /' "$out/$language.out"
  fi
done
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
