#!/usr/bin/env bash
# The report page (web/) in headless Chromium against the real release servers: builds the
# page (npm ci of its pinned packages, the npm package @llmarket/client packed and installed, esbuild), serves
# it on a free loopback port, starts the forecast and taxonomy services as two processes with
# `--cors-origin` set to the page's origin, and runs web/test/page.test.ts (puppeteer-core
# driving Debian's chromium, --no-sandbox) three times: with both services up, with the page
# pointed at a forecast address nothing listens on, then with the taxonomy service stopped. The
# expected figures come from the services, not from the page. Screenshots in both languages go to
# target/web/ (page-en.png, page-zh.png, page-taxonomy-down-{en,zh}.png, page-forecast-down-en.png).
# Usage: tests/web/run.sh path/to/llmarket-server       (CHROMIUM overrides /usr/bin/chromium)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:?usage: tests/web/run.sh path/to/llmarket-server}
web="$root/web"
page="$root/target/web-page"   # where serve.sh builds the page (never into web/)
out="$root/target/web"
rm -rf "$out"; mkdir -p "$out"
. "$root/tests/lib.sh"

LLMARKET_PAGE_BUILD_ONLY=1 "$web/serve.sh"
(cd "$page" && node build.mjs test)

port=$(free_port)
origin="http://127.0.0.1:$port"
python3 -m http.server --bind 127.0.0.1 --directory "$page/dist" "$port" >"$out/http.log" 2>&1 &
pids+=($!)

# serve SERVICE: starts `llmarket-server SERVICE` allowing the page's origin; sets $addr and $pid.
serve() {
  local log="$out/$1.log"
  RUST_LOG=info "$bin" "$1" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --cors-origin "$origin" \
    --log-format json --shutdown-grace 1s 2>"$log" &
  pid=$!
  pids+=($pid)
  await_listening "$log" "llmarket.$1.v1.$2"
  addr=$grpc_addr
}
serve forecast ForecastService; forecast=$addr
serve taxonomy TaxonomyService; taxonomy=$addr; taxonomy_pid=$pid
for _ in $(seq 1 100); do
  curl -fso /dev/null "$origin/" && break
  sleep 0.1
done
echo "web: page $origin/, forecast $forecast, taxonomy $taxonomy (both with --cors-origin $origin)"

total_passed=0
total_failed=0
# run MODE [FORECAST_ADDR]: one run of the Chromium test; adds its counts.
run() {
  local code=0
  timeout 120 node "$page/dist-test/page.test.mjs" "$1" "$origin/" "http://${2:-$forecast}" "http://$taxonomy" "$out" \
    | tee "$out/$1.out" || code=$?
  read -r p f < <(sed -nE 's/^page [a-z-]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$out/$1.out" | tail -n1)
  total_passed=$((total_passed + ${p:-0}))
  total_failed=$((total_failed + ${f:-0}))
  if [ "$code" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then total_failed=$((total_failed + 1)); echo "FAIL the $1 run exited $code"; fi
}
run full
run forecast-down "127.0.0.1:$(free_port)"   # a port nothing listens on
kill -TERM "$taxonomy_pid"; wait "$taxonomy_pid" 2>/dev/null || true
run taxonomy-down

echo "web: screenshots in $out: $(cd "$out" && echo *.png)"
echo "web: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
