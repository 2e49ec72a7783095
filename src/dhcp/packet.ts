// The DHCP wire type (STYLE P3: protocol modules keep their own wire types) and typed accessors
// over its raw options. Accessors never throw: a missing or malformed option reads as undefined.
import type { Mac } from '../model/index.js';
import {
  parseClientArch,
  parseClientNdi,
  parseClientUuid,
  parseIpxeEncap,
  parseUserClass,
  type ClientNdi,
  type IpxeInfo,
} from './client-options.js';
import { Opt, messageTypeName, type DhcpMessageType } from './options.js';
import { decodePxeVendorOptions, type PxeVendorOptions } from './pxe-vendor.js';
import { DhcpCodecError, latin1 } from './reader.js';

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** The BROADCAST bit of `flags` (RFC 2131 §2, Figure 2). */
export const BROADCAST_FLAG = 0x8000;
/** The unspecified address, as in ciaddr/giaddr of a client without one. */
export const ZERO_IP = '0.0.0.0';

/** A DHCP/BOOTP message (RFC 2131 §2, Figure 1). Addresses are dotted quads. */
export interface DhcpPacket {
  /** 1 = BOOTREQUEST, 2 = BOOTREPLY. */
  op: 1 | 2;
  /** Hardware address type (1 = Ethernet, 32 = InfiniBand). */
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  /** Bit 15 is BROADCAST; the others must be zero (RFC 2131 §2). */
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The 16-byte chaddr field as on the wire (first hlen bytes significant). */
  chaddr: Uint8Array;
  /** chaddr as a MAC when htype = 1 and hlen = 6 (set by decode and buildReply; encode ignores it). */
  mac?: Mac;
  /** Server host name; '' when empty or when the field carried options (option 52). */
  sname: string;
  /** Boot file name; '' when empty or when the field carried options (option 52). */
  file: string;
  /**
   * Options by code, each the concatenation of all its instances (RFC 3396). Option 52 is never
   * here: decode consumes it and encode writes it when it needs it.
   */
  options: Map<number, Uint8Array>;
}

export function hasBroadcastFlag(p: DhcpPacket): boolean {
  return (p.flags & BROADCAST_FLAG) !== 0;
}

function fixed(p: DhcpPacket, code: number, len: number): Uint8Array | undefined {
  const v = p.options.get(code);
  return v && v.length === len ? v : undefined;
}

const ipAt = (v: Uint8Array | undefined) => (v ? v.join('.') : undefined);

/** Option 53; undefined for BOOTP (no option 53) or an unknown value. */
export function getMessageType(p: DhcpPacket): DhcpMessageType | undefined {
  const v = fixed(p, Opt.messageType, 1);
  return v ? messageTypeName(v[0]!) : undefined;
}

/** Option 50 (RFC 2132 §9.1). */
export function getRequestedIp(p: DhcpPacket): string | undefined {
  return ipAt(fixed(p, Opt.requestedIp, 4));
}

/** Option 54 (RFC 2132 §9.7). */
export function getServerId(p: DhcpPacket): string | undefined {
  return ipAt(fixed(p, Opt.serverId, 4));
}

/** Option 55 (RFC 2132 §9.8): requested option codes, in the client's order. */
export function getParamRequestList(p: DhcpPacket): number[] | undefined {
  const v = p.options.get(Opt.paramRequestList);
  return v ? Array.from(v) : undefined;
}

/** Option 57 (RFC 2132 §9.10); values below the legal minimum 576 read as undefined. */
export function getMaxMessageSize(p: DhcpPacket): number | undefined {
  const v = fixed(p, Opt.maxMessageSize, 2);
  const n = v ? (v[0]! << 8) | v[1]! : undefined;
  return n !== undefined && n >= 576 ? n : undefined;
}

/** Option 60 (RFC 2132 §9.13), one char per byte. */
export function getVendorClass(p: DhcpPacket): string | undefined {
  const v = p.options.get(Opt.vendorClass);
  return v ? latin1(v) : undefined;
}

/** Option 61 (RFC 2132 §9.14): raw bytes (type + id), compared as bytes, never as a string. */
export function getClientId(p: DhcpPacket): Uint8Array | undefined {
  return p.options.get(Opt.clientId);
}

/** Option 77: RFC 3004 instances, or iPXE's raw string as the one instance. */
export function getUserClass(p: DhcpPacket): string[] | undefined {
  const v = p.options.get(Opt.userClass);
  return v ? parseUserClass(v) : undefined;
}

/** Option 93 (RFC 4578 §2.1): architecture types, preferred first. */
export function getClientArch(p: DhcpPacket): number[] | undefined {
  const v = p.options.get(Opt.clientArch);
  return v ? parseClientArch(v) : undefined;
}

/** Option 94 (RFC 4578 §2.2). */
export function getClientNdi(p: DhcpPacket): ClientNdi | undefined {
  const v = p.options.get(Opt.clientNdi);
  return v ? parseClientNdi(v) : undefined;
}

/** Option 97 (RFC 4578 §2.3) as a canonical UUID string (see formatGuid for the byte order). */
export function getClientUuid(p: DhcpPacket): string | undefined {
  const v = p.options.get(Opt.clientUuid);
  return v ? parseClientUuid(v) : undefined;
}

/** Option 82 raw, to echo back unchanged (RFC 3046 §2.2). */
export function getRelayAgentInfo(p: DhcpPacket): Uint8Array | undefined {
  return p.options.get(Opt.relayAgentInfo);
}

/** Option 175, iPXE's self-description; undefined when absent or malformed. */
export function getIpxeInfo(p: DhcpPacket): IpxeInfo | undefined {
  const v = p.options.get(Opt.ipxeEncap);
  return v ? parseIpxeEncap(v) : undefined;
}

/** Option 43 read as PXE sub-options; undefined when absent or not PXE-shaped. */
export function getPxeVendorOptions(p: DhcpPacket): PxeVendorOptions | undefined {
  const v = p.options.get(Opt.vendorSpecific);
  if (!v) return undefined;
  try {
    return decodePxeVendorOptions(v);
  } catch (e) {
    if (e instanceof DhcpCodecError) return undefined;
    throw e;
  }
}
