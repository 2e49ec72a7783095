// TFTP packet codec: pure encode/decode of the packets of RFC 1350 (RRQ, WRQ, DATA, ACK, ERROR)
// and RFC 2347 (OACK, request options). Option values of the options we understand (RFC 2348
// blksize, RFC 2349 timeout/tsize, RFC 7440 windowsize) are validated here; unknown options are
// kept aside and ignored, as RFC 2347 requires. Decoding never throws anything but TftpCodecError.

export const Opcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** Error codes of RFC 1350 §5 plus 8 from RFC 2347 (option negotiation refused). */
export const ErrorCode = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_NEGOTIATION: 8,
} as const;

export type TransferMode = 'netascii' | 'octet' | 'mail';

/** The request options Corral understands, already validated. */
export interface RequestOptions {
  blksize?: number; // RFC 2348: 8..65464 (larger requests are clamped to 65464)
  tsize?: number; // RFC 2349: 0 in an RRQ, the server answers with the size
  timeout?: number; // RFC 2349: 1..255 seconds
  windowsize?: number; // RFC 7440: 1..65535 (larger requests are clamped)
}

export interface RequestPacket {
  op: 'rrq' | 'wrq';
  filename: string;
  mode: TransferMode;
  options: RequestOptions;
  /** Options we do not know, lower-cased names; ignored per RFC 2347. */
  unknown: Record<string, string>;
}
export interface DataPacket { op: 'data'; block: number; data: Uint8Array }
export interface AckPacket { op: 'ack'; block: number }
export interface ErrorPacket { op: 'error'; code: number; message: string }
export interface OackPacket { op: 'oack'; options: Record<string, string> }
export type TftpPacket = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

/**
 * A packet that cannot be decoded. `reply` is set when the packet was a recognisable request
 * whose content is refused (bad mode, bad option value): the server answers with that error.
 */
export class TftpCodecError extends Error {
  constructor(message: string, readonly reply?: { code: number; message: string }) {
    super(message);
    this.name = 'TftpCodecError';
  }
}

/** Thrown by resolvers to refuse a request with a specific TFTP error (e.g. access violation). */
export class TftpRequestError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'TftpRequestError';
  }
}

export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;
export const MAX_WINDOWSIZE = 65535;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads NUL-terminated strings (RFC 1350 §5) one after another. */
class Fields {
  constructor(private buf: Uint8Array, public pos: number) {}
  atEnd(): boolean { return this.pos >= this.buf.length; }
  restIsPadding(): boolean { return this.buf.subarray(this.pos).every((b) => b === 0); }
  next(what: string): Uint8Array {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new TftpCodecError(`${what} is not NUL-terminated`);
    const field = this.buf.subarray(this.pos, end);
    this.pos = end + 1;
    return field;
  }
}

const ascii = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

export function decode(buf: Uint8Array): TftpPacket {
  if (buf.length < 2) throw new TftpCodecError(`packet too short (${buf.length} bytes)`);
  const op = (buf[0]! << 8) | buf[1]!;
  switch (op) {
    case Opcode.RRQ:
    case Opcode.WRQ:
      return decodeRequest(buf, op === Opcode.RRQ ? 'rrq' : 'wrq');
    case Opcode.DATA:
      need(buf, 4, 'DATA');
      return { op: 'data', block: u16(buf, 2), data: buf.subarray(4) };
    case Opcode.ACK:
      need(buf, 4, 'ACK'); // trailing bytes after the block number are tolerated
      return { op: 'ack', block: u16(buf, 2) };
    case Opcode.ERROR: {
      need(buf, 4, 'ERROR');
      const end = buf.indexOf(0, 4); // liberal: some clients omit the final NUL
      const message = Buffer.from(buf.subarray(4, end < 0 ? buf.length : end)).toString('utf8');
      return { op: 'error', code: u16(buf, 2), message };
    }
    case Opcode.OACK:
      return { op: 'oack', options: decodePairs(new Fields(buf, 2)) };
    default:
      throw new TftpCodecError(`unknown opcode ${op}`);
  }
}

function need(buf: Uint8Array, n: number, what: string): void {
  if (buf.length < n) throw new TftpCodecError(`${what} packet truncated (${buf.length} < ${n} bytes)`);
}
const u16 = (buf: Uint8Array, at: number) => (buf[at]! << 8) | buf[at + 1]!;

function decodeRequest(buf: Uint8Array, op: 'rrq' | 'wrq'): RequestPacket {
  const f = new Fields(buf, 2);
  const rawName = f.next('filename');
  if (rawName.length === 0) throw new TftpCodecError('empty filename');
  let filename: string;
  try {
    filename = utf8.decode(rawName);
  } catch {
    throw new TftpCodecError('filename is not valid UTF-8');
  }
  const modeText = ascii(f.next('mode')).toLowerCase(); // RFC 1350: mode is case-insensitive
  if (modeText !== 'netascii' && modeText !== 'octet' && modeText !== 'mail') {
    throw new TftpCodecError(`unknown mode '${modeText.slice(0, 32)}'`, {
      code: ErrorCode.ILLEGAL_OPERATION,
      message: 'unknown transfer mode',
    });
  }
  const pairs = decodePairs(f);
  const { options, unknown } = parseOptions(pairs);
  return { op, filename, mode: modeText, options, unknown };
}

/** name/value pairs of RFC 2347; names lower-cased, the first occurrence of a name wins. */
function decodePairs(f: Fields): Record<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < 256 && !f.atEnd(); i++) {
    if (f.restIsPadding()) break; // some ROMs pad requests with NULs
    const name = ascii(f.next('option name')).toLowerCase();
    if (name.length === 0) throw new TftpCodecError('empty option name');
    const value = ascii(f.next(`value of option '${name.slice(0, 32)}'`));
    if (!out.has(name)) out.set(name, value);
  }
  if (!f.atEnd() && !f.restIsPadding()) throw new TftpCodecError('too many options');
  return Object.fromEntries(out); // own data properties only, even for a name like "__proto__"
}

const optionError = (msg: string) =>
  new TftpCodecError(msg, { code: ErrorCode.OPTION_NEGOTIATION, message: msg });

function number(name: string, value: string): number {
  if (!/^[0-9]{1,15}$/.test(value)) throw optionError(`option ${name}: '${value.slice(0, 20)}' is not a decimal number`);
  return Number(value);
}

function parseOptions(pairs: Record<string, string>): { options: RequestOptions; unknown: Record<string, string> } {
  const options: RequestOptions = {};
  const unknown: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(pairs)) {
    switch (name) {
      case 'blksize': {
        const n = number(name, value);
        if (n < MIN_BLKSIZE) throw optionError(`option blksize: ${n} is below ${MIN_BLKSIZE}`);
        options.blksize = Math.min(n, MAX_BLKSIZE);
        break;
      }
      case 'windowsize': {
        const n = number(name, value);
        if (n < 1) throw optionError('option windowsize: must be at least 1');
        options.windowsize = Math.min(n, MAX_WINDOWSIZE);
        break;
      }
      case 'timeout': {
        const n = number(name, value);
        if (n < 1 || n > 255) throw optionError(`option timeout: ${n} is outside 1..255`);
        options.timeout = n;
        break;
      }
      case 'tsize':
        options.tsize = number(name, value);
        break;
      default:
        unknown.push([name, value]);
    }
  }
  return { options, unknown: Object.fromEntries(unknown) };
}

// ---- encoding ----

// Filenames are UTF-8; mode and options are ASCII (RFC 2347), kept byte-exact as latin1.
function fields(op: number, parts: Buffer[]): Buffer {
  const out = Buffer.alloc(2 + parts.reduce((n, b) => n + b.length + 1, 0));
  out.writeUInt16BE(op, 0);
  let at = 2;
  for (const b of parts) {
    b.copy(out, at);
    at += b.length + 1; // the NUL is already there (Buffer.alloc zero-fills)
  }
  return out;
}

const latin1 = (o: Record<string, string | number>) =>
  Object.entries(o).flatMap(([k, v]) => [Buffer.from(k, 'latin1'), Buffer.from(String(v), 'latin1')]);

export function encodeRequest(
  op: 'rrq' | 'wrq',
  filename: string,
  mode: string,
  options: Record<string, string | number> = {},
): Buffer {
  const head = [Buffer.from(filename, 'utf8'), Buffer.from(mode, 'latin1')];
  return fields(op === 'rrq' ? Opcode.RRQ : Opcode.WRQ, [...head, ...latin1(options)]);
}

/** Writes a DATA header (RFC 1350 §5: opcode 3, block number) at `at`; the payload follows it. */
export function writeDataHeader(into: Uint8Array, at: number, block: number): void {
  into[at] = 0;
  into[at + 1] = Opcode.DATA;
  into[at + 2] = (block >>> 8) & 0xff;
  into[at + 3] = block & 0xff;
}

export function encodeData(block: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + data.length);
  out.writeUInt16BE(Opcode.DATA, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  out.set(data, 4);
  return out;
}

export function encodeAck(block: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt16BE(Opcode.ACK, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  return out;
}

export function encodeError(code: number, message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  const out = Buffer.alloc(5 + msg.length);
  out.writeUInt16BE(Opcode.ERROR, 0);
  out.writeUInt16BE(code & 0xffff, 2);
  msg.copy(out, 4);
  return out;
}

export function encodeOack(options: Record<string, string | number>): Buffer {
  return fields(Opcode.OACK, latin1(options));
}

/** Encodes any decoded packet (used for round trips in tests and by tools). */
export function encode(p: TftpPacket): Buffer {
  switch (p.op) {
    case 'rrq':
    case 'wrq':
      return encodeRequest(p.op, p.filename, p.mode, { ...p.options, ...p.unknown });
    case 'data':
      return encodeData(p.block, p.data);
    case 'ack':
      return encodeAck(p.block);
    case 'error':
      return encodeError(p.code, p.message);
    case 'oack':
      return encodeOack(p.options);
  }
}
