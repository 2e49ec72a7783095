#!/usr/bin/env bash
# bench/http.sh - boot HTTP: per-host iPXE script requests per second, Corral next to the stand-in
# baseline (python3 -m http.server serving one static script), in one run, on a private network
# (bench/net/lib.sh). Needs root.
#
# Usage: sudo bench/http.sh [--seconds 10] [--hosts 10000] [--rounds 1]
#
# Corral (`corral serve`, boot HTTP only, a HOSTS-host SoT from bench/http-gen.ts) and the baseline
# run in a namespace whose bridge holds 10.80.0.1/24; wrk (2 threads, 64 connections) runs in a
# client host 10.80.0.2 on a veth. Every Corral request asks for a different host's script, freshly
# rendered from the SoT's templates; the baseline serves Corral's script for the first host as a
# file. One warm-up pass over every host first (the first script of a host in an auto site also
# records its provisioning start), then SECONDS of each, ROUNDS times, in the order C B, B C, C B...
# (a drift in the machine's load then falls on both alike). Prints each round, the median of each
# and the ratio Corral/baseline.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/net/lib.sh"

SECS=10; HOSTS=10000; ROUNDS=1
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECS=$2; shift 2 ;; --hosts) HOSTS=$2; shift 2 ;; --rounds) ROUNDS=$2; shift 2 ;;
        -h|--help) awk 'NR==1{next} /^#/{sub(/^# ?/,""); print; next} {exit}' "$0"; exit 0 ;;
        *) echo "bench/http.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
net_need_root "network namespaces"
PYTHON=${PYTHON:-python3}   # the stand-in runs Debian's python3; PYTHON picks another
net_need_cmd ip ss node wrk curl "$PYTHON"

cd "$ROOT"
SERVER_IP=10.80.0.1; CORRAL="http://10.80.0.1:8080"; BASE="http://10.80.0.1:8082"
net_lab_up "corral-http-$$" "$SERVER_IP/24"
net_host_add cli 10.80.0.2/24
T=$(mktemp -d -t corral-http-bench.XXXXXX)
net_on_exit 'net_stop "$T/corral.pid"; net_stop "$T/baseline.pid"; rm -rf "$T"'
node --import tsx bench/http-gen.ts "$T" "$HOSTS" || net_die "cannot generate the SoT"

net_start "$T/corral.pid" "$T/corral.log" -- node --import tsx src/bin.ts serve --sot "$T/sot" --data "$T/data" \
    --listen 127.0.0.1:8081 --address "$SERVER_IP" --http-port 8080 --no-dhcp --no-tftp --log-level warn --log-format json
net_wait 60 net_in -- curl -sf http://127.0.0.1:8081/v1/health || { cat "$T/corral.log" >&2; net_die "Corral did not start"; }
mkdir -p "$T/static"
net_in cli -- curl -s "$CORRAL/ipxe/52-54-00-00-00-00" > "$T/static/boot.ipxe"
grep -q '^kernel ' "$T/static/boot.ipxe" || { cat "$T/static/boot.ipxe" >&2; net_die "Corral did not serve a boot script"; }
net_start "$T/baseline.pid" "$T/baseline.log" -- "$PYTHON" -m http.server --bind "$SERVER_IP" --directory "$T/static" 8082
net_wait 20 net_in cli -- curl -sf "$BASE/boot.ipxe" || { cat "$T/baseline.log" >&2; net_die "python3 http.server did not start"; }

wrk_rps() {  # WRK-ARGS...: prints requests/s
    net_run cli -- timeout $((SECS + 30)) wrk -t2 -c64 -d"${SECS}s" "$@" > "$T/wrk.txt"
    awk '/Requests\/sec/ { print $2 }' "$T/wrk.txt"
}
corral() { wrk_rps -s "$T/rotate.lua" "$CORRAL" >> "$T/corral.rps"; printf '  corral   %10s req/s\n' "$(tail -1 "$T/corral.rps")"; }
baseline() { wrk_rps "$BASE/boot.ipxe" >> "$T/baseline.rps"; printf '  baseline %10s req/s\n' "$(tail -1 "$T/baseline.rps")"; }
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "# bench/http.sh $(date -u +%FT%TZ) cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg) hosts=$HOSTS seconds=$SECS rounds=$ROUNDS $("$PYTHON" --version)"
echo "# warm-up: one pass over every host"
net_run cli -- timeout 120 wrk -t2 -c64 -d"$((HOSTS / 2000 + 3))s" -s "$T/rotate.lua" "$CORRAL" > /dev/null
: > "$T/corral.rps"; : > "$T/baseline.rps"
for i in $(seq 1 "$ROUNDS"); do
    echo "# round $i (load $(cut -d' ' -f1 /proc/loadavg))"
    if [ $((i % 2)) = 1 ]; then corral; baseline; else baseline; corral; fi
done
c=$(median "$T/corral.rps"); b=$(median "$T/baseline.rps")
printf '%-56s %12s\n' "corral: per-host rendered iPXE scripts ($HOSTS hosts)" "${c:-?} req/s"
printf '%-56s %12s\n' "baseline: $PYTHON -m http.server, one static script" "${b:-?} req/s"
[ -n "$c" ] && [ -n "$b" ] || net_die "a wrk run failed"
awk -v c="$c" -v b="$b" 'BEGIN { printf "ratio corral/baseline: %.2fx\n", c / b }'
