// Latency probes of a running Corral: a DHCP exchange (DISCOVER->OFFER, REQUEST->ACK, as a relay
// agent, as test/boot/isolation.test.ts does) and GET /v1/health on the operator API, each every
// 100 ms; round trips in ms. bench/assets.ts runs them against Corral during a download storm (a
// relay on 127.0.0.1 with an ephemeral port, Corral told to answer it there); the lab's boot-storm
// test (test/e2e/storm.test.ts, through bench/storm/lab.ts) inside a lab's namespace, where Corral
// answers relays on port 67 only, so the relay binds <giaddr>:67 there.
import dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeDhcp, encodeDhcp } from '../src/dhcp/codec.js';
import { getMessageType, getServerId, type DhcpPacket } from '../src/dhcp/packet.js';
import { fixture } from '../test/dhcp/sot-fixture.js';

const LO = '127.0.0.1';
/** The hosts the probe asks for (writeProbeSubnet puts them in a SoT). */
export const PROBE_HOSTS = 20;
export const probeMac = (i: number) => `52:54:00:aa:00:${i.toString(16).padStart(2, '0')}`;

/**
 * Adds to a SoT from bench/sot-gen.ts (site0) the loopback subnet 127.0.0.0/24 and the probe's
 * hosts on it (probe-i at 127.0.0.(10+i)), for a relay on 127.0.0.1.
 */
export function writeProbeSubnet(sotDir: string): void {
  const env = join(sotDir, 'sites/site0/env.yml');
  writeFileSync(env, readFileSync(env, 'utf8').replace('subnets:\n', 'subnets:\n  - id: loop\n    cidr: 127.0.0.0/24\n    lease_time: 600\n'));
  let hosts = 'id: loop\n';
  for (let i = 0; i < PROBE_HOSTS; i++) hosts += `---\nname: loop-${i}\ninterfaces:\n  - mac: "${probeMac(i)}"\n    subnet: loop\n    ipv4: 127.0.0.${10 + i}\nworkflow: wf\n`;
  writeFileSync(join(sotDir, 'sites/site0/loop.yml'), hosts);
}

/** Where a probe sends: a port on 127.0.0.1, or an address and port. */
export type Target = number | { address: string; port: number };
const target = (t: Target) => (typeof t === 'number' ? { address: LO, port: t } : t);

export interface RelayOptions {
  /** The relay's address, sent as giaddr: Corral picks the subnet holding it. Default 127.0.0.1. */
  giaddr?: string;
  /** Port to bind on giaddr: 0 (default) for an ephemeral one, 67 where Corral answers relays there. */
  port?: number;
  /** SO_REUSEADDR: needed on port 67 beside a Corral on the same host (its DHCP holds 0.0.0.0:67). */
  reuseAddr?: boolean;
}

export interface Relay {
  port: number;
  close(): void;
  /** One DHCP exchange with probe host i: ms for OFFER plus ACK, or undefined (no answer in 2 s). */
  exchange(dhcp: Target, i: number): Promise<number | undefined>;
}

let xids = 0x330000;

export async function relay(o: RelayOptions = {}): Promise<Relay> {
  const giaddr = o.giaddr ?? LO;
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: o.reuseAddr ?? false });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(o.port ?? 0, giaddr, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  const waiting = new Map<number, (p: DhcpPacket) => void>();
  sock.on('message', (m) => {
    let p: DhcpPacket;
    try {
      p = decodeDhcp(m);
    } catch {
      return;
    }
    waiting.get(p.xid)?.(p);
  });
  const ask = (p: DhcpPacket, to: { address: string; port: number }) =>
    new Promise<DhcpPacket | undefined>((resolve) => {
      const t = setTimeout(() => (waiting.delete(p.xid), resolve(undefined)), 2000);
      waiting.set(p.xid, (reply) => {
        clearTimeout(t);
        waiting.delete(p.xid);
        resolve(reply);
      });
      sock.send(encodeDhcp(p), to.port, to.address);
    });
  return {
    port: sock.address().port,
    close: () => sock.close(),
    async exchange(dhcp, i) {
      const to = target(dhcp);
      const mac = probeMac(i % PROBE_HOSTS);
      const t = performance.now();
      const offer = await ask(fixture('bios-ipxe-rom-discover.hex', { giaddr, macAddr: mac, xid: ++xids }), to);
      if (!offer || getMessageType(offer) !== 'OFFER') return undefined;
      const req = fixture('bios-ipxe-rom-request.hex', { giaddr, macAddr: mac, xid: ++xids });
      req.options.set(54, Uint8Array.from((getServerId(offer) ?? to.address).split('.').map(Number)));
      req.options.set(50, Uint8Array.from(offer.yiaddr.split('.').map(Number)));
      const ack = await ask(req, to);
      return ack && getMessageType(ack) === 'ACK' ? performance.now() - t : undefined;
    },
  };
}

export interface ProbeResult {
  dhcp: number[];
  dhcpLost: number;
  api: number[];
}

/** Probes every 100 ms until `stop` resolves; `api` is the API's port on 127.0.0.1 or its base URL. */
export async function probe(r: Relay, dhcp: Target, api: number | string, stop: Promise<unknown>): Promise<ProbeResult> {
  const out: ProbeResult = { dhcp: [], dhcpLost: 0, api: [] };
  const health = `${typeof api === 'number' ? `http://${LO}:${api}` : api}/v1/health`;
  let done = false;
  void stop.then(() => (done = true));
  const dhcpLoop = (async () => {
    for (let i = 0; !done; i++) {
      const ms = await r.exchange(dhcp, i);
      if (ms === undefined) out.dhcpLost++;
      else out.dhcp.push(ms);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  const apiLoop = (async () => {
    while (!done) {
      const t = performance.now();
      const ok = await fetch(health).then((res) => res.arrayBuffer().then(() => res.ok), () => false);
      if (ok) out.api.push(performance.now() - t);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  await Promise.all([dhcpLoop, apiLoop]);
  return out;
}
