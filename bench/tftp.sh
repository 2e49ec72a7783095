#!/usr/bin/env bash
# bench/tftp.sh - Corral's TFTP server against tftpd-hpa and atftpd, in one run of the lab harness
# (/work/shared/harness/tftp-perf.sh: private network namespaces, veth + bridge at MTU 1500, real
# clients curl / tftp-hpa / atftp, each download compared byte for byte).
#
# Usage: sudo bench/tftp.sh [--runs N] [--size-mib N]
#   --runs N       repeat the whole harness run N times and keep each row's best time (default 1)
#   --size-mib N   file size (default 32: 65 536 blocks at 512 B, so block numbers roll over)
#   env HARNESS    harness directory (default /work/shared/harness)
# Needs root (namespaces, port 69). Prints the harness rows, then per client/blksize/windowsize
# Corral's time next to each baseline and the throughput ratio baseline_ms / corral_ms (> 1:
# Corral is faster).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARNESS="${HARNESS:-/work/shared/harness}"
RUNS=1
SIZE=32
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --size-mib) SIZE=$2; shift 2 ;;
        -h|--help) awk 'NR==1{next} /^#/{sub(/^# ?/,""); print; next} {exit}' "$0"; exit 0 ;;
        *) echo "bench/tftp.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench/tftp.sh: must run as root (network namespaces, port 69)" >&2; exit 1; }
[ -x "$HARNESS/tftp-perf.sh" ] || { echo "bench/tftp.sh: no harness at $HARNESS" >&2; exit 1; }
for c in curl atftp /usr/bin/tftp /usr/sbin/in.tftpd; do
    command -v "$c" >/dev/null || echo "bench/tftp.sh: warning: $c not installed, its rows are missing" >&2
done

# The harness gives a started server 0.7 s before the first client: warm tsx's transform cache
# so that node is listening by then (a lost first RRQ costs curl a 72 s retry).
(cd "$REPO" && node --import tsx bench/tftp-server.ts --check)

# The harness runs this inside its namespace, with TFTP_ROOT and LAB_SERVER_IP exported.
CMD="cd '$REPO' && exec node --import tsx bench/tftp-server.ts"
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
for run in $(seq 1 "$RUNS"); do
    echo "## run $run/$RUNS"
    "$HARNESS/tftp-perf.sh" --server-cmd "$CMD" --servers "tftpd-hpa atftpd cmd" \
        --blksizes "512 1468" --windowsizes "4 16" --size-mib "$SIZE" | sed 's/^cmd /corral/' | tee -a "$OUT"
    log="${LAB_STATE:-/tmp/pxelab-pxetftp}/tftp-cmd.log"
    [ -f "$log" ] && grep -h 'corral tftp stats' "$log" || true
done

echo
echo "# best of $RUNS run(s), ${SIZE} MiB; ratio = baseline ms / corral ms (> 1: corral faster)"
awk -v size="$SIZE" '
    $1 ~ /^(tftpd-hpa|atftpd|corral)$/ && $5 ~ /^[0-9]+$/ {
        k = $2 " " $3 " " $4
        if (!((k, $1) in best) || $5 < best[k, $1]) best[k, $1] = $5
        if (!(k in seen)) { seen[k] = 1; order[++n] = k }
    }
    $1 ~ /^(tftpd-hpa|atftpd|corral)$/ && $5 ~ /^FAIL/ { fail[$2 " " $3 " " $4, $1]++ }
    function cell(k, s) { return ((k, s) in best) ? best[k, s] : (((k, s) in fail) ? "FAIL" : "-") }
    function ratio(k, s) {
        if (!((k, s) in best) || !((k, "corral") in best)) return "-"
        return sprintf("%.2f", best[k, s] / best[k, "corral"])
    }
    function mibs(k) { return ((k, "corral") in best) ? sprintf("%.1f", size / (best[k, "corral"] / 1000)) : "-" }
    END {
        printf "%-9s %-7s %-6s %10s %8s %10s %10s %9s %9s\n", "client", "blksize", "window", "corral_ms", "MiB/s", "tftpd-hpa", "atftpd", "vs_hpa", "vs_atftpd"
        for (i = 1; i <= n; i++) {
            k = order[i]; split(k, f, " ")
            printf "%-9s %-7s %-6s %10s %8s %10s %10s %9s %9s\n", f[1], f[2], f[3], cell(k, "corral"), mibs(k),
                cell(k, "tftpd-hpa"), cell(k, "atftpd"), ratio(k, "tftpd-hpa"), ratio(k, "atftpd")
        }
    }' "$OUT"
