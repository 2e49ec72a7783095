// DHCP option codes (RFC 2132 and later), message types, and the value codecs for the option
// types a SoT may use in `dhcp_options` (Vaquero's list plus address/bool).
import type { DhcpOptionSpec } from '../model/index.js';
import { DhcpCodecError, ipv4Bytes } from './reader.js';

/** Option codes Corral reads or writes. Codes 0 and 255 are pad and end (RFC 2132 §3.1, §3.2). */
export const Opt = {
  pad: 0,
  subnetMask: 1,
  router: 3,
  dnsServers: 6,
  hostName: 12,
  domainName: 15,
  rootPath: 17,
  broadcastAddress: 28,
  ntpServers: 42,
  vendorSpecific: 43, // PXE sub-options when the vendor class is PXEClient (PXE 2.1 spec)
  requestedIp: 50,
  leaseTime: 51,
  overload: 52,
  messageType: 53,
  serverId: 54,
  paramRequestList: 55,
  message: 56,
  maxMessageSize: 57,
  renewalTime: 58,
  rebindingTime: 59,
  vendorClass: 60,
  clientId: 61,
  tftpServerName: 66,
  bootfileName: 67,
  userClass: 77, // RFC 3004
  relayAgentInfo: 82, // RFC 3046
  clientArch: 93, // RFC 4578 §2.1
  clientNdi: 94, // RFC 4578 §2.2
  clientUuid: 97, // RFC 4578 §2.3
  domainSearch: 119,
  ipxeEncap: 175, // iPXE's encapsulated options (features, bus id)
  end: 255,
} as const;

export type DhcpMessageType =
  | 'DISCOVER'
  | 'OFFER'
  | 'REQUEST'
  | 'DECLINE'
  | 'ACK'
  | 'NAK'
  | 'RELEASE'
  | 'INFORM';

/** Option 53 values (RFC 2132 §9.6). */
export const MESSAGE_TYPE_CODES: Readonly<Record<DhcpMessageType, number>> = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
};

const MESSAGE_TYPES = Object.keys(MESSAGE_TYPE_CODES) as DhcpMessageType[];

export function messageTypeName(code: number): DhcpMessageType | undefined {
  return MESSAGE_TYPES[code - 1];
}

/**
 * Options the server computes itself, which a SoT `dhcp_options` entry may not set (they would
 * break the protocol: lease handling, the overload layout, relay echo, client identity).
 */
export const RESERVED_OPTION_CODES: ReadonlyMap<number, string> = new Map([
  [Opt.requestedIp, 'requested IP address (client only)'],
  [Opt.leaseTime, 'lease time (set with the subnet lease_time)'],
  [Opt.overload, 'option overload (managed by the encoder)'],
  [Opt.messageType, 'DHCP message type'],
  [Opt.serverId, 'server identifier'],
  [Opt.paramRequestList, 'parameter request list (client only)'],
  [Opt.maxMessageSize, 'maximum message size (client only)'],
  [Opt.clientId, 'client identifier (echoed from the client, RFC 6842)'],
  [Opt.relayAgentInfo, 'relay agent information (echoed from the relay, RFC 3046)'],
]);

export type OptionValueType = DhcpOptionSpec['type'];

const INT_RANGES = {
  uint8: [0, 0xff, 1],
  uint16: [0, 0xffff, 2],
  uint32: [0, 0xffffffff, 4],
  int8: [-0x80, 0x7f, 1],
  int16: [-0x8000, 0x7fff, 2],
  int32: [-0x80000000, 0x7fffffff, 4],
} as const;

type IntType = keyof typeof INT_RANGES;

/** The most option data one reply can carry: an Ethernet-MTU reply minus the fixed header (240). */
export const MAX_OPTION_VALUE_BYTES = 1472 - 240;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isIntType(t: OptionValueType): t is IntType {
  return t in INT_RANGES;
}

/** Integers come from YAML as numbers, or as decimal / 0x-hex strings when quoted. */
function toInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  if (/^0x[0-9a-f]+$/i.test(s)) return Number.parseInt(s.slice(2), 16);
  return undefined;
}

function encodeInt(type: IntType, value: unknown): Uint8Array {
  const [min, max, size] = INT_RANGES[type];
  const n = toInteger(value);
  if (n === undefined) throw new DhcpCodecError(`${type} value must be an integer, got ${show(value)}`);
  if (n < min || n > max) throw new DhcpCodecError(`${type} value ${n} out of range ${min}..${max}`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  if (size === 1) view.setUint8(0, n & 0xff);
  else if (size === 2) view.setUint16(0, n & 0xffff);
  else view.setUint32(0, n >>> 0);
  return out;
}

function decodeInt(type: IntType, bytes: Uint8Array): number {
  const [min, , size] = INT_RANGES[type];
  if (bytes.length !== size) throw new DhcpCodecError(`${type} value needs ${size} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signed = min < 0;
  if (size === 1) return signed ? view.getInt8(0) : view.getUint8(0);
  if (size === 2) return signed ? view.getInt16(0) : view.getUint16(0);
  return signed ? view.getInt32(0) : view.getUint32(0);
}

function addressList(value: unknown): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v: string) => v.trim());
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((s) => s !== '');
  throw new DhcpCodecError(`addresses value must be a list of IPv4 addresses, got ${show(value)}`);
}

function encodeAddresses(value: unknown): Uint8Array {
  const list = addressList(value);
  if (list.length === 0) throw new DhcpCodecError('addresses value must not be empty');
  const out = new Uint8Array(4 * list.length);
  list.forEach((ip, i) => out.set(ipv4Bytes(ip, 'IPv4 address'), 4 * i));
  return out;
}

function encodeBool(value: unknown): Uint8Array {
  if (value === true || value === 'true') return Uint8Array.of(1);
  if (value === false || value === 'false') return Uint8Array.of(0);
  throw new DhcpCodecError(`bool value must be true or false, got ${show(value)}`);
}

function encodeString(value: unknown): Uint8Array {
  if (typeof value !== 'string') throw new DhcpCodecError(`string value must be a string, got ${show(value)}`);
  if (value === '') throw new DhcpCodecError('string value must not be empty'); // RFC 2132: string options have a minimum length of 1
  return new TextEncoder().encode(value);
}

function encodeBase64(value: unknown): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value.trim())) {
    throw new DhcpCodecError(`base64 value must be a padded base64 string, got ${show(value)}`);
  }
  return new Uint8Array(Buffer.from(value.trim(), 'base64'));
}

function encodeAny(type: OptionValueType, value: unknown): Uint8Array {
  if (isIntType(type)) return encodeInt(type, value);
  switch (type) {
    case 'string':
      return encodeString(value);
    case 'address':
      if (typeof value !== 'string') throw new DhcpCodecError(`address value must be a string, got ${show(value)}`);
      return ipv4Bytes(value.trim(), 'IPv4 address');
    case 'addresses':
      return encodeAddresses(value);
    case 'base64':
      return encodeBase64(value);
    case 'bool':
      return encodeBool(value);
  }
  throw new DhcpCodecError(`unknown option type '${String(type)}'`);
}

/** Encodes a SoT option value to its wire bytes; throws DhcpCodecError with a readable message. */
export function encodeOptionValue(type: OptionValueType, value: unknown): Uint8Array {
  const out = encodeAny(type, value);
  if (out.length > MAX_OPTION_VALUE_BYTES) {
    throw new DhcpCodecError(`${type} value is ${out.length} bytes, more than fits in a reply (${MAX_OPTION_VALUE_BYTES})`);
  }
  return out;
}

/** The inverse of encodeOptionValue (address lists come back as arrays, base64 re-encoded). */
export function decodeOptionValue(type: OptionValueType, bytes: Uint8Array): unknown {
  if (isIntType(type)) return decodeInt(type, bytes);
  const ips = () => Array.from({ length: bytes.length / 4 }, (_, i) => bytes.subarray(4 * i, 4 * i + 4).join('.'));
  switch (type) {
    case 'string':
      return new TextDecoder().decode(bytes);
    case 'address':
      if (bytes.length !== 4) throw new DhcpCodecError(`address value needs 4 bytes, got ${bytes.length}`);
      return ips()[0];
    case 'addresses':
      if (bytes.length === 0 || bytes.length % 4 !== 0) throw new DhcpCodecError(`addresses value has ${bytes.length} bytes`);
      return ips();
    case 'base64':
      return Buffer.from(bytes).toString('base64');
    case 'bool':
      if (bytes.length !== 1 || bytes[0]! > 1) throw new DhcpCodecError('bool value must be one byte 0 or 1');
      return bytes[0] === 1;
  }
  throw new DhcpCodecError(`unknown option type '${String(type)}'`);
}

/** Validates a SoT option value: undefined when it encodes, else the reason. */
export function checkOptionValue(type: OptionValueType, value: unknown): string | undefined {
  try {
    encodeOptionValue(type, value);
    return undefined;
  } catch (e) {
    if (e instanceof DhcpCodecError) return e.message;
    throw e;
  }
}

/** Validates a whole `dhcp_options` entry: the code, then the value. */
export function checkOptionSpec(spec: DhcpOptionSpec): string | undefined {
  const { option } = spec;
  if (!Number.isInteger(option) || option < 1 || option > 254) return `option code must be 1..254, got ${show(option)}`;
  const reserved = RESERVED_OPTION_CODES.get(option);
  if (reserved) return `option ${option} is set by the DHCP server: ${reserved}`;
  return checkOptionValue(spec.type, spec.value);
}

/** A short rendering of any value for messages; never throws (bigint, symbols, null prototypes). */
function show(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = `'${v}'`;
  else if (typeof v === 'bigint') s = `${v}n`;
  else {
    try {
      s = JSON.stringify(v) ?? Object.prototype.toString.call(v);
    } catch {
      s = Object.prototype.toString.call(v);
    }
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
