#!/usr/bin/env bash
# Builds the report page and serves it on 127.0.0.1 (the one command to look at it locally):
#   web/serve.sh [PORT]        (default 8080; `npm --prefix web run serve` does the same)
# Installs the pinned packages first when package-lock.json changed (npm ci; buf, protoc-gen-es and
# esbuild come from there), generates the TypeScript client from proto/ (web/buf.gen.yaml),
# type-checks and bundles, then serves the bundle until interrupted. Nothing is written into the
# source tree: the sources are copied to target/web-page/ (one level deeper below the repository
# root than web/: the paths in package.json, buf.gen.yaml and the tests that name the root are
# rewritten for the copy), and node_modules/, gen/, dist/ and dist-test/ live there.
# The page calls the services at ?forecast=URL&taxonomy=URL (default http://127.0.0.1:50051 and
# :50052, as `llmarket-server all` listens), which must allow its origin:
#   llmarket-server all --cors-origin http://127.0.0.1:8080
# LLMARKET_PAGE_BUILD_ONLY=1 builds without serving.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/target/web-page"
port=${1:-8080}
mkdir -p "$build"
rm -rf "$build/src" "$build/test"
cp -r "$here/src" "$here/test" "$build/"
cp "$here/package-lock.json" "$here/tsconfig.json" "$here/build.mjs" "$here/index.html" "$here/style.css" "$build/"
sed -e 's#cd \.\. && web/#cd ../.. \&\& target/web-page/#' -e 's#web/buf.gen.yaml#target/web-page/buf.gen.yaml#' \
  "$here/package.json" >"$build/package.json"
sed 's#web/#target/web-page/#g' "$here/buf.gen.yaml" >"$build/buf.gen.yaml"
# The tests import the interop checks from the repository root, one level further up here.
sed -i 's#"\.\./\.\./tests/#"../../../tests/#' "$build"/test/*.ts
cd "$build"

lock=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.llmarket-lock ] || [ "$(cat node_modules/.llmarket-lock)" != "$lock" ]; then
  echo "page: npm ci (pinned packages)" >&2
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >&2
  echo "$lock" >node_modules/.llmarket-lock
fi
npm run --silent generate >&2
npm run --silent check >&2
node build.mjs >&2
[ "${LLMARKET_PAGE_BUILD_ONLY:-}" = 1 ] && exit 0

echo "page: http://127.0.0.1:$port/ (services: ?forecast=http://127.0.0.1:50051&taxonomy=http://127.0.0.1:50052)" >&2
exec python3 -m http.server --bind 127.0.0.1 --directory "$build/dist" "$port"
