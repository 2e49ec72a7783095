// An in-memory index over the event history, so "history of one host" stays fast with 10k hosts
// and 100k+ events: one list of all events and one list per subject, both in seq order, each
// entry small (seq, subject, type and where to find the event). The events themselves stay in
// the journal (the lowdb store reads them back by byte offset); the in-memory fake keeps them
// in the entries instead.

import type { EventQuery } from './store.js';

export interface EventRef {
  seq: number;
  subject: string;
  type: string;
}

export class EventIndex<R extends EventRef> {
  private readonly all: R[] = [];
  private readonly bySubject = new Map<string, R[]>();

  /** Adds an event; seqs must arrive in increasing order. */
  add(ref: R): void {
    const last = this.all[this.all.length - 1];
    if (last && ref.seq <= last.seq) throw new Error(`event seq ${ref.seq} is not after ${last.seq}`);
    this.all.push(ref);
    const list = this.bySubject.get(ref.subject);
    if (list) list.push(ref);
    else this.bySubject.set(ref.subject, [ref]);
  }

  /** Seq of the newest indexed event, 0 when none. */
  get lastSeq(): number {
    return this.all[this.all.length - 1]?.seq ?? 0;
  }

  get size(): number {
    return this.all.length;
  }

  /** The matching entries, oldest first (the first `limit`, or with `newest` the last). */
  query(q: EventQuery = {}): R[] {
    const list = q.subject === undefined ? this.all : (this.bySubject.get(q.subject) ?? []);
    const limit = q.limit ?? Infinity;
    if (limit <= 0) return [];
    const types = q.types ? new Set(q.types) : undefined;
    const start = firstAfter(list, q.afterSeq ?? 0);
    return pickIndices(start, list.length, limit, q.newest, (i) => !types || types.has(list[i]!.type)).map((i) => list[i]!);
  }
}

/**
 * The indices in [start, end) where `matches` holds, ascending: the first `limit` of them, or
 * with `newest` the last `limit` (scanned from the end, so the rest is never looked at).
 */
export function pickIndices(start: number, end: number, limit: number, newest: boolean | undefined, matches: (i: number) => boolean): number[] {
  const out: number[] = [];
  if (newest) {
    for (let i = end - 1; i >= start && out.length < limit; i--) if (matches(i)) out.push(i);
    return out.reverse();
  }
  for (let i = start; i < end && out.length < limit; i++) if (matches(i)) out.push(i);
  return out;
}

/** Index of the first entry with seq > after (binary search: the lists are sorted by seq). */
function firstAfter(list: EventRef[], after: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.seq <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
