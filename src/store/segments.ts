// Journal segments: the journal is a series of files `journal.<T>.jsonl` (T = the `t` of the
// segment's first transaction, zero-padded so names sort), of which only the newest is appended
// to. When it passes `segmentBytes` a new one is started (rotation); closed segments are never
// changed again, only deleted whole, oldest first, by retention (compactor.ts).
//
// Each closed segment gets a sidecar `journal.<T>.idx`: one line of metadata (t and seq range,
// time range, bytes) and one line holding its event index as columns. Open reads only the
// metadata line of each sidecar, so it does not grow with the history; the columns are loaded
// the first time events() needs that segment. A sidecar is derived data, written atomically
// after the rotation: a missing or stale one is rebuilt by scanning its segment.

import { open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApplianceError } from '../model/errors.js';
import { fsyncDir, writeFileDurably } from './durable-file.js';
import type { JournalEventRef } from './event-reader.js';
import { scanSegment, type TxRecord } from './journal.js';

/** The single journal file of stores written before rotation: it becomes segment 1. */
export const LEGACY_JOURNAL = 'journal.jsonl';
const SEGMENT_RE = /^journal\.(\d+)\.jsonl$/;

export function segmentFile(t: number): string {
  return `journal.${String(t).padStart(12, '0')}.jsonl`;
}

export function indexFile(t: number): string {
  return `journal.${String(t).padStart(12, '0')}.idx`;
}

export interface SegmentMeta {
  firstT: number;
  lastT: number;
  /** Seq range of its events; firstSeq > lastSeq when it has none. */
  firstSeq: number;
  lastSeq: number;
  events: number;
  /** Commit times of its first and last transactions (0 when none). */
  firstAt: number;
  lastAt: number;
  bytes: number;
}

/** A closed segment's event index as columns: a few bytes per event, no object per event. */
export interface Columns {
  seq: Float64Array;
  offset: Float64Array;
  length: Uint32Array;
  index: Uint32Array;
  subj: Uint32Array;
  type: Uint32Array;
  subjects: string[];
  types: string[];
}

/** Renames a pre-rotation journal.jsonl to segment 1 (atomic; a crash leaves one or the other). */
export async function migrateLegacy(dir: string): Promise<boolean> {
  const legacy = join(dir, LEGACY_JOURNAL);
  if (!existsSync(legacy)) return false;
  const target = join(dir, segmentFile(1));
  if (existsSync(target)) throw new ApplianceError('STORE_FAILED', `${dir} holds both ${LEGACY_JOURNAL} and ${segmentFile(1)}: move one away`);
  await rename(legacy, target);
  await fsyncDir(dir);
  return true;
}

/** The segments' first `t`s, in order; also deletes sidecars whose segment is gone (retention cut short). */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  const ts = names.flatMap((n) => (SEGMENT_RE.exec(n) ? [Number(SEGMENT_RE.exec(n)![1])] : [])).sort((a, b) => a - b);
  const have = new Set(ts.map(indexFile));
  for (const n of names) {
    if (n.startsWith('journal.') && n.endsWith('.idx') && !have.has(n)) await unlink(join(dir, n)).catch(() => {});
    // Temp files of sidecar writes cut short; the segment itself is never written through one.
    if (n.startsWith('journal.') && n.includes('.idx.tmp-')) await unlink(join(dir, n)).catch(() => {});
  }
  return ts;
}

/** Builds columns while scanning or appending, event by event in seq order. */
export class ColumnBuilder {
  private readonly refs: JournalEventRef[] = [];
  readonly meta: SegmentMeta;

  constructor(firstT: number) {
    this.meta = { firstT, lastT: firstT - 1, firstSeq: 0, lastSeq: 0, events: 0, firstAt: 0, lastAt: 0, bytes: 0 };
  }

  tx(t: number, at: number, end: number): void {
    if (this.meta.firstAt === 0) this.meta.firstAt = at;
    this.meta.lastT = t;
    this.meta.lastAt = at;
    this.meta.bytes = end;
  }

  event(ref: JournalEventRef): void {
    if (this.meta.events === 0) this.meta.firstSeq = ref.seq;
    this.meta.lastSeq = ref.seq;
    this.meta.events++;
    this.refs.push(ref);
  }

  build(): Columns {
    return toColumns(this.refs);
  }
}

export function toColumns(refs: JournalEventRef[]): Columns {
  const n = refs.length;
  const c: Columns = {
    seq: new Float64Array(n), offset: new Float64Array(n), length: new Uint32Array(n), index: new Uint32Array(n),
    subj: new Uint32Array(n), type: new Uint32Array(n), subjects: [], types: [],
  };
  const subjects = new Map<string, number>();
  const types = new Map<string, number>();
  const id = (m: Map<string, number>, list: string[], k: string) => {
    let v = m.get(k);
    if (v === undefined) m.set(k, (v = list.push(k) - 1));
    return v;
  };
  refs.forEach((r, i) => {
    c.seq[i] = r.seq;
    c.offset[i] = r.offset;
    c.length[i] = r.length;
    c.index[i] = r.index;
    c.subj[i] = id(subjects, c.subjects, r.subject);
    c.type[i] = id(types, c.types, r.type);
  });
  return c;
}

/** Scans a closed segment: its metadata and columns (when its sidecar is missing or stale). */
export async function scanClosed(dir: string, firstT: number): Promise<{ meta: SegmentMeta; columns: Columns }> {
  const b = new ColumnBuilder(firstT);
  const visit = (rec: TxRecord, offset: number, length: number) => {
    rec.ev.forEach((e, index) => b.event({ seq: e.seq, subject: e.subject, type: e.type, offset, length, index }));
    b.tx(rec.t, rec.at, offset + length);
  };
  const { end } = await scanSegment(join(dir, segmentFile(firstT)), firstT, visit);
  b.meta.bytes = end;
  return { meta: b.meta, columns: b.build() };
}

export async function writeIndexFile(dir: string, meta: SegmentMeta, c: Columns): Promise<void> {
  const cols = { subjects: c.subjects, types: c.types, seq: [...c.seq], offset: [...c.offset], length: [...c.length], index: [...c.index], subj: [...c.subj], type: [...c.type] };
  const text = JSON.stringify({ corral: 'journal-index', ...meta }) + '\n' + JSON.stringify(cols) + '\n';
  await writeFileDurably(join(dir, indexFile(meta.firstT)), text);
}

/** The metadata line of a sidecar, if the sidecar exists and matches its segment's size. */
export async function readIndexMeta(dir: string, firstT: number): Promise<SegmentMeta | undefined> {
  let fh;
  try {
    fh = await open(join(dir, indexFile(firstT)), 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    if (nl < 0) return undefined;
    const meta = JSON.parse(buf.toString('utf8', 0, nl)) as SegmentMeta & { corral?: string };
    const size = (await stat(join(dir, segmentFile(firstT)))).size;
    if (meta.corral !== 'journal-index' || meta.firstT !== firstT || meta.bytes !== size) return undefined;
    delete meta.corral;
    return meta;
  } catch {
    return undefined; // unreadable: rebuilt from the segment
  } finally {
    await fh.close();
  }
}

export async function readIndexColumns(dir: string, firstT: number): Promise<Columns> {
  const text = await readFile(join(dir, indexFile(firstT)), 'utf8');
  const raw = JSON.parse(text.slice(text.indexOf('\n') + 1)) as { [k in 'seq' | 'offset' | 'length' | 'index' | 'subj' | 'type']: number[] } & { subjects: string[]; types: string[] };
  return {
    seq: Float64Array.from(raw.seq), offset: Float64Array.from(raw.offset), length: Uint32Array.from(raw.length),
    index: Uint32Array.from(raw.index), subj: Uint32Array.from(raw.subj), type: Uint32Array.from(raw.type),
    subjects: raw.subjects, types: raw.types,
  };
}
