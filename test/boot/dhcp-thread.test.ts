// The DHCP worker thread (src/boot/dhcp-thread.ts): it answers from its own copy of the SoT's DHCP
// view and its own lease store, follows SoT loads, hands its events to the main thread, and takes
// over the leases an older data folder kept in the main store — once.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { createDhcpThread } from '../../src/boot/dhcp-thread.js';
import { startWorker } from '../../src/lib/start-worker.js';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { getMessageType, type DhcpPacket } from '../../src/dhcp/packet.js';
import type { DhcpServer } from '../../src/dhcp/server.js';
import { nullLogger } from '../../src/lib/log.js';
import type { Lease, Sot } from '../../src/model/index.js';
import { openStore, type CorralStore } from '../../src/store/lowdb-store.js';
import { fixture, host, mac, site, sotOf, subnet } from '../dhcp/sot-fixture.js';
import { waitFor } from '../fakes/wait.js';

const LO = '127.0.0.1';
const H1 = '52:54:00:88:00:01';
const H2 = '52:54:00:88:00:02';
const OLD = '52:54:00:88:00:09';

function sotWith(hosts: [string, string, string][], revision: string): Sot {
  const net = subnet('loop', '127.0.0.0/24', { leaseTime: 600 });
  const s = sotOf([site('loop', [net])], hosts.map(([name, m, ip]) => host(name, 'loop', { mac: mac(m), ipv4: ip })));
  return { ...s, revision };
}

describe('DHCP in its worker thread', () => {
  const root = mkdtempSync(join(tmpdir(), 'corral-dhcp-thread-'));
  const live = Object.assign(new EventEmitter(), { sot: sotWith([['h1', H1, '127.0.0.11']], 'r1'), current: () => live.sot });
  const reports: [string, string, string | undefined][] = [];
  let store: CorralStore;
  let dhcp: DhcpServer;
  let relay: dgram.Socket;
  const replies = new Map<number, (p: DhcpPacket) => void>();
  const workers: Worker[] = []; // every worker thread started, in order

  const exchange = async (m: string, xid: number, over: Partial<DhcpPacket> = {}): Promise<DhcpPacket | undefined> => {
    const p = fixture('bios-ipxe-rom-discover.hex', { giaddr: LO, macAddr: m, xid, ...over });
    const got = new Promise<DhcpPacket | undefined>((resolve) => {
      const t = setTimeout(() => resolve(undefined), 2000);
      replies.set(xid, (r) => (clearTimeout(t), resolve(r)));
    });
    relay.send(encodeDhcp(p), dhcp.ports().server, LO);
    return got;
  };
  const request = async (m: string, ip: string, xid: number) => {
    const p = fixture('bios-ipxe-rom-request.hex', { giaddr: LO, macAddr: m, xid });
    p.options.set(54, Uint8Array.from([127, 0, 0, 1]));
    p.options.set(50, Uint8Array.from(ip.split('.').map(Number)));
    const got = new Promise<DhcpPacket>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer to REQUEST ${xid}`)), 5000);
      replies.set(xid, (r) => (clearTimeout(t), resolve(r)));
    });
    relay.send(encodeDhcp(p), dhcp.ports().server, LO);
    return got;
  };

  before(async () => {
    relay = dgram.createSocket('udp4');
    await new Promise<void>((r) => relay.bind(0, LO, () => r()));
    relay.on('message', (m) => {
      const p = decodeDhcp(m);
      replies.get(p.xid)?.(p);
    });
    store = await openStore({ dir: join(root, 'main') });
    // A lease as an older Corral kept it, in the main store.
    const old: Lease = { mac: mac(OLD), ip: '127.0.0.99', subnet: 'loop', siteId: 'loop', start: Date.now(), expires: Date.now() + 600_000, state: 'bound' };
    await store.transact((tx) => tx.put('leases', old.mac, old));
    dhcp = createDhcpThread({
      sot: live,
      store,
      report: async (hostId, event) => void reports.push([hostId, event.type, event.ip]),
      note: async () => undefined,
      discovered: () => undefined,
      log: nullLogger,
      leasesDir: join(root, 'dhcp-leases'),
      config: { address: LO, httpBase: 'http://127.0.0.1:8080', ports: { server: 0, proxy: 0, relay: relay.address().port }, watchRogues: false },
      bootUrl: 'http://127.0.0.1:8080',
      statsMs: 20,
      startWorker: (...a) => {
        const w = startWorker(...a);
        workers.push(w);
        return w;
      },
    });
    await dhcp.start();
  });

  after(async () => {
    await dhcp.stop();
    relay.close();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers a listed host, durably, and reports to the main thread', async () => {
    const offer = await exchange(H1, 0x7001);
    assert.equal(offer && getMessageType(offer), 'OFFER');
    assert.equal(offer!.yiaddr, '127.0.0.11');
    const ack = await request(H1, '127.0.0.11', 0x7002);
    assert.equal(getMessageType(ack), 'ACK');
    await waitFor(() => reports.some(([h, t]) => h === 'h1' && t === 'dhcp.acked'), { what: 'the ACK reported on the main thread' });
    await waitFor(() => dhcp.stats().acks === 1 && dhcp.stats().offers === 1, { what: 'the worker statistics on the main thread' });
  });

  it('does not answer a MAC the served SoT does not list, then does once a load lists it', async () => {
    assert.equal(await exchange(H2, 0x7101), undefined, 'unknown MAC, discovery off: no offer');
    live.sot = sotWith([['h1', H1, '127.0.0.11'], ['h2', H2, '127.0.0.12']], 'r2');
    live.emit('loaded', live.sot);
    const offer = await waitFor(async () => {
      const o = await exchange(H2, 0x7102 + Math.floor(Math.random() * 1000));
      return o && getMessageType(o) === 'OFFER' ? o : undefined;
    }, { what: 'an offer for h2 after the load' });
    assert.equal(offer.yiaddr, '127.0.0.12');
  });

  it('a worker that dies is started again and answers from the leases it had', async () => {
    const before = workers.length;
    await workers.at(-1)!.terminate(); // as a crash would end it
    await waitFor(() => workers.length === before + 1 && dhcp.ports().server > 0, { what: 'a new DHCP worker', timeoutMs: 5000 });
    const offer = await waitFor(async () => {
      const o = await exchange(H1, 0x7201 + Math.floor(Math.random() * 1000));
      return o && getMessageType(o) === 'OFFER' ? o : undefined;
    }, { what: 'an offer from the new worker' });
    assert.equal(offer.yiaddr, '127.0.0.11', 'the same address: its lease store survived');
    assert.equal(getMessageType(await request(H1, '127.0.0.11', 0x7301)), 'ACK');
  });

  it('took over the main store leases once, and keeps its own on disk', async () => {
    assert.equal(store.get('leases', mac(OLD)), undefined, 'the main store copy is dropped');
    await dhcp.stop();
    const own = await openStore({ dir: join(root, 'dhcp-leases') });
    try {
      assert.equal(own.get('leases', mac(OLD))?.ip, '127.0.0.99');
      assert.equal(own.get('leases', mac(H1))?.state, 'bound');
    } finally {
      await own.close();
    }
    await dhcp.start(); // for after()
  });
});
