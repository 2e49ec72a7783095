// The latency probes bench/assets.ts runs against Corral during a download storm: a DHCP
// exchange (DISCOVER->OFFER, REQUEST->ACK, as a relay on loopback, as test/boot/isolation.test.ts
// does) and GET /v1/health on the operator API, each every 100 ms; round trips in ms.
import dgram from 'node:dgram';
import { decodeDhcp, encodeDhcp } from '../src/dhcp/codec.js';
import { getMessageType, type DhcpPacket } from '../src/dhcp/packet.js';
import { fixture } from '../test/dhcp/sot-fixture.js';

const LO = '127.0.0.1';
const LOOP_HOSTS = 20;
const loopMac = (i: number) => `52:54:00:aa:00:${i.toString(16).padStart(2, '0')}`;

export interface Relay {
  port: number;
  close(): void;
  /** One DHCP exchange with loop host i: ms for OFFER plus ACK, or undefined (no answer in 2 s). */
  exchange(dhcpPort: number, i: number): Promise<number | undefined>;
}

let xids = 0x330000;

export async function relay(): Promise<Relay> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, LO, () => r()));
  const waiting = new Map<number, (p: DhcpPacket) => void>();
  sock.on('message', (m) => {
    const p = decodeDhcp(m);
    waiting.get(p.xid)?.(p);
  });
  const ask = (p: DhcpPacket, port: number) =>
    new Promise<DhcpPacket | undefined>((resolve) => {
      const t = setTimeout(() => (waiting.delete(p.xid), resolve(undefined)), 2000);
      waiting.set(p.xid, (reply) => {
        clearTimeout(t);
        waiting.delete(p.xid);
        resolve(reply);
      });
      sock.send(encodeDhcp(p), port, LO);
    });
  return {
    port: sock.address().port,
    close: () => sock.close(),
    async exchange(dhcpPort, i) {
      const mac = loopMac(i % LOOP_HOSTS);
      const t = performance.now();
      const offer = await ask(fixture('bios-ipxe-rom-discover.hex', { giaddr: LO, macAddr: mac, xid: ++xids }), dhcpPort);
      if (!offer || getMessageType(offer) !== 'OFFER') return undefined;
      const req = fixture('bios-ipxe-rom-request.hex', { giaddr: LO, macAddr: mac, xid: ++xids });
      req.options.set(54, Uint8Array.from([127, 0, 0, 1]));
      req.options.set(50, Uint8Array.from(offer.yiaddr.split('.').map(Number)));
      const ack = await ask(req, dhcpPort);
      return ack && getMessageType(ack) === 'ACK' ? performance.now() - t : undefined;
    },
  };
}

export interface ProbeResult {
  dhcp: number[];
  dhcpLost: number;
  api: number[];
}

/** Probes every 100 ms until `stop` resolves. */
export async function probe(r: Relay, dhcpPort: number, apiPort: number, stop: Promise<unknown>): Promise<ProbeResult> {
  const out: ProbeResult = { dhcp: [], dhcpLost: 0, api: [] };
  let done = false;
  void stop.then(() => (done = true));
  const dhcpLoop = (async () => {
    for (let i = 0; !done; i++) {
      const ms = await r.exchange(dhcpPort, i);
      if (ms === undefined) out.dhcpLost++;
      else out.dhcp.push(ms);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  const apiLoop = (async () => {
    while (!done) {
      const t = performance.now();
      const ok = await fetch(`http://${LO}:${apiPort}/v1/health`).then((res) => res.arrayBuffer().then(() => res.ok), () => false);
      if (ok) out.api.push(performance.now() - t);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  await Promise.all([dhcpLoop, apiLoop]);
  return out;
}
