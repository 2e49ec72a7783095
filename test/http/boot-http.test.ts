// The boot HTTP service over a real loopback socket: scripts, unattended files, assets with
// Range, checkpoints, and the lifecycle events each step reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBootHttp } from '../../src/http/boot-http.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { createLifecycle } from '../../src/lifecycle/runner.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { createClientMap } from '../../src/boot/client-map.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMemoryStore, type MemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';

let server: Server;
let base: string;
let store: MemoryStore;
let live: LiveSot;
let cleanup: () => void;
let lifecycleStop: () => void;

const KERNEL = Buffer.from('0123456789abcdefghij'.repeat(100));

before(async () => {
  const w = writeSot({
    ...BASE,
    'sites/s2/env.yml': 'id: s2\nmode: on-demand\nsubnets: [{id: n, cidr: 10.2.0.0/24}]\n',
    'sites/s2/c.yml': 'name: od1\ninterfaces: [{mac: "52:54:00:00:02:01", subnet: n}]\nworkflow: wf\n',
    'boot/b2.yml': 'id: b2\noperating_system: os1\n',
    'workflows/wf2.yml': 'id: wf2\nworkflow:\n  - boot: b2\n',
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
  const lifecycle = createLifecycle({ store, clock: systemClock, log: nullLogger });
  lifecycleStop = lifecycle.stop;
  const boot = createBootHttp({ sot: live, store, lifecycle, log: nullLogger, clients: createClientMap(), assetsDir: assets, baseUrl: () => base });
  server = createServer(boot.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  lifecycleStop();
  server.close();
  server.closeAllConnections();
  live.stop();
  cleanup();
});

async function get(path: string, init?: RequestInit) {
  const res = await fetch(base + path, init);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function eventTypes(host: string): Promise<string[]> {
  await new Promise((r) => setTimeout(r, 50)); // events are reported without blocking the response
  return (await store.events({ subject: host })).map((e) => e.type);
}

test('a known host of an auto site gets its script; booting starts provisioning', async () => {
  const r = await get('/ipxe/52:54:00:00:00:01');
  assert.equal(r.status, 200);
  assert.match(r.text, /^#!ipxe\n/);
  assert.match(r.text, new RegExp(`kernel ${base}/files/vmlinuz console=ttyS0 cb=${base}/checkpoint/52:54:00:00:00:01/b1 quiet initrd=initrd.img`));
  assert.match(r.text, new RegExp(`initrd ${base}/files/initrd.img`));
  const types = await eventTypes('h1');
  assert.deepEqual(types.slice(-2), ['provision.requested', 'ipxe.served']);
  assert.equal(store.get('hosts', 'h1')!.state, 'provisioning');
  assert.equal(store.get('hosts', 'h1')!.stage, 'ipxe');
});

test('the MAC may come as a query, in any common form', async () => {
  const r = await get('/ipxe?mac=52-54-00-00-00-02');
  assert.match(r.text, /kernel .*checkpoint\/52:54:00:00:00:02\/b1/);
});

test('unknown MACs and on-demand hosts get a script that exits to the next boot device', async () => {
  const unknown = await get('/ipxe/52:54:00:99:99:99');
  assert.equal(unknown.status, 200);
  assert.match(unknown.text, /^#!ipxe\n/);
  assert.match(unknown.text, /\nexit 1\n/);
  assert.doesNotMatch(unknown.text, /kernel/);
  const od = await get('/ipxe/52:54:00:00:02:01');
  assert.match(od.text, /on-demand site: waiting for a provisioning request/);
  assert.match(od.text, /\nexit 1\n/);
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
  assert.ok((await eventTypes('h2')).includes('kernel.fetched'), 'the last script fetch from 127.0.0.1 was h2');
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

test('unattended file and checkpoint: the host becomes active', async () => {
  const ks = await get('/config/52:54:00:00:00:01?boot=b1');
  assert.equal(ks.status, 200);
  assert.equal(ks.text, `# h1\nnetwork --ip=10.1.0.11 --netmask=255.255.255.0\n%post\ncurl ${base}/checkpoint/52:54:00:00:00:01/b1\n%end\n`);
  assert.equal((await get('/config/52:54:00:00:00:01?boot=nope')).status, 404);
  const cb = await get('/checkpoint/52:54:00:00:00:01/b1?mac=52:54:00:00:00:01&ip=10.1.0.11&uptime=6.4');
  assert.equal(cb.status, 200);
  await eventTypes('h1');
  const h1 = store.get('hosts', 'h1')!;
  assert.equal(h1.state, 'active');
  const events = await store.events({ subject: 'h1' });
  const cp = events.find((e) => e.type === 'checkpoint')!;
  assert.equal(cp.data?.q_uptime, '6.4');
  assert.deepEqual(events.map((e) => e.type).filter((t) => t !== 'host.added'), ['provision.requested', 'ipxe.served', 'unattended.served', 'checkpoint']);
  // Once installed, a network boot gets "exit": no accidental reinstall.
  assert.match((await get('/ipxe/52:54:00:00:00:01')).text, /already installed/);
});

test('the generic chain script points iPXE at the per-MAC script', async () => {
  const r = await get('/boot.ipxe');
  assert.match(r.text, /^#!ipxe\nchain http:\/\/127\.0\.0\.1:\d+\/ipxe\?mac=\$\{netX\/mac\}\n$/);
});

test('percent-encoded MACs (iPXE writes ":" as %3A) and hyphen forms find the host', async () => {
  const enc = await get('/ipxe/52%3A54%3A00%3A00%3A00%3A02');
  assert.match(enc.text, /kernel .*checkpoint\/52:54:00:00:00:02\/b1/);
  assert.equal((await get('/ipxe/%E0%A4%A')).status, 400);
  assert.equal((await get('/files/a%2F..%2F..%2Fetc%2Fpasswd')).status, 404);
});

test('a discovered machine boots its site discovery workflow; without one it exits', async () => {
  // As the DHCP service records it on a discovery site.
  const lc = createLifecycle({ store, clock: systemClock, log: nullLogger });
  await lc.discover('52:54:00:aa:bb:cc' as never, '10.1.0.200', 's1');
  assert.match((await get('/ipxe/52-54-00-aa-bb-cc')).text, /is not a host of this appliance/, 's1 has no discovery workflow');
  assert.equal(store.get('hosts', 'mac-52-54-00-aa-bb-cc')!.state, 'discovered');
});

test('a reclaiming host boots the wipe workflow, then returns to inactive', async () => {
  const lc = createLifecycle({ store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  await lc.report('od1', { type: 'reclaim.requested', workflow: 'wf2', boots: 1 });
  assert.equal(store.get('hosts', 'od1')!.state, 'reclaiming');
  const script = await get('/ipxe/52-54-00-00-02-01');
  assert.match(script.text, /Corral: od1 boot b2 /, 'the wipe workflow\'s boot, not the host\'s own');
  await get('/checkpoint/52-54-00-00-02-01/b2');
  await eventTypes('od1');
  assert.equal(store.get('hosts', 'od1')!.state, 'inactive');
  lc.stop();
});
