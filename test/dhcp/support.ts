// Shared helpers for the DHCP tests: fixture loading, a seeded PRNG, packet builders.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DhcpPacket } from '../../src/dhcp/packet.js';
import type { Mac } from '../../src/model/index.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/dhcp/', import.meta.url));

/** The fixture files: hex bytes, '#' comments. */
export const FIXTURES = [
  'bios-ipxe-rom-discover.hex',
  'bios-ipxe-rom-request.hex',
  'bios-undionly-discover.hex',
  'uefi-ovmf-pxe-discover.hex',
  'uefi-ovmf-http-discover.hex',
  'uefi-ipxe-rom-discover.hex',
  'relayed-request.hex',
  'ipxe-rfc3004-user-class-discover.hex',
  'overload-offer.hex',
] as const;

export type FixtureName = (typeof FIXTURES)[number];

export function loadFixture(name: FixtureName): Uint8Array {
  const text = readFileSync(FIXTURE_DIR + name, 'utf8');
  const hex = text.replace(/#.*$/gm, '').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`bad hex in ${name}`);
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

import { prng } from '../fakes/prng.js';

export { prng };

export function seedFromEnv(name: string): number {
  const env = process.env[name];
  return env !== undefined && /^\d+$/.test(env) ? Number(env) : (Date.now() ^ (process.pid << 16)) >>> 0;
}

export const randInt = (rnd: () => number, n: number): number => Math.floor(rnd() * n);

export function randBytes(rnd: () => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => randInt(rnd, 256));
}

/** A BOOTREQUEST from 52:54:00:77:00:01 with the given options, everything else zero. */
export function request(options: [number, Uint8Array][] = [], over: Partial<DhcpPacket> = {}): DhcpPacket {
  const chaddr = new Uint8Array(16);
  chaddr.set([0x52, 0x54, 0x00, 0x77, 0x00, 0x01]);
  return {
    op: 1,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 0x01020304,
    secs: 0,
    flags: 0,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr,
    mac: '52:54:00:77:00:01' as Mac,
    sname: '',
    file: '',
    options: new Map(options),
    ...over,
  };
}
