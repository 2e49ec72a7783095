// A DHCP client in its own thread, for measuring the appliance's DHCP latency from inside the same
// process: its timers and socket are not on the main thread's event loop, so a stalled main
// thread (API requests, GC) cannot add to what it measures. It acts as a relay on loopback
// (giaddr 127.0.0.1, an ephemeral port) for the loop hosts of isolation.test.ts.
//
// Protocol: posts {port} once bound; on {dhcpPort} runs DISCOVER->OFFER, REQUEST->ACK exchanges
// 50 ms apart until {stop} (at least `min`, at most `max`), then posts {offers, acks} (ms) or
// {error}.
import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { getMessageType, type DhcpPacket } from '../../src/dhcp/packet.js';
import { fixture } from '../dhcp/sot-fixture.js';

const { hosts, macOf, min, max } = workerData as { hosts: number; macOf: string; min: number; max: number };
const LO = '127.0.0.1';
const mac = (i: number) => macOf.replace('XX', (i % hosts).toString(16).padStart(2, '0'));
const port = parentPort!;

const sock = dgram.createSocket('udp4');
const waiting = new Map<number, (p: DhcpPacket) => void>();
sock.on('message', (m) => {
  const p = decodeDhcp(m);
  waiting.get(p.xid)?.(p);
});

function reply(xid: number): Promise<DhcpPacket> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no reply to xid ${xid.toString(16)} within 5 s`)), 5000);
    waiting.set(xid, (p) => {
      clearTimeout(t);
      waiting.delete(xid);
      resolve(p);
    });
  });
}

const send = (p: DhcpPacket, to: number) => new Promise<void>((r, j) => sock.send(encodeDhcp(p), to, LO, (e) => (e ? j(e) : r())));
let xids = 0x150000;

async function exchange(dhcpPort: number, i: number): Promise<[number, number]> {
  const dx = ++xids;
  const discover = fixture('bios-ipxe-rom-discover.hex', { giaddr: LO, macAddr: mac(i), xid: dx });
  let t = performance.now();
  const offered = reply(dx);
  await send(discover, dhcpPort);
  const offer = await offered;
  const toOffer = performance.now() - t;
  if (getMessageType(offer) !== 'OFFER' || offer.yiaddr !== `127.0.0.${10 + (i % hosts)}`) throw new Error(`bad offer ${getMessageType(offer)} ${offer.yiaddr}`);
  const rx = ++xids;
  const request = fixture('bios-ipxe-rom-request.hex', { giaddr: LO, macAddr: mac(i), xid: rx });
  request.options.set(54, Uint8Array.from([127, 0, 0, 1]));
  request.options.set(50, Uint8Array.from(offer.yiaddr.split('.').map(Number)));
  t = performance.now();
  const acked = reply(rx);
  await send(request, dhcpPort);
  const ack = await acked;
  if (getMessageType(ack) !== 'ACK') throw new Error(`expected ACK, got ${getMessageType(ack)}`);
  return [toOffer, performance.now() - t];
}

let stopping = false;
port.on('message', (m: { dhcpPort?: number; stop?: boolean; once?: boolean }) => {
  if (m.stop) stopping = true;
  else if (m.dhcpPort) void run(m.dhcpPort, m.once ?? false);
});

async function run(dhcpPort: number, once: boolean): Promise<void> {
  const offers: number[] = [];
  const acks: number[] = [];
  try {
    for (let i = once ? 0 : 1; i <= (once ? 0 : max) && (once || i <= min || !stopping); i++) {
      const [o, a] = await exchange(dhcpPort, i);
      offers.push(o);
      acks.push(a);
      if (!once) await new Promise((r) => setTimeout(r, 50));
    }
    port.postMessage({ offers, acks });
  } catch (e) {
    port.postMessage({ error: (e as Error).message });
  }
  if (!once) sock.close();
}

sock.bind(0, LO, () => port.postMessage({ port: sock.address().port }));
