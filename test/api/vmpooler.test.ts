// vmpooler's v1 routes (seed 003) over pools of bare-metal hosts: shapes and every status code
// the seed documents, with the pool manager over a fake orchestrator and a fake clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { testApi, type TestApi } from './support.js';
import { POOL_SOT, become, fakeOrchestrator } from '../pools/world.js';
import { createPoolManager, type PoolManager } from '../../src/pools/manager.js';
import { SETTINGS_KEY } from '../../src/pools/model.js';
import { nullLogger } from '../../src/lib/log.js';
import { FakeClock } from '../fakes/fake-clock.js';

let t: TestApi;
let m: PoolManager;
const clock = new FakeClock(Date.parse('2026-03-10T12:00:00Z'));
const orch = fakeOrchestrator();
const X = (tok: string) => ({ 'X-AUTH-TOKEN': tok });

/** Every host the manager asked to install becomes active with that workflow, every one it asked to wipe inactive. */
async function installAll(): Promise<void> {
  for (let i = 0; i < 8; i++) {
    await m.settle();
    const wiping = t.store.list('allocations').filter((a) => a.id.startsWith('wipe:') && t.store.get('hosts', a.hostId)?.state === 'active');
    for (const a of wiping) await become(t.store, a.hostId, 'inactive', 'wipe');
    if (wiping.length) await m.settle();
    // Hosts a pool holds to install (not one it let go since it was asked about).
    const held = new Set(t.store.list('allocations').filter((a) => /^(pool|checkout):/.test(a.id)).map((a) => a.hostId));
    const todo = orch.calls.filter((c) => c.op === 'provision' && held.has(c.host) && t.store.get('hosts', c.host)?.state === 'inactive');
    if (!todo.length) return;
    for (const c of todo) await become(t.store, c.host, 'active', c.workflow);
  }
}

before(async () => {
  t = await testApi({ files: POOL_SOT, clock, deps: { orchestrator: orch as never } });
  m = createPoolManager({ sot: t.live, store: t.store, orchestrator: orch, clock, log: nullLogger });
  m.start();
  await installAll();
});
after(async () => {
  await m.stop();
  t.cleanup();
});

test('GET /vm lists the pools', async () => {
  const r = await request(t.app).get('/api/v1/vm').expect(200);
  assert.deepEqual(r.body, ['centos-7-x86_64', 'tiny']);
});

test('GET /status and /poolstat and /totalrunning count ready hosts', async () => {
  const s = await request(t.app).get('/api/v1/status').expect(200);
  assert.deepEqual(s.body.capacity, { current: 2, total: 2, percent: 100 });
  assert.equal(s.body.queue.ready, 2);
  assert.deepEqual(s.body.status, { ok: true, message: 'Battle station fully armed and operational.' });
  const v = await request(t.app).get('/api/v1/status?view=capacity').expect(200);
  assert.deepEqual(Object.keys(v.body).sort(), ['capacity', 'status']);
  const p = await request(t.app).get('/api/v1/poolstat?pool=el7').expect(200);
  assert.deepEqual(p.body, { pools: { 'centos-7-x86_64': { ready: 2, max: 2, alias: ['centos', 'el7'] } } });
  assert.deepEqual((await request(t.app).get('/api/v1/poolstat').expect(200)).body, { pools: {} });
  assert.deepEqual((await request(t.app).get('/api/v1/totalrunning').expect(200)).body, { running: 0 });
});

test('POST /vm: unknown pool 404, bad count 400, bad token 401, too many 503 with nothing held', async () => {
  const u = X(t.user);
  await request(t.app).post('/api/v1/vm').set(u).send({ nope: '1' }).expect(404, { ok: false });
  await request(t.app).post('/api/v1/vm').set(u).send({}).expect(404);
  await request(t.app).post('/api/v1/vm').set(u).send({ centos: 'x' }).expect(400);
  await request(t.app).post('/api/v1/vm').set(X('not-a-token')).send({ centos: '1' }).expect(401);
  await request(t.app).post('/api/v1/vm').send({ centos: '1' }).expect(401);
  await request(t.app).post('/api/v1/vm').set(u).send({ centos: '1', el7: '2' }).expect(503, { ok: false });
  await request(t.app).post('/api/v1/vm/centos+centos+centos').set(u).expect(503, { ok: false });
  assert.equal((await request(t.app).get('/api/v1/totalrunning')).body.running, 0, 'all or none: nothing checked out');
});

test('check-out by path with a token: keyed by the alias asked, hostname a string for one; token lists it; query, modify, return', async () => {
  const r = await request(t.app).post('/api/v1/vm/el7').set(X(t.user)).expect(200);
  assert.equal(r.body.ok, true);
  assert.equal(typeof r.body.el7.hostname, 'string');
  assert.equal(r.body.domain, 'pool.example.com');
  const h = r.body.el7.hostname as string;
  const tok = await request(t.app).get(`/api/v1/token/${t.user}`).expect(200);
  assert.deepEqual(tok.body[t.user].vms.running, [h]);

  clock.advance(3600_000);
  const q = await request(t.app).get(`/api/v1/vm/${h}`).expect(200);
  assert.equal(q.body[h].template, 'centos-7-x86_64');
  assert.equal(q.body[h].state, 'running');
  assert.equal(q.body[h].lifetime, 2);
  assert.equal(q.body[h].running, 1);
  assert.equal(q.body[h].remaining, 1);
  assert.match(q.body[h].ip, /^10\.2\.0\./);
  await request(t.app).get('/api/v1/vm/nosuchhost').expect(404, { ok: false });

  await request(t.app).put(`/api/v1/vm/${h}`).send({ lifetime: '4' }).expect(401);
  await request(t.app).put(`/api/v1/vm/${h}`).set(X(t.user)).send({ lifetime: '13' }).expect(400);
  await request(t.app).put(`/api/v1/vm/${h}`).set(X(t.user)).send({ lifetime: 'x' }).expect(400);
  await request(t.app).put(`/api/v1/vm/${h}`).set(X(t.user)).send({ tags: { 'bad key!': 'x' } }).expect(400);
  await request(t.app).put('/api/v1/vm/nosuchhost').set(X(t.user)).send({ lifetime: '4' }).expect(404);
  await request(t.app).put(`/api/v1/vm/${h}`).set(X(t.user)).send({ lifetime: '12', tags: { department: 'engineering' } }).expect(200, { ok: true });
  const q2 = await request(t.app).get(`/api/v1/vm/${h}`).expect(200);
  assert.equal(q2.body[h].lifetime, 12);
  assert.deepEqual(q2.body[h].tags, { department: 'engineering' });
  const sum = await request(t.app).get('/api/v1/summary').expect(200);
  assert.deepEqual(sum.body.tag, { department: { engineering: 1, total: 1 } });
  assert.equal(sum.body.daily.length, 1);
  const tagged = await request(t.app).get('/api/v1/summary/tag/department').expect(200);
  assert.deepEqual(tagged.body.tag, { department: { engineering: 1, total: 1 } });

  await request(t.app).post(`/api/v1/vm/${h}/disk/8`).set(X(t.user)).expect(400);
  await request(t.app).post(`/api/v1/vm/${h}/snapshot`).set(X(t.user)).expect(400);
  await request(t.app).post('/api/v1/vm/nosuchhost/snapshot').set(X(t.user)).expect(404);
  await request(t.app).post(`/api/v1/vm/${h}/snapshot`).expect(401);

  await request(t.app).delete(`/api/v1/vm/${h}`).expect(401);
  await request(t.app).delete(`/api/v1/vm/${h}`).set(X(t.admin)).expect(200, { ok: true });
  await request(t.app).delete(`/api/v1/vm/${h}`).set(X(t.user)).expect(404);
  await m.settle();
  assert.deepEqual(orch.calls.find((c) => c.op === 'reclaim' && c.host === h), { op: 'reclaim', host: h, workflow: 'wipe' });
  assert.equal((await request(t.app).get(`/api/v1/vm/${h}`)).body[h].state, 'completed');
  await become(t.store, h, 'inactive', 'wipe');
  await installAll();
});

test('POST /vm with a JSON body: string counts, hostname an array for several', async () => {
  await installAll();
  const r = await request(t.app).post('/api/v1/vm').set(X(t.user)).send({ 'centos-7-x86_64': '2' }).expect(200);
  assert.ok(Array.isArray(r.body['centos-7-x86_64'].hostname));
  assert.equal(r.body['centos-7-x86_64'].hostname.length, 2);
  for (const h of r.body['centos-7-x86_64'].hostname) await request(t.app).delete(`/api/v1/vm/${h}`).set(X(t.user)).expect(200);
});

test('GET /summary validates dates as vmpooler words it', async () => {
  assert.deepEqual((await request(t.app).get('/api/v1/summary?from=2026-3-1').expect(400)).body, { ok: false, message: "Invalid date format '2026-3-1', must match YYYY-MM-DD." });
  assert.deepEqual((await request(t.app).get('/api/v1/summary?from=2026-03-05&to=2026-03-01').expect(400)).body, { ok: false, message: "Date range is invalid, 'to' cannot come before 'from'." });
  assert.deepEqual((await request(t.app).get('/api/v1/summary?from=2030-01-01&to=2030-01-02').expect(400)).body, { ok: false, message: "'from' must be in the past." });
  const r = await request(t.app).get('/api/v1/summary?from=2026-03-08').expect(200);
  assert.deepEqual(r.body.daily.map((d: { date: string }) => d.date), ['2026-03-08', '2026-03-09', '2026-03-10', '2026-03-11'].slice(0, r.body.daily.length));
  await request(t.app).get('/api/v1/summary/nope').expect(404);
});

test('config: GET, poolsize 201/200/400, pooltemplate 404/400, DELETE poolsize, poolreset, 401/403, 405 when off', async () => {
  const c = await request(t.app).get('/api/v1/config').expect(200);
  assert.equal(c.body.pool_configuration[0].name, 'centos-7-x86_64');
  assert.equal(c.body.pool_configuration[0].template, 'rhel');
  assert.equal(c.body.pool_configuration[0].capacity, 4);
  await request(t.app).post('/api/v1/config/poolsize').send({ 'centos-7-x86_64': '3' }).expect(401);
  await request(t.app).post('/api/v1/config/poolsize').set(X(t.user)).send({ 'centos-7-x86_64': '3' }).expect(403);
  await request(t.app).post('/api/v1/config/poolsize').set(X(t.admin)).send({ 'centos-7-x86_64': '3' }).expect(201, { ok: true });
  await request(t.app).post('/api/v1/config/poolsize').set(X(t.admin)).send({ 'centos-7-x86_64': 3 }).expect(200, { ok: true });
  assert.deepEqual((await request(t.app).post('/api/v1/config/poolsize').set(X(t.admin)).send({ nope: '1', tiny: '-1' }).expect(400)).body, { ok: false, not_configured: ['nope', 'tiny'] });
  await installAll();
  assert.equal((await request(t.app).get('/api/v1/poolstat?pool=centos')).body.pools['centos-7-x86_64'].ready, 3);
  assert.deepEqual((await request(t.app).delete('/api/v1/config/poolsize/centos-7-x86_64').set(X(t.admin)).expect(201)).body, { ok: true, pool_size_before_overrides: 2, pool_size_before_reset: 3 });
  await request(t.app).delete('/api/v1/config/poolsize/centos-7-x86_64').set(X(t.admin)).expect(200);
  await request(t.app).delete('/api/v1/config/poolsize/nope').set(X(t.admin)).expect(404);
  assert.deepEqual((await request(t.app).post('/api/v1/config/pooltemplate').set(X(t.admin)).send({ nope: 'rhel' }).expect(404)).body, { ok: false, bad_templates: ['nope'] });
  assert.deepEqual((await request(t.app).post('/api/v1/config/pooltemplate').set(X(t.admin)).send({ tiny: 'no/such' }).expect(400)).body, { ok: false, bad_templates: ['tiny'] });
  await request(t.app).post('/api/v1/config/pooltemplate').set(X(t.admin)).send({ tiny: 'wf' }).expect(200);
  await request(t.app).post('/api/v1/config/pooltemplate').set(X(t.admin)).send({ tiny: 'rhel' }).expect(201);
  await request(t.app).post('/api/v1/poolreset').set(X(t.admin)).send({ nope: '1' }).expect(404);
  clock.advance(1000);
  await request(t.app).post('/api/v1/poolreset').set(X(t.admin)).send({ 'centos-7-x86_64': '1' }).expect(201, { ok: true });
  await m.settle();
  const after = (await request(t.app).get('/api/v1/status?view=queue')).body.queue;
  assert.equal(after.ready, 0, 'ready hosts made before the reset are wiped');
  assert.ok(after.completed >= 2);
  await request(t.app).get('/api/v1/restart').expect(401);
  assert.deepEqual((await request(t.app).get('/api/v1/restart').set(X(t.admin)).expect(200)).body, { ok: true, message: 'Restarting ...' });
  await t.store.transact((tx) => tx.put('meta', SETTINGS_KEY, { experimentalFeatures: false }));
  await request(t.app).post('/api/v1/config/poolsize').set(X(t.admin)).send({ tiny: '1' }).expect(405, { ok: false });
  await request(t.app).post('/api/v1/poolreset').set(X(t.admin)).send({ tiny: '1' }).expect(405);
  await t.store.transact((tx) => tx.put('meta', SETTINGS_KEY, { experimentalFeatures: true }));
});

test('ondemandvm: 401, 400, 404, 403, 201, 409, 202 then 200 with hostnames, DELETE', async () => {
  // Settle the reset: wiped hosts are installed again.
  await installAll();
  await request(t.app).post('/api/v1/ondemandvm').send({ centos: '1' }).expect(401);
  await request(t.app).post('/api/v1/ondemandvm').set(X(t.user)).send({ centos: 'many' }).expect(400);
  assert.deepEqual((await request(t.app).post('/api/v1/ondemandvm').set(X(t.user)).send({ nope: '1' }).expect(404)).body, { ok: false, bad_templates: ['nope'] });
  assert.deepEqual((await request(t.app).post('/api/v1/ondemandvm').set(X(t.user)).send({ centos: '11' }).expect(403)).body, { ok: false, message: 'requested amount of instances exceeds the maximum 10' });
  const r = await request(t.app).post('/api/v1/ondemandvm').set(X(t.user)).send({ centos: '1', request_id: 'req-1' }).expect(201);
  assert.deepEqual(r.body, { ok: true, request_id: 'req-1' });
  await request(t.app).post('/api/v1/ondemandvm').set(X(t.user)).send({ centos: '1', request_id: 'req-1' }).expect(409);
  await request(t.app).get('/api/v1/ondemandvm/none').expect(404, { ok: false, message: "no request found for request_id 'none'" });
  await m.settle();
  await m.settle();
  const g = await request(t.app).get('/api/v1/ondemandvm/req-1').expect(200);
  assert.equal(g.body.ready, true, 'a ready pool host is handed out at once');
  assert.equal(g.body.centos.hostname.length, 1);
  const big = await request(t.app).post('/api/v1/ondemandvm/centos+centos+centos+centos').set(X(t.user)).expect(201);
  await m.settle();
  const p = await request(t.app).get(`/api/v1/ondemandvm/${big.body.request_id}`).expect(202);
  assert.equal(p.body.ready, false);
  assert.equal(typeof p.body.centos.pending, 'string');
  await request(t.app).delete(`/api/v1/ondemandvm/${big.body.request_id}`).set(X(t.admin)).expect(200, { ok: true });
  assert.equal((await request(t.app).delete(`/api/v1/ondemandvm/${big.body.request_id}`).set(X(t.admin)).expect(200)).body.message, 'the request has already been deleted');
  await request(t.app).delete('/api/v1/ondemandvm/none').set(X(t.admin)).expect(404);
  await request(t.app).delete('/api/v1/ondemandvm/req-1').expect(401);
});
