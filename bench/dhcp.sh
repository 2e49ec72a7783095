#!/usr/bin/env bash
# bench/dhcp.sh - DORA throughput and latency of Corral's DHCP server next to dnsmasq (the
# baseline), in one run, with perfdhcp on a private network (bench/net/lib.sh). Needs root.
#
# Usage: sudo bench/dhcp.sh [--rates "250 500 1000 2000"] [--seconds 10] [--clients 30000]
#                           [--avalanche 1000] [--servers "dnsmasq dnsmasq-ro corral"] [--relay]
#
# The lab: a namespace whose bridge holds 10.78.0.1/16, where the server runs (pool
# 10.78.1.0-10.78.255.250), and a client host 10.78.0.2 running perfdhcp (Debian kea-admin),
# broadcast flag set (--relay: unicast as a relay agent, giaddr 10.78.0.2). For each server, for
# each offered rate, a fresh server (no leases) gets `perfdhcp -r RATE -R CLIENTS -n RATE*SECONDS
# -p SECONDS+2`; then an avalanche: AVALANCHE clients at once, retrying until all hold a lease.
#   dnsmasq      baseline with its lease file (rewritten on every lease change)
#   dnsmasq-ro   baseline with leases in memory (--leasefile-ro)
#   corral       bench/dhcp-server.ts: a discovery site over the pool and a REAL durable store
#                (each ACK waits for its lease's fsync; group commit)
# Runs rate by rate, each server in turn, and prints each run as it ends; then per offered rate
# the achieved DORA/s of every server and the ratio Corral/baseline. Every perfdhcp run is bounded
# (-n, -p and timeout).
# Logs, perfdhcp reports, Corral's per-run stats: $DHCP_BENCH_OUT (default: a new temp folder).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/net/lib.sh"

RATES="250 500 1000 2000"; SECS=10; CLIENTS=30000; AVAL=1000; SERVERS="dnsmasq dnsmasq-ro corral"; RELAY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rates) RATES=$2; shift 2 ;; --seconds) SECS=$2; shift 2 ;; --clients) CLIENTS=$2; shift 2 ;;
        --avalanche) AVAL=$2; shift 2 ;; --servers) SERVERS=$2; shift 2 ;; --relay) RELAY=1; shift ;;
        -h|--help) awk 'NR==1{next} /^#/{sub(/^# ?/,""); print; next} {exit}' "$0"; exit 0 ;;
        *) echo "bench/dhcp.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
net_need_root "network namespaces, port 67"
net_need_cmd ip ss perfdhcp node
[[ " $SERVERS " == *" dnsmasq"* ]] && net_need_cmd dnsmasq
OUT=${DHCP_BENCH_OUT:-$(mktemp -d -t corral-dhcp-bench.XXXXXX)}
mkdir -p "$OUT"; chmod 755 "$OUT"
cd "$ROOT"
node --import tsx bench/dhcp-server.ts --check || net_die "Corral's bench server does not load"

SERVER_IP=10.78.0.1; PREFIX=16; CLIENT_IP=10.78.0.2; POOL_START=10.78.1.0; POOL_END=10.78.255.250
net_lab_up "corral-dhcp-$$" "$SERVER_IP/$PREFIX"
net_host_add cli "$CLIENT_IP/$PREFIX"
PIDF="$OUT/server.pid"
net_on_exit 'net_stop "$PIDF"'

if [ "$RELAY" = 1 ]; then PERF=(perfdhcp -4 -l "$CLIENT_IP" "$SERVER_IP"); MODE="relay (unicast, giaddr $CLIENT_IP)"
else PERF=(perfdhcp -4 -l eth0 -B); MODE="broadcast"; fi

start_server() {  # SERVER RUN-NAME
    local s=$1 log="$OUT/$1-$2.log"
    case "$s" in
    dnsmasq|dnsmasq-ro)
        {
            echo "port=0"; echo "interface=$NET_BR"; echo "bind-interfaces"; echo "no-ping"; echo "quiet-dhcp"
            echo "dhcp-range=$POOL_START,$POOL_END,255.255.0.0,1h"; echo "dhcp-lease-max=100000"; echo "dhcp-authoritative"
            if [ "$s" = dnsmasq-ro ]; then echo "leasefile-ro"; else echo "dhcp-leasefile=$OUT/dnsmasq.leases"; fi
        } > "$OUT/$s.conf"
        rm -f "$OUT/dnsmasq.leases"
        net_start "$PIDF" "$log" -- dnsmasq --keep-in-foreground --conf-file="$OUT/$s.conf" ;;
    corral)
        net_start "$PIDF" "$log" -- env LAB_SERVER_IP="$SERVER_IP" LAB_PREFIX="$PREFIX" LAB_BR="$NET_BR" \
            POOL_START="$POOL_START" POOL_END="$POOL_END" DHCP_BENCH_TMP="$OUT" node --import tsx bench/dhcp-server.ts ;;
    *) net_die "unknown server $s (dnsmasq, dnsmasq-ro, corral)" ;;
    esac
    net_wait 30 net_udp_listening 67 || { cat "$log" >&2; net_die "$s did not start listening on UDP 67"; }
}

rcvbuf_errors() {  # the lab namespace's kernel count of UDP datagrams dropped for a full socket buffer
    net_in -- cat /proc/net/snmp | awk '$1 == "Udp:" { if (!n++) for (i = 2; i <= NF; i++) col[$i] = i; else print $col["RcvbufErrors"] }'
}

parse() {  # perfdhcp report -> "DORA/s DO-drop% RA-drop% DO-avg-ms RA-avg-ms acks"
    awk '/^Rate:/ { rate = $2 }
         /Statistics for: DISCOVER-OFFER/ { s = "do" } /Statistics for: REQUEST-ACK/ { s = "ra" }
         /^received packets:/ { rcv[s] = $3 } /^drops ratio:/ { drop[s] = $3 } /^avg delay:/ { avg[s] = $3 }
         END { printf "%s %s %s %s %s %s\n", rate == "" ? "?" : rate, drop["do"], drop["ra"], avg["do"], avg["ra"], rcv["ra"] }' "$1"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
# Rate by rate, every server in turn: load from other work on the machine then falls on all of them
# alike instead of on whichever server happens to run during it.
FMT='%-11s %-8s %-9s %-9s %-9s %-10s %-10s %-7s %-12s %s\n'
echo "# bench/dhcp.sh $(date -u +%FT%TZ) cores=$(nproc) mode=$MODE rates=\"$RATES\" seconds=$SECS clients=$CLIENTS avalanche=$AVAL"
printf "$FMT" server offered DORA/s DO-drop% RA-drop% DO-avg-ms RA-avg-ms acks kernel-drops load
for s in $SERVERS; do : > "$OUT/$s.txt"; done
for r in $RATES; do
    for s in $SERVERS; do
        l=$(load)
        start_server "$s" "r$r"
        k0=$(rcvbuf_errors)
        net_run cli -- timeout $((SECS + 30)) "${PERF[@]}" -r "$r" -R "$CLIENTS" -n $((r * SECS)) -p $((SECS + 2)) > "$OUT/perfdhcp-$s-r$r.txt" 2>&1
        k1=$(rcvbuf_errors)
        net_stop "$PIDF"
        line="$r $(parse "$OUT/perfdhcp-$s-r$r.txt") $((k1 - k0))"
        echo "$line" >> "$OUT/$s.txt"
        printf "$FMT" "$s" $line "${l%% *}"
    done
done
if [ "$AVAL" -gt 0 ]; then
    for s in $SERVERS; do
        start_server "$s" avalanche
        t0=$(net_ms)
        net_run cli -- timeout 120 "${PERF[@]}" --scenario avalanche -R "$AVAL" > "$OUT/perfdhcp-$s-avalanche.txt" 2>&1
        t1=$(net_ms)
        net_stop "$PIDF"
        read -r _ _ _ _ _ acks <<< "$(parse "$OUT/perfdhcp-$s-avalanche.txt")"
        echo "avalanche $((t1 - t0)) $acks" >> "$OUT/$s.txt"
        echo "avalanche $s: $AVAL clients all leased in $((t1 - t0)) ms wall (acks $acks)"
    done
fi
echo "# load after: $(load)"

# Per offered rate: each server's DORA/s (worst drop %, REQUEST-ACK avg ms), then Corral/baseline
# for each baseline: DORA/s ratio (> 1: Corral serves more) and latency ratio (< 1: Corral answers sooner).
awk -v servers="$SERVERS" '
    FNR == 1 { n_ = split(FILENAME, p, "/"); s = p[n_]; sub(/\.txt$/, "", s) }
    $1 == "avalanche" { aval[s] = $2; next }
    { rate[s, $1] = $2; drop[s, $1] = ($3 > $4 ? $3 : $4); lat[s, $1] = $6; if (!seen[$1]++) order[++n] = $1 }
    function cell(s, r) { return (s SUBSEP r) in rate ? sprintf("%5.0f (%.2f%%, %.1f ms)", rate[s, r], drop[s, r], lat[s, r]) : "-" }
    function ratio(a, b) { return (a + 0 > 0 && b + 0 > 0) ? sprintf("%.2f", a / b) : "-" }
    END {
        m = split(servers, sv, " "); nb = 0
        for (i = 1; i <= m; i++) if (sv[i] != "corral") base[++nb] = sv[i]
        printf "\n%-8s", "offered"; for (i = 1; i <= m; i++) printf " | %-32s", sv[i] " DORA/s (drop, RA avg)"
        for (j = 1; j <= nb; j++) printf " | %-22s", "corral/" base[j] " rate, lat"
        printf "\n"
        for (k = 1; k <= n; k++) {
            r = order[k]; printf "%-8s", r
            for (i = 1; i <= m; i++) printf " | %-32s", cell(sv[i], r)
            for (j = 1; j <= nb; j++) printf " | %-22s", ratio(rate["corral", r], rate[base[j], r]) ", " ratio(lat["corral", r], lat[base[j], r])
            printf "\n"
        }
        printf "%-8s", "aval"; for (i = 1; i <= m; i++) printf " | %-32s", (sv[i] in aval ? aval[sv[i]] " ms wall" : "-")
        for (j = 1; j <= nb; j++) printf " | %-22s", "time " ratio(aval["corral"], aval[base[j]])
        printf "\n"
    }' $(for s in $SERVERS; do echo "$OUT/$s.txt"; done)

if [[ " $SERVERS " == *" corral "* ]]; then
    echo; echo "# Corral per run: replies, drops, store commits/transactions, event-loop lag"
    for run in $(for r in $RATES; do echo "r$r"; done) avalanche; do
        f="$OUT/corral-$run.log"
        [ -f "$f" ] || continue
        grep -h '^corral dhcp stats ' "$f" | sed 's/^corral dhcp stats //' | RUN=$run node -e '
            const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
            console.log(`${process.env.RUN}: replied=${s.replied} offers=${s.offers} acks=${s.acks} dropped=${s.dropped} storeCommits=${s.store.commits}/${s.store.transactions} tx largestBatch=${s.store.largestBatch} loopLag(mean/p99/max ms)=${s.loopLagMs.mean}/${s.loopLagMs.p99}/${s.loopLagMs.max}`);'
    done
fi
echo "# perfdhcp runs without -W: exchanges still in flight when it stops count as drops (1-2 per run at"
echo "# low latency, more as latency grows); kernel-drops (full receive buffer) and Corral's counters are real losses."
echo "# logs: $OUT"
