#!/usr/bin/env bash
# The whole test suite, from a fresh clone. As root it first installs the Debian packages the
# tests need (QEMU, iPXE, OVMF, ipmitool, ipmi_sim, DHCP/TFTP clients and baselines, Chromium),
# then `npm ci` (which also compiles TypeScript), then runs every test with node:test.
# Tests that need root, QEMU or network namespaces say why when they skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1

APT_PACKAGES="qemu-system-x86 ipxe-qemu ipxe ovmf dnsmasq openipmi ipmitool freeipmi-tools busybox-static
  cpio socat tftp-hpa atftp tftpd-hpa kea-admin curl tshark chromium isc-dhcp-client iproute2 wrk"

if [ "$(id -u)" = 0 ]; then
  missing=""
  for p in $APT_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    echo "== installing Debian packages:$missing"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
  fi
else
  echo "== not root: Debian packages not installed; root-only tests (namespaces, QEMU, port 67/69) will skip"
fi

if [ -d /usr/lib/ipxe ]; then bash scripts/setup-pxe.sh >/dev/null; fi

if [ "${CORRAL_SKIP_NPM_CI:-}" != 1 ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

shopt -s globstar nullglob
files=(test/**/*.test.ts)
echo "== running ${#files[@]} test files"
exec node --import tsx --test --test-concurrency=1 --test-timeout=900000 "${files[@]}"
