// Parsers for the options a (PXE) client uses to describe itself: user class (RFC 3004), client
// architecture / NDI / UUID (RFC 4578), iPXE's encapsulated option 175, relay agent sub-options
// (RFC 3046). They are lenient: a malformed value yields undefined, never an exception, because
// one odd option must not stop a machine from booting.
import { latin1 } from './reader.js';

/**
 * Splits encapsulated sub-options (code, length, data). With `padEnd`, 0 is pad and 255 ends the
 * list (PXE option 43, PXE 2.1 spec vendor options); without, every code is data (RFC 3046 §2.0).
 * Repeated codes are concatenated (RFC 3396 §7). Returns undefined when a length runs past the end.
 */
export function parseSubOptions(bytes: Uint8Array, padEnd: boolean): Map<number, Uint8Array> | undefined {
  const out = new Map<number, Uint8Array>();
  let i = 0;
  while (i < bytes.length) {
    const code = bytes[i]!;
    if (padEnd && code === 0) {
      i += 1;
      continue;
    }
    if (padEnd && code === 255) break;
    if (i + 2 > bytes.length) return undefined;
    const len = bytes[i + 1]!;
    if (i + 2 + len > bytes.length) return undefined;
    const data = bytes.slice(i + 2, i + 2 + len);
    const prev = out.get(code);
    out.set(code, prev ? Uint8Array.from([...prev, ...data]) : data);
    i += 2 + len;
  }
  return out;
}

/**
 * Option 77. RFC 3004 §4 encodes one or more length-prefixed instances, but iPXE sends its raw
 * string "iPXE" (four bytes, no length prefix). The value is read as RFC 3004 when the length
 * prefixes tile it exactly, else as one raw string ("iPXE" never tiles: 'i' = 105 > 3).
 */
export function parseUserClass(bytes: Uint8Array): string[] | undefined {
  if (bytes.length === 0) return undefined;
  const instances: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const len = bytes[i]!;
    if (len === 0 || i + 1 + len > bytes.length) return [latin1(bytes)];
    instances.push(latin1(bytes.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  return instances;
}

/** Option 93 (RFC 4578 §2.1): a list of 16-bit architecture types, the preferred first. */
export function parseClientArch(bytes: Uint8Array): number[] | undefined {
  if (bytes.length === 0 || bytes.length % 2 !== 0) return undefined;
  return Array.from({ length: bytes.length / 2 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
}

/** Option 94 (RFC 4578 §2.2): interface type (1 = UNDI) and its version. */
export interface ClientNdi {
  type: number;
  major: number;
  minor: number;
}

export function parseClientNdi(bytes: Uint8Array): ClientNdi | undefined {
  if (bytes.length !== 3) return undefined;
  return { type: bytes[0]!, major: bytes[1]!, minor: bytes[2]! };
}

const HEX = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Formats the 16 bytes of a PXE/SMBIOS GUID as the canonical UUID string. RFC 4578 §2.3 defers to
 * the PXE spec, whose GUIDs follow the EFI/SMBIOS layout: the first three fields (32, 16, 16 bits)
 * are little-endian on the wire, the last two are bytes. So wire 10 2c 3f 8a 6d 5b 7f 4e 9a 01 ...
 * is 8a3f2c10-5b6d-4e7f-9a01-...: the string dmidecode, iPXE's ${uuid} and QEMU's -uuid show.
 */
export function formatGuid(b: Uint8Array): string {
  const le = (from: number, to: number) => HEX(b.slice(from, to).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${HEX(b.slice(8, 10))}-${HEX(b.slice(10, 16))}`;
}

/** The inverse of formatGuid; undefined for a malformed string. */
export function guidBytes(uuid: string): Uint8Array | undefined {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(uuid.trim());
  if (!m) return undefined;
  const hex = (s: string) => Uint8Array.from(s.match(/../g)!, (p) => parseInt(p, 16));
  return Uint8Array.from([
    ...hex(m[1]!).reverse(),
    ...hex(m[2]!).reverse(),
    ...hex(m[3]!).reverse(),
    ...hex(m[4]!),
    ...hex(m[5]!),
  ]);
}

/** Option 97 (RFC 4578 §2.3): type 0 followed by a 16-byte GUID. */
export function parseClientUuid(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 17 || bytes[0] !== 0) return undefined;
  return formatGuid(bytes.subarray(1));
}

/** iPXE feature sub-options of option 175 (iPXE include/ipxe/features.h). */
export const IPXE_FEATURE = {
  pxeExt: 0x10,
  iscsi: 0x11,
  aoe: 0x12,
  http: 0x13,
  https: 0x14,
  tftp: 0x15,
  ftp: 0x16,
  dns: 0x17,
  bzImage: 0x18,
  multiboot: 0x19,
  slam: 0x1a,
  srp: 0x1b,
  nbi: 0x20,
  pxe: 0x21,
  elf: 0x22,
  comboot: 0x23,
  efi: 0x24,
  fcoe: 0x25,
  vlan: 0x26,
  menu: 0x27,
  sdi: 0x28,
  nfs: 0x29,
} as const;

/** Other sub-options of 175 that a client sends: bus id (0xb1) and version (0xeb). */
const IPXE_BUS_ID = 0xb1;
const IPXE_VERSION = 0xeb;

/** What an iPXE client says about itself in option 175 (read-only; Corral never sends 175). */
export interface IpxeInfo {
  /** Feature code (IPXE_FEATURE) -> its value bytes (usually one version byte). */
  features: Map<number, Uint8Array>;
  /** "major.minor.patch" from sub-option 0xeb. */
  version?: string;
  /** Sub-option 0xb1: bus type (1 = PCI), vendor and device ids. */
  busId?: { busType: number; vendor: number; device: number };
  /** Feature 0x13: this build can fetch http:// URLs. */
  http: boolean;
  /** Feature 0x14: this build can fetch https:// URLs. */
  https: boolean;
}

export function parseIpxeEncap(bytes: Uint8Array): IpxeInfo | undefined {
  const subs = parseSubOptions(bytes, true);
  if (!subs) return undefined;
  const info: IpxeInfo = { features: new Map(), http: false, https: false };
  for (const [code, data] of subs) {
    if (code >= 0x10 && code <= 0x7f) info.features.set(code, data); // features.h: feature range
    else if (code === IPXE_VERSION && data.length === 3) info.version = data.join('.');
    else if (code === IPXE_BUS_ID && data.length === 5) {
      info.busId = { busType: data[0]!, vendor: (data[1]! << 8) | data[2]!, device: (data[3]! << 8) | data[4]! };
    }
  }
  const on = (code: number) => (info.features.get(code)?.some((b) => b !== 0) ?? false);
  info.http = on(IPXE_FEATURE.http);
  info.https = on(IPXE_FEATURE.https);
  return info;
}

/** Option 82 sub-options (RFC 3046 §2.0): 1 circuit id, 2 remote id, ... For logs; echo the raw bytes. */
export function parseRelayAgentInfo(bytes: Uint8Array): Map<number, Uint8Array> | undefined {
  return parseSubOptions(bytes, false);
}
