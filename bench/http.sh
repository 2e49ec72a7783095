#!/usr/bin/env bash
# Boot HTTP: per-host iPXE script requests per second (wrk, 2 threads, 64 connections, loopback)
# with a 10,000-host SoT, every request a different host's freshly rendered script; side by side
# with the stand-in's HTTP server (python3 -m http.server, as ../shared/harness uses) serving one
# static script. Prints both and the ratio.
#   bench/http.sh [--seconds 10] [--hosts 10000]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECS=10; HOSTS=10000
while [ $# -gt 0 ]; do case "$1" in --seconds) SECS=$2; shift 2 ;; --hosts) HOSTS=$2; shift 2 ;; *) echo "unknown $1"; exit 2 ;; esac; done
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
T=$(mktemp -d); trap 'kill $CPID $PPID2 2>/dev/null || true; rm -rf "$T"' EXIT
cd "$ROOT"
node --import tsx bench/http-gen.ts "$T" "$HOSTS"
node --import tsx src/bin.ts serve --sot "$T/sot" --data "$T/data" --listen 127.0.0.1:18481 --address 127.0.0.1 \
    --http-port 18480 --no-dhcp --no-tftp --log-level warn --log-format json > "$T/corral.log" 2>&1 &
CPID=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18481/v1/health >/dev/null 2>&1 && break; sleep 0.2; done
mkdir -p "$T/static"; curl -s http://127.0.0.1:18480/ipxe/52-54-00-00-00-00 > "$T/static/boot.ipxe"
grep -q '^kernel ' "$T/static/boot.ipxe" || { echo "Corral did not serve a boot script:"; cat "$T/static/boot.ipxe"; exit 1; }
python3 -m http.server --bind 127.0.0.1 --directory "$T/static" 18482 > /dev/null 2>&1 &
PPID2=$!
sleep 1
echo "# warm-up: one pass over every host (the first script of a host in an auto site also records its provisioning start)"
wrk -t2 -c64 -d"$((HOSTS / 2000 + 3))s" -s "$T/rotate.lua" http://127.0.0.1:18480 > /dev/null
c=$(wrk -t2 -c64 -d"${SECS}s" -s "$T/rotate.lua" http://127.0.0.1:18480 | awk '/Requests\/sec/ {print $2}')
b=$(wrk -t2 -c64 -d"${SECS}s" http://127.0.0.1:18482/boot.ipxe | awk '/Requests\/sec/ {print $2}')
printf '%-52s %12s\n' "corral: per-host rendered iPXE scripts ($HOSTS hosts)" "$c req/s"
printf '%-52s %12s\n' "baseline: python3 http.server, one static script" "$b req/s"
awk -v c="$c" -v b="$b" 'BEGIN { printf "ratio corral/baseline: %.2fx\n", c / b }'
