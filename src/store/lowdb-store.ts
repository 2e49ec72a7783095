// openStore(): the durable, lowdb-backed Store.
//
// Files in the data directory (docs/store.md):
//   store.lock               the pid of the process that has the directory open (one process only)
//   journal.<T>.jsonl        the journal, in segments (segments.ts): each a header line, then one
//                            line per committed transaction (its puts/deletes and its events),
//                            T = the first transaction's `t`. Only the newest is appended to.
//   journal.<T>.idx          sidecar of a closed segment: its metadata and event index
//   state.json               the lowdb document: a snapshot of all collections, the journal
//                            position it covers (segment + offset), the newest event seq and the
//                            history aggregates. Rewritten atomically (temp file, fsync, rename,
//                            fsync dir) in the background every `snapshotEvery` commits or
//                            `snapshotIntervalMs`, at each rotation, and at close.
//
// Open = lock, load the snapshot, scan the segment it was taken in and any later one (replaying
// the transactions after it, cutting a torn tail), read the metadata line of the older segments'
// sidecars. A journal.jsonl from before rotation is renamed to segment 1 and read whole, once.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { systemClock } from '../lib/clock.js';
import { nullLogger, type Logger } from '../lib/log.js';
import { DEFAULT_RETENTION, type RetentionOptions } from './compactor.js';
import { DurableFile, removeTempFiles } from './durable-file.js';
import { acquireLock } from './lock.js';
import { recover } from './recovery.js';
import { decodeImage, emptyImage, encodeImage, type StateImage } from './schema.js';
import { JournaledStore, type CorralStore } from './journaled-store.js';

export type { CorralStore, StoreStats } from './journaled-store.js';
export type { RetentionOptions } from './compactor.js';
export type { Aggregates, DayAggregate, DurationStats } from './aggregates.js';

export const STATE_FILE = 'state.json';
export const LOCK_FILE = 'store.lock';
/** Rotation size: open scans at most about this much journal (plus the snapshot). */
export const DEFAULT_SEGMENT_BYTES = 8 << 20;

export interface OpenStoreOptions {
  dir: string;
  clock?: { now(): number };
  /** Write a snapshot after this many disk commits (default 1000)... */
  snapshotEvery?: number;
  /** ...or at the first commit this long after the previous snapshot (default 60 s). */
  snapshotIntervalMs?: number;
  /** Start a new journal segment once the active one is this large (default 8 MiB). */
  segmentBytes?: number;
  /** What history to keep (default: 180 days and 2 GiB of journal; 0 turns a bound off). */
  retention?: RetentionOptions;
  /** How often the background upkeep (sidecars, retention) runs besides after rotations (default 60 s). */
  compactIntervalMs?: number;
  log?: Logger;
  /** Fault injection for tests: runs before each journal append; throwing = a failed disk write. */
  testHooks?: { beforeAppend?(): void | Promise<void> };
}

export async function openStore(opts: OpenStoreOptions): Promise<CorralStore> {
  const log = (opts.log ?? nullLogger).child({ component: 'store' });
  const clock = opts.clock ?? systemClock;
  await mkdir(opts.dir, { recursive: true });
  const lock = await acquireLock(join(opts.dir, LOCK_FILE), (holder) =>
    log.warn('taking over a stale store lock', { pid: holder?.pid, host: holder?.host }),
  );
  try {
    const statePath = join(opts.dir, STATE_FILE);
    // Leftovers of a snapshot write cut short by a crash; the journal has everything they had.
    const removed = await removeTempFiles(statePath);
    if (removed.length > 0) log.warn('removed unfinished snapshot files', { files: removed });
    const low = new Low<StateImage>(
      new DurableFile<StateImage>(statePath, { encode: encodeImage, decode: (text) => decodeImage(text, statePath) }),
      emptyImage(),
    );
    await low.read();
    const { state, history, aggregator } = await recover(opts.dir, low.data, clock.now(), log);
    log.info('store opened', { hosts: state.count('hosts'), transactions: state.txSeq, lastSeq: history.lastSeq, segments: history.closed.length + 1 });
    return new JournaledStore({
      dir: opts.dir,
      low,
      state,
      history,
      aggregator,
      segmentBytes: Math.max(4096, opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES),
      retention: { ...DEFAULT_RETENTION, ...opts.retention },
      compactIntervalMs: Math.max(1, opts.compactIntervalMs ?? 60_000),
      lock,
      clock,
      log,
      snapshotEvery: Math.max(1, opts.snapshotEvery ?? 1000),
      snapshotIntervalMs: opts.snapshotIntervalMs ?? 60_000,
      beforeAppend: opts.testHooks?.beforeAppend,
    });
  } catch (e) {
    await lock.release();
    throw e;
  }
}
