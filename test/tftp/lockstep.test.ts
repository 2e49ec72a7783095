// Lock-step transfers (RFC 1350: one DATA, wait for its ACK), what most PXE ROMs do, against the
// server over loopback with an injected clock: retransmission only on timeout, never on a
// duplicate ACK (RFC 1123 §4.2.3.1), option negotiation (RFC 2347/2348/2349), the file cache
// following changes on disk, and many transfers at once on one timer.

import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { encodeAck, encodeRequest, type TftpPacket } from '../../src/tftp/codec.js';
import { createFileResolver } from '../../src/tftp/files.js';
import { createTftpServer, type TftpServer } from '../../src/tftp/server.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { waitFor } from '../fakes/wait.js';
import { randomBytes, RawSocket, tempDir, tftpGet } from './helpers.js';

const tmp = tempDir();
const NBP = randomBytes(70 * 1024 + 17, 31); // an undionly.kpxe-sized first stage
const EXACT = randomBytes(1468 * 3, 32); // a multiple of 1468: empty last block

type Data = Extract<TftpPacket, { op: 'data' }>;
const dataOf = (r: { pkt: TftpPacket | null } | null): Data => {
  assert.equal(r?.pkt?.op, 'data', `expected DATA, got ${JSON.stringify(r?.pkt)}`);
  return r!.pkt as Data;
};

describe('tftp lock-step over loopback, injected clock', () => {
  const clock = new FakeClock();
  let server: TftpServer;
  let port: number;
  before(async () => {
    writeFileSync(path.join(tmp.dir, 'undionly.kpxe'), NBP);
    writeFileSync(path.join(tmp.dir, 'exact.bin'), EXACT);
    server = createTftpServer({
      clock, log: nullLogger, resolve: createFileResolver({ root: tmp.dir }),
      options: { host: '127.0.0.1', port: 0, timeoutMs: 1000, retries: 3 },
    });
    ({ port } = await server.listen());
  });
  after(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('retransmits the unacknowledged DATA once the timeout has passed, not before', async () => {
    const c = await RawSocket.open();
    try {
      c.send(encodeRequest('rrq', 'undionly.kpxe', 'octet'), port);
      const d1 = await c.next();
      assert.equal(dataOf(d1).block, 1);
      const tid = d1!.from.port;
      c.send(encodeAck(1), tid); // ACK 1 arrives, ACK 2 will be "lost"
      assert.equal(dataOf(await c.next()).block, 2);
      clock.advance(999);
      // Quiet window on purpose: the fake clock stands still, only the advance above can have
      // triggered a retransmission; 100 ms of real time lets such a packet arrive.
      assert.equal(await c.next(100), null, 'nothing before the timeout');
      clock.advance(1);
      const again = dataOf(await c.next());
      assert.equal(again.block, 2, 'the same block again');
      assert.deepEqual(Buffer.from(again.data), NBP.subarray(512, 1024));
      c.send(encodeAck(2), tid);
      assert.equal(dataOf(await c.next()).block, 3, 'and on after the ACK');
      c.send(encodeAck(0), tid); // stale
      c.send(encodeRequest('rrq', 'x', 'octet'), port); // end it: same TID, new request
      await c.next(); // the answer to that (file not found)
    } finally {
      await c.close();
    }
  });

  it('never answers a duplicate ACK (Sorcerer\'s Apprentice, RFC 1123 §4.2.3.1)', async () => {
    const c = await RawSocket.open();
    try {
      c.send(encodeRequest('rrq', 'undionly.kpxe', 'octet'), port);
      const d1 = await c.next();
      const tid = d1!.from.port;
      c.send(encodeAck(1), tid);
      assert.equal(dataOf(await c.next()).block, 2);
      for (let i = 0; i < 5; i++) c.send(encodeAck(1), tid); // duplicates of ACK 1
      c.send(encodeAck(2), tid);
      assert.equal(dataOf(await c.next()).block, 3, 'the next DATA comes for the new ACK only');
      assert.equal(await c.next(100), null, 'no DATA for the duplicates'); // quiet window: see above
      let block = 3;
      let last = 3;
      for (; block < 200; block++) {
        c.send(encodeAck(block), tid);
        const d = dataOf(await c.next());
        last = d.block;
        if (d.data.length < 512) {
          c.send(encodeAck(d.block), tid);
          break;
        }
      }
      assert.equal(last, Math.floor(NBP.length / 512) + 1);
    } finally {
      await c.close();
    }
  });

  it('negotiates blksize and tsize as before (RFC 2347/2348/2349) and serves an exact multiple with an empty last block', async () => {
    const big = await tftpGet(port, 'exact.bin', { options: { blksize: 1468, tsize: 0 } });
    assert.deepEqual(big.oack, { blksize: '1468', tsize: String(EXACT.length) });
    assert.ok(big.data.equals(EXACT));
    assert.equal(big.dataPackets, 4, 'three full blocks and an empty one');
    const capped = await tftpGet(port, 'undionly.kpxe', { options: { blksize: 65464, tsize: 0 } });
    assert.deepEqual(capped.oack, { blksize: '1468', tsize: String(NBP.length) }, 'RFC 2348: the server may answer smaller');
    assert.ok(capped.data.equals(NBP));
    const plain = await tftpGet(port, 'undionly.kpxe');
    assert.equal(plain.oack, null, 'no options, no OACK (RFC 1350)');
    assert.ok(plain.data.equals(NBP));
  });

  it('serves the new content after the file changed on disk (cache invalidation)', async () => {
    const f = path.join(tmp.dir, 'ipxe.efi');
    const v1 = randomBytes(20_000, 41);
    const v2 = randomBytes(20_000, 42); // same size: only mtime tells
    writeFileSync(f, v1);
    assert.ok((await tftpGet(port, 'ipxe.efi', { options: { blksize: 1468 } })).data.equals(v1));
    writeFileSync(f, v2);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    assert.ok((await tftpGet(port, 'ipxe.efi', { options: { blksize: 1468 } })).data.equals(v2));
    const v3 = randomBytes(30_000, 43);
    writeFileSync(f, v3);
    assert.ok((await tftpGet(port, 'ipxe.efi')).data.equals(v3));
  });
});

describe('tftp lock-step, many at once', () => {
  it('serves 100 lock-step transfers at once, byte-identical, on one retransmission timer', async () => {
    const t = tempDir();
    const other = randomBytes(90_000, 33); // a second file: pooled chunk buffers move between files
    writeFileSync(path.join(t.dir, 'undionly.kpxe'), NBP);
    writeFileSync(path.join(t.dir, 'snponly.efi'), other);
    // The real clock (a lost packet is retransmitted), counting the timers alive.
    let live = 0;
    let maxLive = 0;
    const clock: Clock = {
      now: () => systemClock.now(),
      setTimeout(fn, ms) {
        maxLive = Math.max(maxLive, ++live);
        let done = false;
        const end = () => { if (!done) { done = true; live--; } };
        const h = systemClock.setTimeout(() => { end(); fn(); }, ms);
        return { cancel: () => { end(); h.cancel(); } };
      },
    };
    const server = createTftpServer({
      clock, log: nullLogger, resolve: createFileResolver({ root: t.dir }),
      options: { host: '127.0.0.1', port: 0, timeoutMs: 2000 },
    });
    const { port } = await server.listen();
    try {
      for (let round = 0; round < 2; round++) {
        const gets = Array.from({ length: 100 }, (_, i) =>
          tftpGet(port, i % 4 < 2 ? 'undionly.kpxe' : 'snponly.efi', { options: i % 2 ? { blksize: 1468 } : {}, timeoutMs: 60_000 }));
        const results = await Promise.all(gets);
        results.forEach((r, i) =>
          assert.ok(r.error === null && r.data.equals(i % 4 < 2 ? NBP : other), `round ${round} transfer ${i}: ${JSON.stringify(r.error)} ${r.data.length} bytes`));
        await waitFor(() => server.stats().active === 0, { what: 'all 100 transfers ended' });
      }
      const s = server.stats();
      assert.deepEqual([s.completed, s.failed, s.aborted], [200, 0, 0]);
      assert.equal(maxLive, 1, 'one timer for all transfers');
      assert.equal(live, 0, 'none once they ended');
    } finally {
      await server.close();
      t.cleanup();
    }
  });
});
