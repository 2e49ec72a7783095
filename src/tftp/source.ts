// What a TFTP read transfer serves: a sized, randomly readable byte source (a file on disk, a
// cached file, generated per-host content), plus the read-ahead used by transfers and the
// netascii conversion of RFC 1350.

import { ErrorCode, TftpRequestError } from './codec.js';

export interface TftpSource {
  /** Total size in bytes, fixed for the life of the transfer (RFC 2349 tsize reports it). */
  readonly size: number;
  /** Exactly min(length, size - offset) bytes starting at offset. */
  read(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
  /** Releases what the source holds (file descriptor); called once when the transfer ends. */
  close?(): void | Promise<void>;
}

/** A source over bytes already in memory (generated content, cached hot files). */
export function bufferSource(data: Uint8Array | string): TftpSource {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(offset + length, bytes.length)),
  };
}

/** netascii (RFC 1350, after RFC 764): LF -> CR LF, CR -> CR NUL. */
export function toNetascii(src: Uint8Array): Buffer {
  let extra = 0;
  for (const b of src) if (b === 0x0a || b === 0x0d) extra++;
  const out = Buffer.allocUnsafe(src.length + extra);
  let at = 0;
  for (const b of src) {
    if (b === 0x0a) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    } else if (b === 0x0d) {
      out[at++] = 0x0d;
      out[at++] = 0x00;
    } else out[at++] = b;
  }
  return out;
}

/**
 * Serves a source in netascii. The converted size is only known after converting, so the whole
 * source is read and converted in memory; netascii is for small text files, hence the limit.
 */
export async function netasciiSource(src: TftpSource, maxBytes: number): Promise<TftpSource> {
  if (src.size > maxBytes) {
    throw new TftpRequestError(ErrorCode.NOT_DEFINED, `netascii transfers are limited to ${maxBytes} bytes, use octet`);
  }
  const raw = await src.read(0, src.size);
  return bufferSource(toNetascii(raw));
}

type Chunk = Uint8Array | Promise<Uint8Array>;
const EMPTY = new Uint8Array(0);

/**
 * Per-transfer read-ahead: reads the source in large aligned chunks (one positioned read per
 * chunk instead of one per block), prefetches the next chunk while the current one is sent, and
 * keeps the previous chunk for retransmissions. A synchronous source stays synchronous.
 */
export class ReadAhead {
  private chunks = new Map<number, Chunk>();
  private current = -1;

  constructor(private readonly source: TftpSource, private readonly chunkSize: number) {}

  // Hot path (once per window): no closures here; tsx/esbuild names every closure it creates.
  read(offset: number, length: number): Uint8Array | Promise<Uint8Array> {
    const end = Math.min(offset + length, this.source.size);
    if (end <= offset) return EMPTY;
    const first = Math.floor(offset / this.chunkSize);
    const last = Math.floor((end - 1) / this.chunkSize);
    if (first !== this.current) this.moveTo(first);
    const base = first * this.chunkSize;
    const chunk = first === last ? this.chunkAt(first) : null;
    if (chunk instanceof Uint8Array) return chunk.subarray(offset - base, end - base);
    const parts: Chunk[] = [];
    let sync = true;
    for (let i = first; i <= last; i++) {
      const c = this.chunkAt(i);
      sync &&= c instanceof Uint8Array;
      parts.push(c);
    }
    this.chunkAt(last + 1);
    if (sync) return joinRange(parts as Uint8Array[], offset - base, end - base);
    return Promise.all(parts).then((bufs) => joinRange(bufs, offset - base, end - base));
  }

  /** Entering a new chunk: drop all but the previous one (retransmissions), prefetch the next. */
  private moveTo(index: number): void {
    this.current = index;
    for (const k of this.chunks.keys()) if (k < index - 1) this.chunks.delete(k);
    this.chunkAt(index);
    this.chunkAt(index + 1);
  }

  private chunkAt(index: number): Chunk {
    const start = index * this.chunkSize;
    if (start >= this.source.size) return EMPTY;
    let chunk = this.chunks.get(index);
    if (chunk !== undefined) return chunk;
    const want = Math.min(this.chunkSize, this.source.size - start);
    const check = (b: Uint8Array) => {
      if (b.length !== want) throw new Error(`source returned ${b.length} bytes at ${start}, expected ${want} (file changed?)`);
      return b;
    };
    try {
      const r = this.source.read(start, want);
      if (r instanceof Uint8Array) chunk = check(r);
      else {
        const p = r.then(check);
        p.then((b) => this.chunks.get(index) === p && this.chunks.set(index, b), () => this.chunks.delete(index));
        chunk = p;
      }
    } catch (err) {
      chunk = Promise.reject(err as Error);
      chunk.catch(() => undefined);
      return chunk; // not cached: a retransmission retries the read
    }
    this.chunks.set(index, chunk);
    return chunk;
  }
}

/** Bytes [from, to) of the concatenation of bufs, copying only that range. */
function joinRange(bufs: Uint8Array[], from: number, to: number): Uint8Array {
  const out = Buffer.allocUnsafe(to - from);
  let pos = 0; // position of the current buffer in the concatenation
  for (const b of bufs) {
    const lo = Math.max(from, pos);
    const hi = Math.min(to, pos + b.length);
    if (hi > lo) out.set(b.subarray(lo - pos, hi - pos), lo - from);
    pos += b.length;
  }
  return out;
}
