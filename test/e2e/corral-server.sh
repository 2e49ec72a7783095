#!/usr/bin/env bash
# SERVER_START / SERVER_STOP for the harness's selftest.sh: runs `corral serve` inside the lab
# namespace with a SoT for the harness VMs (dhcp_mode from $SCENARIO_MODE), and in proxy mode a
# site DHCP server (dnsmasq, addresses only) in $LAB_NS-site, as the stand-in does.
#   corral-server.sh start|stop
# Before stopping it saves the API's view of vm1 (state and events) for the test to check.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HARNESS="${HARNESS:-$(cd "$ROOT/../shared/harness" && pwd)}"
. "$HARNESS/lib.sh"
S="$LAB_STATE/corral"
API=127.0.0.1:18080
mode="${SCENARIO_MODE:-full}"; [ "$mode" = full ] && mode=server

start() {
    mkdir -p "$S"; rm -rf "$S/sot" "$S/data"
    mkdir -p "$S/sot/sites/lab" "$S/sot/os" "$S/sot/boot" "$S/sot/workflows"
    sed "s/__MODE__/$mode/" "$HERE/sot/env.yml.tpl" > "$S/sot/sites/lab/env.yml"
    # CORRAL_IPV6_RA=1: the site asks Corral for zero-lifetime IPv6 RAs (see docs/boot.md).
    if [ "${CORRAL_IPV6_RA:-0}" = 1 ]; then echo "    ipv6_ra: true" >> "$S/sot/sites/lab/env.yml"; fi
    cp "$HERE/sot/vms.yml" "$S/sot/sites/lab/vms.yml"
    cp "$HERE/sot/payload.yml" "$S/sot/os/"; cp "$HERE/sot/boot.yml" "$S/sot/boot/"; cp "$HERE/sot/workflow.yml" "$S/sot/workflows/"
    [ -f "$LAB_CACHE/payload/vmlinuz" ] || "$HARNESS/build-payload.sh" >/dev/null
    ip netns exec "$LAB_NS" setsid node --import tsx "$ROOT/src/bin.ts" serve --sot "$S/sot" --data "$S/data" \
        --listen "$API" --address "$LAB_SERVER_IP" --interface "$LAB_BR" --http-port "$LAB_HTTP_PORT" --assets "$LAB_CACHE/payload" \
        --log-format json ${CORRAL_EXTRA_ARGS:-} > "$S/corral.log" 2>&1 < /dev/null &
    echo $! > "$S/corral.pid"
    if [ "$mode" = proxy ]; then
        ip netns list | awk '{print $1}' | grep -qx "$LAB_NS-site" || "$HARNESS/netlab.sh" add-host site "10.77.0.2/$LAB_PREFIX"
        cat > "$S/site-dnsmasq.conf" <<CONF
port=0
interface=eth0
bind-interfaces
log-dhcp
log-facility=$S/site-dnsmasq.log
pid-file=$S/site-dnsmasq.pid
dhcp-leasefile=$S/site-dnsmasq.leases
dhcp-range=$LAB_RANGE_START,$LAB_RANGE_END,$LAB_NETMASK,1h
dhcp-authoritative
CONF
        rm -f "$S/site-dnsmasq.leases"
        ip netns exec "$LAB_NS-site" dnsmasq --conf-file="$S/site-dnsmasq.conf"
    fi
    for _ in $(seq 1 150); do
        if ip netns exec "$LAB_NS" curl -sf "http://$API/v1/services" 2>/dev/null | grep -q '"dhcp":{"state":"running"'; then
            echo "corral up ($mode)"; return 0
        fi
        sleep 0.2
    done
    echo "corral did not come up:"; tail -20 "$S/corral.log"; return 1
}

stop() {
    if [ -f "$S/corral.pid" ]; then
        ip netns exec "$LAB_NS" curl -s "http://$API/v1/hosts/vm1" > "$S/vm1-${SCENARIO:-x}.json" 2>/dev/null || true
        ip netns exec "$LAB_NS" curl -s "http://$API/v1/hosts/vm1/events" > "$S/vm1-${SCENARIO:-x}-events.json" 2>/dev/null || true
        ip netns exec "$LAB_NS" curl -s "http://$API/v1/services" > "$S/services-${SCENARIO:-x}.json" 2>/dev/null || true
    fi
    kill_pgroup_pidfile "$S/corral.pid"
    kill_pidfile "$S/site-dnsmasq.pid"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
