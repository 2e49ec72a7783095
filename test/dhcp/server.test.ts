// The socket server over loopback, unprivileged: every port is ephemeral; requests are sent as
// a relay (giaddr 127.0.0.1) so replies are unicast to the test's "relay" socket.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { getMessageType, getServerId, type DhcpPacket } from '../../src/dhcp/packet.js';
import { liveDhcpBackend } from '../../src/boot/dhcp-backend.js';
import { createDhcpServer, type DhcpServer, type DhcpServerDeps } from '../../src/dhcp/server.js';
import { nullLogger } from '../../src/lib/log.js';
import type { Sot } from '../../src/model/index.js';
import { buildIndex } from '../../src/sot/live.js';
import type { Store } from '../../src/store/store.js';
import { BrokenStore } from '../fakes/broken-store.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { waitFor } from '../fakes/wait.js';
import { fixture, host, mac, site, sotOf, subnet } from './sot-fixture.js';
import { bytes, loadFixture, prng, randBytes, randInt } from './support.js';

const LO = '127.0.0.1';
const ip4 = (s: string) => bytes(...s.split('.').map(Number));

function loopSot(): Sot {
  const net = subnet('loop', '127.0.0.0/24', { dns: [LO], leaseTime: 600 });
  const s = site('loop', [net], { discovery: { enabled: false, subnet: 'loop', range: { start: '127.0.0.100', end: '127.0.0.200' } } });
  return sotOf([s], [
    host('h1', 'loop', { mac: mac('52:54:00:77:00:01'), ipv4: '127.0.0.11' }),
    host('h2', 'loop', { mac: mac('52:54:00:77:00:02'), ipv4: '127.0.0.12' }),
  ]);
}

interface Peer {
  sock: dgram.Socket;
  port: number;
  /** The next packet; undefined if none arrives within ms (a bound, not a pause). */
  next(ms?: number): Promise<DhcpPacket | undefined>;
  /** Packets up to and including the first one with this xid; fails if it never comes. */
  through(xid: number): Promise<DhcpPacket[]>;
  send(p: DhcpPacket | Uint8Array, port: number): Promise<void>;
}

async function peer(port = 0): Promise<Peer> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(port, LO, () => r()));
  const queue: Buffer[] = [];
  let waiter: (() => void) | undefined;
  sock.on('message', (m) => {
    queue.push(m);
    waiter?.();
  });
  const next = async (ms = 2000) => {
    if (queue.length === 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((r) => {
        waiter = r;
        timer = setTimeout(r, ms);
      });
      clearTimeout(timer);
      waiter = undefined;
    }
    const m = queue.shift();
    return m ? decodeDhcp(m) : undefined;
  };
  return {
    sock,
    port: sock.address().port,
    next,
    async through(xid) {
      const seen: DhcpPacket[] = [];
      for (;;) {
        const p = await next();
        assert.ok(p, `no reply with xid ${xid.toString(16)} (${seen.length} other packets before)`);
        seen.push(p);
        if (p.xid === xid) return seen;
      }
    },
    send: (p, to) => new Promise((r, j) => sock.send(p instanceof Uint8Array ? p : encodeDhcp(p), to, LO, (e) => (e ? j(e) : r()))),
  };
}

/** A request as the relay 127.0.0.1 forwards it. */
function relayed(name: Parameters<typeof fixture>[0], over: Parameters<typeof fixture>[1] = {}): DhcpPacket {
  return fixture(name, { giaddr: LO, ...over });
}

function selecting(m: string, requested: string): DhcpPacket {
  const p = relayed('bios-ipxe-rom-request.hex', { macAddr: m });
  p.options.set(54, ip4(LO));
  p.options.set(50, ip4(requested));
  return p;
}

/**
 * A DISCOVER of h2 with a marked xid. The server answers a socket's packets in order and every
 * reply to the relay leaves from one socket, so when the sentinel's OFFER is the first thing the
 * relay gets, nothing was sent for what the server handled before it: "no reply" is proven by an
 * event, without waiting out a quiet period.
 */
let sentinels = 0;
function sentinel(): DhcpPacket {
  return relayed('uefi-ovmf-pxe-discover.hex', { xid: 0x5e0000 + ++sentinels });
}

describe('DHCP server over loopback', () => {
  let relay: Peer;
  let watchPort: number;
  let server: DhcpServer;
  const clock = new FakeClock();
  const store = createMemoryStore(clock);
  const reports: [string, string, unknown][] = [];
  const notes: [string, string, unknown][] = [];
  let gate: Promise<void> | undefined; // when set, store writes wait for it (durability test)
  const gatedStore: Store = Object.assign(Object.create(store) as Store, {
    transact: async <T>(fn: Parameters<Store['transact']>[0]) => {
      const r = await store.transact(fn);
      if (gate) await gate;
      return r as T;
    },
  });

  before(async () => {
    relay = await peer();
    const probe = await peer();
    watchPort = probe.port;
    probe.sock.close();
    const sot = loopSot();
    const deps: DhcpServerDeps = {
      backend: liveDhcpBackend({
        sot: { current: () => sot, index: () => buildIndex(sot) },
        store: gatedStore,
        lifecycle: {
          report: async (h, e, d) => void reports.push([h, e.type, { ...e, ...d }]),
          note: async (s, t, d) => void notes.push([s, t, d]),
        },
      }),
      clock,
      log: nullLogger,
      config: { address: LO, httpBase: 'http://127.0.0.1:8080', scriptUrl: (m) => `http://127.0.0.1:8080/ipxe/${m}`, ports: { server: 0, proxy: 0, client: watchPort, relay: relay.port } },
    };
    server = createDhcpServer(deps);
    await server.start();
  });

  after(async () => {
    await server.stop();
    relay.sock.close();
  });

  it('DISCOVER -> OFFER -> REQUEST -> ACK through a relay; the lease is stored; events reported', async () => {
    await relay.send(relayed('bios-ipxe-rom-discover.hex'), server.ports().server);
    const offer = await relay.next();
    assert.equal(offer && getMessageType(offer), 'OFFER');
    assert.deepEqual([offer!.yiaddr, offer!.giaddr, getServerId(offer!)], ['127.0.0.11', LO, LO]);
    await relay.send(selecting('52:54:00:77:00:01', '127.0.0.11'), server.ports().server);
    const ack = await relay.next();
    assert.equal(ack && getMessageType(ack), 'ACK');
    assert.equal(store.get('leases', '52:54:00:77:00:01')?.state, 'bound');
    await waitFor(() => reports.length >= 2, { what: 'the offer and ack reports' });
    assert.deepEqual(reports.slice(0, 2).map((r) => r[1]), ['dhcp.offered', 'dhcp.acked']);
  });

  it('sends the ACK only once the lease is durable', async () => {
    let open!: () => void;
    gate = new Promise<void>((r) => (open = r));
    try {
      await relay.send(selecting('52:54:00:77:00:01', '127.0.0.11'), server.ports().server);
      // An offer needs no store write, so it is answered while the ACK waits for the store.
      const probe = sentinel();
      await relay.send(probe, server.ports().server);
      const first = await relay.next();
      assert.deepEqual([first && getMessageType(first), first?.xid], ['OFFER', probe.xid], 'nothing before the offer: the ACK is held');
    } finally {
      open(); // also on failure: server.stop() waits for the held write
      gate = undefined;
    }
    assert.equal(getMessageType((await relay.next())!), 'ACK');
  });

  it('garbage is dropped and counted by reason; the next valid DISCOVER is answered', async () => {
    const before = server.stats().dropped;
    const cookie = loadFixture('bios-ipxe-rom-discover.hex').slice();
    cookie[236] = 0x42;
    for (const g of [bytes(1, 2, 3), new Uint8Array(300).fill(0xff), cookie]) await relay.send(g, server.ports().server);
    await relay.send(relayed('bios-ipxe-rom-discover.hex'), server.ports().server);
    assert.equal(getMessageType((await relay.next())!), 'OFFER');
    const s = server.stats();
    assert.equal(s.dropped - before, 3);
    assert.equal(s.dropReasons['malformed: packet too short: N bytes'], 1);
    assert.equal(s.dropReasons['malformed: bad magic cookie'], 1);
  });

  it('a bounded fuzz burst (1,000 random, truncated and bit-flipped packets) then a valid exchange', async () => {
    const rnd = prng(Number(process.env.DHCP_FUZZ_SEED ?? 1234));
    const seeds = ['bios-ipxe-rom-discover.hex', 'uefi-ovmf-pxe-discover.hex', 'relayed-request.hex'] as const;
    const start = server.stats().received;
    for (let i = 0; i < 1000; i++) {
      let pkt: Uint8Array;
      const base = loadFixture(seeds[i % 3]!);
      if (i % 3 === 0) pkt = randBytes(rnd, randInt(rnd, 600));
      else if (i % 3 === 1) pkt = base.slice(0, randInt(rnd, base.length));
      else {
        pkt = base.slice();
        for (let k = 0; k < 1 + randInt(rnd, 8); k++) pkt[randInt(rnd, pkt.length)] = randInt(rnd, 256);
      }
      await relay.send(pkt, server.ports().server);
      // Every 50 packets, let the server catch up, so the burst never overflows its receive buffer.
      if (i % 50 === 49) await waitFor(() => server.stats().received - start > i, { what: `the server to read ${i + 1} packets` });
    }
    await waitFor(() => server.stats().received - start >= 1000, { what: 'all 1,000 packets read' });
    // Replies to bit-flipped packets that were still valid come first; the sentinel's offer last.
    const probe = sentinel();
    await relay.send(probe, server.ports().server);
    const offer = (await relay.through(probe.xid)).at(-1)!;
    assert.deepEqual([getMessageType(offer), offer.yiaddr], ['OFFER', '127.0.0.12']);
    const s = server.stats();
    assert.ok(s.dropped > 500, `dropped ${s.dropped}`);
    assert.equal(s.dropReasons['internal error'] ?? 0, 0);
  });

  it('an unknown MAC gets no answer; noted once in the journal however often it asks', async () => {
    const req = relayed('bios-ipxe-rom-discover.hex', { macAddr: '52:54:00:99:00:01' });
    const before = server.stats().dropReasons['unknown mac'] ?? 0;
    for (let i = 0; i < 5; i++) await relay.send(req, server.ports().server);
    await waitFor(() => (server.stats().dropReasons['unknown mac'] ?? 0) - before >= 5, { what: 'five unknown-MAC drops' });
    const probe = sentinel();
    await relay.send(probe, server.ports().server);
    assert.equal((await relay.next())?.xid, probe.xid, 'nothing was sent to the unknown MAC');
    assert.deepEqual(notes.filter((n) => n[1] === 'dhcp.unknown_mac'), [['appliance', 'dhcp.unknown_mac', { mac: '52:54:00:99:00:01' }]]);
  });

  it('port 4011: a PXE REQUEST is answered with the boot file, unicast to its source port', async () => {
    const client = await peer();
    const req = fixture('uefi-ovmf-pxe-discover.hex', { ciaddr: '127.0.0.12' });
    req.options.set(53, bytes(3));
    await client.send(req, server.ports().proxy!);
    const ack = await client.next();
    client.sock.close();
    assert.deepEqual([ack && getMessageType(ack), ack?.file, ack?.yiaddr], ['ACK', 'snponly.efi', '0.0.0.0']);
  });

  it('detects another server answering on the client port, once per server', async () => {
    const rogue = await peer();
    const offer = fixture('overload-offer.hex');
    offer.options.set(54, ip4('10.9.9.9'));
    await rogue.send(offer, watchPort);
    await rogue.send(offer, watchPort);
    // A second rogue after them: once it is seen, the repeated offer (read before it) was too.
    const other = fixture('overload-offer.hex');
    other.options.set(54, ip4('10.9.9.8'));
    await rogue.send(other, watchPort);
    rogue.sock.close();
    await waitFor(() => server.stats().rogueServers.length >= 2, { what: 'both rogue servers detected' });
    assert.deepEqual(server.stats().rogueServers, ['10.9.9.9', '10.9.9.8']);
    assert.deepEqual(notes.filter((n) => n[1] === 'dhcp.rogue_server').map((n) => (n[2] as { server: string }).server), ['10.9.9.9', '10.9.9.8']);
  });

  it('a store that fails: no ACK, counted', async () => {
    const failing = createDhcpServer({
      backend: liveDhcpBackend({
        sot: { current: () => loopSot(), index: () => buildIndex(loopSot()) },
        store: new BrokenStore(),
        lifecycle: { report: async () => undefined, note: async () => undefined },
      }),
      clock, log: nullLogger,
      config: { address: LO, httpBase: 'http://x', scriptUrl: () => 'http://x/s', ports: { server: 0, proxy: 0, relay: relay.port }, watchRogues: false },
    });
    await failing.start();
    await relay.send(selecting('52:54:00:77:00:01', '127.0.0.11'), failing.ports().server);
    await waitFor(() => failing.stats().storeErrors > 0, { what: 'the store error' });
    const probe = sentinel();
    await relay.send(probe, failing.ports().server); // an offer needs no store
    assert.equal((await relay.next())?.xid, probe.xid, 'no ACK before the offer');
    const s = failing.stats();
    await failing.stop();
    assert.deepEqual([s.storeErrors, s.dropReasons['lease not stored']], [1, 1]);
  });

  it('stop() closes every socket and cancels every timer', async () => {
    const c = new FakeClock();
    const s = createDhcpServer({
      backend: liveDhcpBackend({
        sot: { current: () => undefined, index: () => ({ hostsById: new Map(), hostsByMac: new Map() }) },
        store,
        lifecycle: { report: async () => undefined, note: async () => undefined },
      }),
      clock: c, log: nullLogger,
      config: { address: LO, httpBase: 'http://x', scriptUrl: () => 'http://x/s', ports: { server: 0, proxy: 0, client: 0 } },
    });
    await s.start();
    const ports = s.ports();
    assert.ok(c.pending > 0);
    await s.stop();
    assert.equal(c.pending, 0);
    const again = await peer(ports.proxy); // the port is free again
    again.sock.close();
  });
});
