// `corral serve` as a real process: API answers, the SoT reloads live, a bad reload keeps the
// last good SoT, SIGTERM stops cleanly, and state survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, writeSot } from '../sot/helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;

interface Served {
  proc: ChildProcess;
  base: string;
  log: () => string;
}

async function startServe(sot: string, data: string): Promise<Served> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', 'serve', '--sot', sot, '--data', data, '--listen', '127.0.0.1:0', '--log-format', 'json'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /serving .* on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(err);
    if (m) return { proc, base: m[1]!, log: () => err };
    if (proc.exitCode !== null) break;
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`corral serve did not start:\n${err}`);
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as any };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stop(s: Served): Promise<number | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
    s.proc.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    s.proc.kill('SIGTERM');
  });
}

test('serve: live reload, bad reload keeps last good, clean stop, restart keeps state', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = writeSot(BASE);
  const data = mkdtempSync(join(tmpdir(), 'corral-data-'));
  let s = await startServe(dir, data);
  try {
    const sites = await getJson(`${s.base}/v1/sites`);
    assert.equal(sites.status, 200);
    assert.equal(sites.body[0].id, 's1');
    const first = await getJson(`${s.base}/v1/sot`);
    assert.equal(first.body.serving, true);

    // Add a host: the watcher reloads and the API shows it.
    writeFileSync(join(dir, 'sites/s1/more.yml'), 'name: h3\ninterfaces:\n  - mac: 52:54:00:00:00:03\n    subnet: net\n    ipv4: 10.1.0.13\nworkflow: wf\n');
    await waitFor('h3 to appear', async () => ((await getJson(`${s.base}/v1/hosts/h3`)).status === 200 ? true : undefined));
    const rev2 = (await getJson(`${s.base}/v1/sot`)).body.revision;
    assert.notEqual(rev2, first.body.revision);

    // Break the SoT: problems are reported, the last good revision keeps serving.
    writeFileSync(join(dir, 'sites/s1/more.yml'), 'name: h3\ninterfaces:\n  - mac: not-a-mac\n');
    const bad = await waitFor('the bad reload', async () => {
      const r = await getJson(`${s.base}/v1/sot`);
      return r.body.last_attempt && r.body.last_attempt.ok === false ? r.body : undefined;
    });
    assert.equal(bad.revision, rev2);
    assert.ok(bad.problems.some((p: any) => p.file === 'sites/s1/more.yml' && p.line === 3 && /not a MAC address/.test(p.message)));
    assert.equal((await getJson(`${s.base}/v1/hosts/h3`)).status, 200);
    assert.match(s.log(), /SoT has problems; still serving the last good revision/);

    assert.equal(await stop(s), 0);
    // Restart on the same data with the SoT still broken: the saved last good SoT is served,
    // and the recorded history is still there.
    s = await startServe(dir, data);
    const after = (await getJson(`${s.base}/v1/sot`)).body;
    assert.equal(after.serving, true);
    assert.equal(after.from_last_good, true);
    assert.equal(after.revision, rev2);
    assert.equal(after.last_attempt.ok, false);
    const events = await getJson(`${s.base}/v1/hosts/h3/events`);
    assert.equal(events.status, 200);
    assert.equal(events.body.filter((e: any) => e.type === 'host.added').length, 1);
  } finally {
    await stop(s);
    cleanup();
    rmSync(data, { recursive: true, force: true });
  }
});

test('serve: an invalid SoT at start still serves the API and reports the problems', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = writeSot({ ...BASE, 'workflows/wf.yml': 'id: wf\nworkflow: [' });
  const data = mkdtempSync(join(tmpdir(), 'corral-data-'));
  const s = await startServe(dir, data);
  try {
    const sot = await getJson(`${s.base}/v1/sot`);
    assert.equal(sot.body.serving, false);
    assert.ok(sot.body.problems.length > 0);
    const hosts = await getJson(`${s.base}/v1/hosts`);
    assert.equal(hosts.status, 503);
    assert.equal(hosts.body.code, 'SOT_NOT_LOADED');
  } finally {
    await stop(s);
    cleanup();
    rmSync(data, { recursive: true, force: true });
  }
});
