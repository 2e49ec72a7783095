// One process per data directory. Two writers appending to the same journal would interleave
// lines and corrupt it, so the store takes a lock file first and fails clearly if it cannot.
//
// The lock is created atomically *with* its content: the pid is written to a private temp file
// which is then hard-linked to the lock name (link fails with EEXIST if the lock exists). So a
// lock file is never seen empty or half-written while its owner lives. A lock whose pid is dead
// on this host (kill -9, crash, reboot) is stale and is taken over.

import { hostname } from 'node:os';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { ApplianceError } from '../model/errors.js';

export interface DirLock {
  readonly path: string;
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  since: number;
}

export async function acquireLock(path: string, onStale?: (holder: Holder | undefined) => void): Promise<DirLock> {
  const me: Holder = { pid: process.pid, host: hostname(), since: Date.now() };
  // A few attempts: a retry follows the removal of a stale lock (or a lock released meanwhile).
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path, me)) return { path, release: () => release(path, me) };
    const holder = await readHolder(path);
    if (holder === null) continue; // released between our link and our read
    if (holder && isLive(holder)) {
      throw new ApplianceError(
        'STORE_FAILED',
        `data directory is in use: ${path} is held by pid ${holder.pid} on ${holder.host} ` +
          `since ${new Date(holder.since).toISOString()}; stop that Corral first` +
          (holder.host === me.host ? '' : ' (or delete the lock file if that host is down)'),
        { lock: path, pid: holder.pid, host: holder.host },
      );
    }
    onStale?.(holder);
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  throw new ApplianceError('STORE_FAILED', `could not take the lock ${path} (another process keeps taking it)`);
}

async function tryCreate(path: string, me: Holder): Promise<boolean> {
  const tmp = `${path}.${me.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, JSON.stringify(me) + '\n', { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** null: no lock file; undefined: a lock file that does not say who holds it. */
async function readHolder(path: string): Promise<Holder | undefined | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string') return { pid: h.pid, host: h.host, since: Number(h.since) || 0 };
  } catch {
    // Unreadable: only a power loss right after creation can do that, and then nobody holds it.
  }
  return undefined;
}

/** Live = possibly live. A lock from another host cannot be checked, so it counts as live. */
function isLive(h: Holder): boolean {
  if (h.host !== hostname()) return true;
  if (h.pid === process.pid) return true; // this very process already has the directory open
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

async function release(path: string, me: Holder): Promise<void> {
  const holder = await readHolder(path);
  // Never delete a lock that is not ours (e.g. someone removed ours by hand and took it).
  if (holder && holder.pid === me.pid && holder.host === me.host && holder.since === me.since) {
    await unlink(path).catch(() => {});
  }
}
