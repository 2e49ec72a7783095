// A copy of the last SoT that loaded without errors, kept in the data folder, so that an
// appliance restarted with a broken SoT on disk still serves what it served before.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

export async function saveLastGood(dir: string, files: { rel: string; text: string }[]): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  for (const f of files) {
    const p = join(tmp, f.rel);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, f.text);
  }
  await mkdir(tmp, { recursive: true });
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

export function hasLastGood(dir: string): boolean {
  return existsSync(dir);
}
