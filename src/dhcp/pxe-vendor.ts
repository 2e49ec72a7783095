// PXE vendor options: option 43 when the vendor class is "PXEClient" (PXE spec 2.1, "PXE vendor
// options"; sub-options 1-5 MTFTP and 7 multicast are not modelled and are ignored). Corral writes them in proxyDHCP and boot-server replies, and reads them in tests
// and when it meets another PXE server's offer.
import { formatIpv4 } from '../lib/ip.js';
import { parseSubOptions } from './client-options.js';
import { DhcpCodecError, ipv4Bytes, latin1, latin1Bytes } from './reader.js';

/** PXE sub-option codes inside option 43. */
export const PxeSub = {
  discoveryControl: 6,
  bootServers: 8,
  bootMenu: 9,
  menuPrompt: 10,
  bootItem: 71,
  end: 255,
} as const;

/** PXE_DISCOVERY_CONTROL bits (PXE 2.1 spec, PXE vendor options). */
export const DiscoveryControl = {
  noBroadcast: 1, // bit 0: disable broadcast discovery
  noMulticast: 2, // bit 1: disable multicast discovery
  onlyListed: 4, // bit 2: only use/accept servers in PXE_BOOT_SERVERS
  useBootfile: 8, // bit 3: a boot file in this offer is used as is: no prompt, menu or discovery
} as const;

export interface PxeBootServer {
  /** Boot server type (0 = PXE bootstrap server, 1-32767 vendor types). */
  type: number;
  addresses: string[];
}

export interface PxeMenuItem {
  type: number;
  description: string;
}

export interface PxeVendorOptions {
  discoveryControl?: number;
  bootServers?: PxeBootServer[];
  bootMenu?: PxeMenuItem[];
  /** Seconds to wait (0 = boot the first item at once, 255 = show the menu with no timeout). */
  menuPrompt?: { timeout: number; prompt: string };
  /** PXE_BOOT_ITEM: the chosen menu item type and layer (a client sends it to port 4011). */
  bootItem?: { type: number; layer: number };
}

const u16 = (n: number) => Uint8Array.of((n >> 8) & 255, n & 255);

function checkUint(n: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > max) throw new DhcpCodecError(`${what} ${n} out of range 0..${max}`);
}

function sub(code: number, data: Uint8Array): number[] {
  if (data.length > 255) throw new DhcpCodecError(`pxe sub-option ${code} too long: ${data.length} bytes`);
  return [code, data.length, ...data];
}

function encodeBootServers(list: readonly PxeBootServer[]): Uint8Array {
  const out: number[] = [];
  for (const s of list) {
    checkUint(s.type, 0xffff, 'pxe boot server type');
    if (s.addresses.length === 0 || s.addresses.length > 255) throw new DhcpCodecError('pxe boot server needs 1..255 addresses');
    out.push(...u16(s.type), s.addresses.length);
    for (const ip of s.addresses) out.push(...ipv4Bytes(ip, 'pxe boot server address'));
  }
  return Uint8Array.from(out);
}

function encodeBootMenu(list: readonly PxeMenuItem[]): Uint8Array {
  const out: number[] = [];
  for (const item of list) {
    checkUint(item.type, 0xffff, 'pxe menu item type');
    const desc = latin1Bytes(item.description, 'pxe menu description');
    if (desc.length > 255) throw new DhcpCodecError('pxe menu description too long');
    out.push(...u16(item.type), desc.length, ...desc);
  }
  return Uint8Array.from(out);
}

/** Option 43 value for a PXE client: sub-options in code order, then the end sub-option. */
export function encodePxeVendorOptions(o: PxeVendorOptions): Uint8Array {
  const out: number[] = [];
  if (o.discoveryControl !== undefined) {
    checkUint(o.discoveryControl, 0xff, 'pxe discovery control');
    out.push(...sub(PxeSub.discoveryControl, Uint8Array.of(o.discoveryControl)));
  }
  if (o.bootServers) out.push(...sub(PxeSub.bootServers, encodeBootServers(o.bootServers)));
  if (o.bootMenu) out.push(...sub(PxeSub.bootMenu, encodeBootMenu(o.bootMenu)));
  if (o.menuPrompt) {
    checkUint(o.menuPrompt.timeout, 0xff, 'pxe menu prompt timeout');
    const prompt = latin1Bytes(o.menuPrompt.prompt, 'pxe menu prompt');
    out.push(...sub(PxeSub.menuPrompt, Uint8Array.from([o.menuPrompt.timeout, ...prompt])));
  }
  if (o.bootItem) {
    checkUint(o.bootItem.type, 0xffff, 'pxe boot item type');
    checkUint(o.bootItem.layer, 0xffff, 'pxe boot item layer');
    out.push(...sub(PxeSub.bootItem, Uint8Array.from([...u16(o.bootItem.type), ...u16(o.bootItem.layer)])));
  }
  out.push(PxeSub.end);
  return Uint8Array.from(out);
}

const rd16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const rdIp = (b: Uint8Array, i: number) => formatIpv4(((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0);

function decodeBootServers(b: Uint8Array): PxeBootServer[] {
  const list: PxeBootServer[] = [];
  for (let i = 0; i < b.length; ) {
    if (i + 3 > b.length) throw new DhcpCodecError('pxe boot servers truncated');
    const type = rd16(b, i);
    const n = b[i + 2]!;
    if (i + 3 + 4 * n > b.length) throw new DhcpCodecError('pxe boot servers truncated');
    list.push({ type, addresses: Array.from({ length: n }, (_, k) => rdIp(b, i + 3 + 4 * k)) });
    i += 3 + 4 * n;
  }
  return list;
}

function decodeBootMenu(b: Uint8Array): PxeMenuItem[] {
  const list: PxeMenuItem[] = [];
  for (let i = 0; i < b.length; ) {
    if (i + 3 > b.length || i + 3 + b[i + 2]! > b.length) throw new DhcpCodecError('pxe boot menu truncated');
    const len = b[i + 2]!;
    list.push({ type: rd16(b, i), description: latin1(b.subarray(i + 3, i + 3 + len)) });
    i += 3 + len;
  }
  return list;
}

/** Decodes option 43 as PXE sub-options; throws DhcpCodecError when malformed. */
export function decodePxeVendorOptions(bytes: Uint8Array): PxeVendorOptions {
  const subs = parseSubOptions(bytes, true);
  if (!subs) throw new DhcpCodecError('pxe vendor options truncated');
  const o: PxeVendorOptions = {};
  const dc = subs.get(PxeSub.discoveryControl);
  if (dc) {
    if (dc.length !== 1) throw new DhcpCodecError('bad pxe discovery control length');
    o.discoveryControl = dc[0]!;
  }
  const servers = subs.get(PxeSub.bootServers);
  if (servers) o.bootServers = decodeBootServers(servers);
  const menu = subs.get(PxeSub.bootMenu);
  if (menu) o.bootMenu = decodeBootMenu(menu);
  const prompt = subs.get(PxeSub.menuPrompt);
  if (prompt) {
    if (prompt.length < 1) throw new DhcpCodecError('bad pxe menu prompt length');
    o.menuPrompt = { timeout: prompt[0]!, prompt: latin1(prompt.subarray(1)) };
  }
  const item = subs.get(PxeSub.bootItem);
  if (item) {
    if (item.length !== 4) throw new DhcpCodecError('bad pxe boot item length');
    o.bootItem = { type: rd16(item, 0), layer: rd16(item, 2) };
  }
  return o;
}
