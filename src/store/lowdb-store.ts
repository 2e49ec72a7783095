// openStore(): the durable, lowdb-backed Store.
//
// Files in the data directory:
//   store.lock     the pid of the process that has the directory open (one process only)
//   journal.jsonl  append-only: a header line, then one line per committed transaction (its
//                  puts/deletes and its events). Write-ahead log and event history at once.
//   state.json     the lowdb document: a snapshot of all collections plus the journal position
//                  it covers ({schemaVersion, journalSeq, journalOffset, savedAt, data}).
//                  Rewritten atomically (temp file, fsync, rename, fsync dir) in the background
//                  every `snapshotEvery` commits or `snapshotIntervalMs`, and at close.
//
// Open = lock, load the snapshot, replay the journal lines after it (all lines are scanned to
// rebuild the event index), cut a torn tail. The journal is never rotated yet, so it grows with
// the history and open time grows with it; rotation/compaction is a later step.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { systemClock } from '../lib/clock.js';
import { nullLogger, type Logger } from '../lib/log.js';
import { ApplianceError } from '../model/errors.js';
import { EventIndex } from './event-index.js';
import type { JournalEventRef } from './event-reader.js';
import { DurableFile, removeTempFiles } from './durable-file.js';
import { Journal, type TxRecord } from './journal.js';
import { acquireLock } from './lock.js';
import { decodeImage, emptyImage, encodeImage, type StateImage } from './schema.js';
import { StoreState } from './state.js';
import { JournaledStore, type CorralStore } from './journaled-store.js';

export type { CorralStore, StoreStats } from './journaled-store.js';

export const STATE_FILE = 'state.json';
export const JOURNAL_FILE = 'journal.jsonl';
export const LOCK_FILE = 'store.lock';

export interface OpenStoreOptions {
  dir: string;
  clock?: { now(): number };
  /** Write a snapshot after this many disk commits (default 1000)... */
  snapshotEvery?: number;
  /** ...or at the first commit this long after the previous snapshot (default 60 s). */
  snapshotIntervalMs?: number;
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
    const { state, index, journal } = await replay(join(opts.dir, JOURNAL_FILE), low.data, clock.now(), log);
    log.info('store opened', { hosts: state.count('hosts'), transactions: state.txSeq, events: index.size });
    return new JournaledStore({
      dir: opts.dir,
      low,
      state,
      index,
      journal,
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

/** Rebuilds memory from the snapshot and the journal; every event goes into the index. */
async function replay(path: string, image: StateImage, now: number, log: Logger) {
  const state = new StoreState(image.data);
  state.txSeq = image.journalSeq;
  const index = new EventIndex<JournalEventRef>();
  let reachedSnapshot = image.journalSeq === 0;
  const visit = (rec: TxRecord, offset: number, length: number): void => {
    if (rec.t > image.journalSeq) {
      state.replay(rec);
    } else if (rec.t === image.journalSeq) {
      if (offset + length !== image.journalOffset) throw mismatch(path, image, `its line ends at byte ${offset + length}`);
      reachedSnapshot = true;
    }
    indexEvents(index, rec, offset, length, path);
  };
  const { journal, truncatedBytes } = await Journal.open(path, now, visit);
  if (!reachedSnapshot) {
    await journal.close();
    throw mismatch(path, image, `the journal ends at transaction ${journal.lastTx}`);
  }
  if (truncatedBytes > 0) log.warn('cut an unfinished (never acknowledged) write off the journal', { bytes: truncatedBytes });
  state.eventSeq = Math.max(state.eventSeq, index.lastSeq);
  return { state, index, journal };
}

function indexEvents(index: EventIndex<JournalEventRef>, rec: TxRecord, offset: number, length: number, path: string): void {
  rec.ev.forEach((e, i) => {
    if (typeof e?.seq !== 'number' || typeof e.subject !== 'string' || typeof e.type !== 'string' || e.seq <= index.lastSeq) {
      throw new ApplianceError('STORE_FAILED', `${path}: bad event in transaction ${rec.t}`, { offset });
    }
    index.add({ seq: e.seq, subject: e.subject, type: e.type, offset, length, index: i });
  });
}

function mismatch(path: string, image: StateImage, detail: string): ApplianceError {
  return new ApplianceError(
    'STORE_FAILED',
    `${STATE_FILE} covers journal transaction ${image.journalSeq} (byte ${image.journalOffset}), but ${detail}: ` +
      `${path} does not belong to this snapshot`,
    { journalSeq: image.journalSeq, journalOffset: image.journalOffset },
  );
}
