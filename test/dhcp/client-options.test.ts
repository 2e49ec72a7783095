// Client self-description options (77, 93, 94, 97, 175, 82) and PXE option 43, including the
// malformed values accessors must read as undefined.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatGuid, guidBytes, parseClientArch, parseClientNdi, parseClientUuid, parseIpxeEncap,
  parseRelayAgentInfo, parseSubOptions, parseUserClass,
} from '../../src/dhcp/client-options.js';
import { getMaxMessageSize, getMessageType, getPxeVendorOptions, getRequestedIp } from '../../src/dhcp/packet.js';
import { DiscoveryControl, decodePxeVendorOptions, encodePxeVendorOptions } from '../../src/dhcp/pxe-vendor.js';
import { ascii, bytes, request, toHex } from './support.js';

describe('option 77 user class', () => {
  const cases: [string, Uint8Array, string[] | undefined][] = [
    ["iPXE's raw string", ascii('iPXE'), ['iPXE']],
    ['RFC 3004, one instance', bytes(4, ...ascii('iPXE')), ['iPXE']],
    ['RFC 3004, two instances', bytes(4, ...ascii('iPXE'), 3, ...ascii('lab')), ['iPXE', 'lab']],
    ['length prefix past the end: raw', bytes(9, ...ascii('iPXE')), ['\tiPXE']],
    ['zero-length instance: raw', bytes(0, 1, 65), ['\x00\x01A']],
    ['trailing byte: raw', bytes(1, 65, 7), ['\x01A\x07']],
    ['empty', bytes(), undefined],
  ];
  for (const [what, value, expected] of cases) {
    it(what, () => assert.deepEqual(parseUserClass(value), expected));
  }
});

describe('RFC 4578 options', () => {
  it('93: a list of uint16, preferred first; odd or empty lengths are malformed', () => {
    assert.deepEqual(parseClientArch(bytes(0, 7, 0, 0)), [7, 0]);
    assert.deepEqual(parseClientArch(bytes(0, 16)), [16]);
    assert.equal(parseClientArch(bytes(0)), undefined);
    assert.equal(parseClientArch(bytes()), undefined);
    assert.equal(parseClientArch(bytes(0, 7, 0)), undefined);
  });

  it('94: exactly three bytes', () => {
    assert.deepEqual(parseClientNdi(bytes(1, 3, 16)), { type: 1, major: 3, minor: 16 });
    assert.equal(parseClientNdi(bytes(1, 3)), undefined);
  });

  it('97: type 0 + 16 bytes, first three GUID fields little-endian (SMBIOS/EFI order)', () => {
    const wire = bytes(0, 0x10, 0x2c, 0x3f, 0x8a, 0x6d, 0x5b, 0x7f, 0x4e, 0x9a, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd);
    assert.equal(parseClientUuid(wire), '8a3f2c10-5b6d-4e7f-9a01-23456789abcd');
    assert.equal(parseClientUuid(Uint8Array.from([1, ...wire.subarray(1)])), undefined);
    assert.equal(parseClientUuid(wire.subarray(0, 16)), undefined);
    assert.equal(toHex(guidBytes('8A3F2C10-5B6D-4E7F-9A01-23456789ABCD')!), toHex(wire.subarray(1)));
    assert.equal(guidBytes('8a3f2c10-5b6d-4e7f-9a01'), undefined);
    assert.equal(formatGuid(new Uint8Array(16)), '00000000-0000-0000-0000-000000000000');
  });
});

describe('option 175 (iPXE)', () => {
  it('reads features, version and bus id; https off when absent', () => {
    const info = parseIpxeEncap(bytes(0xb1, 5, 1, 0x80, 0x86, 0x10, 0x0e, 0xeb, 3, 1, 21, 1, 0x13, 1, 1, 0x14, 1, 0))!;
    assert.equal(info.version, '1.21.1');
    assert.deepEqual(info.busId, { busType: 1, vendor: 0x8086, device: 0x100e });
    assert.equal(info.http, true);
    assert.equal(info.https, false); // present with version 0 = not supported
  });

  it('malformed (length past the end) reads as undefined', () => {
    assert.equal(parseIpxeEncap(bytes(0x13, 5, 1)), undefined);
  });

  it('no features: http false', () => {
    assert.equal(parseIpxeEncap(bytes())!.http, false);
  });
});

describe('sub-options', () => {
  it('82: circuit and remote id, no pad/end semantics', () => {
    const subs = parseRelayAgentInfo(bytes(1, 2, 0, 255, 2, 1, 0))!;
    assert.equal(toHex(subs.get(1)!), '00ff');
    assert.equal(toHex(subs.get(2)!), '00');
  });

  it('with pad/end: pads skipped, end stops, repeats concatenated (RFC 3396)', () => {
    const subs = parseSubOptions(bytes(0, 6, 1, 8, 9, 1, 2, 9, 1, 3, 255, 77, 77), true)!;
    assert.deepEqual([...subs.keys()], [6, 9]);
    assert.equal(toHex(subs.get(9)!), '0203');
  });
});

describe('option 43 (PXE vendor options)', () => {
  it('encodes sub-options in code order with an end marker, byte-exact', () => {
    const wire = encodePxeVendorOptions({
      discoveryControl: DiscoveryControl.noBroadcast | DiscoveryControl.noMulticast | DiscoveryControl.useBootfile,
      bootServers: [{ type: 0x8000, addresses: ['10.77.0.1'] }],
      bootMenu: [{ type: 0x8000, description: 'Corral' }],
      menuPrompt: { timeout: 0, prompt: 'PXE' },
      bootItem: { type: 0x8000, layer: 0 },
    });
    assert.equal(
      toHex(wire),
      '06010b' + '08078000010a4d0001' + '0909800006436f7272616c' + '0a0400505845' + '470480000000' + 'ff',
    );
  });

  it('decode errors are DhcpCodecError with specific messages', () => {
    const cases: [number[], string][] = [
      [[6, 2, 0, 0, 255], 'bad pxe discovery control length'],
      [[8, 4, 0x80, 0, 2, 10, 255], 'pxe boot servers truncated'],
      [[9, 3, 0x80, 0, 5, 255], 'pxe boot menu truncated'],
      [[10, 0, 255], 'bad pxe menu prompt length'],
      [[71, 3, 0, 0, 0, 255], 'bad pxe boot item length'],
      [[6, 9, 0], 'pxe vendor options truncated'],
    ];
    for (const [raw, message] of cases) {
      assert.throws(() => decodePxeVendorOptions(Uint8Array.from(raw)), { name: 'DhcpCodecError', message });
    }
  });

  it('encode rejects out-of-range values', () => {
    assert.throws(() => encodePxeVendorOptions({ discoveryControl: 256 }), /pxe discovery control 256 out of range/);
    assert.throws(() => encodePxeVendorOptions({ bootServers: [{ type: 1, addresses: [] }] }), /1\.\.255 addresses/);
    assert.throws(() => encodePxeVendorOptions({ bootServers: [{ type: 1, addresses: ['x'] }] }), /bad pxe boot server address 'x'/);
  });

  it('getPxeVendorOptions reads undefined for a non-PXE option 43', () => {
    assert.equal(getPxeVendorOptions(request([[43, bytes(8, 9, 1)]])), undefined);
    assert.deepEqual(getPxeVendorOptions(request([[43, bytes(6, 1, 8, 255)]])), { discoveryControl: 8 });
  });
});

describe('fixed-size accessors read malformed values as undefined', () => {
  it('53 of length 2, 50 of length 3, 57 below 576', () => {
    const p = request([[53, bytes(1, 1)], [50, bytes(10, 0, 0)], [57, bytes(0x02, 0x3f)]]);
    assert.equal(getMessageType(p), undefined);
    assert.equal(getRequestedIp(p), undefined);
    assert.equal(getMaxMessageSize(p), undefined);
    assert.equal(getMessageType(request([[53, bytes(9)]])), undefined);
  });
});
