// Reply building (RFC 2131 Table 3, RFC 3046, RFC 6842) and reply destinations (RFC 2131 §4.1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { getMessageType, getServerId, type DhcpPacket } from '../../src/dhcp/packet.js';
import { buildReply, maxReplySize, replyDestination, type RequestSource, type ReplyType } from '../../src/dhcp/reply.js';
import { ascii, bytes, loadFixture, request, toHex } from './support.js';

const SERVER = '10.77.0.1';

describe('buildReply', () => {
  it('copies xid, flags, giaddr, htype/hlen/chaddr; zeroes hops and secs (Table 3)', () => {
    const req = decodeDhcp(loadFixture('relayed-request.hex'));
    const ack = buildReply(req, { type: 'ACK', serverId: SERVER, yiaddr: '10.77.1.100', siaddr: SERVER, file: 'undionly.kpxe' });
    assert.equal(ack.op, 2);
    assert.equal(ack.xid, req.xid);
    assert.equal(ack.flags, req.flags);
    assert.equal(ack.giaddr, '10.77.1.1');
    assert.deepEqual([ack.htype, ack.hlen, toHex(ack.chaddr), ack.mac], [1, 6, toHex(req.chaddr), '52:54:00:77:00:01']);
    assert.deepEqual([ack.hops, ack.secs], [0, 0]);
    assert.deepEqual([ack.yiaddr, ack.siaddr, ack.file, ack.sname], ['10.77.1.100', SERVER, 'undionly.kpxe', '']);
    assert.notEqual(ack.chaddr, req.chaddr); // a copy, not shared
  });

  it('echoes 61 unaltered (RFC 6842) and 82 as the last option (RFC 3046 §2.2)', () => {
    const req = decodeDhcp(loadFixture('relayed-request.hex'));
    const offer = buildReply(req, { type: 'OFFER', serverId: SERVER, yiaddr: '10.77.1.100', options: [[1, bytes(255, 255, 255, 0)], [3, bytes(10, 77, 1, 1)]] });
    assert.deepEqual([...offer.options.keys()], [53, 54, 1, 3, 61, 82]);
    assert.equal(toHex(offer.options.get(61)!), '01525400770001');
    offer.options.set(6, bytes(10, 77, 0, 1)); // added after the echo: 82 must still go last on the wire
    const wire = encodeDhcp(offer);
    const codes: number[] = [];
    for (let i = 240; wire[i] !== 255; i += 2 + wire[i + 1]!) codes.push(wire[i]!);
    assert.deepEqual(codes, [53, 54, 1, 3, 61, 6, 82]);
    assert.equal(toHex(decodeDhcp(wire).options.get(82)!), '01074769312f302f370206001b21aabbcc');
  });

  it('ciaddr: copied into an ACK only', () => {
    const req = request([[53, bytes(3)]], { ciaddr: '10.77.0.50' });
    const types: ReplyType[] = ['OFFER', 'ACK', 'NAK'];
    assert.deepEqual(types.map((type) => buildReply(req, { type, serverId: SERVER }).ciaddr), ['0.0.0.0', '10.77.0.50', '0.0.0.0']);
  });

  it('53 and 54 first; no 61/82 when the request had none', () => {
    const offer = buildReply(request(), { type: 'OFFER', serverId: SERVER, yiaddr: '10.77.0.100' });
    assert.deepEqual([...offer.options.keys()], [53, 54]);
    assert.equal(getMessageType(offer), 'OFFER');
    assert.equal(getServerId(offer), SERVER);
    const ib = request([], { htype: 32 });
    delete ib.mac; // InfiniBand: no MAC, and none appears in the reply
    assert.equal('mac' in buildReply(ib, { type: 'OFFER', serverId: SERVER }), false);
  });

  it('a NAK: only 56 and 60 allowed, no addresses or names; broadcast bit set when relayed', () => {
    const req = decodeDhcp(loadFixture('relayed-request.hex'));
    const nak = buildReply(req, { type: 'NAK', serverId: SERVER, options: [[56, ascii('wrong subnet')]] });
    assert.equal(nak.flags & 0x8000, 0x8000); // RFC 2131 §4.3.2
    assert.deepEqual([nak.yiaddr, nak.siaddr, nak.ciaddr], ['0.0.0.0', '0.0.0.0', '0.0.0.0']);
    assert.deepEqual([...nak.options.keys()], [53, 54, 56, 61, 82]);
    assert.equal(buildReply(request(), { type: 'NAK', serverId: SERVER }).flags, 0);
    assert.throws(() => buildReply(req, { type: 'NAK', serverId: SERVER, options: [[3, bytes(1, 2, 3, 4)]] }), /option 3 not allowed in a NAK/);
    assert.throws(() => buildReply(req, { type: 'NAK', serverId: SERVER, yiaddr: '10.0.0.1' }), /a NAK carries no yiaddr/);
    assert.throws(() => buildReply(req, { type: 'NAK', serverId: SERVER, file: 'x' }), /a NAK carries no/);
  });

  it('refuses options that are computed, echoed or client-only', () => {
    for (const code of [50, 52, 53, 54, 55, 57, 61, 82]) {
      assert.throws(() => buildReply(request(), { type: 'OFFER', serverId: SERVER, options: [[code, bytes(1)]] }), {
        name: 'DhcpCodecError',
        message: `option ${code} is not set by the caller of buildReply`,
      });
    }
    assert.throws(() => buildReply(request(), { type: 'OFFER', serverId: 'me' }), /bad server id 'me'/);
  });
});

describe('replyDestination (RFC 2131 §4.1)', () => {
  const B = { address: '255.255.255.255', port: 68, broadcast: true };
  const cases: [string, Partial<DhcpPacket>, ReplyType, RequestSource | undefined, typeof B][] = [
    ['relayed: unicast to giaddr:67', { giaddr: '10.77.1.1' }, 'OFFER', undefined, { address: '10.77.1.1', port: 67, broadcast: false }],
    ['relayed NAK: still to the relay', { giaddr: '10.77.1.1', ciaddr: '10.77.1.5' }, 'NAK', undefined, { address: '10.77.1.1', port: 67, broadcast: false }],
    ['relayed with ciaddr: giaddr wins', { giaddr: '10.77.1.1', ciaddr: '10.77.1.5' }, 'ACK', undefined, { address: '10.77.1.1', port: 67, broadcast: false }],
    ['NAK without relay: broadcast even with ciaddr', { ciaddr: '10.77.0.5' }, 'NAK', undefined, B],
    ['ciaddr set: unicast ciaddr:68', { ciaddr: '10.77.0.5' }, 'ACK', undefined, { address: '10.77.0.5', port: 68, broadcast: false }],
    ['ciaddr set, broadcast bit set: still ciaddr', { ciaddr: '10.77.0.5', flags: 0x8000 }, 'ACK', undefined, { address: '10.77.0.5', port: 68, broadcast: false }],
    ['broadcast bit set: broadcast', { flags: 0x8000 }, 'OFFER', undefined, B],
    ['broadcast bit clear, no ciaddr: broadcast (no ARP injection)', {}, 'OFFER', undefined, B],
    ['port 4011 request: back to its source address and port', { ciaddr: '10.77.0.5' }, 'ACK', { address: '10.77.0.5', port: 68, localPort: 4011 }, { address: '10.77.0.5', port: 68, broadcast: false }],
    ['port 4011 from an odd source port', {}, 'ACK', { address: '10.77.0.6', port: 4011, localPort: 4011 }, { address: '10.77.0.6', port: 4011, broadcast: false }],
    ['port 4011 from 0.0.0.0: standard rules', {}, 'ACK', { address: '0.0.0.0', port: 68, localPort: 4011 }, B],
    ['port 67 source is ignored', {}, 'OFFER', { address: '10.77.0.9', port: 68, localPort: 67 }, B],
  ];
  for (const [what, over, type, from, expected] of cases) {
    it(what, () => {
      const req = request([[53, bytes(type === 'OFFER' ? 1 : 3)]], over);
      const reply = buildReply(req, { type, serverId: SERVER });
      assert.deepEqual(replyDestination(req, reply, from), expected);
    });
  }
});

describe('maxReplySize', () => {
  const cases: [number[] | undefined, number][] = [
    [undefined, 548],
    [[0x05, 0xc0], 1444], // iPXE/EDK2 1472: read as an IP datagram size, minus 28
    [[0x05, 0xdc], 1472], // dhclient's 1500 (MTU)
    [[0x02, 0x40], 548], // 576
    [[0x02, 0x00], 548], // 512: illegal, ignored
    [[0xff, 0xff], 1472], // capped at one Ethernet frame
  ];
  for (const [value, expected] of cases) {
    it(`option 57 = ${value ? (value[0]! << 8) | value[1]! : 'absent'} -> ${expected}`, () => {
      assert.equal(maxReplySize(request(value ? [[57, Uint8Array.from(value)]] : [])), expected);
    });
  }
});
