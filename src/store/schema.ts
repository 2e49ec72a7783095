// The on-disk shapes of the store and their version handling.
//
// In memory every record is kept as its JSON text (one string per record): a put serializes the
// value once, and that same text goes into the journal line and, later, into the snapshot. A get
// parses it again, which is also the deep copy the contract asks for. So the snapshot (state.json)
// is built by concatenating those strings instead of re-serializing 10k objects.

import { ApplianceError } from '../model/errors.js';
import type { AggregateState } from './aggregates.js';
import { SCHEMA_VERSION, type CollectionName } from './store.js';

/** Every collection, in a fixed order (a Record so the compiler checks none is missing). */
const COLLECTION_SET: Record<CollectionName, true> = {
  hosts: true,
  leases: true,
  tasks: true,
  tokens: true,
  users: true,
  plans: true,
  allocations: true,
  meta: true,
};
export const COLLECTION_NAMES = Object.keys(COLLECTION_SET) as CollectionName[];

export function isCollectionName(c: unknown): c is CollectionName {
  return typeof c === 'string' && Object.prototype.hasOwnProperty.call(COLLECTION_SET, c);
}

/** Per collection: record id -> the record's JSON text. */
export type CollectionMaps = Record<CollectionName, Map<string, string>>;

export function emptyMaps(): CollectionMaps {
  const maps = {} as CollectionMaps;
  for (const c of COLLECTION_NAMES) maps[c] = new Map();
  return maps;
}

/**
 * A shallow copy is a consistent point-in-time copy: stored strings are immutable and the live
 * maps only ever replace entries, never mutate them.
 */
export function copyMaps(maps: CollectionMaps): CollectionMaps {
  const copy = {} as CollectionMaps;
  for (const c of COLLECTION_NAMES) copy[c] = new Map(maps[c]);
  return copy;
}

/** The lowdb document (state.json): a snapshot of the collections and the journal position it covers. */
export interface StateImage {
  schemaVersion: number;
  /** The last journal transaction (`t`) whose effects are included. */
  journalSeq: number;
  /** Byte offset just after that transaction's line, in the segment `journalSegment` (0 when none). */
  journalOffset: number;
  /**
   * First `t` of the journal segment `journalOffset` is in. Absent in snapshots written before
   * rotation: their journal.jsonl becomes segment 1.
   */
  journalSegment?: number;
  /** Seq of the newest event included (absent before rotation: then the whole journal is scanned). */
  eventSeq?: number;
  /** History aggregates up to `eventSeq` (aggregates.ts); absent before rotation. */
  aggregates?: AggregateState;
  savedAt: number;
  data: CollectionMaps;
}

export function emptyImage(): StateImage {
  return { schemaVersion: SCHEMA_VERSION, journalSeq: 0, journalOffset: 0, savedAt: 0, data: emptyMaps() };
}

/** Rejects files written by a newer Corral (their meaning is unknown) and malformed versions. */
export function checkSchemaVersion(found: unknown, where: string): number {
  if (typeof found !== 'number' || !Number.isInteger(found) || found < 1) {
    throw new ApplianceError('STORE_FAILED', `${where}: missing or invalid schemaVersion`, { found });
  }
  if (found > SCHEMA_VERSION) {
    throw new ApplianceError(
      'STORE_FAILED',
      `${where} has schema version ${found}, but this Corral only knows up to ${SCHEMA_VERSION}; ` +
        'it was written by a newer Corral: run that version (or restore a backup)',
      { found, known: SCHEMA_VERSION },
    );
  }
  return found;
}

type RawDoc = { schemaVersion: number; [k: string]: unknown };

/**
 * Upgrades, keyed by the version they upgrade from. Empty while v1 is the only version. When v2
 * comes, its entry must also say what happens to a v1 journal (simplest: replay it with the v1
 * rules at open, then write a v2 snapshot and start a new journal generation).
 */
const MIGRATIONS: Record<number, (doc: RawDoc) => RawDoc> = {};

export function upgradeDocument(doc: RawDoc, where: string): RawDoc {
  let current = doc;
  while (current.schemaVersion < SCHEMA_VERSION) {
    const step = MIGRATIONS[current.schemaVersion];
    if (!step) {
      throw new ApplianceError('STORE_FAILED', `${where}: no upgrade from schema version ${current.schemaVersion}`);
    }
    current = step(current);
  }
  return current;
}

/** state.json text -> StateImage, checking the version and the shape. */
export function decodeImage(text: string, where: string): StateImage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ApplianceError(
      'STORE_FAILED',
      `${where} is not valid JSON (${(e as Error).message}). Corral never writes it in place ` +
        '(temp file, fsync, rename), so it was damaged outside Corral: restore it, or move it away ' +
        'to rebuild the state from the journal',
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ApplianceError('STORE_FAILED', `${where}: not a state document`);
  }
  checkSchemaVersion((raw as RawDoc).schemaVersion, where);
  const doc = upgradeDocument(raw as RawDoc, where);
  const { journalSeq, journalOffset, journalSegment, eventSeq, aggregates, savedAt, data } = doc;
  if (!isCount(journalSeq) || !isCount(journalOffset) || typeof data !== 'object' || data === null) {
    throw new ApplianceError('STORE_FAILED', `${where}: malformed state document`);
  }
  const rotated = journalSegment !== undefined || eventSeq !== undefined || aggregates !== undefined;
  if (rotated && (!isCount(journalSegment) || !isCount(eventSeq) || typeof aggregates !== 'object' || aggregates === null)) {
    throw new ApplianceError('STORE_FAILED', `${where}: malformed journal position or aggregates`);
  }
  const image: StateImage = { schemaVersion: doc.schemaVersion, journalSeq, journalOffset, savedAt: Number(savedAt) || 0, data: decodeMaps(data, where) };
  if (rotated) Object.assign(image, { journalSegment, eventSeq, aggregates });
  return image;
}

function decodeMaps(data: object, where: string): CollectionMaps {
  const maps = emptyMaps();
  for (const [c, records] of Object.entries(data)) {
    // Refuse rather than drop: an unknown collection would silently vanish at the next snapshot.
    if (!isCollectionName(c)) throw new ApplianceError('STORE_FAILED', `${where}: unknown collection "${c}"`);
    if (typeof records !== 'object' || records === null) {
      throw new ApplianceError('STORE_FAILED', `${where}: collection "${c}" is not an object`);
    }
    for (const [id, value] of Object.entries(records)) maps[c].set(id, JSON.stringify(value));
  }
  return maps;
}

/**
 * StateImage -> state.json text, in pieces, by concatenating the records' stored JSON. Pieces
 * (about RECORDS_PER_PIECE records each) are produced lazily as the writer asks for them, so a
 * 10k-host snapshot never blocks the event loop for one long stretch.
 */
export function* encodeImage(img: StateImage): Generator<string> {
  const head = JSON.stringify({
    schemaVersion: img.schemaVersion,
    journalSeq: img.journalSeq,
    journalOffset: img.journalOffset,
    ...(img.journalSegment !== undefined && { journalSegment: img.journalSegment, eventSeq: img.eventSeq, aggregates: img.aggregates }),
    savedAt: img.savedAt,
  });
  let piece = `${head.slice(0, -1)},"data":{`;
  let n = 0;
  for (const [ci, c] of COLLECTION_NAMES.entries()) {
    piece += `${ci > 0 ? ',' : ''}${JSON.stringify(c)}:{`;
    let first = true;
    for (const [id, json] of img.data[c]) {
      piece += `${first ? '' : ','}${JSON.stringify(id)}:${json}`;
      first = false;
      if (++n % RECORDS_PER_PIECE === 0) {
        yield piece;
        piece = '';
      }
    }
    piece += '}';
  }
  yield piece + '}}\n';
}

const RECORDS_PER_PIECE = 500;

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}
