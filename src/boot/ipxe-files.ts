// Where the iPXE binaries come from: the package's pxe/ folder, filled from Debian's ipxe
// package by `npm run setup:pxe` (scripts/setup-pxe.sh); Debian's own folder as a fallback.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../lib/package-root.js';

export const DEBIAN_IPXE_DIR = '/usr/lib/ipxe';

export function defaultTftpRoot(): string {
  const own = join(packageRoot(), 'pxe');
  if (existsSync(join(own, 'undionly.kpxe'))) return own;
  return existsSync(DEBIAN_IPXE_DIR) ? DEBIAN_IPXE_DIR : own;
}
