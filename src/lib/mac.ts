// MAC address parsing: accepts colon, hyphen, dot (Cisco) and bare hex forms; normalises to
// lower-case colon form, the one key every lookup uses.
import type { Mac } from '../model/index.js';

const HEX12 = /^[0-9a-f]{12}$/;

const CANONICAL = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

export function parseMac(input: string): Mac | undefined {
  if (CANONICAL.test(input)) return input as Mac;
  const s = input.trim().toLowerCase();
  let hex: string;
  if (/^([0-9a-f]{1,2}[:-]){5}[0-9a-f]{1,2}$/.test(s)) {
    hex = s.split(/[:-]/).map((p) => p.padStart(2, '0')).join('');
  } else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(s)) {
    hex = s.replace(/\./g, '');
  } else {
    hex = s;
  }
  if (!HEX12.test(hex)) return undefined;
  return hex.match(/../g)!.join(':') as Mac;
}

export function macFromBytes(b: Uint8Array): Mac {
  return Array.from(b.subarray(0, 6), (x) => x.toString(16).padStart(2, '0')).join(':') as Mac;
}

export function macToBytes(mac: Mac): Uint8Array {
  return Uint8Array.from(mac.split(':'), (p) => parseInt(p, 16));
}

/** The host id a machine the SoT does not list gets when discovered: its MAC with dashes. */
export function discoveredHostId(mac: Mac): string {
  return `mac-${mac.replace(/:/g, '-')}`;
}
