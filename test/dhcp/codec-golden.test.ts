// Golden decoding of real captures (STYLE P1, netboot dhcp4/packet_test.go). The expected values
// below were cross-checked against tshark's independent dissection of the same frames.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDhcp } from '../../src/dhcp/codec.js';
import * as acc from '../../src/dhcp/packet.js';
import { loadFixture, toHex, type FixtureName } from './support.js';

const PXE_BIOS_VC = toHex(Buffer.from('PXEClient:Arch:00000:UNDI:002001'));
const UUID_WIRE = '00102c3f8a6d5b7f4e9a0123456789abcd';
const UUID = '8a3f2c10-5b6d-4e7f-9a01-23456789abcd';
const IPXE_PRL = '010306070c0f111a2b3c4243778081828384858687afcb';
const IPXE_175_BIOS = 'b105018086100eeb03010000170101220101130101110101270101190101290101100102210101150101180101120101';
const ZERO = '0.0.0.0';

interface Golden {
  length: number;
  header: Partial<acc.DhcpPacket>;
  options: [number, string][];
}

const chaddr = (last: number) => `5254007700${last.toString(16).padStart(2, '0')}` + '00'.repeat(10);

/** The iPXE ROM's DISCOVER option list; REQUEST and derived fixtures reuse it. */
const ipxeBiosOptions = (type: string, userClass = '69505845'): [number, string][] => [
  [53, type], [57, '05c0'], [93, '0000'], [94, '010201'], [60, PXE_BIOS_VC], [77, userClass],
  [55, IPXE_PRL], [175, IPXE_175_BIOS], [61, '01525400770001'], [97, UUID_WIRE],
];

const base = { op: 1, htype: 1, hlen: 6, hops: 0, ciaddr: ZERO, yiaddr: ZERO, siaddr: ZERO, giaddr: ZERO, sname: '', file: '' } as const;

const GOLDEN: Partial<Record<FixtureName, Golden>> = {
  'bios-ipxe-rom-discover.hex': {
    length: 400,
    header: { ...base, xid: 0x06797136, secs: 4, flags: 0, mac: '52:54:00:77:00:01' as acc.DhcpPacket['mac'] },
    options: ipxeBiosOptions('01'),
  },
  'bios-undionly-discover.hex': {
    length: 400,
    header: { ...base, xid: 0x9871332b, secs: 4, flags: 0x8000 },
    options: ipxeBiosOptions('01'),
  },
  'bios-ipxe-rom-request.hex': {
    length: 412,
    header: { ...base, xid: 0x06797136, secs: 18, flags: 0 },
    options: [...ipxeBiosOptions('03'), [54, '0a000202'], [50, '0a00020f']],
  },
  'uefi-ovmf-pxe-discover.hex': {
    length: 347,
    header: { ...base, xid: 0xf4670ea4, secs: 0, flags: 0x8000, mac: '52:54:00:77:00:02' as acc.DhcpPacket['mac'] },
    options: [
      [53, '01'], [57, '05c0'], [55, '0102030405060c0d0f111216171c28292a2b3233363a3b3c4243618081828384858687'],
      [97, UUID_WIRE], [94, '010300'], [93, '0007'], [60, toHex(Buffer.from('PXEClient:Arch:00007:UNDI:003000'))],
    ],
  },
  'uefi-ovmf-http-discover.hex': {
    length: 340,
    header: { ...base, xid: 0xf4670ea7, secs: 0, flags: 0x8000 },
    options: [
      [53, '01'], [57, '05c0'], [55, '0102030405060c0d0f111216171c28292a2b3233363a3b3ceb4361'],
      [97, UUID_WIRE], [94, '010300'], [93, '0010'], [60, toHex(Buffer.from('HTTPClient:Arch:00016:UNDI:003000'))],
    ],
  },
  'relayed-request.hex': {
    length: 431,
    header: { ...base, hops: 1, xid: 0x06797136, secs: 18, flags: 0, giaddr: '10.77.1.1' },
    options: [...ipxeBiosOptions('03'), [54, '0a4d0001'], [50, '0a4d0164'], [82, '01074769312f302f370206001b21aabbcc']],
  },
  'ipxe-rfc3004-user-class-discover.hex': {
    length: 408,
    header: { ...base, xid: 0x06797136, secs: 4, flags: 0 },
    options: ipxeBiosOptions('01', '046950584506636f7272616c'),
  },
};

describe('golden decode of captured packets', () => {
  for (const [name, g] of Object.entries(GOLDEN) as [FixtureName, Golden][]) {
    it(`${name}: every header field and option, in wire order`, () => {
      const raw = loadFixture(name);
      assert.equal(raw.length, g.length);
      const p = decodeDhcp(raw);
      for (const [k, v] of Object.entries(g.header)) assert.deepEqual(p[k as keyof acc.DhcpPacket], v, k);
      assert.equal(toHex(p.chaddr), chaddr(name.startsWith('uefi-ovmf') ? 2 : 1));
      assert.deepEqual([...p.options].map(([c, v]) => [c, toHex(v)]), g.options);
    });
  }

  it('(a) iPXE BIOS ROM DISCOVER: typed accessors', () => {
    const p = decodeDhcp(loadFixture('bios-ipxe-rom-discover.hex'));
    assert.equal(acc.getMessageType(p), 'DISCOVER');
    assert.equal(acc.getMaxMessageSize(p), 1472);
    assert.deepEqual(acc.getClientArch(p), [0]);
    assert.deepEqual(acc.getClientNdi(p), { type: 1, major: 2, minor: 1 });
    assert.equal(acc.getVendorClass(p), 'PXEClient:Arch:00000:UNDI:002001');
    assert.deepEqual(acc.getUserClass(p), ['iPXE']);
    assert.deepEqual(acc.getParamRequestList(p), [1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203]);
    assert.equal(toHex(acc.getClientId(p)!), '01525400770001');
    assert.equal(acc.getClientUuid(p), UUID);
    assert.equal(acc.getRequestedIp(p), undefined);
    assert.equal(acc.getServerId(p), undefined);
    assert.equal(acc.getRelayAgentInfo(p), undefined);
    assert.equal(acc.hasBroadcastFlag(p), false);
    const ipxe = acc.getIpxeInfo(p)!;
    assert.equal(ipxe.version, '1.0.0');
    assert.deepEqual(ipxe.busId, { busType: 1, vendor: 0x8086, device: 0x100e });
    assert.equal(ipxe.http, true);
    assert.equal(ipxe.https, false);
    assert.deepEqual([...ipxe.features.keys()], [0x17, 0x22, 0x13, 0x11, 0x27, 0x19, 0x29, 0x10, 0x21, 0x15, 0x18, 0x12]);
    assert.deepEqual([...ipxe.features.get(0x10)!], [2]); // PXE API extensions v2
  });

  it('(b) OVMF native PXE DISCOVER: arch 7, no user class, max size 1472', () => {
    const p = decodeDhcp(loadFixture('uefi-ovmf-pxe-discover.hex'));
    assert.equal(acc.getMessageType(p), 'DISCOVER');
    assert.deepEqual(acc.getClientArch(p), [7]);
    assert.deepEqual(acc.getClientNdi(p), { type: 1, major: 3, minor: 0 });
    assert.equal(acc.getMaxMessageSize(p), 1472);
    assert.equal(acc.getUserClass(p), undefined);
    assert.equal(acc.getClientId(p), undefined);
    assert.equal(acc.getIpxeInfo(p), undefined);
    assert.equal(acc.getClientUuid(p), UUID);
    assert.equal(acc.hasBroadcastFlag(p), true);
  });

  it('(c) OVMF UEFI HTTP boot DISCOVER: arch 16, HTTPClient', () => {
    const p = decodeDhcp(loadFixture('uefi-ovmf-http-discover.hex'));
    assert.deepEqual(acc.getClientArch(p), [16]);
    assert.equal(acc.getVendorClass(p), 'HTTPClient:Arch:00016:UNDI:003000');
  });

  it('(d) relayed REQUEST: giaddr, hops, 50, 54 and raw option 82', () => {
    const p = decodeDhcp(loadFixture('relayed-request.hex'));
    assert.equal(acc.getMessageType(p), 'REQUEST');
    assert.equal(acc.getRequestedIp(p), '10.77.1.100');
    assert.equal(acc.getServerId(p), '10.77.0.1');
    assert.equal(toHex(acc.getRelayAgentInfo(p)!), '01074769312f302f370206001b21aabbcc');
  });

  it('(e) RFC 3004 user class: two instances', () => {
    const p = decodeDhcp(loadFixture('ipxe-rfc3004-user-class-discover.hex'));
    assert.deepEqual(acc.getUserClass(p), ['iPXE', 'corral']);
  });

  it('UEFI iPXE ROM DISCOVER: arch 7, NDI 3.10, iPXE with HTTP', () => {
    const p = decodeDhcp(loadFixture('uefi-ipxe-rom-discover.hex'));
    assert.equal(p.mac, '52:54:00:77:00:03');
    assert.deepEqual(acc.getClientArch(p), [7]);
    assert.deepEqual(acc.getClientNdi(p), { type: 1, major: 3, minor: 10 });
    assert.equal(acc.getVendorClass(p), 'PXEClient:Arch:00007:UNDI:003010');
    assert.deepEqual(acc.getUserClass(p), ['iPXE']);
    assert.equal(acc.getIpxeInfo(p)!.features.has(0x24), true); // EFI image format
  });
});
