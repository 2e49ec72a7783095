// Bounds-checked byte access for the DHCP codec. Every read that would run past the end throws
// DhcpCodecError, so decoding hostile input can fail in exactly one way (STYLE P6: codec errors
// are specific lower-case messages, never RangeError/TypeError from a typed array).
import { formatIpv4, parseIpv4 } from '../lib/ip.js';

/** The one error type the DHCP codec throws, for bad input and for unencodable packets. */
export class DhcpCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DhcpCodecError';
  }
}

/** A read cursor over [start, end) of a byte array. */
export class ByteReader {
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new DhcpCodecError(`${what} truncated`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** A copy of the next n bytes. */
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  ipv4(what: string): string {
    return formatIpv4(this.u32(what));
  }
}

/** A plain Uint8Array view of any byte array (a Node Buffer's slice() does not copy; this one's does). */
export function plainBytes(buf: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(buf) === Uint8Array.prototype
    ? buf
    : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes a dotted-quad IPv4 address big-endian at `at`; throws on a malformed address. */
export function writeIpv4(buf: Uint8Array, at: number, ip: string, what: string): void {
  const n = parseIpv4(ip);
  if (n === undefined) throw new DhcpCodecError(`bad ${what} '${ip}'`);
  buf[at] = n >>> 24;
  buf[at + 1] = (n >>> 16) & 255;
  buf[at + 2] = (n >>> 8) & 255;
  buf[at + 3] = n & 255;
}

export function ipv4Bytes(ip: string, what: string): Uint8Array {
  const out = new Uint8Array(4);
  writeIpv4(out, 0, ip, what);
  return out;
}

/** Bytes as a string, one char per byte (ISO-8859-1): lossless for any byte sequence. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** The inverse of latin1(); throws when a char is outside 0..255. */
export function latin1Bytes(s: string, what: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new DhcpCodecError(`${what} has a character outside latin-1 at ${i}`);
    out[i] = c;
  }
  return out;
}
