#!/usr/bin/env bash
# End-to-end boot time, side by side in one run: each harness scenario (QEMU VM from power-on to
# its HTTP callback) with the dnsmasq stand-in and with Corral, plus the IPv6 RA trick (the
# stand-in with netlab.sh ra-start vs Corral's own `ipv6_ra: true`). Needs root, QEMU, OVMF.
#   sudo bench/boot-e2e.sh [--runs 1] [--scenarios "bios-ipxe uefi-native bios-proxy uefi-proxy"]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
H="$ROOT/../shared/harness"
RUNS=1; SCEN="bios-ipxe uefi-native bios-proxy uefi-proxy"
while [ $# -gt 0 ]; do case "$1" in --runs) RUNS=$2; shift 2 ;; --scenarios) SCEN=$2; shift 2 ;; *) echo "unknown $1"; exit 2 ;; esac; done
# QEMU through the TCG wrapper: nested KVM on these machines makes guests crawl (CORRAL_E2E_KVM=1 keeps it).
export PATH="$ROOT/test/e2e/tcg-bin:$PATH"
OUT=$(mktemp -d)
run() { # label env... -- selftest args
    local label=$1; shift
    env "$@" "$H/selftest.sh" --only "$SCEN_ARG" --timeout 240 2>/dev/null | grep -E ' (PASS|FAIL) ' | sed "s/^/$label /" >> "$OUT/results" || true
}
for r in $(seq 1 "$RUNS"); do
    SCEN_ARG="$SCEN"; run standin
    run corral SERVER_START="$ROOT/test/e2e/corral-server.sh start" SERVER_STOP="$ROOT/test/e2e/corral-server.sh stop"
    SCEN_ARG="bios-ipxe-ra"; run standin
    SCEN_ARG="bios-ipxe"; run corral-ra CORRAL_IPV6_RA=1 SERVER_START="$ROOT/test/e2e/corral-server.sh start" SERVER_STOP="$ROOT/test/e2e/corral-server.sh stop"
done
echo "# boot to callback, ms (best of $RUNS run(s); TCG on a shared 2-core machine: +-20 % noise)"
printf '%-14s %12s %12s %8s\n' scenario standin corral ratio
best() { awk -v l="$1" -v s="$2" '$1==l && $2==s && $3=="PASS" {if (m==""||$4<m) m=$4} END {print (m==""?"FAIL":m)}' "$OUT/results"; }
for s in $SCEN; do
    a=$(best standin "$s"); b=$(best corral "$s")
    ratio=$( [ "$a" != FAIL ] && [ "$b" != FAIL ] && awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a/b}' || echo -)
    printf '%-14s %12s %12s %8s\n' "$s" "$a" "$b" "$ratio"
done
a=$(best standin bios-ipxe-ra); b=$(best corral-ra bios-ipxe); c=$(best corral bios-ipxe)
printf '%-14s %12s %12s %8s\n' "bios-ipxe+RA" "$a" "$b" "$( [ "$a" != FAIL ] && [ "$b" != FAIL ] && awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a/b}' || echo -)"
echo "ratio = standin ms / corral ms (above 1: Corral faster). Corral's ipv6_ra saves $( [ "$b" != FAIL ] && [ "$c" != FAIL ] && echo $((c - b)) || echo '?') ms on bios-ipxe"
if [ -n "${BOOT_E2E_DETAILS:-}" ]; then echo "# milestones"; cat "$OUT/results"; fi
rm -rf "$OUT"
