// One process per data directory. Two writers appending to the same journal would interleave
// lines and corrupt it, so the store takes a lock file first and fails clearly if it cannot.
//
// The lock is created atomically *with* its content: the holder's identity is written to a
// private temp file which is then hard-linked to the lock name (link fails with EEXIST if the
// lock exists), so a lock file is never seen empty or half-written while its owner lives. The
// owner touches the file every few seconds (heartbeat).
//
// A lock is stale, and taken over, when any of these says its owner is gone:
// - same host and boot, and the pid is dead (kill -9, crash);
// - same host, different boot id (the machine rebooted: the pid may now be someone else's);
// - same pid as ours but not opened by this process (containers reuse the same pid every start);
// - no heartbeat for STALE_MS (covers what cannot be checked: another host or pid namespace,
//   e.g. a container that got a new hostname after a restart).

import { readFileSync } from 'node:fs';
import { link, readFile, readdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ApplianceError } from '../model/errors.js';

export interface DirLock {
  readonly path: string;
  release(): Promise<void>;
}

export interface LockHolder {
  pid: number;
  host: string;
  bootId: string;
  since: number;
}

const HEARTBEAT_MS = 5_000;
const STALE_MS = 30_000;

/** Locks this process holds: tells "already open here" apart from "a former process with our pid". */
const heldHere = new Set<string>();

export async function acquireLock(path: string, onStale?: (holder: LockHolder | undefined) => void): Promise<DirLock> {
  const me: LockHolder = { pid: process.pid, host: hostname(), bootId: bootId(), since: Date.now() };
  // A few attempts: a retry follows the removal of a stale lock (or a lock released meanwhile).
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path, me)) return held(path, me);
    const found = await readHolder(path);
    if (found === null) continue; // released between our link and our read
    if (found.holder && isLive(found.holder, found.mtimeMs, path)) throw inUse(path, found.holder);
    onStale?.(found.holder);
    await unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  throw new ApplianceError('STORE_FAILED', `could not take the lock ${path} (another process keeps taking it)`);
}

async function held(path: string, me: LockHolder): Promise<DirLock> {
  heldHere.add(path);
  await removeDeadTempFiles(path);
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  beat.unref(); // the heartbeat alone must not keep the process alive
  return {
    path,
    release: async () => {
      clearInterval(beat);
      heldHere.delete(path);
      await release(path, me);
    },
  };
}

async function tryCreate(path: string, me: LockHolder): Promise<boolean> {
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

/** null: no lock file; holder undefined: a lock file that does not say who holds it. */
async function readHolder(path: string): Promise<{ holder: LockHolder | undefined; mtimeMs: number } | null> {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(path)).mtimeMs;
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string') {
      return { holder: { pid: h.pid, host: h.host, bootId: String(h.bootId ?? ''), since: Number(h.since) || 0 }, mtimeMs };
    }
  } catch {
    // Unreadable: only a power loss right after creation can do that, and then nobody holds it.
  }
  return { holder: undefined, mtimeMs };
}

function isLive(h: LockHolder, mtimeMs: number, path: string): boolean {
  const sameHost = h.host === hostname();
  if (sameHost && h.pid === process.pid) return heldHere.has(path);
  if (Date.now() - mtimeMs > STALE_MS) return false;
  if (!sameHost) return true; // fresh heartbeat and nothing we can check
  if (h.bootId !== '' && bootId() !== '' && h.bootId !== bootId()) return false;
  return pidAlive(h.pid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function inUse(path: string, h: LockHolder): ApplianceError {
  return new ApplianceError(
    'STORE_FAILED',
    `data directory is in use: ${path} is held by pid ${h.pid} on ${h.host} since ` +
      `${new Date(h.since).toISOString()}; stop that Corral first (a lock whose owner is gone ` +
      `is taken over automatically once its heartbeat is ${STALE_MS / 1000} s old)`,
    { lock: path, pid: h.pid, host: h.host },
  );
}

/** Temp files of lock attempts by processes killed between creating and removing them. */
async function removeDeadTempFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dirname(path))) {
    const pid = Number(name.startsWith(prefix) ? name.slice(prefix.length).split('.')[0] : NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !pidAlive(pid)) {
      await unlink(join(dirname(path), name)).catch(() => {});
    }
  }
}

async function release(path: string, me: LockHolder): Promise<void> {
  const found = await readHolder(path);
  const h = found?.holder;
  // Never delete a lock that is not ours (e.g. someone removed ours by hand and took it).
  if (h && h.pid === me.pid && h.host === me.host && h.since === me.since) await unlink(path).catch(() => {});
}

let cachedBootId: string | undefined;

/** Linux's id of the current boot ('' elsewhere): a lock from an earlier boot is stale. */
function bootId(): string {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = '';
    }
  }
  return cachedBootId;
}
