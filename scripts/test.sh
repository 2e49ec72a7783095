#!/usr/bin/env bash
# The whole test suite, from a fresh clone. As root it first installs the Debian packages the
# tests need (QEMU and qemu-img, iPXE, OVMF, ipmitool, ipmi_sim, Redfish clients, openssl, DHCP/TFTP
# clients and baselines, Chromium, gcc), then `npm ci` (which also compiles TypeScript and the TFTP
# pump, native/tftp-pump.c), then runs every
# test with node:test.
# Tests that need root, QEMU or network namespaces say why when they skip; every skip is listed at
# the end (scripts/skip-reporter.mjs). With CI=true as root, where everything is installed, a skip
# of a test that needs a real part fails the run even though node:test passed.
set -euo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1

APT_PACKAGES="qemu-system-x86 ipxe-qemu ipxe ovmf dnsmasq openipmi ipmitool freeipmi-tools busybox-static
  cpio socat tftp-hpa atftp tftpd-hpa kea-admin curl tshark chromium isc-dhcp-client iproute2 wrk
  redfishtool python3-sushy openssl qemu-utils gcc libc6-dev"

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
# The TFTP pump (native/tftp-pump.c): `npm ci` builds it; built here too when npm ci is skipped.
# As root (where gcc was installed above) a missing compiler is an error, not a silent fallback.
if [ "$(id -u)" = 0 ]; then CORRAL_REQUIRE_NATIVE=1 node scripts/build-native.mjs; else node scripts/build-native.mjs; fi

shopt -s globstar nullglob
# Arguments, if any, are the test files to run (same reporting and CI rules); default: all.
if [ $# -gt 0 ]; then files=("$@"); else files=(test/**/*.test.ts); fi
echo "== running ${#files[@]} test files"
skips=$(mktemp)
trap 'rm -f "$skips"' EXIT
# --test-timeout bounds each FILE as a whole (and is the default of a test without its own
# timeout). A stuck test must be cancelled by its own timeout, with its own message, so the file
# bound sits above the longest file's budgets: test/e2e/lab.test.ts gives its tests 59 minutes in
# all, and its lab up/down hooks up to 14 more (their spawnSync timeouts).
set +e
node --import tsx --test --test-concurrency=1 --test-timeout=4800000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./scripts/skip-reporter.mjs --test-reporter-destination="$skips" \
  "${files[@]}"
rc=$?
set -e
# A failing run keeps its own exit code; a passing one fails if real parts were skipped under CI
# (or if the skips cannot be read: enforcement must not vanish with the file).
node scripts/skip-reporter.mjs "$skips" || { [ "$rc" != 0 ] || rc=1; }
exit "$rc"
