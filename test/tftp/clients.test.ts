// The server against real TFTP clients from Debian (curl, atftp, tftp-hpa) over loopback.
// A client that is not installed is skipped with a message.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { createFileResolver } from '../../src/tftp/files.js';
import type { TftpServer } from '../../src/tftp/server.js';
import { engineServer, ENGINES, randomBytes, skipUnless, tempDir } from './helpers.js';

const tmp = tempDir();
const root = path.join(tmp.dir, 'root');
const FILE = randomBytes(1536 * 1024 + 333, 21); // 1.5 MiB and a bit: several windows, short last block
const EXACT = randomBytes(512 * 64, 22); // a multiple of 512: zero-length last block
const ROLL = randomBytes(65536 * 512 + 777, 23); // past block 65535 at 512 B

function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => existsSync(path.join(d, cmd)));
}
const HAVE = { curl: which('curl'), atftp: which('atftp'), tftp: existsSync('/usr/bin/tftp') };

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, cwd: tmp.dir }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

let n = 0;
const outFile = () => path.join(tmp.dir, `out-${++n}.bin`);

async function fetchWith(t: TestContext, client: keyof typeof HAVE, build: (out: string) => string[], expected: Buffer) {
  if (!HAVE[client]) return t.skip(`${client} not installed`);
  const out = outFile();
  const args = build(out);
  const r = await run(client === 'tftp' ? '/usr/bin/tftp' : client, args);
  assert.equal(r.code, 0, `${client} ${args.join(' ')}: ${r.out}`);
  const got = readFileSync(out);
  assert.equal(got.length, expected.length, `${client} ${args.join(' ')}: size`);
  assert.ok(got.equals(expected), `${client} ${args.join(' ')}: bytes differ`);
}

// Every client against transfers in JavaScript and against the pump (src/tftp/pump.ts).
for (const engine of ENGINES) {
  describe(`tftp server with real clients (${engine})`, skipUnless(engine), () => {
    let server: TftpServer;
    let port = 0;
    before(async () => {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(root, { recursive: true });
      writeFileSync(path.join(root, 'file.bin'), FILE);
      writeFileSync(path.join(root, 'exact.bin'), EXACT);
      writeFileSync(path.join(root, 'roll.bin'), ROLL);
      server = engineServer(engine, {
        clock: systemClock, log: nullLogger, resolve: createFileResolver({ root }),
        options: { host: '127.0.0.1', port: 0 },
      });
      port = (await server.listen()).port;
    });
    after(async () => {
      await server.close();
    });
    const url = (f: string) => `tftp://127.0.0.1:${port}/${f}`;

    it('curl, default options', (t) => fetchWith(t, 'curl', (o) => ['-sS', '--fail', url('file.bin'), '-o', o], FILE));
    it('curl, --tftp-blksize 1468', (t) => fetchWith(t, 'curl', (o) => ['-sS', '--tftp-blksize', '1468', url('file.bin'), '-o', o], FILE));
    it('curl, --tftp-no-options (exact multiple of 512)', (t) =>
      fetchWith(t, 'curl', (o) => ['-sS', '--tftp-no-options', url('exact.bin'), '-o', o], EXACT));
    it('curl, --tftp-no-options past block 65535 (rollover)', (t) =>
      fetchWith(t, 'curl', (o) => ['-sS', '--tftp-no-options', url('roll.bin'), '-o', o], ROLL));
    it('curl reports a missing file', async (t) => {
      if (!HAVE.curl) return t.skip('curl not installed');
      const r = await run('curl', ['-sS', url('missing.bin'), '-o', outFile()]);
      assert.equal(r.code, 68, r.out); // CURLE_TFTP_NOTFOUND (its message is odd, as with tftpd-hpa)
    });

    const atftp = (opts: string[]) => (o: string) => ['--get', '-r', 'file.bin', '-l', o, ...opts, '127.0.0.1', String(port)];
    it('atftp, no options', (t) => fetchWith(t, 'atftp', atftp([]), FILE));
    it('atftp, blksize 1468', (t) => fetchWith(t, 'atftp', atftp(['--option', 'blksize 1468']), FILE));
    it('atftp, windowsize 16', (t) => fetchWith(t, 'atftp', atftp(['--option', 'windowsize 16']), FILE));
    it('atftp, blksize 1468 + windowsize 4 + tsize + timeout', (t) =>
      fetchWith(t, 'atftp', atftp(['--option', 'blksize 1468', '--option', 'windowsize 4', '--option', 'tsize', '--option', 'timeout 2']), FILE));
    it('atftp reports a missing file', async (t) => {
      if (!HAVE.atftp) return t.skip('atftp not installed');
      const r = await run('atftp', ['--get', '-r', 'missing.bin', '-l', outFile(), '127.0.0.1', String(port)]);
      assert.notEqual(r.code, 0, r.out);
    });

    it('tftp-hpa, default (netascii) mode', (t) => fetchWith(t, 'tftp', (o) => ['127.0.0.1', String(port), '-c', 'get', 'exact.bin', o], EXACT));
    it('tftp-hpa, -m octet', (t) => fetchWith(t, 'tftp', (o) => ['-m', 'octet', '127.0.0.1', String(port), '-c', 'get', 'file.bin', o], FILE));
    it('tftp-hpa reports a missing file', async (t) => {
      if (!HAVE.tftp) return t.skip('tftp-hpa not installed');
      const r = await run('/usr/bin/tftp', ['-m', 'octet', '127.0.0.1', String(port), '-c', 'get', 'missing.bin', outFile()]);
      assert.match(r.out, /not found/i);
    });

    it('counted every transfer, none failed', () => {
      const s = server.stats();
      assert.equal(s.failed, 0, JSON.stringify(s));
      assert.equal(s.active, 0, JSON.stringify(s));
    });
  });
}
after(() => tmp.cleanup());
