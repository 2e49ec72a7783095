#!/usr/bin/env bash
# Builds Corral's native helper: build/native/corral-tftp-pump from native/tftp-pump.c (the data
# phase of TFTP transfers of files on disk, src/tftp/pump.ts). Run by `npm ci`/`npm install`
# (prepare) and by the Debian package build. Without a C compiler it says so and exits 0: Corral
# then serves every TFTP transfer in JavaScript (slower with many lock-step clients, same
# behaviour). CORRAL_REQUIRE_NATIVE=1 makes a missing compiler an error (CI, packaging).
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/native/corral-tftp-pump
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
  msg="build-native: no C compiler ($cc; apt-get install gcc): TFTP transfers will run in JavaScript"
  if [ "${CORRAL_REQUIRE_NATIVE:-}" = 1 ]; then echo "$msg" >&2; exit 1; fi
  echo "$msg" >&2
  exit 0
fi
mkdir -p build/native
# Rebuilt only when the source is newer than the binary.
if [ ! -x "$out" ] || [ native/tftp-pump.c -nt "$out" ]; then
  "$cc" -O2 -Wall -Wextra -std=c11 -pthread -o "$out.tmp" native/tftp-pump.c
  mv "$out.tmp" "$out"
fi
