// The pure responder: RFC 2131 §4.3 server behaviour, the SoT safety rules, relays, proxyDHCP
// and the PXE boot server on 4011, driven by the real QEMU/OVMF captures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { getMessageType, getPxeVendorOptions, getServerId, type DhcpPacket } from '../../src/dhcp/packet.js';
import { maxReplySize, replyDestination, type RequestSource } from '../../src/dhcp/reply.js';
import { isDrop, respond, type Answer, type Outcome } from '../../src/dhcp/responder.js';
import { bench, fixture, labSot, mac, SERVER_IP, serverConfig, type Bench } from './sot-fixture.js';
import { bytes } from './support.js';

const H1 = '52:54:00:77:00:01';
const H3 = '52:54:00:77:00:03';
const SCRIPT = (m: string) => `http://10.77.0.1:8080/ipxe/${m}`;
const str = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('latin1') : undefined);
const ip = (b: Uint8Array | undefined) => (b ? Array.from(b).join('.') : undefined);
const u32 = (b: Uint8Array | undefined) => (b ? Buffer.from(b).readUInt32BE(0) : undefined);

function answered(o: Outcome): Answer & { reply: DhcpPacket } {
  assert.ok(!isDrop(o), `dropped: ${isDrop(o) ? o.drop : ''}`);
  assert.ok(o.reply, `no reply (${o.silent ?? ''})`);
  return o as Answer & { reply: DhcpPacket };
}

/** The reply as a client sees it: encoded within its size limit, decoded again. */
function wire(req: DhcpPacket, o: Outcome): DhcpPacket {
  return decodeDhcp(encodeDhcp(answered(o).reply, { maxSize: maxReplySize(req) }));
}

function dropped(o: Outcome, reason: string | RegExp): void {
  assert.ok(isDrop(o), `expected a drop, got ${JSON.stringify(o)}`);
  if (typeof reason === 'string') assert.equal(o.drop, reason);
  else assert.match(o.drop, reason);
}

/** respond + apply the lease change (as the server does), returning the outcome. */
async function exchange(b: Bench, req: DhcpPacket, over = {}): Promise<Outcome> {
  const o = respond(req, b.ctx(req, over));
  if (!isDrop(o) && o.leaseChange) await b.leases.apply(o.leaseChange);
  return o;
}

const discover = (m: string) => fixture('bios-ipxe-rom-discover.hex', { macAddr: m });
function request(m: string, opts: { sid?: string; requested?: string; ciaddr?: string } = {}): DhcpPacket {
  const p = fixture('bios-ipxe-rom-request.hex', { macAddr: m, ciaddr: opts.ciaddr ?? '0.0.0.0' });
  p.options.delete(54);
  p.options.delete(50);
  if (opts.sid) p.options.set(54, bytes(...opts.sid.split('.').map(Number)));
  if (opts.requested) p.options.set(50, bytes(...opts.requested.split('.').map(Number)));
  return p;
}
const withType = (p: DhcpPacket, t: number, over: Partial<DhcpPacket> = {}) => Object.assign(p, over, { options: new Map([...p.options, [53, bytes(t)]]) });
/** A plain (non-iPXE) BIOS PXE ROM: the iPXE ROM's DISCOVER without user class and option 175. */
function biosPxe(m = H1): DhcpPacket {
  const p = discover(m);
  p.options.delete(77);
  p.options.delete(175);
  return p;
}

describe('server mode: DISCOVER -> OFFER (RFC 2131 §4.3.1)', () => {
  it('BIOS iPXE ROM: its reservation, subnet options, lease times, the per-host script URL', () => {
    const b = bench();
    const req = discover(H1);
    const o = respond(req, b.ctx(req));
    const offer = wire(req, o);
    assert.equal(getMessageType(offer), 'OFFER');
    assert.equal(getServerId(offer), SERVER_IP);
    assert.equal(offer.yiaddr, '10.77.0.11');
    assert.deepEqual([ip(offer.options.get(1)), ip(offer.options.get(3)), ip(offer.options.get(6)), ip(offer.options.get(42))], ['255.255.255.0', '10.77.0.254', '10.77.0.1', '10.77.0.1']);
    assert.equal(str(offer.options.get(15)), 'pxelab.test');
    assert.equal(str(offer.options.get(12)), 'h1');
    assert.deepEqual([u32(offer.options.get(51)), u32(offer.options.get(58)), u32(offer.options.get(59))], [7200, 3600, 6300]);
    assert.deepEqual([offer.options.get(26)?.join(','), str(offer.options.get(252))], ['5,220', 'http://10.77.0.1/wpad.dat']);
    assert.equal(str(offer.options.get(67)), SCRIPT(H1)); // iPXE: its script, no TFTP loop
    assert.equal(offer.file, SCRIPT(H1));
    assert.equal(offer.options.has(60), false);
    assert.equal(offer.siaddr, SERVER_IP); // next-server with every boot file (see the proxy case)
    const a = answered(o);
    assert.deepEqual(a.event, { kind: 'host', hostId: 'h1', type: 'dhcp.offered', ip: '10.77.0.11' });
    assert.equal(a.leaseChange?.kind, 'offer');
    assert.deepEqual(replyDestination(req, a.reply), { address: '255.255.255.255', port: 68, broadcast: true });
  });

  it('orders options as the client asked in option 55 (1,3,6,12,15,26,67 first), 53/54 first, 61 echoed', () => {
    const b = bench();
    const req = discover(H1);
    const codes = [...answered(respond(req, b.ctx(req))).reply.options.keys()];
    assert.deepEqual(codes.slice(0, 9), [53, 54, 1, 3, 6, 12, 15, 26, 67]);
  });

  it('OVMF native PXE (arch 7): snponly.efi over TFTP with siaddr, 66, 67; a DHCP-only offer (no 60, no 43): booted without a port-4011 round', () => {
    const b = bench();
    const req = fixture('uefi-ovmf-pxe-discover.hex');
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual([offer.yiaddr, offer.siaddr, offer.file], ['10.77.0.12', SERVER_IP, 'snponly.efi']);
    assert.deepEqual([offer.options.has(60), str(offer.options.get(66)), str(offer.options.get(67))], [false, SERVER_IP, 'snponly.efi']);
    assert.equal(str(offer.options.get(12)), 'h2-pxe'); // interface hostname wins over the host name
    assert.equal(offer.options.has(43), false);
  });

  it('UEFI HTTP boot (arch 16, HTTPClient): the iPXE EFI binary URL and option 60 HTTPClient', () => {
    const b = bench();
    const req = fixture('uefi-ovmf-http-discover.hex');
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.equal(str(offer.options.get(60)), 'HTTPClient');
    assert.equal(str(offer.options.get(67)), 'http://10.77.0.1:8080/ipxe/snponly.efi');
  });

  it('legacy BIOS PXE (arch 0, not iPXE): undionly.kpxe over TFTP', () => {
    const b = bench();
    const req = biosPxe();
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual([offer.file, offer.siaddr, str(offer.options.get(60))], ['undionly.kpxe', SERVER_IP, 'PXEClient']);
  });

  it('a listed MAC without ipv4 gets an address from the site range even with discovery off', () => {
    const b = bench();
    const req = fixture('uefi-ipxe-rom-discover.hex'); // MAC ...:03 = h3
    assert.equal(wire(req, respond(req, b.ctx(req))).yiaddr, '10.77.0.100');
  });
});

describe('server mode: safety rules', () => {
  const cases: [string, () => DhcpPacket, boolean, string | RegExp][] = [
    ['unknown MAC, discovery off: no answer', () => discover('52:54:00:99:00:01'), false, 'unknown mac'],
    ['ignore_dhcp interface: no answer at all', () => discover('52:54:00:77:00:05'), false, 'ignore_dhcp interface'],
    ['op 2 (a reply) is not a request', () => Object.assign(discover(H1), { op: 2 as const }), false, 'not a request (op 2)'],
    ['hlen 8 on Ethernet', () => Object.assign(discover(H1), { hlen: 8, mac: undefined }), false, 'bad hlen for ethernet'],
    ['BOOTP (no option 53) is not served', () => { const p = discover(H1); p.options.delete(53); return p; }, false, 'bootp request (no option 53)'],
    ['a relay from a subnet not in the SoT', () => Object.assign(discover(H1), { giaddr: '192.168.9.1' }), false, 'relay from an unknown subnet'],
    ['a relayed host whose reservation is on another subnet', () => Object.assign(discover(H1), { giaddr: '10.77.1.1' }), false, 'host reserved on another subnet'],
  ];
  for (const [name, make, discovery, reason] of cases) {
    it(name, () => {
      const b = bench(labSot({ discovery }));
      const req = make();
      dropped(respond(req, b.ctx(req)), reason);
    });
  }

  it('never_provision: its address and options, but no boot file, siaddr, 66, 67 or 60', () => {
    const b = bench();
    const req = biosPxe('52:54:00:77:00:04');
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.equal(offer.yiaddr, '10.77.0.14');
    assert.deepEqual([offer.file, offer.siaddr], ['', '0.0.0.0']);
    for (const code of [60, 66, 67, 43]) assert.equal(offer.options.has(code), false, `option ${code}`);
  });

  it('discovery on: unknown MACs get range addresses (skipping reserved and held ones) and the discovery script', async () => {
    const b = bench(labSot({ discovery: true }));
    const u1 = '52:54:00:99:00:01';
    const o1 = await exchange(b, discover(u1));
    const offer = wire(discover(u1), o1);
    assert.equal(offer.yiaddr, '10.77.0.100');
    assert.equal(str(offer.options.get(67)), SCRIPT(u1));
    assert.equal(answered(o1).event, undefined); // unknown MACs report nothing until bound
    const o2 = await exchange(b, discover('52:54:00:99:00:02'));
    assert.equal(answered(o2).reply.yiaddr, '10.77.0.101'); // .100 is held by u1's offer
    const ack = await exchange(b, request(u1, { sid: SERVER_IP, requested: '10.77.0.100' }));
    assert.equal(getMessageType(answered(ack).reply), 'ACK');
    assert.deepEqual(answered(ack).event, { kind: 'discovered', mac: mac(u1), ip: '10.77.0.100', siteId: 'lab' });
    assert.equal(b.store.get('leases', u1)?.state, 'bound');
  });
});

describe('server mode: REQUEST (RFC 2131 §4.3.2)', () => {
  it('SELECTING with our server id and the offered address: ACK, binding stored', async () => {
    const b = bench();
    await exchange(b, discover(H3));
    const req = request(H3, { sid: SERVER_IP, requested: '10.77.0.100' });
    const o = await exchange(b, req);
    const ack = wire(req, o);
    assert.deepEqual([getMessageType(ack), ack.yiaddr, u32(ack.options.get(51))], ['ACK', '10.77.0.100', 7200]);
    assert.deepEqual(answered(o).event, { kind: 'host', hostId: 'h3', type: 'dhcp.acked', ip: '10.77.0.100' });
    const lease = b.store.get('leases', H3)!;
    assert.deepEqual([lease.ip, lease.state, lease.hostId, lease.subnet, lease.expires - lease.start], ['10.77.0.100', 'bound', 'h3', 'lab', 7_200_000]);
  });

  it('SELECTING another server: no reply, our offer is forgotten', async () => {
    const b = bench();
    await exchange(b, discover(H3));
    const o = await exchange(b, request(H3, { sid: '10.77.0.2', requested: '10.77.0.100' }));
    assert.ok(!isDrop(o) && !o.reply && o.silent === 'client chose another server');
    assert.equal(b.leases.offer(mac(H3)), undefined);
    assert.equal(b.leases.holder('10.77.0.100'), undefined);
  });

  const naks: [string, string, { sid?: string; requested?: string; ciaddr?: string }, string][] = [
    ['SELECTING a reserved host asking for another address', H1, { sid: SERVER_IP, requested: '10.77.0.50' }, 'requested address not available'],
    ['SELECTING without option 50', H1, { sid: SERVER_IP }, 'no requested address'],
    ['INIT-REBOOT on the wrong network', H1, { requested: '192.168.1.5' }, 'wrong network'],
    ['INIT-REBOOT with an address that is not the client\'s', H1, { requested: '10.77.0.50' }, 'not your address'],
    ['RENEWING a reserved host from another address', H1, { ciaddr: '10.77.0.60' }, 'not your address'],
  ];
  for (const [name, m, opts, message] of naks) {
    it(`NAK: ${name}`, () => {
      const b = bench();
      const req = request(m, opts);
      const nak = wire(req, respond(req, b.ctx(req)));
      assert.equal(getMessageType(nak), 'NAK');
      assert.equal(str(nak.options.get(56)), message);
      assert.deepEqual([nak.yiaddr, nak.file], ['0.0.0.0', '']);
      assert.equal(replyDestination(req, answered(respond(req, b.ctx(req))).reply).broadcast, true);
    });
  }

  it('INIT-REBOOT: ACK for the client\'s own address; silent with no record of the client', async () => {
    const b = bench();
    const req = request(H1, { requested: '10.77.0.11' });
    assert.equal(wire(req, respond(req, b.ctx(req))).yiaddr, '10.77.0.11');
    dropped(respond(request(H3, { requested: '10.77.0.100' }), b.ctx(request(H3))), 'init-reboot from a client without record');
    await exchange(b, discover(H3));
    await exchange(b, request(H3, { sid: SERVER_IP, requested: '10.77.0.100' }));
    const again = request(H3, { requested: '10.77.0.100' });
    assert.equal(getMessageType(answered(respond(again, b.ctx(again))).reply), 'ACK');
  });

  it('RENEWING (ciaddr): ACK with ciaddr, unicast to ciaddr:68; unknown binding silent, another one NAK', async () => {
    const b = bench();
    const req = request(H1, { ciaddr: '10.77.0.11' });
    const o = respond(req, b.ctx(req));
    const ack = wire(req, o);
    assert.deepEqual([getMessageType(ack), ack.ciaddr, ack.yiaddr], ['ACK', '10.77.0.11', '10.77.0.11']);
    assert.deepEqual(replyDestination(req, answered(o).reply), { address: '10.77.0.11', port: 68, broadcast: false });
    dropped(respond(request(H3, { ciaddr: '10.77.0.100' }), b.ctx(request(H3, { ciaddr: '10.77.0.100' }))), 'renewal from a client without record');
    await exchange(b, discover(H3));
    await exchange(b, request(H3, { sid: SERVER_IP, requested: '10.77.0.100' }));
    const wrong = request(H3, { ciaddr: '10.77.0.105' });
    assert.equal(getMessageType(answered(respond(wrong, b.ctx(wrong))).reply), 'NAK');
  });
});

describe('server mode: RELEASE, DECLINE, INFORM (RFC 2131 §4.3.3-§4.3.5)', () => {
  it('RELEASE frees the address; the client gets it back on its next DISCOVER', async () => {
    const b = bench();
    await exchange(b, discover(H3));
    await exchange(b, request(H3, { sid: SERVER_IP, requested: '10.77.0.100' }));
    const rel = withType(request(H3, { sid: SERVER_IP }), 7, { ciaddr: '10.77.0.100' });
    const o = await exchange(b, rel);
    assert.ok(!isDrop(o) && !o.reply && o.silent === 'released');
    assert.equal(b.store.get('leases', H3)?.state, 'released');
    assert.equal(b.leases.holder('10.77.0.100'), undefined);
    assert.equal(answered(await exchange(b, discover(H3))).reply.yiaddr, '10.77.0.100');
  });

  it('DECLINE marks the address unavailable, reports a conflict; the next offer is another address', async () => {
    const b = bench();
    await exchange(b, discover(H3));
    await exchange(b, request(H3, { sid: SERVER_IP, requested: '10.77.0.100' }));
    const dec = withType(request(H3, { sid: SERVER_IP, requested: '10.77.0.100' }), 4);
    const o = await exchange(b, dec);
    assert.ok(!isDrop(o) && o.silent === 'declined');
    assert.deepEqual(o.event, { kind: 'conflict', mac: mac(H3), ip: '10.77.0.100', hostId: 'h3' });
    assert.equal(b.store.get('leases', H3), undefined);
    assert.equal(answered(await exchange(b, discover(H3))).reply.yiaddr, '10.77.0.101');
  });

  it('INFORM: ACK with options, no yiaddr and no lease time, unicast to ciaddr', () => {
    const b = bench();
    const req = withType(request(H1), 8, { ciaddr: '10.77.0.11' });
    const o = respond(req, b.ctx(req));
    const ack = wire(req, o);
    assert.deepEqual([getMessageType(ack), ack.yiaddr, ack.ciaddr], ['ACK', '0.0.0.0', '10.77.0.11']);
    for (const code of [51, 58, 59, 67]) assert.equal(ack.options.has(code), false, `option ${code}`);
    assert.equal(ip(ack.options.get(3)), '10.77.0.254');
    assert.equal(answered(o).leaseChange, undefined);
    assert.deepEqual(replyDestination(req, answered(o).reply), { address: '10.77.0.11', port: 68, broadcast: false });
  });
});

describe('relays (giaddr, RFC 2131 §4.1, RFC 3046)', () => {
  it('selects the subnet by giaddr, answers with its router, echoes 82, unicasts to the relay on 67', () => {
    const b = bench(labSot({ h1Ip: '10.77.1.100' }));
    const req = fixture('relayed-request.hex'); // SELECTING, server id 10.77.0.1, requested 10.77.1.100
    const o = respond(req, b.ctx(req));
    const ack = wire(req, o);
    assert.deepEqual([getMessageType(ack), ack.yiaddr, ack.giaddr], ['ACK', '10.77.1.100', '10.77.1.1']);
    assert.equal(ip(ack.options.get(3)), '10.77.1.1');
    assert.equal(ip(ack.options.get(1)), '255.255.255.0');
    assert.ok(ack.options.has(82));
    assert.deepEqual(replyDestination(req, answered(o).reply), { address: '10.77.1.1', port: 67, broadcast: false });
  });

  it('a renewal unicast from behind a relay (no giaddr) is placed by its ciaddr', () => {
    const b = bench(labSot({ h1Ip: '10.77.1.100' }));
    const req = request(H1, { ciaddr: '10.77.1.100' });
    assert.equal(b.ctx(req).subnet?.id, 'remote');
    assert.equal(getMessageType(answered(respond(req, b.ctx(req))).reply), 'ACK');
  });
});

describe('proxyDHCP (PXE 2.1) and the boot server on 4011', () => {
  const proxy = () => bench(labSot({ mode: 'proxy' }));

  it('UEFI PXE (arch 7): OFFER with yiaddr 0, no lease time, 54 = us, 60 PXEClient, the file, 97 echoed, NO option 43', () => {
    const b = proxy();
    const req = fixture('uefi-ovmf-pxe-discover.hex');
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual([getMessageType(offer), offer.yiaddr, getServerId(offer)], ['OFFER', '0.0.0.0', SERVER_IP]);
    assert.deepEqual([offer.file, offer.siaddr, str(offer.options.get(60))], ['snponly.efi', SERVER_IP, 'PXEClient']);
    for (const code of [43, 51, 1, 3]) assert.equal(offer.options.has(code), false, `option ${code}`);
    assert.deepEqual(offer.options.get(97), req.options.get(97));
  });

  it('BIOS PXE (arch 0): option 43 with PXE_DISCOVERY_CONTROL = 8 (boot the file) and file undionly.kpxe', () => {
    const b = proxy();
    const req = biosPxe();
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual(getPxeVendorOptions(offer), { discoveryControl: 8 });
    assert.equal(offer.file, 'undionly.kpxe');
  });

  it('iPXE (user class iPXE): the script URL, 60 PXEClient and siaddr, so iPXE takes it as a proxy offer', () => {
    const b = proxy();
    const req = discover(H1);
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual([str(offer.options.get(67)), str(offer.options.get(60)), offer.yiaddr], [SCRIPT(H1), 'PXEClient', '0.0.0.0']);
    // iPXE before 2022 (QEMU's ROM: 1.0.0+git-20190125) ignores a proxy answer without next-server
    assert.equal(offer.siaddr, SERVER_IP);
    const ack = wire(req, respond(withType(discover(H1), 3, { ciaddr: '10.77.0.150' }), b.ctx(req, { port: 4011 })));
    assert.deepEqual([getMessageType(ack), ack.siaddr, str(ack.options.get(67))], ['ACK', SERVER_IP, SCRIPT(H1)]);
    assert.equal(offer.options.has(43), false);
  });

  it('HTTPClient (arch 16): the URL and 60 HTTPClient', () => {
    const b = proxy();
    const req = fixture('uefi-ovmf-http-discover.hex');
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual([str(offer.options.get(60)), str(offer.options.get(67))], ['HTTPClient', 'http://10.77.0.1:8080/ipxe/snponly.efi']);
  });

  it('port 4011: a REQUEST gets an ACK with the boot file, unicast back to its source port', () => {
    const b = proxy();
    const req = withType(fixture('uefi-ovmf-pxe-discover.hex'), 3, { ciaddr: '10.77.0.57' });
    const o = respond(req, b.ctx(req, { port: 4011 }));
    const ack = wire(req, o);
    assert.deepEqual([getMessageType(ack), ack.yiaddr, ack.file, ack.siaddr], ['ACK', '0.0.0.0', 'snponly.efi', SERVER_IP]);
    assert.deepEqual(answered(o).event, { kind: 'host', hostId: 'h2', type: 'dhcp.acked', ip: '10.77.0.57' });
    const from: RequestSource = { address: '10.77.0.57', port: 1025, localPort: 4011 };
    assert.deepEqual(replyDestination(req, answered(o).reply, from), { address: '10.77.0.57', port: 1025, broadcast: false });
  });

  const drops: [string, () => DhcpPacket, string][] = [
    ['a REQUEST for the site DHCP server', () => request(H1, { sid: '10.77.0.2', requested: '10.77.0.150' }), 'proxy: request for another server'],
    ['a client that is not PXE', () => { const p = discover(H1); for (const c of [60, 77, 93, 175]) p.options.delete(c); return p; }, 'proxy: not a PXE client'],
    ['an unknown MAC (discovery off)', () => discover('52:54:00:99:00:01'), 'unknown mac'],
    ['a never_provision host', () => biosPxe('52:54:00:77:00:04'), 'never_provision host'],
  ];
  for (const [name, make, reason] of drops) {
    it(`ignores ${name}`, () => {
      const b = proxy();
      const req = make();
      dropped(respond(req, b.ctx(req)), reason);
    });
  }

  it('answers a REQUEST on 67 that names us with an ACK carrying the boot file', () => {
    const b = proxy();
    const req = withType(fixture('uefi-ovmf-pxe-discover.hex'), 3);
    req.options.set(54, bytes(10, 77, 0, 1));
    const ack = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual([getMessageType(ack), ack.file], ['ACK', 'snponly.efi']);
  });

  it('a boot URL longer than the file field goes in option 67 only', () => {
    const b = proxy();
    const long = `http://10.77.0.1:8080/${'x'.repeat(140)}`;
    const req = discover(H1);
    const offer = wire(req, respond(req, { ...b.ctx(req), server: { ...b.ctx(req).server, bootTarget: (m) => ({ ...serverConfig.bootTarget(m), scriptUrl: long }) } }));
    assert.deepEqual([offer.file, str(offer.options.get(67))], ['', long]);
  });
});
