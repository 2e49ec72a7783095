// Builds Corral's native helper: build/native/corral-tftp-pump from native/tftp-pump.c (the data
// phase of TFTP transfers of files on disk, src/tftp/pump.ts). Run by `npm ci`/`npm install`
// (prepare), `npm run build` and the Debian package build. Linux only (the pump uses eventfd and
// prctl); elsewhere, or without a C compiler, it says so and exits 0: Corral then serves every
// TFTP transfer in JavaScript (slower with many lock-step clients, same behaviour on the wire).
// CORRAL_REQUIRE_NATIVE=1 makes a missing compiler an error (CI as root, packaging). $CC picks
// the compiler (default cc). Rebuilt only when the source is newer than the binary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'native', 'tftp-pump.c');
const out = path.join(root, 'build', 'native', 'corral-tftp-pump');
const required = process.env.CORRAL_REQUIRE_NATIVE === '1';

function skip(why) {
  process.stderr.write(`build-native: ${why}: TFTP transfers will run in JavaScript\n`);
  process.exit(required ? 1 : 0);
}

if (process.platform !== 'linux') skip(`the TFTP pump is Linux-only (this is ${process.platform})`);
const cc = process.env.CC || 'cc';
if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).error) skip(`no C compiler (${cc}; apt-get install gcc)`);
if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) process.exit(0);
mkdirSync(path.dirname(out), { recursive: true });
const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-std=c11', '-pthread', '-o', `${out}.tmp`, src], { stdio: 'inherit' });
if (r.status !== 0) skip(`${cc} failed on native/tftp-pump.c`);
renameSync(`${out}.tmp`, out);
