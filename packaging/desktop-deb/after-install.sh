#!/bin/sh
# Desktop .deb, after install: the corral service account and state folder (as the headless
# .deb's postinst), and the example SoT in /etc/corral/sot unless one is there already.
set -e
mkdir -p -m 0750 /var/lib/corral
if ! getent passwd corral >/dev/null; then
  adduser --system --group --home /var/lib/corral --no-create-home --shell /usr/sbin/nologin --gecos "Corral appliance" corral >/dev/null
fi
install -d -m 0750 -o corral -g corral /var/lib/corral
if [ ! -e /etc/corral/sot ]; then
  mkdir -p /etc/corral
  cp -r /opt/Corral/resources/app/examples/lab /etc/corral/sot
fi
chmod 0755 /usr/bin/corral
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
exit 0
