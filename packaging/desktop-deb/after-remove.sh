#!/bin/sh
# Desktop .deb, after removal: on purge the state folder and /etc/corral go; the corral user
# stays (as with the headless .deb, docs/packaging.md).
set -e
if [ "$1" = purge ]; then
  rm -rf /var/lib/corral /etc/corral
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
exit 0
