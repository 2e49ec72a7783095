// The in-memory state shared by the lowdb store and the in-memory test fake: the collections
// (record JSON text by id), transaction staging, and undo.
//
// A transaction's puts/deletes/events are staged on a Tx object while `fn` runs; only if `fn`
// returns normally are they applied to the maps, all at once and synchronously, so no other code
// ever sees half a transaction. Applying produces the journal line and an undo list; the undo
// list lets the owner take the transaction back out of memory if its disk write fails.

import { ApplianceError } from '../model/errors.js';
import { emptyMaps, isCollectionName, type CollectionMaps } from './schema.js';
import type { JournalOp, TxRecord } from './journal.js';
import type { CollectionName, Collections, EventInput, Tx } from './store.js';

/** Thrown by a transact() called from inside another transaction's fn. */
export class NestedTransactionError extends TypeError {
  constructor() {
    super('store.transact called inside a transaction');
  }
}

/**
 * The promise a store returns for a failed transact(). A nested call's own promise is marked
 * handled: the outer transaction rejects with the same error, and the inner promise is usually
 * dropped by the buggy caller (it would otherwise be an unhandled rejection).
 */
export function rejected(e: unknown): Promise<never> {
  const p = Promise.reject(e);
  if (e instanceof NestedTransactionError) p.catch(() => {});
  return p;
}

interface Undo {
  c: CollectionName;
  id: string;
  prev: string | undefined;
}

export interface AppliedEvent {
  seq: number;
  subject: string;
  type: string;
  /** Position in the transaction's `ev` array. */
  index: number;
  json: string;
}

/** A transaction applied in memory and not yet known to be durable. */
export interface AppliedTx {
  t: number;
  /** Commit time written in its line. */
  at: number;
  /** The journal line (newline included), encoded once here. */
  line: Buffer;
  events: AppliedEvent[];
  undo: Undo[];
  prevEventSeq: number;
}

interface StagedWrite {
  c: CollectionName;
  id: string;
  /** undefined = delete. */
  json: string | undefined;
}

interface StagedEvent {
  subject: string;
  type: string;
  at: number | undefined;
  dataJson: string | undefined;
}

export class StoreState {
  /** `t` of the newest applied transaction; its events' highest seq. */
  txSeq = 0;
  eventSeq = 0;
  private inTx = false;
  private nested: NestedTransactionError | undefined;

  constructor(readonly maps: CollectionMaps = emptyMaps()) {}

  get<C extends CollectionName>(c: C, id: string): Collections[C] | undefined {
    const json = this.map(c).get(id);
    return json === undefined ? undefined : (JSON.parse(json) as Collections[C]);
  }

  getText(c: CollectionName, id: string): string | undefined {
    return this.map(c).get(id);
  }

  list<C extends CollectionName>(c: C): Collections[C][] {
    const out: Collections[C][] = [];
    for (const json of this.map(c).values()) out.push(JSON.parse(json) as Collections[C]);
    return out;
  }

  count(c: CollectionName): number {
    return this.map(c).size;
  }

  /**
   * Runs `fn` on a staging Tx and applies what it staged. Throws (applying nothing) if `fn`
   * throws. `applied` is null when the transaction changed nothing and appended no event.
   */
  run<T>(fn: (tx: Tx) => T, now: number): { result: T; applied: AppliedTx | null } {
    // A transaction started inside another would apply before the outer one and be built on
    // state the outer one is about to change: refuse it instead of interleaving.
    // The outer one fails too (with the same error), so the mistake cannot go unnoticed.
    if (this.inTx) throw (this.nested = new NestedTransactionError());
    const tx = new StagedTx(this);
    this.inTx = true;
    let result: T;
    try {
      result = fn(tx);
    } finally {
      tx.closed = true;
      this.inTx = false;
    }
    const nested = this.nested;
    this.nested = undefined;
    if (nested) throw nested;
    if (isThenable(result)) throw new TypeError('store.transact: fn must be synchronous (it returned a promise)');
    return { result, applied: this.apply(tx, now) };
  }

  /** Takes applied transactions back out, newest first (they must be the newest ones). */
  revert(txs: AppliedTx[]): void {
    for (let i = txs.length - 1; i >= 0; i--) {
      const tx = txs[i]!;
      for (let j = tx.undo.length - 1; j >= 0; j--) {
        const u = tx.undo[j]!;
        if (u.prev === undefined) this.maps[u.c].delete(u.id);
        else this.maps[u.c].set(u.id, u.prev);
      }
      this.txSeq = tx.t - 1;
      this.eventSeq = tx.prevEventSeq;
    }
  }

  /** Re-applies a journal line at open. Throws on a line that cannot be ours. */
  replay(rec: TxRecord): void {
    for (const op of rec.ops) this.replayOp(op, rec.t);
    for (const e of rec.ev) if (typeof e.seq === 'number' && e.seq > this.eventSeq) this.eventSeq = e.seq;
    this.txSeq = rec.t;
  }

  private replayOp(op: JournalOp, t: number): void {
    if (!isCollectionName(op.c) || typeof op.id !== 'string' || (op.del !== true && op.v === undefined)) {
      throw new ApplianceError('STORE_FAILED', `journal transaction ${t} has a malformed operation`);
    }
    if (op.del === true) this.maps[op.c].delete(op.id);
    else this.maps[op.c].set(op.id, JSON.stringify(op.v));
  }

  private apply(tx: StagedTx, now: number): AppliedTx | null {
    const undo: Undo[] = [];
    const ops: string[] = [];
    for (const w of tx.staged.values()) {
      const map = this.maps[w.c];
      const prev = map.get(w.id);
      if (prev === w.json) continue; // no change: nothing to store
      undo.push({ c: w.c, id: w.id, prev });
      const head = `{"c":"${w.c}","id":${JSON.stringify(w.id)}`;
      if (w.json === undefined) {
        map.delete(w.id);
        ops.push(`${head},"del":true}`);
      } else {
        map.set(w.id, w.json);
        ops.push(`${head},"v":${w.json}}`);
      }
    }
    if (undo.length === 0 && tx.events.length === 0) return null;
    const prevEventSeq = this.eventSeq;
    const events = tx.events.map((e, index) => this.stampEvent(e, index, now));
    const t = ++this.txSeq;
    const evs = events.map((e) => e.json).join(',');
    const line = `{"t":${t},"at":${now},"ops":[${ops.join(',')}],"ev":[${evs}]}\n`;
    return { t, at: now, line: Buffer.from(line, 'utf8'), events, undo, prevEventSeq };
  }

  private stampEvent(e: StagedEvent, index: number, now: number): AppliedEvent {
    const seq = ++this.eventSeq;
    const head = JSON.stringify({ seq, at: e.at ?? now, subject: e.subject, type: e.type });
    const json = e.dataJson === undefined ? head : `${head.slice(0, -1)},"data":${e.dataJson}}`;
    return { seq, subject: e.subject, type: e.type, index, json };
  }

  private map(c: CollectionName): Map<string, string> {
    const m = this.maps[c];
    if (!m) throw new ApplianceError('BAD_REQUEST', `unknown store collection "${String(c)}"`);
    return m;
  }
}

/** The Tx handed to `fn`: reads see its own staged writes; nothing touches the state until applied. */
class StagedTx implements Tx {
  readonly staged = new Map<string, StagedWrite>();
  readonly events: StagedEvent[] = [];
  closed = false;

  constructor(private readonly state: StoreState) {}

  get<C extends CollectionName>(c: C, id: string): Collections[C] | undefined {
    this.check(c, id);
    const w = this.staged.get(`${c}/${id}`);
    if (!w) return this.state.get(c, id);
    return w.json === undefined ? undefined : (JSON.parse(w.json) as Collections[C]);
  }

  put<C extends CollectionName>(c: C, id: string, value: Collections[C]): void {
    this.check(c, id);
    // Serializing here is the deep copy: later changes to `value` by the caller do not leak in.
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`store: cannot put ${typeof value} in ${c}/${id}`);
    this.staged.set(`${c}/${id}`, { c, id, json });
  }

  del(c: CollectionName, id: string): void {
    this.check(c, id);
    this.staged.set(`${c}/${id}`, { c, id, json: undefined });
  }

  event(e: EventInput): void {
    if (this.closed) throw new TypeError('store: transaction already finished');
    if (typeof e.subject !== 'string' || e.subject === '' || typeof e.type !== 'string' || e.type === '') {
      throw new ApplianceError('BAD_REQUEST', 'store: an event needs a subject and a type');
    }
    if (e.at !== undefined && !Number.isFinite(e.at)) throw new ApplianceError('BAD_REQUEST', 'store: bad event time');
    const dataJson = e.data === undefined ? undefined : JSON.stringify(e.data);
    this.events.push({ subject: e.subject, type: e.type, at: e.at, dataJson });
  }

  private check(c: CollectionName, id: string): void {
    if (this.closed) throw new TypeError('store: transaction already finished');
    if (!isCollectionName(c)) throw new ApplianceError('BAD_REQUEST', `unknown store collection "${String(c)}"`);
    if (typeof id !== 'string' || id === '') throw new ApplianceError('BAD_REQUEST', `store: bad id for ${c}`);
  }
}

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
