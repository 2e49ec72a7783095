// The installed package's root folder (holds pxe/, examples/), whether running from src/ under
// tsx or from dist/ after a build.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'pxe'))) return (cached = dir);
    dir = dirname(dir);
  }
  throw new Error('cannot find the Corral package root (package.json beside pxe/)');
}
