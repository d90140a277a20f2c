# Sourced by the load scripts (ab.sh, allocs.sh, profile.sh) that start `llmarket-server all` on
# ephemeral ports: which listener serves a method, and its address once the server logs it.

# listener_service METHOD: the service under which the server logs the listener that serves
# METHOD (`package.Service/Method`). Each listener is logged under its v1 service; v2 is served
# beside v1, and Health and Watch on every listener (the forecast one is taken).
listener_service() {
  local service=${1%%/*}
  case $service in
    grpc.health.v1.Health | llmarket.watch.v2.*) echo llmarket.forecast.v1.ForecastService ;;
    llmarket.*.v2.*) echo "${service/.v2./.v1.}" ;;
    *) echo "$service" ;;
  esac
}

# listener_addr LOG SERVICE: waits up to 30 s for the JSON log LOG to name SERVICE's listener and
# prints its address; prints nothing if it never does.
listener_addr() {
  local addr=
  for _ in $(seq 1 300); do
    addr=$({ grep '"message":"listening"' "$1" || true; } | { grep "\"service\":\"$2\"" || true; } \
      | sed -E 's/.*"addr":"([^"]+)".*/\1/' | head -n1)
    [ -n "$addr" ] && { echo "$addr"; return 0; }
    sleep 0.1
  done
}
