#!/usr/bin/env node
// npm run desktop: builds, then runs the desktop app on the Electron binary — or says plainly
// that the binary is missing (ELECTRON_SKIP_BINARY_DOWNLOAD=1 installs skip it) and exits 1.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const found = electronBinary(root);
if (!found.path) {
  console.error(`corral desktop: cannot start: ${found.missing}`);
  process.exit(1);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (build.status !== 0) {
  console.error('corral desktop: npm run build failed');
  process.exit(build.status ?? 1);
}
const child = spawn(found.path, [join(root, 'dist/electron/main.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
