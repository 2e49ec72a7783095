// Shared bits of the store tests: temp dirs (always removed), sample records, a settable clock.

import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostRuntime, LifecycleState } from '../../src/model/index.js';

const made: string[] = [];

export async function tempDir(prefix = 'corral-store-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** What a kill -9 would leave: the data files as they are now (not the lock, which is ours). */
export async function crashCopy(dir: string): Promise<string> {
  const copy = await tempDir('corral-store-crash-');
  for (const f of await readdir(dir)) {
    if (f === 'state.json' || (f.startsWith('journal.') && !f.includes('.tmp-'))) await copyFile(join(dir, f), join(copy, f));
  }
  return copy;
}

export function host(id: string, state: LifecycleState = 'discovered', at = 1_000): HostRuntime {
  return { id, state, bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: at, updatedAt: at };
}

export class TestClock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
}
