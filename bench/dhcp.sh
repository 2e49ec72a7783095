#!/usr/bin/env bash
# bench/dhcp.sh - DORA throughput of Corral's DHCP server next to dnsmasq, with
# /work/shared/harness/dhcp-perf.sh (perfdhcp in private network namespaces). Needs root.
#
# Usage: bench/dhcp.sh [--rates "250 500 1000 2000"] [--seconds 10] [--clients 30000]
#                      [--avalanche 1000] [--servers "dnsmasq dnsmasq-ro corral"] [--relay] [--tsx]
#
# One dhcp-perf.sh run per server, each with the same offered-rate sweep and avalanche:
#   dnsmasq      baseline with its lease file
#   dnsmasq-ro   baseline with leases in memory (--leasefile-ro)
#   corral       bench/dhcp-server.ts: discovery site over the perf pool, REAL durable store
#                (every ACK waits for its fsync; group commit)
# then prints one table with the Corral/dnsmasq ratios.
#
# Startup: dhcp-perf.sh sends the first packets 1 s after starting the server. Through tsx the
# server needs 1.1-1.5 s to load on this machine, so its first packets would be lost to startup,
# not to the server; by default the entry is therefore bundled once with the esbuild that ships
# with tsx and run as plain JS (~0.15 s). --tsx runs `node --import <abs tsx> <abs .ts>` instead.
#
# Output (logs, perfdhcp reports, Corral's per-run stats): $DHCP_BENCH_OUT (default /tmp/corral-dhcp-bench.<pid>).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${HARNESS:-/work/shared/harness}
OUT=${DHCP_BENCH_OUT:-/tmp/corral-dhcp-bench.$$}
RATES="250 500 1000 2000"; SECS=10; CLIENTS=30000; AVAL=1000; SERVERS="dnsmasq dnsmasq-ro corral"; RELAY=(); TSX=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rates) RATES=$2; shift 2 ;; --seconds) SECS=$2; shift 2 ;; --clients) CLIENTS=$2; shift 2 ;;
        --avalanche) AVAL=$2; shift 2 ;; --servers) SERVERS=$2; shift 2 ;; --relay) RELAY=(--relay); shift ;;
        --tsx) TSX=1; shift ;;
        -h|--help) awk 'NR==1{next} /^#/{sub(/^# ?/,""); print; next} {exit}' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench/dhcp.sh: needs root (network namespaces, port 67)" >&2; exit 1; }
for c in perfdhcp dnsmasq ip node; do command -v "$c" >/dev/null || { echo "missing command: $c" >&2; exit 1; }; done
mkdir -p "$OUT"

if [ "$TSX" = 1 ]; then
    RUN="node --import $ROOT/node_modules/tsx/dist/loader.mjs $ROOT/bench/dhcp-server.ts"
else
    "$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/dhcp-server.ts" --bundle --platform=node --format=esm \
        --target=node20 --outfile="$OUT/dhcp-server.mjs" --log-level=warning || exit 1
    RUN="node $OUT/dhcp-server.mjs"
fi
$RUN --check || { echo "Corral's bench server does not load" >&2; exit 1; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# bench/dhcp.sh $(date -u +%FT%TZ) host=$(hostname) cores=$(nproc) load=$(load) rates=\"$RATES\" seconds=$SECS clients=$CLIENTS avalanche=$AVAL ${RELAY[*]}"
for s in $SERVERS; do
    if [ "$s" = corral ]; then args=(--server-cmd "exec $RUN 2>>$OUT/corral-server.log"); else args=(--server "$s"); fi
    echo "## $s (load before: $(load))"
    LAB_NS="cdhcpb$$" LAB_STATE="$OUT/lab-$s" timeout $(( (SECS + 45) * $(wc -w <<< "$RATES") + 200 )) \
        "$HARNESS/dhcp-perf.sh" "${args[@]}" --rates "$RATES" --seconds "$SECS" --clients "$CLIENTS" \
        --avalanche "$AVAL" "${RELAY[@]}" 2>"$OUT/$s.err" | tee "$OUT/$s.txt"
done
echo "# load after: $(load)"

# Table: per offered rate, each server's achieved DORA/s (worst drop %, RA avg ms), and ratios.
awk -v servers="$SERVERS" '
    FNR == 1 { split(FILENAME, p, "/"); s = p[length(p)]; sub(/\.txt$/, "", s) }
    /^[0-9]+ / { rate[s, $1] = $2; drop[s, $1] = ($3 > $4 ? $3 : $4); lat[s, $1] = $6; if (!seen[$1]++) order[++n] = $1 }
    /^avalanche:/ { for (i = 1; i <= NF; i++) if ($i == "in") aval[s] = $(i + 1) }
    function cell(s, r) { return (s SUBSEP r) in rate ? sprintf("%7.0f (%s%%, %sms)", rate[s, r], drop[s, r], lat[s, r]) : "-" }
    function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "-" }
    END {
        m = split(servers, sv, " ")
        printf "\n%-8s", "offered"; for (i = 1; i <= m; i++) printf " | %-28s", sv[i] " DORA/s (drop, RA avg)"
        printf " | %-14s | %-14s\n", "corral/dnsmasq", "corral/dnsm-ro"
        for (k = 1; k <= n; k++) {
            r = order[k]; printf "%-8s", r
            for (i = 1; i <= m; i++) printf " | %-28s", cell(sv[i], r)
            printf " | %-14s | %-14s\n", ratio(rate["corral", r], rate["dnsmasq", r]), ratio(rate["corral", r], rate["dnsmasq-ro", r])
        }
        printf "%-8s", "aval ms"; for (i = 1; i <= m; i++) printf " | %-28s", (sv[i] in aval ? aval[sv[i]] " ms wall" : "-")
        printf " | %-14s | %-14s   (time ratio: < 1 = Corral faster)\n", ratio(aval["corral"], aval["dnsmasq"]), ratio(aval["corral"], aval["dnsmasq-ro"])
    }' $(for s in $SERVERS; do echo "$OUT/$s.txt"; done)

if [ -f "$OUT/corral-server.log" ]; then
    echo; echo "# Corral per run (stop order: rates, then avalanche): replies, drops, store commits/transactions, loop lag, kernel UDP drops"
    grep '^corral dhcp stats' "$OUT/corral-server.log" | sed 's/^corral dhcp stats //' | node -e '
        // UDP counters are per namespace, and dhcp-perf.sh keeps one lab for all its runs: print deltas
        const lines = require("fs").readFileSync(0, "utf8").trim().split("\n").filter(Boolean);
        let prev = 0;
        for (const l of lines) {
            const s = JSON.parse(l);
            const rcvbuf = s.udp.RcvbufErrors ?? 0;
            console.log(`replied=${s.replied} offers=${s.offers} acks=${s.acks} dropped=${s.dropped} storeCommits=${s.store.commits}/${s.store.transactions} tx largestBatch=${s.store.largestBatch} loopLag(mean/p99/max ms)=${s.loopLagMs.mean}/${s.loopLagMs.p99}/${s.loopLagMs.max} kernelRcvbufDrops=${rcvbuf - prev}`);
            prev = rcvbuf;
        }'
fi
echo "# perfdhcp runs without -W: exchanges still in flight when it stops count as drops (1-2 per run at"
echo "# low latency, more as latency grows); the kernel and server counters above show real losses."
echo "# logs: $OUT"
