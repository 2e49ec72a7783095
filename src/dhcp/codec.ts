// Pure DHCPv4/BOOTP codec (RFC 2131 §2, RFC 2132, RFC 3396): bytes in, DhcpPacket out, and back.
// No sockets here (STYLE P1); decodeDhcp fails only with DhcpCodecError.
//
// Decisions:
// - Fewer than 240 bytes (236-byte header + cookie) is rejected. A vend area starting with four
//   zero bytes is a plain BOOTP message (RFC 951 makes vend optional; RFC 1497 gives it meaning
//   only after the cookie) and decodes with no options; any other non-cookie start is
//   "bad magic cookie": Corral reads no other vendor formats.
// - op must be 1 or 2 and hlen at most 16; htype is not checked (InfiniBand is 32, RFC 4390).
// - Every options area in use must end with option 255 (RFC 2131 §4.1); bytes after it are padding.
// - sname/file are read up to the first NUL, one char per byte.
import { macFromBytes } from '../lib/mac.js';
import {
  concatInstances,
  layoutOptions,
  optionAtoms,
  orderedCodes,
  scanOptionArea,
  writeAtoms,
  type Atom,
  type OptionInstance,
} from './option-area.js';
import { Opt } from './options.js';
import type { DhcpPacket } from './packet.js';
import { ByteReader, DhcpCodecError, latin1, latin1Bytes, plainBytes, writeIpv4 } from './reader.js';

export { DhcpCodecError } from './reader.js';

export const MAGIC_COOKIE = 0x63825363;
const SNAME_AT = 44;
const FILE_AT = 108;
const COOKIE_AT = 236;
const OPTIONS_AT = 240;

/** RFC 1542 §2.1: BOOTP messages are at least 300 bytes; some PXE ROMs drop shorter replies. */
export const MIN_MESSAGE_SIZE = 300;
/** RFC 2131 §2: a client must accept a 576-byte IP datagram, i.e. 548 bytes of DHCP message. */
export const DEFAULT_MAX_SIZE = 576 - 28;

function cstring(buf: Uint8Array, from: number, to: number): string {
  const nul = buf.indexOf(0, from);
  return latin1(buf.subarray(from, nul >= 0 && nul < to ? nul : to));
}

function overloadFields(instances: OptionInstance[]): number {
  const o52 = instances.filter((i) => i.code === Opt.overload);
  if (o52.length === 0) return 0;
  if (o52.length > 1 || o52[0]!.data.length !== 1) throw new DhcpCodecError('bad option 52 length');
  const v = o52[0]!.data[0]!;
  if (v < 1 || v > 3) throw new DhcpCodecError(`bad option 52 value ${v}`);
  return v;
}

/** Options from the options field, then file, then sname when option 52 says so (RFC 3396 §5). */
function decodeOptions(buf: Uint8Array): { options: Map<number, Uint8Array>; overload: number } {
  const cookie = new ByteReader(buf, COOKIE_AT).u32('magic cookie');
  if (cookie === 0) return { options: new Map(), overload: 0 };
  if (cookie !== MAGIC_COOKIE) throw new DhcpCodecError('bad magic cookie');
  const main: OptionInstance[] = [];
  scanOptionArea(buf, OPTIONS_AT, buf.length, 'options', main);
  const overload = overloadFields(main);
  const extra: OptionInstance[] = [];
  if (overload & 1) scanOptionArea(buf, FILE_AT, COOKIE_AT, 'file', extra);
  if (overload & 2) scanOptionArea(buf, SNAME_AT, FILE_AT, 'sname', extra);
  const bad = extra.find((i) => i.code === Opt.overload);
  if (bad) throw new DhcpCodecError(`option 52 in ${bad.field} field`);
  const options = concatInstances([...main.filter((i) => i.code !== Opt.overload), ...extra]);
  return { options, overload };
}

/** Decodes one DHCP/BOOTP message; throws DhcpCodecError for anything malformed. */
export function decodeDhcp(input: Uint8Array): DhcpPacket {
  const buf = plainBytes(input);
  if (buf.length < OPTIONS_AT) throw new DhcpCodecError(`packet too short: ${buf.length} bytes`);
  const r = new ByteReader(buf);
  const op = r.u8('op');
  if (op !== 1 && op !== 2) throw new DhcpCodecError(`bad op ${op}`);
  const htype = r.u8('htype');
  const hlen = r.u8('hlen');
  if (hlen > 16) throw new DhcpCodecError(`bad hlen ${hlen}`);
  const hops = r.u8('hops');
  const xid = r.u32('xid');
  const secs = r.u16('secs');
  const flags = r.u16('flags');
  const [ciaddr, yiaddr, siaddr, giaddr] = [r.ipv4('ciaddr'), r.ipv4('yiaddr'), r.ipv4('siaddr'), r.ipv4('giaddr')];
  const chaddr = r.bytes(16, 'chaddr');
  const { options, overload } = decodeOptions(buf);
  const p: DhcpPacket = {
    op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr,
    sname: overload & 2 ? '' : cstring(buf, SNAME_AT, FILE_AT),
    file: overload & 1 ? '' : cstring(buf, FILE_AT, COOKIE_AT),
    options,
  };
  if (htype === 1 && hlen === 6) p.mac = macFromBytes(chaddr);
  return p;
}

export interface EncodeOptions {
  /** Largest message to produce, in bytes of UDP payload (default 548; see maxReplySize). */
  maxSize?: number;
  /** Zero-pad shorter messages to this size (default 300, RFC 1542 §2.1). */
  minSize?: number;
}

function checkUint(n: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > max) throw new DhcpCodecError(`bad ${what} ${n}`);
}

function checkHeader(p: DhcpPacket): void {
  if (p.op !== 1 && p.op !== 2) throw new DhcpCodecError(`bad op ${String(p.op)}`);
  checkUint(p.htype, 255, 'htype');
  checkUint(p.hlen, 16, 'hlen');
  checkUint(p.hops, 255, 'hops');
  checkUint(p.xid, 0xffffffff, 'xid');
  checkUint(p.secs, 0xffff, 'secs');
  checkUint(p.flags, 0xffff, 'flags');
  if (p.chaddr.length > 16) throw new DhcpCodecError(`chaddr too long: ${p.chaddr.length} bytes`);
}

function writeString(buf: Uint8Array, at: number, s: string, field: 'sname' | 'file', size: number): void {
  const bytes = latin1Bytes(s, field);
  if (bytes.includes(0)) throw new DhcpCodecError(`${field} contains a NUL`);
  if (bytes.length >= size) throw new DhcpCodecError(`${field} too long: ${bytes.length} bytes (max ${size - 1})`);
  buf.set(bytes, at);
}

function atomsOf(options: ReadonlyMap<number, Uint8Array>): Atom[] {
  const atoms: Atom[] = [];
  for (const code of orderedCodes(options)) {
    if (!Number.isInteger(code) || code < 1 || code > 254) throw new DhcpCodecError(`bad option code ${code}`);
    if (code === Opt.overload) throw new DhcpCodecError('option 52 is written by the encoder, do not set it');
    const value = options.get(code);
    if (!(value instanceof Uint8Array)) throw new DhcpCodecError(`option ${code} value is not bytes`);
    atoms.push(...optionAtoms(code, value));
  }
  return atoms;
}

function sizes(opts: EncodeOptions): { max: number; min: number } {
  const max = opts.maxSize ?? DEFAULT_MAX_SIZE;
  const min = opts.minSize ?? MIN_MESSAGE_SIZE;
  if (!Number.isInteger(max) || max < OPTIONS_AT + 1 || max > 65507) throw new DhcpCodecError(`bad max size ${max}`);
  if (!Number.isInteger(min) || min < 0) throw new DhcpCodecError(`bad min size ${min}`);
  return { max, min: Math.min(min, max) };
}

/**
 * Encodes a packet: header, cookie, options (53 first, 54 next, 82 last; values over 255 bytes
 * split per RFC 3396), end option, zero padding up to minSize. Never exceeds maxSize: options that
 * do not fit spill into file/sname with option 52 when those are '', else DhcpCodecError.
 */
export function encodeDhcp(p: DhcpPacket, opts: EncodeOptions = {}): Uint8Array {
  checkHeader(p);
  const { max, min } = sizes(opts);
  const layout = layoutOptions(atomsOf(p.options), max - OPTIONS_AT, { file: p.file === '', sname: p.sname === '' });
  const used = layout.options.reduce((n, a) => n + a.bytes.length, 0) + 1;
  const buf = new Uint8Array(Math.max(min, OPTIONS_AT + used));
  const view = new DataView(buf.buffer);
  buf.set([p.op, p.htype, p.hlen, p.hops]);
  view.setUint32(4, p.xid);
  view.setUint16(8, p.secs);
  view.setUint16(10, p.flags);
  writeIpv4(buf, 12, p.ciaddr, 'ciaddr');
  writeIpv4(buf, 16, p.yiaddr, 'yiaddr');
  writeIpv4(buf, 20, p.siaddr, 'siaddr');
  writeIpv4(buf, 24, p.giaddr, 'giaddr');
  buf.set(p.chaddr, 28);
  if (layout.sname) writeAtoms(buf, SNAME_AT, layout.sname);
  else writeString(buf, SNAME_AT, p.sname, 'sname', FILE_AT - SNAME_AT);
  if (layout.file) writeAtoms(buf, FILE_AT, layout.file);
  else writeString(buf, FILE_AT, p.file, 'file', COOKIE_AT - FILE_AT);
  view.setUint32(COOKIE_AT, MAGIC_COOKIE);
  writeAtoms(buf, OPTIONS_AT, layout.options);
  return buf;
}
