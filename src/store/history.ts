// The retained event history across journal segments: closed segments (their columns loaded the
// first time a query needs them) and the active one (an EventIndex kept as commits land).
// events() = this.query(); afterSeq, subject, types and limit work across segments, oldest first.

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostEvent } from '../model/index.js';
import { EventIndex, pickIndices } from './event-index.js';
import { readEvents, type JournalEventRef, type LineSource } from './event-reader.js';
import type { Journal } from './journal.js';
import { readIndexColumns, scanClosed, segmentFile, toColumns, type Columns, type SegmentMeta } from './segments.js';
import type { EventQuery } from './store.js';

export class ClosedSegment {
  private cols: Promise<Columns> | undefined;
  private subjectIds: Map<string, number> | undefined;

  constructor(
    readonly dir: string,
    readonly meta: SegmentMeta,
    /** True once its sidecar (journal.<T>.idx) is on disk. */
    public hasIndexFile: boolean,
    columns?: Columns,
    /** The handle it was appended through, kept after a rotation (reads need no open). */
    private journal?: Journal,
  ) {
    if (columns) this.cols = Promise.resolve(columns);
  }

  columns(): Promise<Columns> {
    this.cols ??= (this.hasIndexFile ? readIndexColumns(this.dir, this.meta.firstT) : scanClosed(this.dir, this.meta.firstT).then((s) => s.columns)).catch(
      (e: unknown) => {
        this.cols = undefined; // let a later query try again
        throw e;
      },
    );
    return this.cols;
  }

  /** Matching refs, oldest first, at most `limit` (with q.newest: the newest `limit`). */
  async refs(q: EventQuery, limit: number): Promise<JournalEventRef[]> {
    const c = await this.columns();
    this.subjectIds ??= new Map(c.subjects.map((s, i) => [s, i]));
    const subj = q.subject === undefined ? -1 : this.subjectIds.get(q.subject);
    if (subj === undefined) return [];
    const types = q.types ? new Set(q.types.map((t) => c.types.indexOf(t)).filter((i) => i >= 0)) : undefined;
    if (types && types.size === 0) return [];
    const matches = (i: number) => !((subj >= 0 && c.subj[i] !== subj) || (types && !types.has(c.type[i]!)));
    return pickIndices(firstAfter(c.seq, q.afterSeq ?? 0), c.seq.length, limit, q.newest, matches).map(
      (i): JournalEventRef => ({ seq: c.seq[i]!, subject: c.subjects[c.subj[i]!]!, type: c.types[c.type[i]!]!, offset: c.offset[i]!, length: c.length[i]!, index: c.index[i]! }),
    );
  }

  async read(refs: JournalEventRef[]): Promise<HostEvent[]> {
    if (refs.length === 0) return [];
    if (this.journal) return readEvents(this.journal, refs);
    const fh = await open(join(this.dir, segmentFile(this.meta.firstT)), 'r');
    try {
      const source: LineSource = { read: async (offset, length) => {
        const buf = Buffer.alloc(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
          if (bytesRead === 0) throw new Error(`${segmentFile(this.meta.firstT)}: unexpected end of file`);
          done += bytesRead;
        }
        return buf;
      } };
      return await readEvents(source, refs);
    } finally {
      await fh.close();
    }
  }

  async close(): Promise<void> {
    const j = this.journal;
    this.journal = undefined;
    await j?.close();
  }
}

/** The segment being appended to. */
export interface ActiveSegment {
  firstT: number;
  journal: Journal;
  index: EventIndex<JournalEventRef>;
  meta: SegmentMeta;
}

export function newActive(firstT: number, journal: Journal, index = new EventIndex<JournalEventRef>()): ActiveSegment {
  return { firstT, journal, index, meta: { firstT, lastT: firstT - 1, firstSeq: 0, lastSeq: 0, events: 0, firstAt: 0, lastAt: 0, bytes: journal.size } };
}

export class History {
  /** Newest durable event seq (survives dropped history: seqs never restart). */
  lastSeq: number;

  constructor(
    readonly dir: string,
    /** Oldest first. */
    public closed: ClosedSegment[],
    public active: ActiveSegment,
    lastSeq: number,
  ) {
    this.lastSeq = Math.max(lastSeq, active.index.lastSeq);
  }

  /** Records a durable transaction of the active segment and its events. */
  addTx(t: number, at: number, end: number): void {
    const m = this.active.meta;
    if (m.firstAt === 0) m.firstAt = at;
    m.lastT = t;
    m.lastAt = at;
    m.bytes = end;
  }

  addEvent(ref: JournalEventRef): void {
    const m = this.active.meta;
    this.active.index.add(ref);
    if (m.events === 0) m.firstSeq = ref.seq;
    m.lastSeq = ref.seq;
    m.events++;
    this.lastSeq = ref.seq;
  }

  /** The active segment becomes closed (its handle kept for reads); `next` takes over. */
  rotate(next: ActiveSegment): ClosedSegment {
    const old = this.active;
    const seg = new ClosedSegment(this.dir, { ...old.meta, bytes: old.journal.size }, false, toColumns(old.index.query()), old.journal);
    this.closed.push(seg);
    this.active = next;
    return seg;
  }

  /** Retained events (dropped segments no longer count). */
  get size(): number {
    return this.closed.reduce((n, s) => n + s.meta.events, 0) + this.active.index.size;
  }

  get bytes(): number {
    return this.closed.reduce((n, s) => n + s.meta.bytes, 0) + this.active.journal.size;
  }

  async query(q: EventQuery = {}): Promise<HostEvent[]> {
    const limit = q.limit ?? Infinity;
    if (limit <= 0) return [];
    // The segments as they are now: a rotation or a drop while this query awaits does not
    // change what it walks (a rotated segment's index and handle stay usable).
    const closed = [...this.closed];
    const active = this.active;
    const upTo = this.lastSeq;
    const after = q.afterSeq ?? 0;
    if (q.newest && limit !== Infinity) return this.newest(q, limit, after, closed, active, upTo);
    const out: HostEvent[] = [];
    for (const seg of closed) {
      if (seg.meta.events === 0 || seg.meta.lastSeq <= after) continue;
      out.push(...(await seg.read(await seg.refs(q, limit - out.length))));
      if (out.length >= limit) return out;
    }
    const refs = active.index.query({ ...q, limit: limit - out.length }).filter((r) => r.seq <= upTo);
    out.push(...(await readEvents(active.journal, refs)));
    return out;
  }

  /** The newest `limit` matches: from the active segment back through the closed ones. */
  private async newest(q: EventQuery, limit: number, after: number, closed: ClosedSegment[], active: ActiveSegment, upTo: number): Promise<HostEvent[]> {
    // Not yet durable events (seq > upTo) are left out before counting.
    const refs = active.index.query({ ...q, newest: false, limit: Infinity }).filter((r) => r.seq <= upTo).slice(-limit);
    const parts: HostEvent[][] = [await readEvents(active.journal, refs)];
    let got = refs.length;
    for (let k = closed.length - 1; k >= 0 && got < limit; k--) {
      const seg = closed[k]!;
      if (seg.meta.lastSeq <= after) break; // older segments hold only older events
      if (seg.meta.events === 0) continue;
      const part = await seg.read(await seg.refs(q, limit - got));
      parts.unshift(part);
      got += part.length;
    }
    return parts.flat();
  }
}

function firstAfter(seq: Float64Array, after: number): number {
  let lo = 0;
  let hi = seq.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seq[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
