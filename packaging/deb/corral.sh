#!/bin/sh
# /usr/bin/corral: the Corral CLI from /usr/lib/corral on the system's Node (package nodejs).
# API commands (corral hosts, power...) default to the service's data folder.
: "${CORRAL_DATA:=/var/lib/corral}"
export CORRAL_DATA
exec /usr/bin/node /usr/lib/corral/bin/corral.js "$@"
