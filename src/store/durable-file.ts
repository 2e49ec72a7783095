// A lowdb adapter whose writes survive kill -9 and power loss: the new content goes to a temp
// file in the same directory, is fsynced, renamed over the target, and the directory is fsynced
// so the rename itself is durable. A reader therefore sees either the old or the new file, never
// a half-written one. (lowdb's own TextFile adapter does not fsync, and JSONFilePreset swaps to
// memory under NODE_ENV=test, so neither is used.)

import { open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

export interface Codec<T> {
  /**
   * The file's text, whole or in pieces. Pieces are produced while the file is written, one
   * write per piece, so a large document does not block the event loop in one go; a codec that
   * returns pieces must be given data that no longer changes (the store passes a snapshot copy).
   */
  encode(data: T): string | Iterable<string>;
  /** Parses the file's text; throws a clear error if it is not a valid document. */
  decode(text: string): T;
}

export class DurableFile<T> implements Adapter<T> {
  /** Completed writes, for tests and stats. */
  writes = 0;

  constructor(
    readonly path: string,
    private readonly codec: Codec<T>,
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return this.codec.decode(text);
  }

  async write(data: T): Promise<void> {
    await writeFileDurably(this.path, this.codec.encode(data));
    this.writes++;
  }
}

let tempCounter = 0;

/** The temp files of `target` all start with this, so leftovers from a crash can be found. */
export function tempPrefix(target: string): string {
  return `${basename(target)}.tmp-`;
}

export async function writeFileDurably(target: string, content: string | Buffer | Iterable<string>): Promise<void> {
  const tmp = join(dirname(target), `${tempPrefix(target)}${process.pid}-${++tempCounter}`);
  const pieces = typeof content === 'string' || Buffer.isBuffer(content) ? [content] : content;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    let position = 0;
    for (const piece of pieces) {
      const buf = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
      await writeAll(fh, buf, position);
      position += buf.length;
    }
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, target);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await fsyncDir(dirname(target));
}

/** Writes the whole buffer at `position`, looping over short writes. */
export async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
}

/** Makes directory entries (a created or renamed file) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Deletes temp files of `target` left by a crash between create and rename. They never hold
 * anything the target lacks that was acknowledged: the journal holds every commit. Only call
 * this while holding the directory lock (a live writer's temp file would otherwise vanish).
 */
export async function removeTempFiles(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = tempPrefix(target);
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix)) continue;
    await unlink(join(dir, name)).catch(() => {});
    removed.push(name);
  }
  return removed;
}
