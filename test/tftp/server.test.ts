import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { encodeAck, encodeData, encodeRequest, TftpRequestError } from '../../src/tftp/codec.js';
import { createFileResolver } from '../../src/tftp/files.js';
import type { TftpServer, TftpServerDeps, TftpServerOptions } from '../../src/tftp/server.js';
import { bufferSource } from '../../src/tftp/source.js';
import { udpBind } from '../../src/tftp/udp.js';
import { waitFor } from '../fakes/wait.js';
import { engineServer, ENGINES, randomBytes, RawSocket, skipUnless, tempDir, tftpGet } from './helpers.js';

const tmp = tempDir();
const root = path.join(tmp.dir, 'root');
const SMALL = randomBytes(3000, 11);
const MIB = randomBytes(1024 * 1024, 12);

// Every case runs with transfers served in JavaScript and with files on disk sent by the pump
// (src/tftp/pump.ts): both must behave alike on the wire.
for (const engine of ENGINES) {
  const make = (deps: TftpServerDeps) => engineServer(engine, deps);
  async function start(options: Partial<TftpServerOptions> = {}) {
    const server = make({
      clock: systemClock,
      log: nullLogger,
      resolve: createFileResolver({
        root,
        virtual: { 'whoami.txt': (c) => `you are ${c.address}\n` },
      }),
      options: { host: '127.0.0.1', port: 0, timeoutMs: 200, retries: 3, ...options },
    });
    const { port } = await server.listen();
    return { server, port };
  }

  describe(`tftp server over loopback (${engine})`, skipUnless(engine), () => {
    let server: TftpServer;
    let port: number;
    before(async () => {
      mkdirSync(path.join(root, 'a'), { recursive: true });
      writeFileSync(path.join(root, 'small.bin'), SMALL);
      writeFileSync(path.join(root, 'mib.bin'), MIB);
      writeFileSync(path.join(root, 'text.txt'), 'a\nb\rc');
      writeFileSync(path.join(tmp.dir, 'secret'), 'TOP SECRET');
      symlinkSync(path.join(tmp.dir, 'secret'), path.join(root, 'escape'));
      ({ server, port } = await start());
    });
    after(async () => {
      await server.close();
      tmp.cleanup();
    });

    it('serves a file lock-step without options and windowed with options', async () => {
      const plain = await tftpGet(port, 'small.bin');
      assert.equal(plain.error, null);
      assert.equal(plain.oack, null);
      assert.ok(plain.data.equals(SMALL));
      const opt = await tftpGet(port, '/mib.bin', { options: { blksize: 1468, tsize: 0, windowsize: 16 } });
      assert.deepEqual(opt.oack, { blksize: '1468', tsize: String(MIB.length), windowsize: '16' });
      assert.ok(opt.data.equals(MIB));
    });

    it('serves per-host virtual files and netascii (LF -> CR LF, CR -> CR NUL)', async () => {
      assert.equal((await tftpGet(port, 'whoami.txt')).data.toString(), 'you are 127.0.0.1\n');
      const t = await tftpGet(port, 'text.txt', { mode: 'NetAscii' });
      assert.deepEqual(t.data, Buffer.from('a\r\nb\r\0c'));
    });

    it('refuses traversal with ERROR 2 (or 1 for root-relative absolute names) and leaks nothing', async () => {
      const cases: Array<[string, number]> = [
        ['../../etc/passwd', 2], ['a/../../x', 2], ['..\\secret', 2], ['escape', 2], ['/etc/passwd', 1],
      ];
      for (const [name, code] of cases) {
        const r = await tftpGet(port, name);
        assert.equal(r.error?.code, code, name);
        assert.equal(r.dataPackets, 0, name);
      }
    });

    it('refuses WRQ (read-only), unknown files, mail mode and bad option values', async () => {
      const s = await RawSocket.open();
      try {
        s.send(encodeRequest('wrq', 'upload.bin', 'octet'), port);
        assert.deepEqual((await s.next())?.pkt, { op: 'error', code: 2, message: 'read-only server' });
        s.send(encodeRequest('rrq', 'nope.bin', 'octet'), port);
        assert.deepEqual((await s.next())?.pkt, { op: 'error', code: 1, message: 'file not found' });
        s.send(encodeRequest('rrq', 'small.bin', 'mail'), port);
        assert.equal(((await s.next())?.pkt as { code: number }).code, 4);
        s.send(encodeRequest('rrq', 'small.bin', 'octet', { blksize: 'big' }), port);
        assert.equal(((await s.next())?.pkt as { code: number }).code, 8);
      } finally {
        await s.close();
      }
    });

    it('drops and counts garbage, then still serves', async () => {
      const before = server.stats().dropped;
      const s = await RawSocket.open();
      const junk = [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 9, 1]), Buffer.from([0, 1, 0x41]), randomBytes(700, 5), encodeAck(3), encodeData(1, Buffer.from('x'))];
      for (const j of junk) s.send(j, port);
      await waitFor(() => server.stats().dropped >= before + junk.length, { what: 'all junk counted' });
      // Any reply to the junk would leave the request port ahead of the answer to this WRQ.
      s.send(encodeRequest('wrq', 'sentinel', 'octet'), port);
      assert.deepEqual((await s.next())?.pkt, { op: 'error', code: 2, message: 'read-only server' }, 'no reply to junk');
      await s.close();
      assert.ok((await tftpGet(port, 'small.bin')).data.equals(SMALL));
    });

    it('answers a wrong TID with ERROR 5 while the transfer completes', async () => {
      const c = await RawSocket.open();
      const intruder = await RawSocket.open();
      try {
        c.send(encodeRequest('rrq', 'small.bin', 'octet'), port);
        const d1 = await c.next();
        assert.equal(d1?.pkt?.op, 'data');
        const tid = d1!.from.port;
        intruder.send(encodeAck(1), tid);
        const e5 = await intruder.next();
        assert.deepEqual(e5?.pkt, { op: 'error', code: 5, message: 'unknown transfer ID' });
        assert.equal(e5?.from.port, tid, 'ERROR 5 comes from the transfer port');
        const parts = [Buffer.from((d1!.pkt as { data: Uint8Array }).data)];
        for (let b = 1; b <= 10 && parts.length < 6; b++) {
          c.send(encodeAck(b), tid);
          const d = await c.next();
          if (d?.pkt?.op !== 'data') break;
          parts.push(Buffer.from(d.pkt.data));
          if (d.pkt.data.length < 512) {
            c.send(encodeAck(d.pkt.block), tid);
            break;
          }
        }
        assert.ok(Buffer.concat(parts).equals(SMALL));
      } finally {
        await c.close();
        await intruder.close();
      }
    });

    it('serves 50 concurrent transfers of 1 MiB, all byte-identical', async () => {
      // Its own server with a 5 s retransmission timeout instead of the suite's 200 ms: 50 transfers
      // in one busy process can take longer than 200 ms per window, and a retransmission reaching a
      // client that already sent its final ACK and left draws an ICMP error, which the server reads
      // before that ACK: the transfer would count as aborted although the client has every byte.
      const big = await start({ timeoutMs: 5000 });
      try {
        const gets = Array.from({ length: 50 }, (_, i) =>
          tftpGet(big.port, 'mib.bin', { options: i % 2 ? { blksize: 1468, windowsize: 8 } : { blksize: 1432 }, timeoutMs: 30_000 }));
        const results = await Promise.all(gets);
        results.forEach((r, i) => assert.ok(r.error === null && r.data.equals(MIB), `transfer ${i}`));
        await waitFor(() => big.server.stats().active === 0, { what: 'all 50 transfers ended' });
        assert.deepEqual([big.server.stats().completed, big.server.stats().aborted, big.server.stats().failed], [50, 0, 0]);
      } finally {
        await big.server.close();
      }
    });

    it('survives an OVMF-like aborted size probe, then serves the real download', async () => {
      const s0 = server.stats();
      const probe = await tftpGet(port, 'mib.bin', { options: { tsize: 0, blksize: 1468, windowsize: 4 }, abortAfterOack: true });
      assert.deepEqual(probe.oack, { tsize: String(MIB.length), blksize: '1468', windowsize: '4' });
      const real = await tftpGet(port, 'mib.bin', { options: { blksize: 1468, windowsize: 4 } });
      assert.ok(real.data.equals(MIB));
      await waitFor(() => server.stats().aborted === s0.aborted + 1 && server.stats().completed === s0.completed + 1, { what: 'the probe aborted, the download completed' });
      assert.equal(server.stats().failed, s0.failed);
    });

    it('does not start a second transfer for a retransmitted RRQ, but does for a new one', async () => {
      const s0 = server.stats().transfers;
      const c = await RawSocket.open();
      try {
        const rrq = encodeRequest('rrq', 'small.bin', 'octet');
        c.send(rrq, port);
        c.send(rrq, port);
        const first = await c.next();
        assert.equal(first?.pkt?.op, 'data');
        // A quiet window on purpose: a second transfer would send its DATA 1 from another port,
        // with no ordering to wait on. 100 ms is under the server's 200 ms retransmission timeout,
        // so the first transfer's own retransmission cannot show up in it.
        assert.equal(await c.next(100), null, 'only one DATA 1');
        assert.equal(server.stats().transfers, s0 + 1);
        // a different request from the same TID: the client started over, the old transfer ends
        c.send(encodeRequest('rrq', 'whoami.txt', 'octet'), port);
        const other = await c.next();
        assert.equal(Buffer.from((other?.pkt as { data: Uint8Array }).data).toString(), 'you are 127.0.0.1\n');
        assert.notEqual(other?.from.port, first?.from.port);
        assert.equal(server.stats().transfers, s0 + 2);
      } finally {
        await c.close();
      }
    });
  });

  describe(`tftp server limits and shutdown (${engine})`, skipUnless(engine), () => {
    it('ends a transfer early when the client port becomes unreachable (ICMP)', async () => {
      const t = tempDir();
      writeFileSync(path.join(t.dir, 'f.bin'), randomBytes(50_000));
      const server = make({
        clock: systemClock, log: nullLogger, resolve: createFileResolver({ root: t.dir }),
        options: { host: '127.0.0.1', port: 0, timeoutMs: 100, retries: 6 }, // ~12 s of retries
      });
      const { port } = await server.listen();
      const a = await RawSocket.open();
      try {
        a.send(encodeRequest('rrq', 'f.bin', 'octet'), port);
        assert.equal((await a.next())?.pkt?.op, 'data');
        await a.close(); // gone: the retransmission draws an ICMP port unreachable
        await waitFor(() => server.stats().aborted === 1 && server.stats().active === 0, { what: 'the transfer ended by the ICMP error', timeoutMs: 1500 });
      } finally {
        await server.close();
        t.cleanup();
      }
    });

    it('answers resolver failures with an ERROR and keeps serving', async () => {
      const server = make({
        clock: systemClock, log: nullLogger,
        resolve: async (name) => {
          if (name === 'boom') throw new Error('database down');
          if (name === 'denied') throw new TftpRequestError(2, 'not for you');
          return bufferSource('ok');
        },
        options: { host: '127.0.0.1', port: 0 },
      });
      const { port } = await server.listen();
      try {
        assert.deepEqual((await tftpGet(port, 'boom')).error, { code: 0, message: 'internal error' });
        assert.deepEqual((await tftpGet(port, 'denied')).error, { code: 2, message: 'not for you' });
        assert.equal((await tftpGet(port, 'fine')).data.toString(), 'ok');
        await waitFor(() => server.stats().completed === 1, { what: 'the good transfer completed' });
        assert.deepEqual([server.stats().failed, server.stats().refused], [1, 1]);
      } finally {
        await server.close();
      }
    });

    it('survives a socket factory that fails for transfer sockets', async () => {
      let calls = 0;
      const server = make({
        clock: systemClock, log: nullLogger, resolve: async () => bufferSource('x'),
        bind: (host, p, o) => (++calls === 1 ? udpBind(host, p, o) : Promise.reject(new Error('EMFILE'))),
        options: { host: '127.0.0.1', port: 0 },
      });
      const { port } = await server.listen();
      try {
        assert.deepEqual((await tftpGet(port, 'f')).error, { code: 0, message: 'internal error' });
        assert.equal(server.stats().active, 0);
      } finally {
        await server.close();
      }
    });

    it('answers "server busy" beyond maxTransfers and notifies clients on close', async () => {
      const t = tempDir();
      writeFileSync(path.join(t.dir, 'f.bin'), randomBytes(5000));
      const server = make({
        clock: systemClock, log: nullLogger, resolve: createFileResolver({ root: t.dir }),
        options: { host: '127.0.0.1', port: 0, maxTransfers: 1, timeoutMs: 5000 },
      });
      const { port } = await server.listen();
      const a = await RawSocket.open();
      const b = await RawSocket.open();
      try {
        a.send(encodeRequest('rrq', 'f.bin', 'octet'), port);
        assert.equal((await a.next())?.pkt?.op, 'data'); // a holds the only slot
        b.send(encodeRequest('rrq', 'f.bin', 'octet'), port);
        assert.deepEqual((await b.next())?.pkt, { op: 'error', code: 0, message: 'server busy' });
        assert.equal(server.stats().refused, 1);
        await server.close();
        assert.deepEqual((await a.next())?.pkt, { op: 'error', code: 0, message: 'server shutting down' });
        assert.equal(server.stats().active, 0);
      } finally {
        await a.close();
        await b.close();
        t.cleanup();
      }
    });

    it('gives up on a silent client after the retries and frees the slot', async () => {
      const t = tempDir();
      writeFileSync(path.join(t.dir, 'f.bin'), randomBytes(5000));
      const server = make({
        clock: systemClock, log: nullLogger, resolve: createFileResolver({ root: t.dir }),
        options: { host: '127.0.0.1', port: 0, timeoutMs: 20, retries: 2 },
      });
      const { port } = await server.listen();
      const a = await RawSocket.open();
      try {
        a.send(encodeRequest('rrq', 'f.bin', 'octet'), port);
        const got = [await a.next(), await a.next(), await a.next()].map((r) => r?.pkt?.op);
        assert.deepEqual(got, ['data', 'data', 'data'], 'first send + 2 retransmissions');
        await waitFor(() => server.stats().failed === 1 && server.stats().active === 0, { what: 'the transfer to give up' });
        // A quiet window on purpose: nothing announces "no more retransmissions"; 100 ms is five
        // of the 20 ms retransmission intervals.
        assert.equal(await a.next(100), null);
      } finally {
        await a.close();
        await server.close();
        t.cleanup();
      }
    });
  });
}
