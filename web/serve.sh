#!/usr/bin/env bash
# Builds the report page and serves it on 127.0.0.1 (the one command to look at it locally):
#   web/serve.sh [PORT]        (default 8080; `npm --prefix web run serve` does the same)
# Installs the pinned packages first when package-lock.json changed (npm ci; esbuild and TypeScript
# come from there), builds the npm package @llmarket/client (clients/typescript, copied to
# target/web-client/ and `npm pack`ed there) and installs its tarball as a user would, type-checks
# and bundles, then serves the bundle until interrupted. Nothing is written into the source tree:
# the sources are copied to target/web-page/ (one level deeper below the repository root than web/:
# the tests' paths to the root are rewritten for the copy), and node_modules/, dist/ and dist-test/
# live there.
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
rm -rf "$build/src" "$build/test" "$build/gen" "$build/buf.gen.yaml"
cp -r "$here/src" "$here/test" "$build/"
cp "$here/package.json" "$here/package-lock.json" "$here/tsconfig.json" "$here/build.mjs" "$here/index.html" "$here/style.css" "$build/"
# The tests import the interop checks from the repository root, one level further up here.
sed -i 's#"\.\./\.\./tests/#"../../../tests/#' "$build"/test/*.ts
cd "$build"

lock=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.llmarket-lock ] || [ "$(cat node_modules/.llmarket-lock)" != "$lock" ]; then
  echo "page: npm ci (pinned packages)" >&2
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --silent --no-audit --no-fund >&2
  echo "$lock" >node_modules/.llmarket-lock
fi

# The npm package, built from a copy at the same depth as clients/typescript (its scripts read
# ../../proto), packed, and installed beside the pinned packages (--no-save: the lock stays).
client="$root/target/web-client"
mkdir -p "$client"
rm -rf "$client/src" "$client/scripts" "$client"/*.tgz
(cd "$root/clients/typescript" && cp -r package.json package-lock.json buf.gen.yaml tsconfig.json README.md src scripts "$client/")
rm -rf "$client/src/gen"
(
  cd "$client"
  lock=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f node_modules/.llmarket-lock ] || [ "$(cat node_modules/.llmarket-lock)" != "$lock" ]; then
    npm ci --silent --no-audit --no-fund
    echo "$lock" >node_modules/.llmarket-lock
  fi
  npm pack --silent >/dev/null
) >&2
npm install --silent --no-save --no-audit --no-fund "$client"/llmarket-client-*.tgz >&2
npm run --silent check >&2
node build.mjs >&2
[ "${LLMARKET_PAGE_BUILD_ONLY:-}" = 1 ] && exit 0

echo "page: http://127.0.0.1:$port/ (services: ?forecast=http://127.0.0.1:50051&taxonomy=http://127.0.0.1:50052)" >&2
exec python3 -m http.server --bind 127.0.0.1 --directory "$build/dist" "$port"
