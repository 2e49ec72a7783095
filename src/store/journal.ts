// The append-only JSONL journal: the store's write-ahead log and the event history at once.
// It is split into segments (segments.ts): this file is one segment, `journal.<T>.jsonl`, whose
// first transaction is T; only the newest segment is appended to.
//
// Line 1 is a header carrying the schema version. Every other line is one committed transaction:
//   {"t":N,"at":ms,"ops":[{"c":"hosts","id":"h1","v":{...}} | {"c":..,"id":..,"del":true}],"ev":[HostEvent...]}
// `t` counts transactions (1, 2, 3... with no gaps). A group commit appends the lines of all its
// transactions with one positioned write and one fdatasync. A line is acknowledged only after
// that fdatasync, so an incomplete or unparseable tail (kill -9 or power loss mid-write) was
// never acknowledged: it is truncated away at open. A bad line *followed by good lines* cannot
// come from a crash, so it is reported as corruption instead of being dropped silently.

import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ApplianceError } from '../model/errors.js';
import type { HostEvent } from '../model/index.js';
import { fsyncDir, writeAll } from './durable-file.js';
import { checkSchemaVersion } from './schema.js';
import { SCHEMA_VERSION } from './store.js';

export interface JournalOp {
  c: string;
  id: string;
  v?: unknown;
  del?: true;
}

export interface TxRecord {
  t: number;
  at: number;
  ops: JournalOp[];
  ev: HostEvent[];
}

/** Called for each complete transaction line during the scan at open, in order. */
export type ReplayVisitor = (rec: TxRecord, offset: number, length: number) => void;

export interface JournalOpenResult {
  journal: Journal;
  /** Bytes of torn tail that were cut off (0 normally). */
  truncatedBytes: number;
}

const READ_CHUNK = 4 << 20;

export class Journal {
  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    /** End of the last complete, durable line: where the next append goes. */
    public size: number,
    /** `t` of the last transaction in the file at open (the one before the segment when none). */
    public lastTx: number,
  ) {}

  /**
   * Opens (creating if needed), replays every transaction into `visit`, and cuts a torn tail.
   * `firstT` is the `t` the segment's first transaction must have.
   */
  static async open(path: string, now: number, visit: ReplayVisitor, firstT = 1): Promise<JournalOpenResult> {
    // Read-write and created if missing, but not O_APPEND: Linux ignores the position of
    // positioned writes in append mode, and the store tracks the end itself.
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    try {
      const fileSize = (await fh.stat()).size;
      const scan = await scanLines(fh, path, visit, firstT - 1);
      const journal = new Journal(fh, path, scan.end, scan.lastTx);
      if (scan.end < fileSize) await journal.truncate(scan.end);
      if (!scan.sawHeader) await journal.append(journalHeader(now, firstT));
      if (!scan.sawHeader) await fsyncDir(dirname(path)); // the file may be new: make its entry durable
      return { journal, truncatedBytes: fileSize - scan.end };
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }

  /** Appends already-encoded lines and makes them durable; only then does `size` move. */
  async append(chunk: Buffer): Promise<void> {
    await writeAll(this.fh, chunk, this.size);
    await this.fh.datasync();
    this.size += chunk.length;
  }

  async truncate(to: number): Promise<void> {
    await this.fh.truncate(to);
    await this.fh.datasync();
    this.size = to;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw new ApplianceError('STORE_FAILED', `${this.path}: unexpected end of file`);
      done += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /**
   * A new, empty segment holding only `header` (from journalHeader), durable with its directory
   * entry before it is used. A leftover file of that name (a rotation cut short) is replaced: it
   * can hold no acknowledged transaction, since it was not yet in use.
   */
  static async create(path: string, header: Buffer, firstT: number): Promise<Journal> {
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      const journal = new Journal(fh, path, 0, firstT - 1);
      await journal.append(header);
      await fsyncDir(dirname(path));
      return journal;
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
  }
}

/** A segment's first line. `segment` (its first `t`) is informative; older journals lack it. */
export function journalHeader(now: number, firstT: number): Buffer {
  return Buffer.from(JSON.stringify({ corral: 'journal', schemaVersion: SCHEMA_VERSION, createdAt: now, segment: firstT }) + '\n', 'utf8');
}

/**
 * Reads a closed segment through without changing it: every complete transaction into `visit`.
 * A closed segment was complete when the next one was created, so any damage is corruption.
 */
export async function scanSegment(path: string, firstT: number, visit: ReplayVisitor): Promise<{ end: number; lastTx: number }> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const scan = await scanLines(fh, path, visit, firstT - 1);
    if (!scan.sawHeader || scan.end !== size) throw corrupt(path, scan.end, 'closed journal segment ends with an unfinished line');
    return { end: scan.end, lastTx: scan.lastTx };
  } finally {
    await fh.close();
  }
}

interface ScanResult {
  end: number;
  lastTx: number;
  sawHeader: boolean;
}

async function scanLines(fh: FileHandle, path: string, visit: ReplayVisitor, before: number): Promise<ScanResult> {
  let tornAt: number | undefined;
  let sawHeader = false;
  let lastTx = before;
  let end = 0;
  for await (const line of readLines(fh)) {
    const rec = line.complete ? parseLine(line.text) : undefined;
    if (rec === undefined) {
      tornAt ??= line.offset;
      continue;
    }
    if (tornAt !== undefined) {
      throw corrupt(path, tornAt, 'unreadable line followed by valid entries (not a crash tail)');
    }
    if (!sawHeader) {
      checkHeader(rec, path);
      sawHeader = true;
    } else {
      checkTx(rec, lastTx, path, line.offset);
      lastTx = (rec as TxRecord).t;
      visit(rec as TxRecord, line.offset, line.length);
    }
    end = line.offset + line.length;
  }
  return { end: tornAt ?? end, lastTx, sawHeader };
}

function parseLine(text: string): object | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

function checkHeader(rec: object, path: string): void {
  if ((rec as { corral?: unknown }).corral !== 'journal') throw corrupt(path, 0, 'first line is not a journal header');
  checkSchemaVersion((rec as { schemaVersion?: unknown }).schemaVersion, path);
}

function checkTx(rec: object, lastTx: number, path: string, offset: number): void {
  const r = rec as Partial<TxRecord>;
  if (r.t !== lastTx + 1) throw corrupt(path, offset, `transaction ${String(r.t)} does not follow ${lastTx}`);
  if (!Array.isArray(r.ops) || !Array.isArray(r.ev) || typeof r.at !== 'number') {
    throw corrupt(path, offset, 'malformed transaction line');
  }
}

function corrupt(path: string, offset: number, why: string): ApplianceError {
  return new ApplianceError('STORE_FAILED', `${path} is corrupt at byte ${offset}: ${why}`, { path, offset });
}

interface Line {
  offset: number;
  /** Bytes including the newline (if any). */
  length: number;
  text: string;
  /** False for a last line without its newline: a torn write. */
  complete: boolean;
}

/** Streams the file's lines with their byte offsets, in bounded memory. */
async function* readLines(fh: FileHandle): AsyncGenerator<Line> {
  let carry = Buffer.alloc(0);
  let carryOffset = 0;
  let position = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    const { bytesRead } = await fh.read(chunk, 0, READ_CHUNK, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      yield { offset: carryOffset + start, length: nl + 1 - start, text: data.toString('utf8', start, nl), complete: true };
      start = nl + 1;
    }
    carry = data.subarray(start);
    carryOffset += start;
  }
  if (carry.length > 0) {
    yield { offset: carryOffset, length: carry.length, text: carry.toString('utf8'), complete: false };
  }
}
