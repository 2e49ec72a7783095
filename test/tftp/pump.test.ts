// The TFTP pump (native/tftp-pump.c driven by src/tftp/pump.ts): what only it can get wrong.
// test/tftp/server.test.ts runs every server case with and without it; here: its own input
// (malformed commands), a file that shrinks under a transfer, a pump that dies mid-transfer
// (the transfer fails, the next one is served, by a new pump), and which transfers it takes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { encodeAck, encodeRequest } from '../../src/tftp/codec.js';
import { createFileResolver, type TftpResolver } from '../../src/tftp/files.js';
import { createTftpPump, findTftpPump, type TftpPump } from '../../src/tftp/pump.js';
import { createTftpServer, type TftpServerOptions } from '../../src/tftp/server.js';
import { waitFor } from '../fakes/wait.js';
import { PUMP_BIN, randomBytes, RawSocket, skipUnless, tempDir, tftpGet } from './helpers.js';

const hex = (s: string) => Buffer.from(s).toString('hex');

describe('finding the pump', () => {
  it('is turned off by CORRAL_TFTP_PUMP=off, taken from a path, or found in build/native', () => {
    assert.equal(findTftpPump({ CORRAL_TFTP_PUMP: 'off' }), null);
    assert.equal(findTftpPump({ CORRAL_TFTP_PUMP: '/nonexistent/pump' }), null);
    if (PUMP_BIN) {
      assert.equal(findTftpPump({ CORRAL_TFTP_PUMP: PUMP_BIN }), PUMP_BIN);
      assert.match(findTftpPump({})!, /build\/native\/corral-tftp-pump$/);
    }
  });
});

describe('tftp pump', skipUnless('pump'), () => {
  const tmp = tempDir();
  const DATA = randomBytes(200_000, 3);
  before(() => writeFileSync(path.join(tmp.dir, 'f.bin'), DATA));
  after(() => tmp.cleanup());

  /** A server on loopback whose files on disk go to a pump of its own; close() stops both. */
  async function pumped(options: Partial<TftpServerOptions>, o: { resolve?: TftpResolver; now?: () => number } = {}) {
    const pump = createTftpPump({ bin: PUMP_BIN!, log: nullLogger, ...(o.now && { now: o.now }) });
    const server = createTftpServer({
      clock: systemClock, log: nullLogger, pump, resolve: o.resolve ?? createFileResolver({ root: tmp.dir }),
      options: { host: '127.0.0.1', port: 0, ...options },
    });
    const { port } = await server.listen();
    return { pump, server, port, close: () => server.close().then(() => pump.close()) };
  }

  it('answers malformed commands with a failed end, ignores unknown ones, then still serves', async () => {
    const child = spawn(PUMP_BIN!, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
    const client = await RawSocket.open();
    try {
      const file = hex(path.join(tmp.dir, 'f.bin'));
      const bad = [
        'T 1 127.0.0.1', // too few fields
        `T 2 not-an-ip 127.0.0.1 9 512 1 1000 3 5000 0 0 ${file} 10 -`,
        `T 3 127.0.0.1 127.0.0.1 9 4 1 1000 3 5000 0 0 ${file} 10 -`, // blksize below RFC 2348's 8
        `T 4 127.0.0.1 127.0.0.1 9 512 1 1000 3 5000 0 0 zz ${10} -`, // file name not hex
        `T 5 127.0.0.1 127.0.0.1 9 512 1 1000 3 5000 0 0 ${hex('/nonexistent')} 10 -`,
        `T 6 127.0.0.1 127.0.0.1 9 512 1 1000 3 5000 0 0 ${hex(tmp.dir)} 10 -`, // a folder
        `T 7 127.0.0.1 127.0.0.1 9 512 1 1000 3 5000 0 0 ${file} 10 0g`, // OACK not hex
        'Q what is this',
        `X 99 1 ${hex('no such transfer')}`,
        'x'.repeat(70_000), // longer than the pump's line buffer
      ];
      child.stdin!.write(`${bad.join('\n')}\n`);
      await waitFor(() => lines.some((l) => l.startsWith('E 7 ')), { what: 'the seventh bad start refused' });
      for (let id = 1; id <= 7; id++) assert.match(lines.find((l) => l.startsWith(`E ${id} `)) ?? '', new RegExp(`^E ${id} failed 0 0 0 `));
      const reason = (id: number) => Buffer.from(lines.find((l) => l.startsWith(`E ${id} `))!.split(' ')[6]!, 'hex').toString();
      assert.equal(reason(5), 'open: No such file or directory');
      assert.equal(reason(6), 'open: not a regular file');
      // A size that is not the file's: it changed since Corral looked (RFC 2349 tsize was sent).
      child.stdin!.write(`T 9 127.0.0.1 127.0.0.1 ${client.port} 512 1 1000 3 5000 0 0 ${file} 1000 -\n`);
      await waitFor(() => lines.some((l) => l.startsWith('E 9 ')), { what: 'the changed file refused' });
      assert.equal(reason(9), 'file changed');
      // After all that, a real transfer to a real client.
      const kb = path.join(tmp.dir, 'k.bin');
      writeFileSync(kb, DATA.subarray(0, 1000));
      child.stdin!.write(`T 8 127.0.0.1 127.0.0.1 ${client.port} 512 1 1000 3 5000 0 0 ${hex(kb)} 1000 -\n`);
      const d1 = await client.next();
      assert.equal(d1?.pkt?.op, 'data');
      assert.deepEqual(Buffer.from((d1!.pkt as { data: Uint8Array }).data), DATA.subarray(0, 512));
      client.send(encodeAck(1), d1!.from.port);
      const d2 = await client.next();
      assert.deepEqual(Buffer.from((d2!.pkt as { data: Uint8Array }).data), DATA.subarray(512, 1000));
      client.send(encodeAck(2), d1!.from.port);
      await waitFor(() => lines.some((l) => l.startsWith('E 8 completed 1000 0 0')), { what: 'transfer 8 completed' });
      assert.ok(lines.includes('G 8'), 'progress reported');
    } finally {
      child.stdin!.end();
      await new Promise((r) => child.once('exit', r));
      await client.close();
    }
  });

  it('fails a transfer whose file shrank, with an ERROR to the client', async () => {
    const file = path.join(tmp.dir, 'shrinks.bin');
    writeFileSync(file, DATA);
    const { server, port, close } = await pumped({ timeoutMs: 2000 }, { resolve: createFileResolver({ root: tmp.dir, cacheFileMaxBytes: 0 }) });
    const c = await RawSocket.open();
    try {
      c.send(encodeRequest('rrq', 'shrinks.bin', 'octet'), port);
      const d1 = await c.next();
      assert.equal(d1?.pkt?.op, 'data');
      truncateSync(file, 100); // block 2 is gone
      c.send(encodeAck(1), d1!.from.port);
      assert.deepEqual((await c.next())?.pkt, { op: 'error', code: 0, message: 'read error' });
      await waitFor(() => server.stats().failed === 1 && server.stats().active === 0, { what: 'the transfer failed' });
    } finally {
      await c.close();
      await close();
    }
  });

  it('fails the transfers of a pump that dies, and serves the next request with a new one', async () => {
    let now = 0;
    const { pump, server, port, close } = await pumped({ timeoutMs: 5000 }, { now: () => now });
    const c = await RawSocket.open();
    try {
      c.send(encodeRequest('rrq', 'f.bin', 'octet'), port);
      assert.equal((await c.next())?.pkt?.op, 'data'); // the client holds the transfer open
      const pid = pump.pid();
      assert.ok(pid, 'a pump runs');
      process.kill(pid, 'SIGKILL');
      await waitFor(() => server.stats().failed === 1 && server.stats().active === 0, { what: 'the transfer failed with its pump' });
      now += 1000; // the pump may be started again
      const again = await tftpGet(port, 'f.bin', { options: { blksize: 1468 } });
      assert.equal(again.error, null);
      assert.ok(again.data.equals(DATA));
      assert.notEqual(pump.pid(), pid, 'served by a new pump');
    } finally {
      await c.close();
      await close();
    }
  });

  it('lock-step: a duplicate ACK draws nothing, a lost one a retransmission after the timeout, not before', async () => {
    const { server, port, close } = await pumped({ timeoutMs: 400, retries: 3 });
    const c = await RawSocket.open();
    try {
      c.send(encodeRequest('rrq', 'f.bin', 'octet'), port);
      const d1 = await c.next();
      assert.deepEqual([d1?.pkt?.op, (d1?.pkt as { block: number }).block], ['data', 1]);
      const tid = d1!.from.port;
      c.send(encodeAck(1), tid);
      const d2 = await c.next();
      const sentAt = performance.now();
      assert.equal((d2?.pkt as { block: number }).block, 2);
      // RFC 1123 §4.2.3.1 (Sorcerer's Apprentice): a duplicate ACK is not answered. A quiet window on
      // purpose: only a wrong answer would arrive in it, 150 ms is well under the 400 ms timeout.
      c.send(encodeAck(1), tid);
      assert.equal(await c.next(150), null, 'no DATA for a duplicate ACK');
      const again = await c.next(2000);
      assert.equal((again?.pkt as { block: number }).block, 2, 'block 2 again');
      assert.ok(performance.now() - sentAt >= 380, `retransmitted after ${Math.round(performance.now() - sentAt)} ms, before the 400 ms timeout`);
      c.send(encodeAck(2), tid);
      assert.equal(((await c.next())?.pkt as { block: number }).block, 3, 'the transfer goes on');
      c.send(Buffer.from([0, 5, 0, 0, ...Buffer.from('enough'), 0]), tid); // ERROR: ends it, unanswered
      await waitFor(() => server.stats().aborted === 1 && server.stats().active === 0, { what: 'the transfer aborted by the client' });
      assert.equal(await c.next(100), null, 'an ERROR is never answered');
    } finally {
      await c.close();
      await close();
    }
  });

  it('waits before starting a pump again, longer while pumps die young', async () => {
    let now = 0;
    const pump = createTftpPump({ bin: '/bin/false', log: nullLogger, now: () => now }); // dies at once
    const spec = {
      bindHost: '127.0.0.1', client: { address: '127.0.0.1', port: 9 }, file: path.join(tmp.dir, 'f.bin'), size: DATA.length, blksize: 512,
      windowsize: 1, timeoutMs: 1000, retries: 1, maxBackoffMs: 1000, busyPollUs: 0, busyPollMaxTransfers: 0, oack: null,
    };
    // Starts a transfer if a pump may start now; resolves with its end, or null (serve it in JavaScript).
    const attempt = () =>
      new Promise<string | null>((resolve) => {
        const job = pump.start(spec, { progressed: () => undefined, ended: (r) => resolve(`${r.status}: ${r.reason}`) });
        if (!job) resolve(null);
      });
    try {
      assert.equal(await attempt(), 'failed: tftp pump exited');
      assert.equal(await attempt(), null, 'not again at once');
      now += 1_000;
      assert.equal(await attempt(), 'failed: tftp pump exited', 'again after 1 s');
      now += 1_000;
      assert.equal(await attempt(), null, 'the second young death doubled the wait');
      now += 1_000;
      assert.equal(await attempt(), 'failed: tftp pump exited');
      now += 4_000; // the third young death: 4 s
      const long = attempt();
      now += 11_000; // ...and this one "ran" 11 s before it died
      assert.equal(await long, 'failed: tftp pump exited');
      now += 1_000;
      assert.equal(await attempt(), 'failed: tftp pump exited', 'after a pump that lived, the wait is 1 s again');
    } finally {
      await pump.close();
    }
  });

  describe('what it takes', () => {
    let s: Awaited<ReturnType<typeof pumped>>;
    let pump: TftpPump;
    let port: number;
    before(async () => {
      writeFileSync(path.join(tmp.dir, 'text.txt'), 'a\nb\n');
      s = await pumped({}, { resolve: createFileResolver({ root: tmp.dir, virtual: { 'gen.txt': () => 'generated\n' } }) });
      ({ pump, port } = s);
    });
    after(() => s.close());

    it('files on disk in octet mode; netascii and generated files are served in JavaScript', async () => {
      assert.equal(pump.pid(), undefined, 'started at the first transfer it takes');
      assert.equal((await tftpGet(port, 'gen.txt')).data.toString(), 'generated\n');
      assert.deepEqual((await tftpGet(port, 'text.txt', { mode: 'netascii' })).data, Buffer.from('a\r\nb\r\n'));
      assert.equal(pump.pid(), undefined, 'neither went to the pump');
      assert.ok((await tftpGet(port, 'f.bin')).data.equals(DATA));
      assert.ok(pump.pid(), 'the file on disk did');
    });
  });
});
