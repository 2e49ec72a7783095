// The boot HTTP service over a real loopback socket: scripts, unattended files, assets with
// Range, authenticated checkpoints, and the lifecycle events each step reports. Callback URLs are
// always taken from what Corral rendered (the script's kernel line, the unattended file), never
// built by hand, except to forge the refused ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { rawGet } from './raw-get.js';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBootHttp } from '../../src/boot/boot-http.js';
import { createCallbackSecrets } from '../../src/boot/callback-secret.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { createLifecycle, type Lifecycle } from '../../src/lifecycle/runner.js';
import { bootAttemptOf } from '../../src/lifecycle/machine.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { createClientMap } from '../../src/boot/client-map.js';
import { createLogger, nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMemoryStore, type MemoryStore } from '../fakes/memory-store.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { waitFor } from '../fakes/wait.js';
import { BASE, writeSot } from '../sot/helpers.js';

let server: Server;
let base: string;
let store: MemoryStore;
let live: LiveSot;
let lifecycle: Lifecycle;
let boot: ReturnType<typeof createBootHttp>;
let cleanup: () => void;
const logClock = new FakeClock();
const logLines: string[] = [];
const secrets = createCallbackSecrets(Buffer.alloc(32, 7));
/** Every secret seen in a rendered file: none may reach the journal or the log. */
const seenSecrets = new Set<string>();

const KERNEL = Buffer.from('0123456789abcdefghij'.repeat(100));
const SECRET = '[A-Za-z0-9_-]{43}';

before(async () => {
  const w = writeSot({
    ...BASE,
    // The unattended file's URL on the kernel line too, as installers that take it there do.
    'os/os1.yml': BASE['os/os1.yml']! + '  - ks: "{{ .boot.configURL }}"\n',
    'sites/s2/env.yml': 'id: s2\nmode: on-demand\nsubnets: [{id: n, cidr: 10.2.0.0/24}]\n',
    'sites/s2/c.yml': [
      'name: od1\ninterfaces: [{mac: "52:54:00:00:02:01", subnet: n}]\nworkflow: wf\n',
      'name: od2\ninterfaces: [{mac: "52:54:00:00:02:02", subnet: n}]\nworkflow: wf3\n',
      'name: od3\ninterfaces: [{mac: "52:54:00:00:02:03", subnet: n}]\nworkflow: wf\n',
    ].join('---\n'),
    'sites/s3/env.yml': 'id: s3\nmode: auto\nsubnets: [{id: d, cidr: 10.3.0.0/24}]\ndiscovery:\n  enabled: true\n  subnet: d\n  range: 10.3.0.100-10.3.0.150\n  workflow: inv\n',
    'boot/b2.yml': 'id: b2\noperating_system: os1\n',
    'boot/b3.yml': 'id: b3\noperating_system: os1\ncheckpoints: 2\nunattended: {type: kickstart, use: ks.cfg}\n',
    'workflows/wf2.yml': 'id: wf2\nworkflow:\n  - boot: b2\n',
    'workflows/wf3.yml': 'id: wf3\nworkflow:\n  - boot: b3\n  - boot: b2\n',
    'workflows/inv.yml': 'id: inv\nworkflow:\n  - boot: b3\n',
  });
  cleanup = w.cleanup;
  const assets = join(w.dir, 'files');
  mkdirSync(assets);
  writeFileSync(join(assets, 'vmlinuz'), KERNEL);
  writeFileSync(join(assets, 'initrd.img'), 'initrd');
  live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  assert.equal(await live.reload(), true);
  store = createMemoryStore();
  await syncHostRecords(store, live.current()!, Date.now());
  // No BMC here: power and PXE effects are dropped; the tests play the machine.
  lifecycle = createLifecycle({ store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  const log = createLogger({ level: 'debug', write: (l) => logLines.push(l) });
  boot = createBootHttp({ sot: live, store, lifecycle, log, secrets, clock: logClock, clients: createClientMap(), assetsDir: assets, baseUrl: () => base });
  server = createServer(boot.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  lifecycle.stop();
  server.close();
  server.closeAllConnections();
  live.stop();
  cleanup();
});

async function get(path: string, init?: RequestInit) {
  const res = await fetch(base + path, init);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const eventTypes = async (host: string) => (await store.events({ subject: host })).map((e) => e.type);
const countOf = async (host: string, type: string) => (await eventTypes(host)).filter((t) => t === type).length;
/** Waits for the n-th `type` event of `host` (events of script fetches are reported without blocking the response). */
const awaitEvent = (host: string, type: string, n = 1) => waitFor(async () => (await countOf(host, type)) >= n, { what: `${n} × ${type} of ${host}` });

/** The host's script, and the callback URLs on its kernel line (paths under base). */
async function script(mac: string): Promise<{ text: string; cb: string; ks: string; secret: string }> {
  const r = await get(`/ipxe/${mac}`);
  assert.equal(r.status, 200);
  const line = r.text.split('\n').find((l) => l.startsWith('kernel '));
  assert.ok(line, `no kernel line in:\n${r.text}`);
  const arg = (k: string) => line.split(' ').find((w) => w.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
  const cb = arg('cb').replace(base, '');
  const secret = new RegExp(`^/checkpoint/(${SECRET})/`).exec(cb)?.[1] ?? '';
  assert.ok(secret, `no secret in ${cb}`);
  seenSecrets.add(secret);
  return { text: r.text, cb, ks: arg('ks').replace(base, ''), secret };
}

const journalSize = () => store.lastSeq();
const refused = () => boot.stats().refused;

test('a known host of an auto site gets its script with a secret; booting starts provisioning', async () => {
  const r = await get('/ipxe/52:54:00:00:00:01');
  assert.equal(r.status, 200);
  assert.match(r.text, /^#!ipxe\n/);
  const cb = `${base}/checkpoint/${SECRET}/52:54:00:00:00:01/b1`;
  const ks = `${base}/config/${SECRET}/52:54:00:00:00:01\\?boot=b1`;
  assert.match(r.text, new RegExp(`kernel ${base}/files/vmlinuz console=ttyS0 cb=${cb} quiet ks=${ks} initrd=initrd.img\n`));
  assert.match(r.text, new RegExp(`initrd ${base}/files/initrd.img`));
  await awaitEvent('h1', 'ipxe.served');
  assert.deepEqual((await eventTypes('h1')).slice(-2), ['provision.requested', 'ipxe.served']);
  const h1 = store.get('hosts', 'h1')!;
  assert.equal(h1.state, 'provisioning');
  assert.equal(h1.stage, 'ipxe');
  assert.equal(h1.bootAttempt, 1, 'the machine booting by itself is the run\'s first attempt');
  // Fetched again within the attempt (firmware retries): the same secret.
  assert.equal((await script('52:54:00:00:00:01')).secret, (await script('52:54:00:00:00:01')).secret);
});

test('the MAC may come as a query, in any common form', async () => {
  const r = await get('/ipxe?mac=52-54-00-00-00-02');
  assert.match(r.text, new RegExp(`kernel .*checkpoint/${SECRET}/52:54:00:00:00:02/b1`));
  await awaitEvent('h2', 'ipxe.served');
});

test('unknown MACs and hosts not in a run get a script that exits, with no secret', async () => {
  const unknown = await get('/ipxe/52:54:00:99:99:99');
  assert.equal(unknown.status, 200);
  assert.match(unknown.text, /^#!ipxe\n/);
  assert.match(unknown.text, /\nexit 1\n/);
  assert.doesNotMatch(unknown.text, /kernel|checkpoint/);
  const od = await get('/ipxe/52:54:00:00:02:01');
  assert.match(od.text, /on-demand site: waiting for a provisioning request/);
  assert.match(od.text, /\nexit 1\n/);
  assert.doesNotMatch(od.text, /checkpoint|config/);
  assert.match((await get('/ipxe/not-a-mac')).text, /exit 1/);
});

test('kernel download: Content-Length, Range, kernel.fetched for the host behind the address', async () => {
  const full = await get('/files/vmlinuz');
  assert.equal(full.status, 200);
  assert.equal(full.headers.get('content-length'), String(KERNEL.length));
  assert.equal(full.text, KERNEL.toString());
  const part = await get('/files/vmlinuz', { headers: { range: 'bytes=10-19' } });
  assert.equal(part.status, 206);
  assert.equal(part.text, KERNEL.subarray(10, 20).toString());
  assert.equal(part.headers.get('content-range'), `bytes 10-19/${KERNEL.length}`);
  assert.equal((await get('/files/vmlinuz', { headers: { range: 'bytes=99999-' } })).status, 416);
  // The last script fetch from 127.0.0.1 was h2's.
  await awaitEvent('h2', 'kernel.fetched');
});

test('path traversal and writes are refused', async () => {
  for (const p of ['/files/../sites/s1/env.yml', '/files/%2e%2e/sites/s1/env.yml', '/files/..%2f..%2fetc/passwd', '/files/', '/ipxe-bin/../../etc/passwd']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.text, /id: s1|root:/);
  }
  assert.equal((await get('/ipxe/52:54:00:00:00:01', { method: 'POST', body: 'x' })).status, 405);
  assert.equal((await get('/nothing/here')).status, 404);
});

test('unattended file and checkpoint from the rendered URLs: the host becomes active', async () => {
  const s = await script('52:54:00:00:00:01');
  const ks = await get(s.ks);
  assert.equal(ks.status, 200);
  assert.equal(ks.text, `# h1\nnetwork --ip=10.1.0.11 --netmask=255.255.255.0\n%post\ncurl ${base}${s.cb}\n%end\n`);
  assert.equal((await get(s.ks.replace('boot=b1', 'boot=nope'))).status, 409, 'not the boot the host is in');
  // The lab payload appends its own query to the URL it was given.
  const cb = await get(`${s.cb}?mac=52:54:00:00:00:01&ip=10.1.0.11&uptime=6.4`);
  assert.equal(cb.status, 200);
  const h1 = store.get('hosts', 'h1')!;
  assert.equal(h1.state, 'active', 'acknowledged only once durable');
  const events = await store.events({ subject: 'h1' });
  const cp = events.find((e) => e.type === 'checkpoint')!;
  assert.equal(cp.data?.q_uptime, '6.4');
  assert.equal(cp.data?.q_mac, '52:54:00:00:00:01');
  assert.deepEqual(
    events.map((e) => e.type).filter((t) => t !== 'host.added' && t !== 'ipxe.served'),
    ['provision.requested', 'unattended.served', 'checkpoint'],
  );
  // The installer retries (its 200 was lost): acknowledged again, journalled once.
  const size = journalSize();
  assert.equal((await get(`${s.cb}?mac=52:54:00:00:00:01`)).status, 200);
  assert.equal(journalSize(), size);
  // Once installed, a network boot gets "exit" (no accidental reinstall), with no secret.
  const again = await get('/ipxe/52:54:00:00:00:01');
  assert.match(again.text, /already installed/);
  assert.doesNotMatch(again.text, /checkpoint/);
  // The unattended file is not served outside a run, even with the last run's secret.
  assert.equal((await get(s.ks)).status, 409);
});

test('the generic chain script points iPXE at the per-MAC script on the configured URL', async () => {
  const r = await get('/boot.ipxe');
  assert.equal(r.text, `#!ipxe\nchain ${base}/ipxe?mac=\${netX/mac}\n`);
});

test('percent-encoded MACs (iPXE writes ":" as %3A) and hyphen forms find the host', async () => {
  const enc = await get('/ipxe/52%3A54%3A00%3A00%3A00%3A02');
  assert.match(enc.text, new RegExp(`kernel .*checkpoint/${SECRET}/52:54:00:00:00:02/b1`));
  assert.equal((await get('/ipxe/%E0%A4%A')).status, 400);
  assert.equal((await get('/files/a%2F..%2F..%2Fetc%2Fpasswd')).status, 404);
});

test('callbacks without the secret are refused, counted, and never journalled', async () => {
  await script('52:54:00:00:00:02'); // h2 is provisioning
  await awaitEvent('h2', 'ipxe.served', 3);
  const before = refused();
  const size = journalSize();
  const forged = 'A'.repeat(43);
  const cases: [string, number, keyof typeof before][] = [
    // The old, secret-less forms, and the forgery that once marked a host active.
    ['/checkpoint/52:54:00:00:00:02/b1', 403, 'missing_secret'],
    ['/checkpoint/52:54:00:00:00:02/no-such-boot/999', 403, 'missing_secret'],
    ['/checkpoint/52-54-00-00-00-02/b1/1', 403, 'missing_secret'],
    ['/config/52:54:00:00:00:02?boot=b1', 403, 'missing_secret'],
    ['/checkpoint/%3Ccallback-secret%3E/52:54:00:00:00:02/b1', 403, 'missing_secret'],
    ['/checkpoint', 403, 'missing_secret'],
    [`/checkpoint/${forged}/52:54:00:00:00:02/b1`, 403, 'bad_secret'],
    [`/config/${forged}/52:54:00:00:00:02?boot=b1`, 403, 'bad_secret'],
    [`/checkpoint/${forged}/52:54:00:99:99:99/b1`, 403, 'unknown_host'],
  ];
  for (const [path, status, reason] of cases) {
    const r = await get(path, path.endsWith('/b1/1') ? { method: 'POST', body: 'x' } : undefined);
    assert.equal(r.status, status, path);
    assert.match(r.text, /^refused: /, path);
  }
  const after = refused();
  for (const reason of new Set(cases.map((c) => c[2]))) {
    assert.equal(after[reason] - before[reason], cases.filter((c) => c[2] === reason).length, reason);
  }
  assert.equal(journalSize(), size, 'no refusal is journalled');
  assert.equal(store.get('hosts', 'h2')!.state, 'provisioning');
  assert.equal(store.get('hosts', 'h2')!.checkpoint, 0);
});

test('a flood of refused checkpoints with long queries leaves the journal as it was', async () => {
  const size = journalSize();
  const before = refused().bad_secret;
  const q = `?${Array.from({ length: 40 }, (_, i) => `k${i}=${'v'.repeat(200)}`).join('&')}`;
  await Promise.all(Array.from({ length: 100 }, (_, i) => get(`/checkpoint/${String(i).padStart(43, 'x')}/52:54:00:00:00:02/b1${q}`)));
  assert.equal(refused().bad_secret - before, 100);
  assert.equal(journalSize(), size);
});

test('refusals are logged at most once per host per minute, never with the secret', async () => {
  const forged = 'B'.repeat(43);
  const refusalLines = () => logLines.filter((l) => l.includes('boot callback refused') && l.includes('"host":"h2"'));
  logClock.advance(60_000);
  const n0 = refusalLines().length;
  for (let i = 0; i < 5; i++) await get(`/checkpoint/${forged}/52:54:00:00:00:02/b1`);
  assert.equal(refusalLines().length - n0, 1);
  logClock.advance(60_000);
  await get(`/checkpoint/${forged}/52:54:00:00:00:02/b1`);
  const lines = refusalLines();
  assert.equal(lines.length - n0, 2);
  assert.match(lines.at(-1)!, /"suppressed":4/);
  for (const l of logLines) {
    assert.ok(!l.includes(forged), 'a sent secret is not logged');
    for (const s of seenSecrets) assert.ok(!l.includes(s), 'a real secret is not logged');
  }
});

test('a secret of an earlier boot attempt is stale: refused after a retry', async () => {
  await lifecycle.report('od1', { type: 'provision.requested', workflow: 'wf', boots: 1, checkpoints: [1] });
  const first = await script('52:54:00:00:02:01');
  await awaitEvent('od1', 'ipxe.served');
  // The power stage times out: the boot is retried with a power cycle, a new attempt.
  await lifecycle.report('od1', { type: 'timeout', stage: store.get('hosts', 'od1')!.stage! });
  const second = await script('52:54:00:00:02:01');
  assert.notEqual(first.secret, second.secret);
  await awaitEvent('od1', 'ipxe.served', 2);
  const size = journalSize();
  const stale = refused().stale_secret;
  const late = await get(`${first.cb}?mac=52:54:00:00:02:01`);
  assert.equal(late.status, 403);
  assert.match(late.text, /earlier boot attempt/);
  assert.equal((await get(first.ks)).status, 403);
  assert.equal(refused().stale_secret - stale, 2);
  assert.equal(journalSize(), size);
  assert.equal(store.get('hosts', 'od1')!.state, 'provisioning');
  // A callback for another boot than the one the host is in, with the current secret.
  const wrongBoot = await get(second.cb.replace(/\/b1$/, '/b2'));
  assert.equal(wrongBoot.status, 409);
  assert.match(wrongBoot.text, /not the boot the host is in/);
  assert.equal(journalSize(), size);
  assert.equal((await get(second.cb)).status, 200);
  assert.equal(store.get('hosts', 'od1')!.state, 'active');
});

test('checkpoints in order across a multi-boot workflow; repeats acknowledged once; out of sequence refused', async () => {
  await lifecycle.report('od2', { type: 'provision.requested', workflow: 'wf3', boots: 2, checkpoints: [2, 1] });
  const b3 = await script('52:54:00:00:02:02');
  assert.match(b3.cb, /\/52:54:00:00:02:02\/b3$/);
  await awaitEvent('od2', 'ipxe.served');
  const stats0 = boot.stats();
  let size = journalSize();
  for (const n of ['2', '0', '01x', '99999999']) assert.equal((await get(`${b3.cb}/${n}`)).status, 409, `n=${n}`);
  assert.equal(journalSize(), size);
  assert.equal((await get(`${b3.cb}/1`, { method: 'POST' })).status, 200);
  assert.equal(journalSize(), size + 1);
  assert.equal(store.get('hosts', 'od2')!.stage, 'checkpoint');
  size = journalSize();
  const again = await get(`${b3.cb}/1`);
  assert.equal(again.status, 200);
  assert.match(again.text, /already recorded/);
  assert.equal(journalSize(), size, 'a repeat is not journalled twice');
  // n absent = the next one: the second and last checkpoint of b3; the host starts b2.
  assert.equal((await get(b3.cb)).status, 200);
  const rt = store.get('hosts', 'od2')!;
  assert.equal(rt.bootIndex, 1);
  assert.equal(rt.stage, 'power');
  const stats1 = boot.stats();
  assert.equal(stats1.checkpoints - stats0.checkpoints, 2);
  assert.equal(stats1.checkpointRepeats - stats0.checkpointRepeats, 1);
  assert.equal(stats1.refused.out_of_sequence - stats0.refused.out_of_sequence, 4);
  // Each boot of the workflow is a new attempt: b3's secret is stale now.
  assert.equal((await get(`${b3.cb}/2`)).status, 403);
  const b2 = await script('52:54:00:00:02:02');
  assert.match(b2.cb, /\/b2$/);
  assert.notEqual(b2.secret, b3.secret);
  assert.equal((await get(b2.cb)).status, 200);
  assert.equal(store.get('hosts', 'od2')!.state, 'active');
  // After the run: the last checkpoint may be repeated; a new one is refused (not busy).
  assert.equal((await get(`${b2.cb}/1`)).status, 200);
  const notBusy = refused().not_busy;
  assert.equal((await get(`${b2.cb}/2`)).status, 409);
  assert.equal(refused().not_busy - notBusy, 1);
});

test('a host in no run refuses callbacks even with a correct secret', async () => {
  const rt = store.get('hosts', 'od3')!;
  assert.equal(rt.state, 'inactive');
  const secret = secrets.secretFor('od3', bootAttemptOf(rt));
  const size = journalSize();
  const cp = await get(`/checkpoint/${secret}/52:54:00:00:02:03/b1?x=1`);
  assert.equal(cp.status, 409);
  assert.match(cp.text, /not provisioning or reclaiming/);
  assert.equal((await get(`/config/${secret}/52:54:00:00:02:03?boot=b1`)).status, 409);
  assert.equal(journalSize(), size);
  assert.equal(store.get('hosts', 'od3')!.state, 'inactive');
});

test('an accepted checkpoint journals a bounded query', async () => {
  await lifecycle.report('od3', { type: 'provision.requested', workflow: 'wf', boots: 1, checkpoints: [1] });
  const s = await script('52:54:00:00:02:03');
  const params = [...Array.from({ length: 12 }, (_, i) => `k${i}=v${i}`), `${'k'.repeat(40)}=x`, `long=${'v'.repeat(300)}`];
  assert.equal((await get(`${s.cb}?${params.join('&')}`)).status, 200);
  const cp = (await store.events({ subject: 'od3' })).find((e) => e.type === 'checkpoint')!;
  const qKeys = Object.keys(cp.data!).filter((k) => k.startsWith('q_') && k !== 'q_dropped');
  assert.equal(qKeys.length, 8);
  assert.equal(cp.data!.q_dropped, 6);
  assert.ok(JSON.stringify(cp.data).length < 1024);
});

test('a reclaiming host boots the wipe workflow with a secret, then returns to inactive', async () => {
  await lifecycle.report('od1', { type: 'reclaim.requested', workflow: 'wf2', boots: 1 });
  assert.equal(store.get('hosts', 'od1')!.state, 'reclaiming');
  const s = await script('52-54-00-00-02-01');
  assert.match(s.text, /Corral: od1 boot b2 /, "the wipe workflow's boot, not the host's own");
  // A forged wipe is not recorded.
  const size = journalSize();
  assert.equal((await get(`/checkpoint/${'C'.repeat(43)}/52:54:00:00:02:01/b2`)).status, 403);
  assert.equal((await get(s.cb.replace(/\/b2$/, '/b1'))).status, 409);
  assert.equal(journalSize(), size);
  assert.equal(store.get('hosts', 'od1')!.state, 'reclaiming');
  assert.equal((await get(s.cb)).status, 200);
  assert.equal(store.get('hosts', 'od1')!.state, 'inactive');
});

test('a discovered machine boots its site discovery workflow with a secret bound to its discovered id', async () => {
  // As the DHCP service records it on a discovery site.
  await lifecycle.discover('52:54:00:aa:bb:cc' as never, '10.1.0.200', 's1');
  assert.match((await get('/ipxe/52-54-00-aa-bb-cc')).text, /is not a host of this appliance/, 's1 has no discovery workflow');
  assert.equal(store.get('hosts', 'mac-52-54-00-aa-bb-cc')!.state, 'discovered');

  await lifecycle.discover('52:54:00:dd:ee:ff' as never, '10.3.0.100', 's3');
  const id = 'mac-52-54-00-dd-ee-ff';
  const s = await script('52:54:00:dd:ee:ff');
  assert.match(s.cb, /\/52:54:00:dd:ee:ff\/b3$/);
  assert.equal(s.secret, secrets.secretFor(id, bootAttemptOf(store.get('hosts', id)!)));
  const ks = await get(s.ks);
  assert.equal(ks.status, 200);
  assert.match(ks.text, new RegExp(`curl ${base}${s.cb}\n`));
  assert.equal((await get(`/checkpoint/${'D'.repeat(43)}/52:54:00:dd:ee:ff/b3`)).status, 403);
  assert.equal((await get(`${s.cb}/1?cpus=8`)).status, 200);
  const size = journalSize();
  assert.equal((await get(`${s.cb}/1?cpus=8`)).status, 200, 'a retry is acknowledged');
  assert.equal(journalSize(), size, 'and not journalled again');
  assert.equal((await get(`${s.cb}/3`)).status, 409);
  assert.equal((await get(s.cb)).status, 200, 'the boot declares 2 checkpoints');
  const after2 = journalSize();
  assert.equal((await get(`${s.cb}/3`)).status, 409, 'no more than the boot declares');
  assert.equal((await get(s.cb)).status, 200, 'once all are counted, the same URL again is a retry of the last');
  assert.equal(journalSize(), after2);
  const rt = store.get('hosts', id)!;
  assert.equal(rt.state, 'discovered');
  assert.equal(rt.checkpoint, 2);
  assert.equal(await countOf(id, 'checkpoint'), 2);
});

test('scripts and unattended files never copy the request Host header', async () => {
  await lifecycle.report('od3', { type: 'deprovision' });
  await lifecycle.report('od3', { type: 'provision.requested', workflow: 'wf', boots: 1, checkpoints: [1] });
  const s = await script('52:54:00:00:02:03');
  const hostile = ['x"; shell', 'evil.example:1/$(reboot)', '10.0.0.66\tchain http://evil/', 'evil.example'];
  for (const host of hostile) {
    for (const path of ['/boot.ipxe', '/ipxe/52:54:00:00:02:03', '/ipxe?mac=52:54:00:00:02:03', s.ks, '/ipxe/52:54:00:99:99:99']) {
      const r = await rawGet(Number(new URL(base).port), path, { Host: host, 'X-Forwarded-Host': host });
      assert.equal(r.status, 200, `${path} Host: ${host}`);
      assert.ok(!r.text.includes(host) && !/evil|shell|reboot/.test(r.text), `${path} copied Host: ${host}\n${r.text}`);
      for (const url of r.text.match(/https?:\/\/[^\s"']+/g) ?? []) assert.ok(url.startsWith(`${base}/`), `${path}: ${url}`);
    }
  }
});

test('no secret reaches the journal', async () => {
  const all = JSON.stringify(await store.events());
  assert.ok(seenSecrets.size >= 8);
  for (const s of seenSecrets) assert.ok(!all.includes(s));
});
