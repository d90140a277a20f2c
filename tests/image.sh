#!/usr/bin/env bash
# The container image, without running a container (our machines cannot start one): builds
# deploy/Containerfile with podman from an empty base, offline; checks its configuration (numeric
# non-root user, no RUN step) and its file system (exactly the static binary and its /etc files);
# then runs the server from the exported file system with chroot, as the image's user, with an
# empty environment: /readyz, /livez, health and a real call of each service, the example
# overlay's dataset from a ConfigMap-shaped --data directory, and host names
# resolved from inside it (an OTLP collector addressed as `localhost`, from the image's
# /etc/hosts, and as a cluster name answered by a DNS server the test starts, through
# /etc/resolv.conf as a container runtime mounts it).
# Needs: podman, grpcurl (tests/tools.sh), curl, python3, readelf; root (chroot).
# Usage: tests/image.sh [path/to/llmarket-server]   (default: tests/release.sh's binary)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$("$root/tests/release.sh")}
out="$root/target/image"
image=localhost/llmarket-server:test
rm -rf "$out"
mkdir -p "$out"
. "$root/tests/lib.sh"

# 1. Build: the binary comes in as its own build context, the rest from deploy/.
podman build --quiet --pull=never -f "$root/deploy/Containerfile" \
  --build-context bin="$(dirname "$bin")" --build-arg VERSION=test -t "$image" "$root/deploy" >"$out/build.txt"
ok "podman build ($(podman image inspect "$image" --format '{{.Size}}') bytes)"
podman image prune -f >/dev/null   # the images earlier runs left untagged

check "no RUN step in the Containerfile" bash -c "! grep -qiE '^[[:space:]]*RUN[[:space:]]' '$root/deploy/Containerfile'"
user=$(podman image inspect "$image" --format '{{.Config.User}}')
check "numeric non-root USER ($user)" bash -c "[[ '$user' =~ ^[1-9][0-9]*:[0-9]+$ ]]"
entrypoint=$(podman image inspect "$image" --format '{{index .Config.Entrypoint 0}}')

# 2. Export the file system of a created (never started) container.
ctr=$(podman create "$image")
mkdir "$out/rootfs"
podman export "$ctr" | tar -x -C "$out/rootfs"
podman rm "$ctr" >/dev/null
files=$(cd "$out/rootfs" && find . -type f | sort | tr '\n' ' ')
want="./etc/group ./etc/hosts ./etc/nsswitch.conf ./etc/passwd .$entrypoint "
check "image holds only the binary and its /etc files ($files)" test "$files" = "$want"
check "the binary is statically linked (no program interpreter)" \
  bash -c "! readelf -lW '$out/rootfs$entrypoint' | grep -q 'program interpreter'"

# A fake OTLP collector: accepts one connection and records the HTTP/2 preface the exporter sends.
collector() {
  python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
s.settimeout(30)
connection, _ = s.accept(); connection.settimeout(5)
open(sys.argv[1], "wb").write(connection.recv(24))' "$1" >"$1.port" &
  pids+=($!)
  for _ in $(seq 1 50); do [ -s "$1.port" ] && break; sleep 0.1; done
  cat "$1.port"
}

# The example overlay's dataset, laid out as a ConfigMap volume is (files are symlinks into a
# timestamped directory through `..data`), at the path the manifests mount it.
configmap="$out/rootfs/data/llmarket-data"
mkdir -p "$configmap/..2026_01_01_00_00_00.000000001"
cp "$root"/deploy/kubernetes/overlays/example/data/*.toml "$configmap/..2026_01_01_00_00_00.000000001/"
ln -s ..2026_01_01_00_00_00.000000001 "$configmap/..data"
for file in "$configmap"/..data/*.toml; do ln -s "..data/$(basename "$file")" "$configmap/"; done

# serve NAME SERVICE OTLP_ENDPOINT: runs `llmarket-server NAME` from the image's file system with
# an empty environment but for the OTLP endpoint, with the manifests' --data; sets grpc_addr,
# admin_addr and server_pid.
serve() {
  local log="$out/$1.log"
  env -i OTEL_EXPORTER_OTLP_ENDPOINT="$3" OTEL_BSP_SCHEDULE_DELAY=100 \
    "$(command -v chroot)" --userspec="$user" "$out/rootfs" "$entrypoint" "$1" --data /data \
    --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --log-format json 2>"$log" &
  server_pid=$!
  pids+=("$server_pid")
  await_listening "$log" "llmarket.$1.v1.$2"
}

# calls NAME SERVICE METHOD REQUEST: readiness, liveness, health and one real call.
calls() {
  check "$1: /readyz 200" curl -sf -o /dev/null "http://$admin_addr/readyz"
  check "$1: /livez 200" curl -sf -o /dev/null "http://$admin_addr/livez"
  check "$1: /metrics 200" curl -sf -o /dev/null "http://$admin_addr/metrics"
  check "$1: grpc.health.v1.Health SERVING" bash -c \
    "grpcurl -plaintext '$grpc_addr' grpc.health.v1.Health/Check | grep -q SERVING"
  check "$1: $3" bash -c \
    "grpcurl -plaintext -d '$4' '$grpc_addr' llmarket.$1.v1.$2/$3 >'$out/$1-$3.json'"
}

# got_preface FILE: the collector received an HTTP/2 connection within 10 s.
got_preface() {
  for _ in $(seq 1 100); do
    grep -q 'PRI \* HTTP/2.0' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# stops PID: SIGTERM, exit 0.
stops() {
  kill -TERM "$1"
  local code=0
  wait "$1" || code=$?
  [ "$code" -eq 0 ]
}

# 3. Forecast, its collector addressed as a cluster name: resolved by DNS (a stub on
# 127.0.53.53:53) through the /etc/resolv.conf a runtime would mount.
cluster_name=otel-collector.observability.svc.cluster.local
python3 "$root/tests/deploy/dns_stub.py" 127.0.53.53 53 "$cluster_name=127.0.0.1" >"$out/dns.txt" &
pids+=($!)
for _ in $(seq 1 50); do grep -q ready "$out/dns.txt" && break; sleep 0.1; done
echo "nameserver 127.0.53.53" >"$out/rootfs/etc/resolv.conf"
port=$(collector "$out/otlp-dns")
serve forecast ForecastService "http://$cluster_name:$port"
calls forecast ForecastService GetSeries '{"name":"datasets/cic-global-llm-2026/series/market-size"}'
check "forecast: the ConfigMap's dataset is served" bash -c \
  "grpcurl -plaintext -d '{}' '$grpc_addr' llmarket.forecast.v1.ForecastService/ListDatasets | grep -q datasets/example-widgets"
check "forecast: spans exported to $cluster_name (DNS)" got_preface "$out/otlp-dns"
check "forecast: SIGTERM, exit 0" stops "$server_pid"

# 4. Taxonomy, its collector addressed as localhost: resolved from the image's own /etc/hosts.
rm "$out/rootfs/etc/resolv.conf"
port=$(collector "$out/otlp-hosts")
serve taxonomy TaxonomyService "http://localhost:$port"
calls taxonomy TaxonomyService ListSchemes '{"language_code":"en"}'
check "taxonomy: spans exported to localhost (/etc/hosts)" got_preface "$out/otlp-hosts"
check "taxonomy: SIGTERM, exit 0" stops "$server_pid"

echo "image: $failed failed"
[ "$failed" -eq 0 ]
