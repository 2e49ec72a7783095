#!/usr/bin/env bash
# Copies the iPXE binaries Corral serves over TFTP from Debian's ipxe package into pxe/
# (dereferencing Debian's symlinks, so the TFTP root holds real files). Not committed: GPL
# binaries come from the distribution.
set -euo pipefail
cd "$(dirname "$0")/.."
src=/usr/lib/ipxe
if [ ! -d "$src" ]; then
  echo "setup-pxe: $src not found; install Debian's ipxe package (apt-get install ipxe)" >&2
  exit 1
fi
for f in undionly.kpxe snponly.efi ipxe.efi; do
  if [ -e "$src/$f" ]; then cp -L "$src/$f" "pxe/$f"; fi
done
ls -l pxe/*.kpxe pxe/*.efi
