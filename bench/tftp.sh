#!/usr/bin/env bash
# bench/tftp.sh - Corral's TFTP server (bench/tftp-server.ts) against tftpd-hpa and atftpd, in one
# run, with real clients on a private network (bench/net/lib.sh: a server namespace whose bridge
# holds 10.79.0.0/24, MTU 1500; client host 10.79.0.2 on a veth). Needs root.
#
# Usage: sudo bench/tftp.sh [--runs N] [--size-mib N] [--parallel N] [--parallel-kib N] [--servers "..."]
#   --runs N          repeat everything N times, keep each row's best time (default 1)
#   --size-mib N      single-download file (default 32: 65,536 blocks at 512 B, so block numbers roll over)
#   --parallel N      clients downloading at once in the concurrent rows (default 50, 0 = none)
#   --parallel-kib N  each concurrent client's file (default 1024, an ipxe.efi-sized first stage)
#   --servers LIST    default "tftpd-hpa atftpd corral"
# The servers run side by side (tftpd-hpa on .11, atftpd on .12, Corral on .13); rows, each
# against every server in turn:
#   single: one download of the big file at a time: curl (512 without options, blksize 1468),
#           tftp-hpa (512), atftp (512, 1468, and 1468 with RFC 7440 windowsize 4 and 16)
#   N x:    N clients started together, each fetching the small file: tftp-hpa (512, lock-step like a
#           PXE ROM), atftp blksize 1468 (what iPXE asks), atftp 1468 windowsize 4 (what OVMF asks);
#           the time is until the last one finished
# Every download is bounded by timeout(1) and compared byte for byte; a wrong one is a FAIL. Two
# untimed downloads from each server come first.
# atftpd conflicts with tftpd-hpa as a Debian package: when it is not installed, its package is
# fetched with `apt-get download` and unpacked into $CORRAL_BENCH_CACHE (default ~/.cache/corral-bench).
# Prints each result as it ends, then per row Corral's time next to each baseline's and the
# ratio baseline ms / Corral ms (> 1: Corral is faster).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/net/lib.sh"

RUNS=1; SIZE=32; PAR=50; PAR_KIB=1024; SERVERS="tftpd-hpa atftpd corral"
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;; --size-mib) SIZE=$2; shift 2 ;;
        --parallel) PAR=$2; shift 2 ;; --parallel-kib) PAR_KIB=$2; shift 2 ;; --servers) SERVERS=$2; shift 2 ;;
        -h|--help) awk 'NR==1{next} /^#/{sub(/^# ?/,""); print; next} {exit}' "$0"; exit 0 ;;
        *) echo "bench/tftp.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
net_need_root "network namespaces, port 69"
net_need_cmd ip ss node curl atftp tftp
tftp -V 2>&1 | grep -q tftp-hpa || net_die "the tftp on PATH is not tftp-hpa's (apt-get install tftp-hpa)"
[[ " $SERVERS " == *" tftpd-hpa "* ]] && net_need_cmd in.tftpd

if [[ " $SERVERS " == *" atftpd "* ]]; then
    ATFTPD=$(command -v atftpd)
    if [ -z "$ATFTPD" ]; then
        CACHE=${CORRAL_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/corral-bench}
        ATFTPD="$CACHE/atftpd/usr/sbin/atftpd"
        if [ ! -x "$ATFTPD" ]; then
            echo "# atftpd is not installed: unpacking its Debian package into $CACHE/atftpd"
            mkdir -p "$CACHE" && (cd "$CACHE" && rm -f atftpd_*.deb && apt-get download -q atftpd >/dev/null 2>&1 \
                && dpkg-deb -x atftpd_*.deb atftpd) || net_die "atftpd unavailable (apt-get download atftpd failed); or leave it out: --servers \"tftpd-hpa corral\""
        fi
    fi
fi

cd "$ROOT"
node --import tsx bench/tftp-server.ts --check || net_die "Corral's bench server does not load"
OUT=$(mktemp -d -t corral-tftp-bench.XXXXXX)
FILES="$OUT/root"; mkdir -p "$FILES"; chmod 755 "$OUT" "$FILES"   # the baselines serve it as nobody/tftp
BIG="big-${SIZE}m.bin"; SMALL="small-${PAR_KIB}k.bin"
head -c $((SIZE << 20)) /dev/urandom > "$FILES/$BIG"
head -c $((PAR_KIB << 10)) /dev/urandom > "$FILES/$SMALL"
chmod 644 "$FILES"/*

# All servers run at once, each on its own address of the bridge, and every row is measured against
# each in turn: load from other work on the machine then falls on all of them alike.
declare -A ADDR=([tftpd-hpa]=10.79.0.11 [atftpd]=10.79.0.12 [corral]=10.79.0.13)
net_lab_up "corral-tftp-$$" 10.79.0.1/24
net_host_add cli 10.79.0.2/24
net_on_exit 'for s in $SERVERS; do net_stop "$OUT/$s.pid"; done; rm -rf "$OUT"'

listening() { net_in -- ss -Hlnu "src = $1 and sport = :69" | grep -q .; }
start_server() {
    local ip=${ADDR[$1]:-} log="$OUT/$1.log" user=tftp
    [ -n "$ip" ] || net_die "unknown server $1 (tftpd-hpa, atftpd, corral)"
    net_in -- ip addr add "$ip/24" dev "$NET_BR"
    case "$1" in
    tftpd-hpa)
        id tftp >/dev/null 2>&1 || user=nobody
        net_start "$OUT/$1.pid" "$log" -- in.tftpd -L -s -u "$user" -a "$ip:69" "$FILES" ;;
    atftpd)
        net_start "$OUT/$1.pid" "$log" -- "$ATFTPD" --daemon --no-fork --port 69 --bind-address "$ip" \
            --user nobody --group nogroup --logfile "$OUT/atftpd-own.log" "$FILES" ;;
    corral)
        net_start "$OUT/$1.pid" "$log" -- env TFTP_ROOT="$FILES" LAB_SERVER_IP="$ip" node --import tsx bench/tftp-server.ts ;;
    esac
    net_wait 30 listening "$ip" || { cat "$log" >&2; net_die "$1 did not start listening on $ip:69"; }
}

# fetch SERVER-IP CLIENT BLKSIZE WINDOW REMOTE LOCAL: one bounded download (in the client namespace).
fetch() {
    local ip=$1 c=$2 b=$3 w=$4 remote=$5 local=$6 cmd
    case "$c" in
        curl) cmd=(curl -sS --fail -o "$local")
              if [ "$b" = 512 ]; then cmd+=(--tftp-no-options); else cmd+=(--tftp-blksize "$b"); fi
              cmd+=("tftp://$ip/$remote") ;;
        tftp-hpa) cmd=(tftp "$ip" -m binary -c get "$remote" "$local") ;;
        atftp) cmd=(atftp --get -r "$remote" -l "$local")
              [ "$b" = 512 ] || cmd+=(--option "blksize $b")
              [ "$w" = 1 ] || cmd+=(--option "windowsize $w")
              cmd+=("$ip") ;;
    esac
    timeout 120 "${cmd[@]}"
}
# fetch_many N SERVER-IP CLIENT BLKSIZE WINDOW REMOTE DIR: N downloads at once; prints the wall ms.
fetch_many() {
    local n=$1 i t0 t1
    shift
    t0=$(date +%s%3N)
    for i in $(seq 1 "$n"); do fetch "$1" "$2" "$3" "$4" "$5" "$6/got.$i" > "$6/log.$i" 2>&1 & done
    wait
    t1=$(date +%s%3N)
    echo $((t1 - t0))
}
export -f fetch fetch_many

# One row each, the result in RESULT: milliseconds, or FAIL(...).
single() {  # SERVER CLIENT BLKSIZE WINDOW
    local got="$OUT/got" t0 t1 rc
    rm -f "$got"
    t0=$(net_ms)
    net_run cli -- bash -c 'fetch "$@"' _ "${ADDR[$1]}" "$2" "$3" "$4" "$BIG" "$got" > "$OUT/client.log" 2>&1; rc=$?
    t1=$(net_ms)
    if [ $rc = 0 ] && cmp -s "$got" "$FILES/$BIG"; then RESULT=$((t1 - t0))
    else RESULT="FAIL(rc=$rc,bytes=$(stat -c %s "$got" 2>/dev/null || echo 0),$(tr '\n' ' ' < "$OUT/client.log" | cut -c1-50))"; fi
}
many() {  # SERVER CLIENT BLKSIZE WINDOW
    local dir="$OUT/many" i bad=0
    rm -rf "$dir"; mkdir -p "$dir"
    net_run cli -- bash -c 'fetch_many "$@"' _ "$PAR" "${ADDR[$1]}" "$2" "$3" "$4" "$SMALL" "$dir" > "$OUT/many.ms"
    for i in $(seq 1 "$PAR"); do cmp -s "$dir/got.$i" "$FILES/$SMALL" || bad=$((bad + 1)); done
    if [ "$bad" = 0 ]; then RESULT=$(cat "$OUT/many.ms"); else RESULT="FAIL($bad/$PAR wrong,$(cat "$dir"/log.* | tr '\n' ' ' | cut -c1-50))"; fi
}

SINGLE="curl:512:1 curl:1468:1 tftp-hpa:512:1 atftp:512:1 atftp:1468:1 atftp:1468:4 atftp:1468:16"
MANY="tftp-hpa:512:1 atftp:1468:1 atftp:1468:4"
[ "$PAR" -gt 0 ] || MANY=""
RES="$OUT/results"; : > "$RES"
row() {  # SERVER ROWS CLIENT BLKSIZE WINDOW RESULT BYTES
    local mib=-
    [[ "$6" =~ ^[0-9]+$ ]] && mib=$(awk -v b="$7" -v ms="$6" 'BEGIN { printf "%.1f", b / 1048576 / (ms / 1000) }')
    printf '%-10s %-7s %-9s %-8s %-7s %-10s %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$mib" | tee -a "$RES"
}

echo "# bench/tftp.sh $(date -u +%FT%TZ) cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg) single=${SIZE}MiB parallel=${PAR}x${PAR_KIB}KiB runs=$RUNS"
for s in $SERVERS; do start_server "$s"; done
# Untimed downloads from each first (lock-step without options, and windowed), so that no
# server's first row also measures its start: Node compiles Corral's hot paths during its first transfers.
for s in $SERVERS; do
    for c in tftp-hpa:512:1 atftp:1468:4; do
        IFS=: read -r cl b w <<< "$c"
        net_run cli -- bash -c 'fetch "$@"' _ "${ADDR[$s]}" "$cl" "$b" "$w" "$SMALL" "$OUT/warm" > /dev/null 2>&1 \
            || net_die "warm-up download from $s failed"
    done
done
for run in $(seq 1 "$RUNS"); do
    echo "## run $run/$RUNS"
    printf '%-10s %-7s %-9s %-8s %-7s %-10s %s\n' server rows client blksize window ms MiB/s
    for c in $SINGLE; do
        IFS=: read -r cl b w <<< "$c"
        for s in $SERVERS; do single "$s" "$cl" "$b" "$w"; row "$s" single "$cl" "$b" "$w" "$RESULT" $((SIZE << 20)); done
    done
    for c in $MANY; do
        IFS=: read -r cl b w <<< "$c"
        for s in $SERVERS; do many "$s" "$cl" "$b" "$w"; row "$s" "${PAR}x" "$cl" "$b" "$w" "$RESULT" $((PAR * PAR_KIB << 10)); done
    done
done
for s in $SERVERS; do net_stop "$OUT/$s.pid"; done
[ -f "$OUT/corral.log" ] && grep -h 'corral tftp stats' "$OUT/corral.log"

echo
echo "# best of $RUNS run(s); single = one ${SIZE} MiB download, ${PAR}x = ${PAR} clients at once, ${PAR_KIB} KiB each"
echo "# ratio = baseline ms / corral ms (> 1: corral faster); MiB/s is Corral's (all clients together for ${PAR}x)"
awk -v big=$((SIZE << 20)) -v small=$((PAR * PAR_KIB << 10)) '
    { k = $2 " " $3 " " $4 " " $5; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
    $6 ~ /^[0-9]+$/ { if (!((k, $1) in best) || $6 < best[k, $1]) best[k, $1] = $6; next }
    { fail[k, $1] = 1 }
    function cell(k, s) { return ((k, s) in best) ? best[k, s] : (((k, s) in fail) ? "FAIL" : "-") }
    function ratio(k, s) { return ((k, s) in best && (k, "corral") in best) ? sprintf("%.2f", best[k, s] / best[k, "corral"]) : "-" }
    function mibs(k, bytes) { return ((k, "corral") in best) ? sprintf("%.1f", bytes / 1048576 / (best[k, "corral"] / 1000)) : "-" }
    END {
        printf "%-7s %-9s %-7s %-6s %10s %7s %10s %10s %7s %9s\n", "rows", "client", "blksize", "window", "corral_ms", "MiB/s", "tftpd-hpa", "atftpd", "vs_hpa", "vs_atftpd"
        for (i = 1; i <= n; i++) {
            k = order[i]; split(k, f, " ")
            printf "%-7s %-9s %-7s %-6s %10s %7s %10s %10s %7s %9s\n", f[1], f[2], f[3], f[4], cell(k, "corral"),
                mibs(k, f[1] == "single" ? big : small), cell(k, "tftpd-hpa"), cell(k, "atftpd"), ratio(k, "tftpd-hpa"), ratio(k, "atftpd")
        }
    }' "$RES"
