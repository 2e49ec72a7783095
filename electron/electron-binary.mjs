// Where the Electron binary is, without require('electron'): that package downloads the binary
// when it is missing, and here (ELECTRON_SKIP_BINARY_DOWNLOAD=1) a clear message is wanted
// instead. Shared by `npm run desktop` (launch.mjs) and the launch test.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const DEFAULT_NAME = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' };

/** { path } of the binary, or { missing: reason } saying what is absent and how to get it. */
export function electronBinary(root, platform = process.platform) {
  const pkg = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkg, 'package.json'))) return { missing: 'the electron package is absent from node_modules: run npm ci' };
  let name = DEFAULT_NAME[platform] ?? 'electron';
  try {
    name = readFileSync(join(pkg, 'path.txt'), 'utf8').trim() || name;
  } catch {
    // No path.txt: the binary was never fetched; the default name makes the message concrete.
  }
  const bin = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist'), name);
  if (existsSync(bin)) return { path: bin };
  return {
    missing:
      `Electron binary absent: ${relative(root, bin)} (npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or its download failed). ` +
      'Fetch it with: node node_modules/electron/install.js',
  };
}
