// What open does with the journal segments, given the snapshot (state.json):
// - segments before the snapshot's segment are closed and already covered by it: only the
//   metadata line of their sidecar is read (a missing sidecar, after a crash right at a rotation,
//   means scanning that one segment);
// - the snapshot's segment and any after it (normally just the active one, two right after a
//   rotation) are scanned: their transactions after the snapshot are replayed, and their events
//   indexed and folded into the aggregates.
// So open reads the snapshot plus at most a couple of segments, whatever the history's length.
// A torn tail of the last segment (never acknowledged) is cut off.

import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { ApplianceError } from '../model/errors.js';
import { Aggregator } from './aggregates.js';
import { EventIndex } from './event-index.js';
import type { JournalEventRef } from './event-reader.js';
import { ClosedSegment, History, newActive } from './history.js';
import { Journal, scanSegment, type TxRecord } from './journal.js';
import type { StateImage } from './schema.js';
import { ColumnBuilder, listSegments, migrateLegacy, readIndexMeta, scanClosed, segmentFile, type SegmentMeta } from './segments.js';
import { StoreState } from './state.js';

export interface Recovered {
  state: StoreState;
  history: History;
  aggregator: Aggregator;
}

export async function recover(dir: string, image: StateImage, now: number, log: Logger): Promise<Recovered> {
  if (await migrateLegacy(dir)) log.info('journal.jsonl kept as the first journal segment');
  const ts = await listSegments(dir);
  if (ts.length === 0) {
    if (image.journalSeq > 0) throw failed(`state.json covers journal transaction ${image.journalSeq}, but there is no journal`);
    ts.push(1);
  }
  const start = image.journalSegment ?? ts[0]!;
  if (!ts.includes(start)) throw failed(`state.json was taken in journal segment ${segmentFile(start)}, which is missing`);
  if (image.journalSegment === undefined && ts[0] !== 1) {
    throw failed(`the journal starts at transaction ${ts[0]} (older segments were dropped), so it needs its state.json`);
  }
  const closed: ClosedSegment[] = [];
  let lastSeq = image.eventSeq ?? 0;
  for (const t of ts.filter((x) => x < start)) {
    const meta = await readIndexMeta(dir, t);
    const seg = meta ? new ClosedSegment(dir, meta, true) : await scanned(dir, t);
    closed.push(seg);
  }
  const state = new StoreState(image.data);
  state.txSeq = image.journalSeq;
  state.eventSeq = image.eventSeq ?? 0;
  // A snapshot from before rotation has no aggregates: the whole journal is scanned anyway (it
  // is one segment), so every event is folded in once.
  const aggregator = Aggregator.from(image.aggregates);
  const foldAll = image.aggregates === undefined;
  let reached = image.journalSeq < start;
  /** The active segment's transactions: [t, at, end], for its metadata. */
  const txs: Array<[number, number, number]> = [];
  const visitor = (t: number, index: EventIndex<JournalEventRef> | ColumnBuilder) => (rec: TxRecord, offset: number, length: number) => {
    if (rec.t > image.journalSeq) state.replay(rec);
    if (rec.t === image.journalSeq && t === start) {
      if (offset + length !== image.journalOffset) throw mismatch(image, `its line ends at byte ${offset + length} of ${segmentFile(t)}`);
      reached = true;
    }
    rec.ev.forEach((e, i) => {
      if (typeof e?.seq !== 'number' || typeof e.subject !== 'string' || typeof e.type !== 'string' || e.seq <= lastSeq && rec.t > image.journalSeq) {
        throw failed(`${segmentFile(t)}: bad event in transaction ${rec.t}`);
      }
      if (rec.t > image.journalSeq || foldAll) aggregator.add(e);
      if (index instanceof ColumnBuilder) index.event({ seq: e.seq, subject: e.subject, type: e.type, offset, length, index: i });
      else index.add({ seq: e.seq, subject: e.subject, type: e.type, offset, length, index: i });
      lastSeq = Math.max(lastSeq, e.seq);
    });
    if (index instanceof ColumnBuilder) index.tx(rec.t, rec.at, offset + length);
    else txs.push([rec.t, rec.at, offset + length]);
  };
  const tail = ts.filter((x) => x >= start);
  for (const t of tail.slice(0, -1)) {
    const b = new ColumnBuilder(t);
    const { end } = await scanSegment(join(dir, segmentFile(t)), t, visitor(t, b));
    b.meta.bytes = end;
    const hasIndexFile = (await readIndexMeta(dir, t)) !== undefined;
    closed.push(new ClosedSegment(dir, b.meta, hasIndexFile, b.build()));
  }
  const lastT = tail[tail.length - 1]!;
  const index = new EventIndex<JournalEventRef>();
  const { journal, truncatedBytes } = await Journal.open(join(dir, segmentFile(lastT)), now, visitor(lastT, index), lastT);
  checkContinuity(closed, lastT);
  if (!reached) {
    await journal.close();
    throw mismatch(image, `the journal ends at transaction ${journal.lastTx}`);
  }
  if (truncatedBytes > 0) log.warn('cut an unfinished (never acknowledged) write off the journal', { bytes: truncatedBytes });
  const active = newActive(lastT, journal, index);
  for (const [t, at, end] of txs) {
    if (active.meta.firstAt === 0) active.meta.firstAt = at;
    Object.assign(active.meta, { lastT: t, lastAt: at, bytes: end });
  }
  Object.assign(active.meta, { events: index.size, firstSeq: index.query({ limit: 1 })[0]?.seq ?? 0, lastSeq: index.lastSeq });
  for (const s of closed) lastSeq = Math.max(lastSeq, s.meta.lastSeq);
  state.eventSeq = Math.max(state.eventSeq, lastSeq);
  return { state, history: new History(dir, closed, active, lastSeq), aggregator };
}

async function scanned(dir: string, t: number): Promise<ClosedSegment> {
  const { meta, columns } = await scanClosed(dir, t);
  return new ClosedSegment(dir, meta, false, columns);
}

/** Segment k must end right before segment k+1 starts: a gap means a lost file. */
function checkContinuity(closed: ClosedSegment[], lastT: number): void {
  const metas: SegmentMeta[] = closed.map((s) => s.meta);
  metas.forEach((m, i) => {
    const next = metas[i + 1]?.firstT ?? lastT;
    if (m.lastT + 1 !== next) throw failed(`journal segment ${segmentFile(m.firstT)} ends at transaction ${m.lastT}, but the next one starts at ${next}`);
  });
}

function failed(message: string): ApplianceError {
  return new ApplianceError('STORE_FAILED', message);
}

function mismatch(image: StateImage, detail: string): ApplianceError {
  return new ApplianceError(
    'STORE_FAILED',
    `state.json covers journal transaction ${image.journalSeq} (byte ${image.journalOffset}), but ${detail}: ` +
      'the journal does not belong to this snapshot',
    { journalSeq: image.journalSeq, journalOffset: image.journalOffset },
  );
}
