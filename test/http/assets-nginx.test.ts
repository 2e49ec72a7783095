// nginx as Corral's asset server (src/boot/assets-*.ts): its life is tied to Corral's (a
// SIGKILL of Corral still stops it and frees the port), it is started again when it dies, its
// config follows the SoT's assets folder on reload, and downloads it serves count in Corral's
// stats through its access log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { findNginx } from '../../src/boot/assets-nginx.js';
import { get, startWorld, withBaseDir } from './assets-world.js';
import { freePort } from './raw-get.js';

const skip = findNginx() ? false : 'nginx is not installed';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const accepting = (port: number) =>
  new Promise<boolean>((r) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) assert.fail(`timed out waiting: ${what}`);
    await sleep(50);
  }
}

test('nginx dies with Corral, even when Corral is killed with SIGKILL', { skip }, async () => {
  const port = await freePort();
  let dirs: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'assets-child.ts'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\d+) (.*)\n/.exec(out);
        if (m) {
          dirs = JSON.parse(m[2]!) as string[];
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code) => reject(new Error(`child exited (${code}) before ready: ${out}`)));
    });
    assert.ok(alive(pid));
    assert.ok(await accepting(port));
    child.kill('SIGKILL');
    await until('nginx gone after Corral was killed', () => !alive(pid));
    await until('the boot port free', async () => !(await accepting(port)));
  } finally {
    child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('nginx that dies is started again; downloads it serves are counted', { skip }, async () => {
  const w = await startWorld('nginx', { flag: true });
  try {
    writeFileSync(join(w.assets, 'vmlinuz'), 'kernel');
    const stats = () => w.services.status().http.stats as { files: number; bytes: number; assets: { server: string; nginxPid?: number } };
    assert.equal(stats().assets.server, 'nginx');
    assert.equal((await get(w.port, '/files/vmlinuz')).body.toString(), 'kernel');
    await until('the download counted from nginx access log', () => stats().files === 1 && stats().bytes === 6);
    // A dynamic path goes to Corral through nginx.
    assert.match((await get(w.port, '/boot.ipxe')).body.toString(), /^#!ipxe\nchain /);
    const old = stats().assets.nginxPid!;
    process.kill(old, 'SIGKILL');
    await until('another nginx serving', async () => stats().assets.nginxPid !== old && (await get(w.port, '/files/vmlinuz').catch(() => undefined))?.status === 200, 15_000);
    // The killed master's workers went with it (they would hold the port and outlive Corral).
    await until("the killed master's workers gone", () => {
      try {
        process.kill(-old, 0);
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ESRCH';
      }
    });
  } finally {
    await w.stop();
  }
});

test("nginx's config follows the SoT's assets folder on reload", { skip }, async () => {
  const w = await startWorld('nginx');
  try {
    writeFileSync(join(w.assets, 'vmlinuz'), 'from assets');
    assert.equal((await get(w.port, '/files/vmlinuz')).body.toString(), 'from assets');
    mkdirSync(join(w.sotDir, 'assets2'));
    writeFileSync(join(w.sotDir, 'assets2', 'vmlinuz'), 'from assets2');
    writeFileSync(join(w.sotDir, 'sites/s1/env.yml'), withBaseDir('assets2')['sites/s1/env.yml']!);
    assert.ok(await w.live.reload());
    await until('nginx serving the new folder', async () => (await get(w.port, '/files/vmlinuz')).body.toString() === 'from assets2');
  } finally {
    await w.stop();
  }
});

test("nginx's access-log lines are read only with the run's token", async () => {
  const { parseAssetLog } = await import('../../src/boot/assets-log.js');
  const line = '<190>Dec  7 10:00:00 corral: abc123 10.1.0.5 200 6 GET /files/ubuntu 24/vmlinuz';
  assert.deepEqual(parseAssetLog(line, 'abc123'), { ip: '10.1.0.5', status: 200, bytes: 6, method: 'GET', uri: '/files/ubuntu 24/vmlinuz' });
  assert.equal(parseAssetLog(line, 'other'), undefined);
  assert.equal(parseAssetLog('<190>Dec  7 10:00:00 corral: abc123 junk', 'abc123'), undefined);
});
