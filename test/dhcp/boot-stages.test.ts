// What each boot stage needs from Corral's answer to go on at once, and who is answered:
// - iPXE's DHCP (src/net/udp/dhcp.c, dhcp_discovery_rx): it leaves discovery only with an offer
//   holding an address AND (no_pxedhcp set in that offer, or a ProxyDHCP offer: option 60
//   "PXEClient" and a server id, or DHCP_DISC_PROXY_TIMEOUT_SEC = 2 s passed). A proxy offer without
//   next-server + boot file (dhcp_has_pxeopts) costs a ProxyDHCPREQUEST to 4011 and its own wait
//   (DHCP_REQ_PROXY_TIMEOUT_SEC). `ipxeWaits` below is that rule, applied to Corral's real replies.
// - UEFI HTTP boot (UEFI 2.5+ §24.7.2): the reply carries option 60 "HTTPClient" and the boot URL
//   as the file name (option 67, and `file` when it fits), in server mode (with an address) and
//   proxy mode (yiaddr 0); unknown MACs stay unanswered unless the site has discovery on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { parseSubOptions } from '../../src/dhcp/client-options.js';
import { getMessageType, getServerId, type DhcpPacket } from '../../src/dhcp/packet.js';
import { bootClientKind, classifyClient } from '../../src/dhcp/pxe.js';
import { maxReplySize } from '../../src/dhcp/reply.js';
import { IPXE_NO_PXEDHCP } from '../../src/dhcp/reply-options.js';
import { isDrop, respond, type Outcome } from '../../src/dhcp/responder.js';
import { bench, fixture, labSot, SERVER_IP } from './sot-fixture.js';
import { bytes } from './support.js';

const H1 = '52:54:00:77:00:01';
const NP = '52:54:00:77:00:04';
const UNKNOWN = '52:54:00:99:00:07';
const BIN_URL = 'http://10.77.0.1:8080/ipxe/snponly.efi';
const str = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('latin1') : undefined);

function wire(req: DhcpPacket, o: Outcome): DhcpPacket {
  assert.ok(!isDrop(o), `dropped: ${isDrop(o) ? o.drop : ''}`);
  assert.ok(o.reply, 'no reply');
  return decodeDhcp(encodeDhcp(o.reply, { maxSize: maxReplySize(req) }));
}

/**
 * iPXE's view of one offer (dhcp.c, dhcp_discovery_rx and dhcp_has_pxeopts): is it a DHCP offer
 * (an address), a ProxyDHCP offer ("PXEClient", 9 bytes compared, and a server id), does it set
 * no_pxedhcp (175 -> 0xb0), and does it carry PXE options (siaddr + boot file, or a boot menu).
 */
function ipxeSees(offer: DhcpPacket) {
  const vci = offer.options.get(60);
  const ebs = offer.options.get(175) ? parseSubOptions(offer.options.get(175)!, true) : undefined;
  return {
    dhcpOffer: offer.yiaddr !== '0.0.0.0' && getMessageType(offer) === 'OFFER',
    proxyOffer: getServerId(offer) !== undefined && vci !== undefined && vci.length >= 9 && str(vci.subarray(0, 9)) === 'PXEClient',
    noPxeDhcp: (ebs?.get(IPXE_NO_PXEDHCP)?.[0] ?? 0) !== 0,
    pxeOpts: (offer.siaddr !== '0.0.0.0' && (offer.options.get(67)?.length ?? 0) > 0) || offer.options.has(43),
  };
}

/** What iPXE waits for after the offers it got (in that order): nothing, or why it waits. */
function ipxeWaits(offers: DhcpPacket[]): string {
  const seen = offers.map(ipxeSees);
  const dhcp = seen.find((s) => s.dhcpOffer);
  if (!dhcp) return 'no DHCP offer';
  const proxy = seen.filter((s) => s.proxyOffer).at(-1);
  if (!dhcp.noPxeDhcp && !proxy) return 'DHCP_DISC_PROXY_TIMEOUT_SEC (waits for ProxyDHCP offers)';
  if (proxy && !dhcp.noPxeDhcp && !proxy.pxeOpts) return 'ProxyDHCPREQUEST to 4011 (DHCP_REQ_PROXY_TIMEOUT_SEC)';
  return 'nothing';
}

const ipxeDiscover = (m: string) => fixture('bios-ipxe-rom-discover.hex', { macAddr: m });
const httpDiscover = (m?: string) => fixture('uefi-ovmf-http-discover.hex', m ? { macAddr: m } : {});
const asRequest = (p: DhcpPacket, over: Partial<DhcpPacket> = {}) => Object.assign(p, over, { options: new Map([...p.options, [53, bytes(3)]]) });

describe("iPXE's DHCP proceeds without its ProxyDHCP timeouts (iPXE src/net/udp/dhcp.c)", () => {
  it('server mode: the OFFER and ACK to iPXE carry 175 with no_pxedhcp (0xb0) = 1; iPXE waits for nothing', () => {
    const b = bench();
    const req = ipxeDiscover(H1);
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual(Array.from(offer.options.get(175) ?? []), [0xb0, 1, 1]);
    assert.deepEqual(ipxeSees(offer), { dhcpOffer: true, proxyOffer: false, noPxeDhcp: true, pxeOpts: true });
    assert.equal(ipxeWaits([offer]), 'nothing');
    // Without the option, this same offer is what made iPXE wait ~3 s (the timer at 1 s, then 3 s).
    offer.options.delete(175);
    assert.match(ipxeWaits([offer]), /DHCP_DISC_PROXY_TIMEOUT_SEC/);
  });

  it('server mode: an iPXE host that gets no boot file (never_provision) is not held up either', () => {
    const b = bench();
    const req = ipxeDiscover(NP);
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.equal(offer.options.has(67), false);
    assert.equal(ipxeWaits([offer]), 'nothing');
  });

  it('server mode: firmware PXE, UEFI HTTP boot and plain DHCP clients get no option 175', () => {
    const b = bench();
    for (const req of [fixture('uefi-ovmf-pxe-discover.hex'), httpDiscover()]) {
      const offer = wire(req, respond(req, b.ctx(req)));
      assert.equal(offer.options.has(175), false, str(req.options.get(60)));
    }
  });

  it("proxy mode: Corral's proxy offer is a ProxyDHCP offer with PXE options, so iPXE needs neither wait nor 4011", () => {
    const b = bench(labSot({ mode: 'proxy' }));
    const req = ipxeDiscover(H1);
    const proxyOffer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual(ipxeSees(proxyOffer), { dhcpOffer: false, proxyOffer: true, noPxeDhcp: false, pxeOpts: true });
    assert.equal(proxyOffer.options.has(175), false, 'no_pxedhcp would make iPXE ignore the proxy offer');
    // The site server's plain offer (an address, no PXE options), before or after ours.
    const site = { ...proxyOffer, yiaddr: '10.77.0.150', siaddr: '0.0.0.0', file: '', options: new Map([[53, bytes(2)], [54, bytes(10, 77, 0, 2)], [1, bytes(255, 255, 255, 0)]]) } as DhcpPacket;
    assert.equal(ipxeWaits([site, proxyOffer]), 'nothing');
    assert.equal(ipxeWaits([proxyOffer, site]), 'nothing');
    // Had Corral left out next-server (iPXE before 2022 read it so), iPXE would ask 4011 and wait.
    assert.match(ipxeWaits([site, { ...proxyOffer, siaddr: '0.0.0.0' }]), /ProxyDHCPREQUEST/);
  });
});

describe('UEFI HTTP boot (UEFI 2.5+ §24.7): option 60 HTTPClient and the boot URL', () => {
  it('classifies OVMF HttpBootDxe as an HTTP boot client (arch 16, "HTTPClient:Arch:00016:UNDI:003001")', () => {
    const c = classifyClient(httpDiscover());
    assert.deepEqual([c.arch, c.isHttpClient, c.isPxe, c.isIpxe, bootClientKind(c)], [16, true, false, false, 'http']);
    assert.equal(bootClientKind(classifyClient(ipxeDiscover(H1))), 'ipxe');
    assert.equal(bootClientKind(classifyClient(fixture('uefi-ovmf-pxe-discover.hex'))), 'pxe');
  });

  it('server mode: an address, 60 HTTPClient, the URL in 67 and file, siaddr; no 43, no TFTP server (66)', () => {
    const b = bench();
    const req = httpDiscover(H1);
    for (const [r, type] of [[req, 'OFFER'], [asRequest(httpDiscover(H1), {}), 'ACK']] as const) {
      if (type === 'ACK') {
        r.options.set(54, bytes(10, 77, 0, 1));
        r.options.set(50, bytes(10, 77, 0, 11));
      }
      const reply = wire(r, respond(r, b.ctx(r)));
      assert.equal(getMessageType(reply), type);
      assert.equal(reply.yiaddr, '10.77.0.11');
      assert.deepEqual([str(reply.options.get(60)), str(reply.options.get(67)), reply.file, reply.siaddr], ['HTTPClient', BIN_URL, BIN_URL, SERVER_IP]);
      for (const code of [43, 66, 175]) assert.equal(reply.options.has(code), false, `option ${code}`);
    }
  });

  it('proxy mode: yiaddr 0, 54 = us, 60 HTTPClient, the URL; no 43 and no lease', () => {
    const b = bench(labSot({ mode: 'proxy' }));
    const req = httpDiscover(H1);
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.deepEqual([getMessageType(offer), offer.yiaddr, getServerId(offer)], ['OFFER', '0.0.0.0', SERVER_IP]);
    assert.deepEqual([str(offer.options.get(60)), str(offer.options.get(67)), offer.file], ['HTTPClient', BIN_URL, BIN_URL]);
    for (const code of [43, 51, 175]) assert.equal(offer.options.has(code), false, `option ${code}`);
  });

  it('an unknown MAC is not answered in server or proxy mode; with discovery on it gets an address and the URL', () => {
    for (const mode of ['server', 'proxy'] as const) {
      const b = bench(labSot({ mode }));
      const req = httpDiscover(UNKNOWN);
      const o = respond(req, b.ctx(req));
      assert.ok(isDrop(o) && o.drop === 'unknown mac', `${mode}: ${JSON.stringify(o)}`);
    }
    const b = bench(labSot({ discovery: true }));
    const req = httpDiscover(UNKNOWN);
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.equal(offer.yiaddr, '10.77.0.100');
    assert.deepEqual([str(offer.options.get(60)), str(offer.options.get(67))], ['HTTPClient', BIN_URL]);
  });

  it('a never_provision host gets its address but no HTTPClient and no URL (the client ignores the offer)', () => {
    const b = bench();
    const req = httpDiscover(NP);
    const offer = wire(req, respond(req, b.ctx(req)));
    assert.equal(offer.yiaddr, '10.77.0.14');
    assert.equal(offer.options.has(60) || offer.options.has(67), false);
  });
});
