#!/bin/sh
# /usr/bin/corral: the Corral CLI from /usr/lib/corral on the system's Node (package nodejs).
# API commands (corral hosts, power...) default to the service's data folder.
: "${CORRAL_DATA:=/var/lib/corral}"
export CORRAL_DATA
# The built GUI: the core's own lookup expects a source checkout (src/ beside dist/).
: "${CORRAL_GUI_DIR:=/usr/lib/corral/dist/gui}"
export CORRAL_GUI_DIR
exec /usr/bin/node /usr/lib/corral/bin/corral.js "$@"
