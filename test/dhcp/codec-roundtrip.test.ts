// Round trips: encode(decode(x)) == x where the encoder's canonical layout matches the wire
// (DISCOVERs: 53 first, no 54), decode(encode(p)) == p for generated packets, and a generic
// checker over every typed option codec (dns-packet's testEncoder).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { decodeOptionValue, encodeOptionValue, type OptionValueType } from '../../src/dhcp/options.js';
import { encodePxeVendorOptions, decodePxeVendorOptions, type PxeVendorOptions } from '../../src/dhcp/pxe-vendor.js';
import { formatGuid, guidBytes } from '../../src/dhcp/client-options.js';
import type { DhcpPacket } from '../../src/dhcp/packet.js';
import { FIXTURES, loadFixture, prng, randBytes, randInt, request, seedFromEnv, toHex, type FixtureName } from './support.js';

const BYTE_EXACT: FixtureName[] = [
  'bios-ipxe-rom-discover.hex',
  'bios-undionly-discover.hex',
  'uefi-ovmf-pxe-discover.hex',
  'uefi-ovmf-http-discover.hex',
  'uefi-ipxe-rom-discover.hex',
  'ipxe-rfc3004-user-class-discover.hex',
];

describe('fixture round trips', () => {
  for (const name of BYTE_EXACT) {
    it(`${name}: encode(decode(x)) is byte-identical`, () => {
      const x = loadFixture(name);
      assert.equal(toHex(encodeDhcp(decodeDhcp(x), { maxSize: 1472 })), toHex(x));
    });
  }

  for (const name of FIXTURES) {
    it(`${name}: decode(encode(decode(x))) equals decode(x)`, () => {
      const p = decodeDhcp(loadFixture(name));
      assert.deepEqual(decodeDhcp(encodeDhcp(p, { maxSize: 1472 })), p);
    });
  }

  it('a REQUEST is re-encoded with 54 moved up to second place', () => {
    const p = decodeDhcp(loadFixture('relayed-request.hex'));
    const codes: number[] = [];
    const out = encodeDhcp(p, { maxSize: 1472 });
    for (let i = 240; out[i] !== 255; i += 2 + out[i + 1]!) codes.push(out[i]!);
    assert.deepEqual(codes, [53, 54, 57, 93, 94, 60, 77, 55, 175, 61, 97, 50, 82]);
  });
});

function randomIp(rnd: () => number): string {
  return Array.from({ length: 4 }, () => randInt(rnd, 256)).join('.');
}

function randomName(rnd: () => number, max: number): string {
  return Array.from({ length: randInt(rnd, max) }, () => String.fromCharCode(1 + randInt(rnd, 255))).join('');
}

function randomPacket(rnd: () => number): DhcpPacket {
  const options = new Map<number, Uint8Array>();
  const n = randInt(rnd, 12);
  for (let i = 0; i < n; i++) {
    const code = 1 + randInt(rnd, 254);
    if (code === 52) continue;
    options.set(code, randBytes(rnd, rnd() < 0.1 ? randInt(rnd, 600) : randInt(rnd, 40)));
  }
  const hlen = randInt(rnd, 17);
  const p = request([], {
    op: rnd() < 0.5 ? 1 : 2,
    htype: randInt(rnd, 256),
    hlen,
    hops: randInt(rnd, 256),
    xid: randInt(rnd, 2 ** 32),
    secs: randInt(rnd, 65536),
    flags: randInt(rnd, 65536),
    ciaddr: randomIp(rnd),
    yiaddr: randomIp(rnd),
    siaddr: randomIp(rnd),
    giaddr: randomIp(rnd),
    chaddr: randBytes(rnd, 16),
    sname: rnd() < 0.5 ? '' : randomName(rnd, 64),
    file: rnd() < 0.5 ? '' : randomName(rnd, 128),
    options,
  });
  if (p.htype !== 1 || hlen !== 6) delete p.mac;
  else p.mac = Array.from(p.chaddr.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':') as DhcpPacket['mac'];
  return p;
}

describe('generated packets', () => {
  it('decode(encode(p)) deep-equals p for 2,000 random packets (or encode refuses cleanly)', (t) => {
    const seed = seedFromEnv('DHCP_ROUNDTRIP_SEED');
    t.diagnostic(`seed ${seed} (rerun with DHCP_ROUNDTRIP_SEED=${seed})`);
    const rnd = prng(seed);
    let encoded = 0;
    for (let i = 0; i < 2000; i++) {
      const p = randomPacket(rnd);
      let wire: Uint8Array;
      try {
        wire = encodeDhcp(p, { maxSize: 1472 });
      } catch (e) {
        assert.match((e as Error).message, /^options need \d+ bytes/, `seed ${seed} packet ${i}`);
        continue;
      }
      encoded++;
      assert.ok(wire.length >= 300 && wire.length <= 1472, `seed ${seed} packet ${i}: ${wire.length} bytes`);
      assert.deepEqual(decodeDhcp(wire), p, `seed ${seed} packet ${i}`);
    }
    assert.ok(encoded > 1500, `only ${encoded} packets encoded`);
  });
});

/** dns-packet's testEncoder: value -> bytes -> value, and bytes -> value -> bytes. */
function testEncoder<T>(name: string, encode: (v: T) => Uint8Array, decode: (b: Uint8Array) => unknown, values: T[], canonical?: (v: T) => unknown): void {
  it(`${name} codec round-trips ${values.length} values`, () => {
    for (const v of values) {
      const wire = encode(v);
      const back = decode(wire);
      assert.deepEqual(back, canonical ? canonical(v) : v, `${name} ${JSON.stringify(v)}`);
      assert.equal(toHex(encode(back as T)), toHex(wire), `${name} ${JSON.stringify(v)} re-encoded`);
    }
  });
}

const VALUES: Record<OptionValueType, unknown[]> = {
  string: ['a', 'lab.example', 'üñí', 'x'.repeat(600)],
  uint8: [0, 1, 127, 255],
  uint16: [0, 1472, 65535],
  uint32: [0, 86400, 0xffffffff],
  int8: [-128, -1, 0, 127],
  int16: [-32768, -2, 0, 32767],
  int32: [-2147483648, -3600, 0, 2147483647],
  address: ['0.0.0.0', '10.77.0.1', '255.255.255.255'],
  addresses: [['10.77.0.1'], ['10.77.0.1', '8.8.8.8', '1.1.1.1']],
  base64: ['', 'AQID', 'AAEC/w==', 'q83v'],
  bool: [true, false],
};

describe('typed option codecs', () => {
  for (const [type, values] of Object.entries(VALUES) as [OptionValueType, unknown[]][]) {
    testEncoder(type, (v) => encodeOptionValue(type, v), (b) => decodeOptionValue(type, b), values);
  }

  testEncoder<PxeVendorOptions>(
    'pxe option 43',
    encodePxeVendorOptions,
    decodePxeVendorOptions,
    [
      {},
      { discoveryControl: 0x0b },
      { discoveryControl: 7, bootServers: [{ type: 0x8000, addresses: ['10.77.0.1'] }, { type: 1, addresses: ['10.0.0.1', '10.0.0.2'] }] },
      { bootMenu: [{ type: 0x8000, description: 'Corral (iPXE)' }, { type: 0, description: 'Local boot' }], menuPrompt: { timeout: 0, prompt: 'Corral' } },
      { bootItem: { type: 0x8000, layer: 0 } },
    ],
  );

  testEncoder<string>(
    'GUID (option 97 body)',
    (s) => guidBytes(s)!,
    formatGuid,
    ['8a3f2c10-5b6d-4e7f-9a01-23456789abcd', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  );

  it('integers also accept quoted decimal and 0x-hex strings', () => {
    assert.equal(toHex(encodeOptionValue('uint16', '0x05c0')), '05c0');
    assert.equal(toHex(encodeOptionValue('int8', '-1')), 'ff');
    assert.equal(toHex(encodeOptionValue('addresses', '10.0.0.1, 10.0.0.2')), '0a0000010a000002');
    assert.equal(toHex(encodeOptionValue('bool', 'true')), '01');
  });
});
