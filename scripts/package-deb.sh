#!/usr/bin/env bash
# npm run package:deb -> dist/packages/corral_<version>_<arch>.deb: the headless appliance (no
# Electron), built with Debian's own dpkg-deb. Layout:
#   /usr/lib/corral/{package.json,bin,dist,pxe/*.tpl,node_modules}  the app, production deps only
#   /usr/lib/corral/build/native/corral-tftp-pump  the TFTP pump (native/tftp-pump.c)
#   /usr/bin/corral                        launcher: /usr/bin/node /usr/lib/corral/bin/corral.js
#   /usr/lib/systemd/system/corral.service  User=corral, CAP_NET_BIND_SERVICE + CAP_NET_RAW
#   /etc/corral/sot/ (the example lab SoT), /etc/default/corral   conffiles
#   /var/lib/corral (0750 corral:corral)    made by postinst, removed on purge
# Options: --out DIR (default dist/packages), --no-build (reuse dist/ as it is).
# The build is the core and the GUI of `npm run build` (not the desktop app).
# Node comes from the nodejs package (Depends: nodejs (>= 20.19)); docs/packaging.md says why
# and where to get it on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

out=dist/packages
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "package-deb: unknown option $1 (use --out DIR, --no-build)" >&2; exit 2 ;;
  esac
done
for tool in dpkg-deb npm; do
  command -v "$tool" >/dev/null || { echo "package-deb: $tool is needed (apt-get install dpkg-dev / nodejs)" >&2; exit 1; }
done

version=$(node -p 'require("./package.json").version')
node_min=$(node -p 'require("./package.json").engines.node.replace(/^>=\s*/, "")')

if [ "$build" = 1 ]; then
  # What `npm run build` makes, minus the desktop app (not in this package; its compile re-checks
  # the core and doubles the time). Incremental: a rebuild compiles what changed (< 2 min total).
  echo "== build: core (tsc) and GUI"
  info="$ROOT/.corral-tmp/deb-tsc.tsbuildinfo"
  # tsc trusts its build info over dist/: without dist/, start over.
  [ -f dist/src/bin.js ] || rm -f "$info"
  mkdir -p "$ROOT/.corral-tmp"
  npx tsc -p tsconfig.json --incremental --tsBuildInfoFile "$info"
  if node -e 'process.exit(require("./package.json").scripts?.["build:gui"] ? 0 : 1)'; then npm run build:gui --silent; fi
fi
[ -f dist/src/bin.js ] || { echo "package-deb: dist/src/bin.js missing: run npm run build" >&2; exit 1; }

# Production node_modules, cached by the lock file: `npm ci` runs once per dependency change.
cache="$ROOT/.corral-tmp/deb-modules/$(cat package.json package-lock.json | sha256sum | cut -c1-16)"
if [ ! -d "$cache/node_modules" ]; then
  echo "== npm ci --omit=dev (cached in $cache)"
  rm -rf "$cache.tmp" && mkdir -p "$cache.tmp"
  cp package.json package-lock.json "$cache.tmp/"
  # --ignore-scripts: `prepare` would compile TypeScript, which production installs do not have.
  (cd "$cache.tmp" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error)
  rm -rf "$cache" && mv "$cache.tmp" "$cache"
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/corral-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
umask 022
lib="$stage/usr/lib/corral"
mkdir -p "$lib/bin" "$lib/pxe" "$lib/dist" "$stage/usr/bin" "$stage/usr/lib/systemd/system" \
  "$stage/etc/default" "$stage/etc/corral" "$stage/usr/share/doc/corral" "$stage/DEBIAN"

cp package.json "$lib/"
cp bin/corral.js "$lib/bin/"
cp pxe/*.tpl "$lib/pxe/"
# Everything compiled except the desktop app, tests, benchmarks and our own output; no source maps.
tar -C dist --exclude=./electron --exclude=./test --exclude=./bench --exclude=./packages \
  --exclude='*.map' -cf - . | tar -C "$lib/dist" -xf -
cp -a "$cache/node_modules" "$lib/"
# The TFTP pump (native/tftp-pump.c, src/tftp/pump.ts finds it under build/native/ of the app).
CORRAL_REQUIRE_NATIVE=1 node scripts/build-native.mjs
mkdir -p "$lib/build/native"
install -m 0755 build/native/corral-tftp-pump "$lib/build/native/corral-tftp-pump"
install -m 0755 packaging/deb/corral.sh "$stage/usr/bin/corral"
install -m 0644 packaging/deb/corral.service "$stage/usr/lib/systemd/system/corral.service"
install -m 0644 packaging/deb/default "$stage/etc/default/corral"
cp -r examples/lab "$stage/etc/corral/sot"
install -m 0644 README.md "$stage/usr/share/doc/corral/README.md"
printf 'Corral\nLicense: Apache-2.0\nOn Debian systems the license is in /usr/share/common-licenses/Apache-2.0.\n' >"$stage/usr/share/doc/corral/copyright"
for s in postinst prerm postrm; do install -m 0755 "packaging/deb/$s" "$stage/DEBIAN/$s"; done
# Every file under /etc is the operator's to edit: dpkg keeps their edits on upgrade.
(cd "$stage" && find etc -type f | sort | sed 's|^|/|') >"$stage/DEBIAN/conffiles"
# Normal modes whatever the checkout's umask was.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage/usr/lib/corral" "$stage/etc" "$stage/usr/share" -type f -exec chmod 0644 {} +
chmod 0755 "$lib/build/native/corral-tftp-pump"

# The TFTP pump is compiled for this machine: the package is for its architecture.
arch=$(dpkg --print-architecture)
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: corral
Version: $version
Architecture: $arch
Maintainer: Corral maintainers <corral@localhost>
Installed-Size: $size
Depends: nodejs (>= $node_min), adduser
Recommends: ipxe, ipmitool, python3
Section: admin
Priority: optional
Homepage: https://github.com/corral-appliance/corral
Description: bare-metal provisioning appliance (headless)
 Corral provisions bare-metal machines from a source of truth (SoT) folder:
 DHCP, TFTP and HTTP boot services, BMC power control, a REST API and a
 planner. This package runs it as the systemd service corral.service; the
 desktop app is packaged separately.
CONTROL

mkdir -p "$out"
deb="$out/corral_${version}_${arch}.deb"
# --root-owner-group: files belong to root in the package without needing fakeroot.
dpkg-deb --root-owner-group -Zxz -z6 --build "$stage" "$deb" >/dev/null
echo "$deb"
