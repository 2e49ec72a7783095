#!/bin/sh
# /usr/bin/corral of the desktop .deb: the same CLI and the same corral.service as the headless
# .deb, run on the Node inside Electron (ELECTRON_RUN_AS_NODE), so no system nodejs is needed.
: "${CORRAL_DATA:=/var/lib/corral}"
export CORRAL_DATA
: "${CORRAL_GUI_DIR:=/opt/Corral/resources/app/dist/gui}"
export CORRAL_GUI_DIR
ELECTRON_RUN_AS_NODE=1 exec /opt/Corral/corral-desktop /opt/Corral/resources/app/dist/src/bin.js "$@"
