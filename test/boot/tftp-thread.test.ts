// The TFTP worker threads (src/boot/tftp-thread.ts): real transfers over loopback from the workers,
// spread over them, `tftp.sent` reported on the main thread for a client the client map knows, a
// root change from a SoT load, and nothing left running after stop.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClientMap } from '../../src/boot/client-map.js';
import { sentReporter } from '../../src/boot/tftp-files.js';
import type { Worker } from 'node:worker_threads';
import { createTftpThread, tftpWorkerCount, type TftpThreads } from '../../src/boot/tftp-thread.js';
import { startWorker } from '../../src/lib/start-worker.js';
import type { Lifecycle } from '../../src/lifecycle/runner.js';
import type { Logger, LogFields } from '../../src/lib/log.js';
import { waitFor } from '../fakes/wait.js';
import { PUMP_BIN, randomBytes, tempDir, tftpGet } from '../tftp/helpers.js';

const LO = '127.0.0.1';

function recordingLogger(lines: { level: string; msg: string; fields: LogFields }[], base: LogFields = {}): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) => void lines.push({ level, msg, fields: { ...base, ...fields } });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (f) => recordingLogger(lines, { ...base, ...f }) };
}

describe('TFTP in its worker threads', () => {
  const tmp = tempDir('corral-tftp-thread-');
  const rootA = path.join(tmp.dir, 'a');
  const rootB = path.join(tmp.dir, 'b');
  const SMALL = randomBytes(70 * 1024, 31);
  const BIG = randomBytes(2 * 1024 * 1024 + 100, 32);
  const lines: { level: string; msg: string; fields: LogFields }[] = [];
  const reports: { hostId: string; type: string; file?: string; ip?: unknown }[] = [];
  const lifecycle = {
    report: async (hostId: string, event: { type: string; file?: string }, data?: Record<string, unknown>) => {
      reports.push({ hostId, type: event.type, ...(event.file !== undefined && { file: event.file }), ip: data?.ip });
      return undefined;
    },
  } as unknown as Lifecycle;
  const clients = createClientMap();
  const sot = new EventEmitter();
  let root = rootA;
  let tftp: TftpThreads;
  let port = 0;
  const workers: Worker[] = []; // every worker thread started, in order

  before(async () => {
    mkdirSync(rootA);
    mkdirSync(rootB);
    writeFileSync(path.join(rootA, 'undionly.kpxe'), SMALL);
    writeFileSync(path.join(rootA, 'big.bin'), BIG);
    writeFileSync(path.join(rootB, 'undionly.kpxe'), Buffer.from('the other root\n'));
    tftp = createTftpThread({
      log: recordingLogger(lines),
      options: { host: LO, port: 0, timeoutMs: 300, retries: 3 },
      root: () => root,
      sot: sot as never,
      bootUrl: 'http://boot.example:8080',
      sent: sentReporter(clients, lifecycle),
      workers: 2,
      statsMs: 20,
      startWorker: (...a) => {
        const w = startWorker(...a);
        workers.push(w);
        return w;
      },
    });
    port = await tftp.start();
  });
  after(async () => {
    await tftp.stop();
    tmp.cleanup();
  });

  it('chooses one worker with the pump, else one per core (1 to 4), unless told', () => {
    assert.equal(tftpWorkerCount(undefined, true), 1, 'the pump sends the files: one worker takes the requests');
    const cores = tftpWorkerCount(undefined, false);
    assert.ok(cores >= 1 && cores <= 4);
    assert.equal(tftpWorkerCount(0), 1);
    assert.equal(tftpWorkerCount(3), 3);
    assert.equal(tftp.workers(), 2);
    assert.equal(tftp.pump(), PUMP_BIN, 'the workers send files with the pump when it was built');
  });

  it('serves files whole, lock-step and windowed, from both workers at once, and the generated boot.ipxe', async () => {
    assert.ok(port > 0);
    const gets = await Promise.all([
      ...Array.from({ length: 6 }, () => tftpGet(port, 'undionly.kpxe', { options: { blksize: 1468 } })),
      tftpGet(port, 'big.bin', { options: { blksize: 1468, tsize: 0 } }),
      tftpGet(port, 'big.bin', { options: { blksize: 1468, windowsize: 8 } }),
    ]);
    for (const g of gets.slice(0, 6)) assert.ok(g.error === null && g.data.equals(SMALL), 'undionly.kpxe');
    assert.equal(gets[6]!.oack?.tsize, String(BIG.length));
    for (const g of gets.slice(6)) assert.ok(g.error === null && g.data.equals(BIG), 'big.bin');
    const script = await tftpGet(port, 'boot.ipxe');
    assert.equal(script.data.toString(), '#!ipxe\nchain http://boot.example:8080/ipxe?mac=${netX/mac}\n');
    const missing = await tftpGet(port, 'nope.bin');
    assert.equal(missing.error?.code, 1);
    await waitFor(() => tftp.stats().completed === 9 && tftp.stats().refused === 1 && tftp.stats().active === 0, { what: 'the workers statistics summed on the main thread' });
    const ended = lines.filter((l) => l.msg === 'tftp: transfer ended');
    assert.deepEqual([...new Set(ended.map((l) => l.fields.worker))].sort(), [0, 1], 'transfers ran in both workers');
  });

  it('reports tftp.sent on the main thread for a client the client map knows, and nothing for others', async () => {
    const before = reports.length;
    const unknown = await tftpGet(port, 'undionly.kpxe');
    assert.ok(unknown.data.equals(SMALL));
    clients.observe(LO, 'h1');
    const known = await tftpGet(port, 'undionly.kpxe', { options: { blksize: 1468 } });
    assert.ok(known.data.equals(SMALL));
    await waitFor(() => reports.length > before, { what: 'tftp.sent for h1' });
    assert.deepEqual(reports.slice(before), [{ hostId: 'h1', type: 'tftp.sent', file: 'undionly.kpxe', ip: LO }]);
  });

  it('serves the folder a SoT load moves it to, from the next request on', async () => {
    root = rootB;
    sot.emit('loaded', {});
    const got = await waitFor(async () => {
      const g = await tftpGet(port, 'undionly.kpxe');
      return g.data.toString() === 'the other root\n' ? g : undefined;
    }, { what: 'the file from the new root' });
    assert.equal(got.error, null);
    // Every worker serves the new root.
    const again = await Promise.all(Array.from({ length: 4 }, () => tftpGet(port, 'undionly.kpxe')));
    for (const g of again) assert.equal(g.data.toString(), 'the other root\n');
  });

  it('a worker that dies is started again; the other serves meanwhile; the totals survive', async () => {
    const done = tftp.stats().completed;
    const served = Buffer.from('the other root\n'); // the root the test above moved to
    const [w0, w1] = workers.slice(-2) as [Worker, Worker]; // worker 0 (the listener), worker 1
    await w1.terminate(); // as a crash would end it
    // Worker 0 serves every request while worker 1 is down, then hands some to the new one.
    assert.ok((await tftpGet(port, 'undionly.kpxe')).data.equals(served));
    await waitFor(() => workers.length === 3, { what: 'worker 1 started again', timeoutMs: 5000 });
    await w0.terminate(); // the listener itself: started again on the configured port (0: a new one)
    await waitFor(() => workers.length === 4 && tftp.port() !== port, { what: 'worker 0 started again', timeoutMs: 5000 });
    port = tftp.port();
    const gets = await Promise.all(Array.from({ length: 6 }, () => tftpGet(port, 'undionly.kpxe')));
    for (const g of gets) assert.ok(g.error === null && g.data.equals(served));
    await waitFor(() => tftp.stats().completed >= done + 7, { what: 'the totals, those of the dead workers included' });
    assert.ok(workers.length === 4, 'no other restart');
  });

  it('stop leaves nothing running: no thread, the port free, no answer', async () => {
    const threads = () => readdirSync('/proc/self/task').length; // Linux: one entry per thread
    const running = threads();
    await tftp.stop();
    await waitFor(() => threads() <= running - 2, { what: 'both worker threads gone' });
    // Their pumps too (src/tftp/pump.ts): no child of this process still runs. (Those of the
    // workers killed above ended with them, through PR_SET_PDEATHSIG; as zombies, since the loop
    // that would have reaped them died too.)
    const pumpsRunning = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        const [st, ppid] = readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
        return ppid === String(process.pid) && st !== 'Z' && readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('corral-tftp');
      } catch {
        return false; // exited meanwhile
      }
    });
    await waitFor(() => pumpsRunning().length === 0, { what: 'no TFTP pump left running' });
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, LO, () => resolve()); // the TFTP port is free again
    });
    s.close();
    const r = await tftpGet(port, 'undionly.kpxe', { timeoutMs: 1000 });
    assert.equal(r.dataPackets, 0);
    assert.ok(tftp.stats().completed >= 13, 'the totals survive the workers');
    port = await tftp.start(); // for after()
  });
});
