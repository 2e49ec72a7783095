// Several servers sharing one request port (src/tftp/dispatch.ts): the dispatcher's choice (least
// busy, round robin, sticky per client while served, capped), and two servers on one thread where
// the listening one hands requests to the other's accept() — the library as the TFTP workers use it.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { encodeRequest } from '../../src/tftp/codec.js';
import { TftpDispatcher } from '../../src/tftp/dispatch.js';
import { createFileResolver } from '../../src/tftp/files.js';
import { createTftpServer, type TftpServer } from '../../src/tftp/server.js';
import type { UdpPeer } from '../../src/tftp/udp.js';
import { waitFor } from '../fakes/wait.js';
import { randomBytes, RawSocket, tempDir, tftpGet } from './helpers.js';

describe('TftpDispatcher', () => {
  it('spreads new clients round robin over the least busy, and keeps a client where it is served', () => {
    const d = new TftpDispatcher(3);
    assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => d.route(k)), [0, 1, 2, 0]);
    assert.equal(d.route('b'), 1, 'a client being served stays with its server');
    d.ended(1, 'b', false);
    d.ended(2, 'c', false);
    assert.equal(d.loadOf(1), 0);
    assert.equal(d.route('e'), 1, 'the least busy first');
    assert.equal(d.route('f'), 2);
    assert.equal(d.active, 4);
  });

  it('keeps the client while a newer request of it is served, and ignores ends from another server', () => {
    const d = new TftpDispatcher(2);
    assert.equal(d.route('a'), 0);
    d.ended(0, 'a', true);
    assert.equal(d.route('a'), 0);
    d.ended(1, 'a', false);
    assert.equal(d.loadOf(0), 1);
    d.ended(0, 'a', false);
    assert.equal(d.active, 0);
  });

  it('refuses beyond maxTransfers and skips servers that are down', () => {
    const d = new TftpDispatcher(2, 3);
    d.setUp(1, false);
    assert.deepEqual(['a', 'b', 'c'].map((k) => d.route(k)), [0, 0, 0]);
    assert.equal(d.route('d'), -1);
    d.ended(0, 'a', false);
    d.setUp(1, true);
    assert.equal(d.route('d'), 1);
    d.setUp(1, false);
    assert.equal(d.loadOf(1), 0, 'a server that stops takes its clients with it');
    assert.equal(d.active, 2);
  });
});

describe('two servers, one listening and handing requests to the other', () => {
  const tmp = tempDir();
  const DATA = randomBytes(300_000, 21);
  let a: TftpServer;
  let b: TftpServer;
  let port = 0;
  const d = new TftpDispatcher(2);
  const handed: string[] = [];
  const key = (c: UdpPeer) => `${c.address}:${c.port}`;

  before(async () => {
    writeFileSync(path.join(tmp.dir, 'f.bin'), DATA);
    const common = { clock: systemClock, log: nullLogger, resolve: createFileResolver({ root: tmp.dir }) };
    b = createTftpServer({ ...common, options: { host: '127.0.0.1', port: 0, timeoutMs: 200, retries: 2 }, onSessionEnd: (c, open) => d.ended(1, key(c), open) });
    await b.listen();
    a = createTftpServer({
      ...common,
      options: { host: '127.0.0.1', port: 0, timeoutMs: 200, retries: 2 },
      dispatch: (msg, from) => {
        const w = d.route(key(from));
        if (w < 0) return 'busy';
        if (w === 0) return 'here';
        handed.push(key(from));
        setImmediate(() => b.accept(Buffer.from(msg), from)); // as over a MessagePort: later
        return 'elsewhere';
      },
      onSessionEnd: (c, open) => d.ended(0, key(c), open),
    });
    ({ port } = await a.listen());
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    tmp.cleanup();
  });

  it('serves clients from both, each transfer whole, and forgets each client once served', async () => {
    const got = await Promise.all(Array.from({ length: 4 }, () => tftpGet(port, 'f.bin', { options: { blksize: 1468 } })));
    for (const g of got) assert.ok(g.error === null && g.data.equals(DATA));
    assert.equal(handed.length, 2, 'every other client to the second server');
    await waitFor(() => a.stats().completed === 2 && b.stats().completed === 2, { what: 'two transfers each' });
    await waitFor(() => d.active === 0, { what: 'the dispatcher told of every end' });
  });

  it('a retransmitted RRQ reaches the server serving that client, which does not start twice', async () => {
    const s = await RawSocket.open();
    try {
      const rrq = encodeRequest('rrq', 'f.bin', 'octet', {});
      const before = b.stats().transfers + a.stats().transfers;
      s.send(rrq, port);
      s.send(rrq, port);
      const first = await s.next();
      assert.equal(first?.pkt?.op, 'data');
      // Nothing but DATA 1 from that one TID (retransmitted once its 200 ms timeout passes).
      for (let r = await s.next(500); r; r = await s.next(500)) {
        assert.equal(r.from.port, first!.from.port, 'one transfer, one TID');
        assert.equal(r.pkt?.op === 'data' && r.pkt.block, 1);
      }
      assert.equal(b.stats().transfers + a.stats().transfers, before + 1);
    } finally {
      await s.close();
    }
    await waitFor(() => d.active === 0, { what: 'the abandoned transfer timed out and was forgotten', timeoutMs: 15_000 });
  });

  it('refuses a new client with "server busy" beyond the dispatcher cap', async () => {
    const full = new TftpDispatcher(2, 0);
    const c = createTftpServer({
      clock: systemClock, log: nullLogger, resolve: createFileResolver({ root: tmp.dir }),
      options: { host: '127.0.0.1', port: 0 }, dispatch: (_m, from) => (full.route(key(from)) < 0 ? 'busy' : 'here'),
    });
    const { port: p } = await c.listen();
    try {
      const r = await tftpGet(p, 'f.bin');
      assert.equal(r.error?.code, 0);
      assert.match(r.error!.message, /busy/);
      assert.equal(c.stats().refused, 1);
    } finally {
      await c.close();
    }
  });
});
