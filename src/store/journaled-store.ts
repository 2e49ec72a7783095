// The durable Store: state in memory, every commit appended to the journal (group commit), and a
// lowdb snapshot (state.json) rewritten in the background now and then. Built by openStore()
// in lowdb-store.ts, which also does the locking and the replay at open (recovery.ts).
//
// Rotation: when the active journal segment has passed `segmentBytes`, the next commit starts a
// new segment (segments.ts) and takes a snapshot that covers it, so the next open starts from the
// new segment. Old segments are indexed and dropped by the Compactor, in the background.
//
// What happens when a journal write fails: the transactions of that write, and all those queued
// behind it, are taken back out of memory (undo lists) and their promises reject with
// STORE_FAILED; the unfinished bytes are cut off the journal (best effort); the store then
// refuses every further write until it is reopened. Reads keep working and show exactly the
// acknowledged state. A store that could not write once is not trusted to write again: the
// cause (disk full, I/O error) needs an operator, and a reopen re-checks the files.

import { join } from 'node:path';
import type { HostEvent } from '../model/index.js';
import { Aggregator, type Aggregates } from './aggregates.js';
import { Compactor } from './compactor.js';
import { storeFailed, type CorralStore, type StoreParts, type StoreStats } from './corral-store.js';
import { GroupCommit } from './group-commit.js';
import { newActive } from './history.js';
import { Journal, journalHeader } from './journal.js';
import { CommitListeners } from './listeners.js';
import { copyMaps, type StateImage } from './schema.js';
import { segmentFile } from './segments.js';
import { rejected, type AppliedTx } from './state.js';
import { SCHEMA_VERSION, type CollectionName, type Collections, type CommitListener, type EventQuery, type Store, type Tx } from './store.js';

export type { CorralStore, StoreParts, StoreStats } from './corral-store.js';
export { storeFailed } from './corral-store.js';

export class JournaledStore implements CorralStore {
  readonly dir: string;
  private readonly committer: GroupCommit<AppliedTx | null>;
  private commits = 0;
  private snapshots = 0;
  private commitsSinceSnapshot = 0;
  private lastSnapshotAt: number;
  /** `t` covered by the newest snapshot on disk, and the segment it was taken in. */
  private snapshotTx: number;
  snapshotSegment: number;
  private rotations = 0;
  private readonly compactor: Compactor;
  private snapshotting: Promise<void> | undefined;
  private truncating: Promise<void> | undefined;
  private readonly reads = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private closed = false;
  private readonly listeners: CommitListeners;

  constructor(private readonly p: StoreParts) {
    this.dir = p.dir;
    this.listeners = new CommitListeners((err) =>
      p.log.error('store event listener failed (ignored)', { error: err instanceof Error ? err.message : String(err) }),
    );
    this.lastSnapshotAt = p.clock.now();
    this.snapshotTx = p.low.data.journalSeq;
    this.snapshotSegment = p.low.data.journalSegment ?? 0;
    this.committer = new GroupCommit<AppliedTx | null>(
      (batch) => this.flush(batch),
      (err, lost) => this.onWriteFailure(err, lost),
      (err) => storeFailed('store write failed', err),
    );
    this.compactor = new Compactor({
      dir: p.dir,
      history: p.history,
      clock: p.clock,
      log: p.log,
      retention: p.retention,
      intervalMs: p.compactIntervalMs,
      snapshotSegment: () => this.snapshotSegment,
      settleReads: () => this.settleReads(),
    });
    this.compactor.start();
  }

  get<C extends CollectionName>(c: C, id: string): Collections[C] | undefined {
    return this.p.state.get(c, id);
  }

  list<C extends CollectionName>(c: C): Collections[C][] {
    return this.p.state.list(c);
  }

  getText(c: CollectionName, id: string): string | undefined {
    return this.p.state.getText(c, id);
  }

  count(c: CollectionName): number {
    return this.p.state.count(c);
  }

  transact<T>(fn: (tx: Tx) => T): Promise<T> {
    const refusal = this.closing ? storeFailed('store is closed') : this.committer.failed;
    if (refusal) return Promise.reject(refusal);
    let run: { result: T; applied: AppliedTx | null };
    try {
      run = this.p.state.run(fn, this.p.clock.now());
    } catch (e) {
      return rejected(e);
    }
    // Even a transaction that changed nothing waits for the commit in flight: what it read may
    // come from a transaction not yet durable, and it must not be acknowledged before that one.
    return this.committer.submit(run.applied).then(() => run.result);
  }

  async events(q?: EventQuery): Promise<HostEvent[]> {
    if (this.closed) throw storeFailed('store is closed');
    const read = this.p.history.query(q);
    this.reads.add(read);
    try {
      return await read;
    } finally {
      this.reads.delete(read);
    }
  }

  /** Newest durable event (events() shows only events whose commit is on disk). */
  lastSeq(): number {
    return this.p.history.lastSeq;
  }

  aggregates(): Aggregates {
    return this.p.aggregator.aggregates();
  }

  /** Resolves once the events() reads in progress now have finished. */
  async settleReads(): Promise<void> {
    await Promise.allSettled([...this.reads]);
  }

  subscribe(listener: CommitListener): () => void {
    return this.listeners.add(listener);
  }

  stats(): StoreStats {
    return {
      commits: this.commits,
      transactions: this.committer.entries,
      largestBatch: this.committer.largestBatch,
      journalBytes: this.p.history.bytes,
      segments: this.p.history.closed.length + 1,
      rotations: this.rotations,
      droppedSegments: this.compactor.dropped,
      snapshots: this.snapshots,
      lastSeq: this.p.history.lastSeq,
      events: this.p.history.size,
      failed: this.committer.failed !== undefined,
    };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.committer.idle();
    await this.snapshotting;
    await this.compactor.stop();
    // Nothing is pending now, so memory is exactly the journal: a final snapshot makes the
    // next open quick. Skipped after a failure (the disk is not trusted) or when nothing changed.
    if (!this.committer.failed && this.p.state.txSeq > this.snapshotTx) {
      const { active } = this.p.history;
      await this.writeSnapshot(this.capture(active.firstT, active.journal.size, []));
    }
    this.closed = true;
    await Promise.allSettled([...this.reads]);
    await this.truncating;
    for (const seg of this.p.history.closed) await seg.close();
    await this.p.history.active.journal.close();
    await this.p.lock.release();
  }

  /** One group commit: the batch's lines in one write + fdatasync. */
  private async flush(batch: Array<AppliedTx | null>): Promise<void> {
    const txs = batch.filter((t): t is AppliedTx => t !== null);
    if (txs.length === 0) return;
    const { history } = this.p;
    const chunk = txs.length === 1 ? txs[0]!.line : Buffer.concat(txs.map((t) => t.line));
    // Rotate before this batch once the segment is full (and holds something): the batch then
    // opens the new segment, and the snapshot taken with it lets the next open skip the old one.
    const active = history.active;
    const rotate = active.journal.size >= this.p.segmentBytes && active.meta.lastT >= active.firstT;
    const firstT = txs[0]!.t;
    const header = rotate ? journalHeader(this.p.clock.now(), firstT) : undefined;
    const start = header ? header.length : active.journal.size;
    // Right now memory holds exactly the journal plus this batch (the queue was just emptied
    // into it), so this is the moment to capture a snapshot that covers up to its end.
    const due = this.snapshotDue() || (rotate && !this.snapshotting);
    const image = due ? this.capture(rotate ? firstT : active.firstT, start + chunk.length, txs) : undefined;
    await this.p.beforeAppend?.();
    if (header) {
      const journal = await Journal.create(join(this.dir, segmentFile(firstT)), header, firstT);
      history.rotate(newActive(firstT, journal));
      this.rotations++;
    }
    await history.active.journal.append(chunk);
    this.commits++;
    this.indexEvents(txs, start);
    // Written only after the batch is durable: a snapshot must never cover a journal position
    // that is not on disk.
    if (image) this.snapshotting = this.writeSnapshot(image).finally(() => (this.snapshotting = undefined));
    if (header) this.compactor.kick();
    // Durable and indexed: events() and lastSeq() already show these events. Told before the
    // GroupCommit resolves the batch, so a caller whose transact() resolved knows the listeners
    // have seen its events; one flush runs at a time, so commits are told in seq order.
    this.listeners.notify(txs);
  }

  private indexEvents(txs: AppliedTx[], start: number): void {
    const { history, aggregator } = this.p;
    let offset = start;
    for (const tx of txs) {
      const length = tx.line.length;
      for (const e of tx.events) {
        history.addEvent({ seq: e.seq, subject: e.subject, type: e.type, offset, length, index: e.index });
        aggregator.addJson(e.seq, e.json);
      }
      offset += length;
      history.addTx(tx.t, tx.at, offset);
    }
  }

  private snapshotDue(): boolean {
    this.commitsSinceSnapshot++;
    if (this.snapshotting) return false; // one at a time; the next commit will ask again
    const now = this.p.clock.now();
    return this.commitsSinceSnapshot >= this.p.snapshotEvery || now - this.lastSnapshotAt >= this.p.snapshotIntervalMs;
  }

  /**
   * A point-in-time copy of the state, to be written while the live maps move on. It covers
   * `batch`, which is not durable yet (its events are folded into a copy of the aggregates).
   */
  private capture(journalSegment: number, journalOffset: number, batch: AppliedTx[]): StateImage {
    const now = this.p.clock.now();
    this.commitsSinceSnapshot = 0;
    this.lastSnapshotAt = now;
    const { state } = this.p;
    const agg = batch.length === 0 ? this.p.aggregator : Aggregator.from(this.p.aggregator.state());
    for (const tx of batch) for (const e of tx.events) agg.addJson(e.seq, e.json);
    return {
      schemaVersion: SCHEMA_VERSION, journalSeq: state.txSeq, journalOffset, journalSegment, eventSeq: state.eventSeq,
      aggregates: agg.state(), savedAt: now, data: copyMaps(state.maps),
    };
  }

  private async writeSnapshot(image: StateImage): Promise<void> {
    this.p.low.data = image;
    try {
      await this.p.low.write();
      this.snapshots++;
      this.snapshotTx = image.journalSeq;
      this.snapshotSegment = image.journalSegment ?? 0;
      this.compactor.kick(); // segments before this one may now be dropped
    } catch (e) {
      // Not fatal: the journal still holds every acknowledged commit; the next one retries.
      this.p.log.warn('store snapshot write failed', { error: (e as Error).message });
    }
  }

  private onWriteFailure(err: Error, lost: Array<AppliedTx | null>): void {
    const txs = lost.filter((t): t is AppliedTx => t !== null);
    this.p.state.revert(txs);
    this.p.log.error('store write failed; refusing writes until reopened', { error: err.message, rolledBack: txs.length });
    // Cut off whatever part of the failed write reached the file, so a reopen cannot bring back
    // a transaction that was reported as failed. If even that fails, the reopen still drops a
    // torn line, but a complete one would be replayed: "rejected" then means "unknown", as in
    // any database whose fsync fails.
    const { journal } = this.p.history.active;
    this.truncating = journal.truncate(journal.size).catch((e: Error) => {
      this.p.log.error('could not cut the failed write off the journal', { error: e.message });
    });
  }
}
