// The operator API over a loaded SoT, driven without a socket (supertest).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createApi } from '../../src/api/app.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';

let live: LiveSot;
let app: ReturnType<typeof createApi>;
let cleanup: () => void;

before(async () => {
  const w = writeSot(BASE);
  cleanup = w.cleanup;
  live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  assert.equal(await live.reload(), true);
  const store = createMemoryStore();
  await syncHostRecords(store, live.current()!, 1_700_000_000_000);
  // a history of more than one event for h1 (the events route's limit keeps the newest)
  await store.transact((tx) => {
    tx.event({ subject: 'h1', type: 'tftp.sent', at: 1_700_000_001_000, data: { file: 'undionly.kpxe' } });
    tx.event({ subject: 'h1', type: 'ipxe.served', at: 1_700_000_002_000 });
  });
  app = createApi({ sot: live, store, clock: systemClock, log: nullLogger, version: 'test' });
});

after(() => {
  live.stop();
  cleanup();
});

test('GET /v1/sites lists sites with counts', async () => {
  const res = await request(app).get('/v1/sites').expect(200);
  assert.equal(res.body.length, 1);
  assert.equal(res.body[0].id, 's1');
  assert.equal(res.body[0].mode, 'auto');
  assert.equal(res.body[0].host_count, 2);
  assert.deepEqual(res.body[0].clusters, ['rack']);
});

test('hierarchy: site > clusters > hosts', async () => {
  const c = await request(app).get('/v1/sites/s1/clusters/rack').expect(200);
  assert.deepEqual(c.body.hosts, ['h1', 'h2']);
  assert.equal(c.body.metadata.row, 3);
  const hosts = await request(app).get('/v1/sites/s1/clusters/rack/hosts').expect(200);
  assert.deepEqual(hosts.body.map((h: { id: string }) => h.id), ['h1', 'h2']);
  await request(app).get('/v1/sites/nope').expect(404);
  const nf = await request(app).get('/v1/sites/s1/clusters/nope').expect(404);
  assert.equal(nf.body.code, 'CLUSTER_NOT_FOUND');
});

test('GET /v1/hosts/{id} shows state and hardware but never a BMC password', async () => {
  const res = await request(app).get('/v1/hosts/h1').expect(200);
  assert.equal(res.body.state, 'inactive');
  assert.equal(res.body.power, 'unknown');
  assert.equal(res.body.hardware.cpu_cores, 8);
  assert.equal(res.body.hardware.memory_bytes, 32 * 2 ** 30);
  assert.equal(res.body.hardware.firmware, 'uefi');
  const bmc = res.body.interfaces[1].bmc;
  assert.equal(bmc.type, 'ipmi');
  assert.equal(bmc.address, '10.1.0.111');
  assert.equal(bmc.password_set, true);
  const text = JSON.stringify(res.body);
  assert.doesNotMatch(text, /BMC_PASS/);
  assert.doesNotMatch(text, /"password"/);
});

test('GET /v1/hosts filters by state and site', async () => {
  assert.equal((await request(app).get('/v1/hosts').expect(200)).body.length, 2);
  assert.equal((await request(app).get('/v1/hosts?state=active').expect(200)).body.length, 0);
  assert.equal((await request(app).get('/v1/hosts?site=s1&state=inactive').expect(200)).body.length, 2);
  // resmgr's vocabulary and the lifecycle's both filter `state`; lifecycle_state takes only the latter.
  assert.equal((await request(app).get('/v1/hosts?state=activating').expect(200)).body.length, 0);
  assert.equal((await request(app).get('/v1/hosts?lifecycle_state=inactive').expect(200)).body.length, 2);
  assert.equal((await request(app).get('/v1/hosts?lifecycle_state=activating').expect(200)).body.length, 0);
});

test('unknown host and route are typed 404s', async () => {
  const res = await request(app).get('/v1/hosts/zzz').expect(404);
  assert.deepEqual(res.body, { ok: false, code: 'HOST_NOT_FOUND', message: 'host "zzz" not found' });
  const r2 = await request(app).get('/v1/nothing').expect(404);
  assert.equal(r2.body.code, 'NOT_FOUND');
});

test('GET /v1/hosts/{id}/events lists history oldest first', async () => {
  const res = await request(app).get('/v1/hosts/h1/events').expect(200);
  assert.equal(res.body[0].type, 'host.added');
  assert.match(res.body[0].at, /^\d{4}-\d\d-\d\dT/);
  await request(app).get('/v1/hosts/h1/events?limit=0').expect(400);
  // limit: the newest N, still oldest first among them
  const last = (await request(app).get('/v1/hosts/h1/events?limit=1').expect(200)).body;
  assert.deepEqual(last, [res.body.at(-1)]);
  assert.ok(res.body.length >= 3);
  const two = (await request(app).get('/v1/hosts/h1/events?limit=2').expect(200)).body;
  assert.deepEqual(two.map((e: { type: string }) => e.type), ['tftp.sent', 'ipxe.served']);
});

test('GET /v1/sot reports the served revision and no problems', async () => {
  const res = await request(app).get('/v1/sot').expect(200);
  assert.match(res.body.revision, /^[0-9a-f]{12}$/);
  assert.equal(res.body.serving, true);
  assert.deepEqual(res.body.problems, []);
  assert.equal(res.body.counts.hosts, 2);
});

test('a malformed JSON body is a 400, not a crash', async () => {
  const res = await request(app).post('/v1/sot/reload').set('content-type', 'application/json').send('{bad').expect(400);
  assert.equal(res.body.code, 'BAD_REQUEST');
});
