// What a TFTP read transfer serves: a sized, randomly readable byte source (a file on disk, a
// cached file, generated per-host content), and the netascii conversion of RFC 1350. Transfers
// read sources in large chunks (packets.ts).

import { ErrorCode, TftpRequestError } from './codec.js';

export interface TftpSource {
  /** Total size in bytes, fixed for the life of the transfer (RFC 2349 tsize reports it). */
  readonly size: number;
  /** Exactly min(length, size - offset) bytes starting at offset. */
  read(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
  /**
   * The bytes are exactly this regular file's (its real path), so the transfer may be handed to
   * the pump (pump.ts), which reads the file itself; absent for generated or converted content.
   */
  readonly file?: string;
  /**
   * Releases what the source holds (file descriptor); called once when the transfer ends,
   * `completed` when the client acknowledged every block (a pumped transfer never calls read()).
   */
  close?(completed?: boolean): void | Promise<void>;
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
