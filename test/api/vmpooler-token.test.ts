// GET /api/v1/token/{token} (seed 003 "GET /token/<token>") lists the hosts checked out with that
// token, as vmpooler lists the running VMs whose token:token is it: per token, not per user, and
// only while checked out (a return and a lifetime expiry take a host off). The check-outs live in
// the store, so a restart over the same data folder answers the same. Keys as vmpooler answers
// them: user, created, last once used, vms only while something is held.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { testApi, type TestApi } from './support.js';
import { POOL_SOT, become, fakeOrchestrator } from '../pools/world.js';
import { createPoolManager, type PoolManager } from '../../src/pools/manager.js';
import { createApi, type CorralApi } from '../../src/api/app.js';
import { openStore, type CorralStore } from '../../src/store/lowdb-store.js';
import { nullLogger } from '../../src/lib/log.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { removeTempDirs, tempDir } from '../store/helpers.js';

const clock = new FakeClock(Date.parse('2026-03-10T12:00:00Z'));
const orch = fakeOrchestrator();
const X = (tok: string) => ({ 'X-AUTH-TOKEN': tok });
const POOL = 'centos-7-x86_64';
/** The pool's lifetime (world.ts: 2h). */
const LIFETIME_MS = 2 * 3600_000;

let dir: string;
let store: CorralStore;
let t: TestApi;
let app: CorralApi;
let m: PoolManager;
/** Two tokens of the same user, and one of another. */
let a: string;
let b: string;
let other: string;

/** Installs what the manager asked for and wipes what came back, until every pool is full. */
async function installAll(): Promise<void> {
  for (let i = 0; i < 8; i++) {
    await m.settle();
    const wiping = store.list('allocations').filter((x) => x.id.startsWith('wipe:') && store.get('hosts', x.hostId)?.state === 'active');
    for (const x of wiping) await become(store, x.hostId, 'inactive', 'wipe');
    if (wiping.length) await m.settle();
    const held = new Set(store.list('allocations').filter((x) => /^(pool|checkout):/.test(x.id)).map((x) => x.hostId));
    const todo = orch.calls.filter((c) => c.op === 'provision' && held.has(c.host) && store.get('hosts', c.host)?.state === 'inactive');
    if (!todo.length) return;
    for (const c of todo) await become(store, c.host, 'active', c.workflow);
  }
}

const show = async (tok: string) => (await request(app).get(`/api/v1/token/${tok}`).expect(200)).body[tok] as Record<string, any>;
const running = async (tok: string): Promise<string[]> => (await show(tok)).vms?.running ?? [];
const checkOut = async (tok: string, path: string): Promise<string[]> => {
  const r = await request(app).post(`/api/v1/vm/${path}`).set(X(tok)).expect(200);
  const h = r.body[path.split('+')[0]!].hostname as string | string[];
  return Array.isArray(h) ? h : [h];
};

before(async () => {
  dir = await tempDir('corral-token-');
  store = await openStore({ dir, clock });
  t = await testApi({ files: { ...POOL_SOT, 'pools/centos.yml': POOL_SOT['pools/centos.yml']!.replace('size: 2', 'size: 4') }, clock, deps: { store, orchestrator: orch as never } });
  app = t.app;
  m = createPoolManager({ sot: t.live, store, orchestrator: orch, clock, log: nullLogger });
  m.start();
  await installAll();
  a = t.user;
  b = (await app.auth.tokens.create('dev', 'user')).token;
  other = (await app.auth.tokens.create('qa', 'user')).token;
});

after(async () => {
  await m.stop();
  await app.auth.tokens.stop();
  await store.close();
  t.cleanup();
  await removeTempDirs();
});

test('a token never used: user and created only (no last, no vms), as vmpooler answers its hash', async () => {
  const fresh = (await app.auth.tokens.create('dev', 'user')).token;
  const body = (await request(app).get(`/api/v1/token/${fresh}`).expect(200)).body;
  assert.deepEqual(Object.keys(body), ['ok', fresh]);
  assert.deepEqual(Object.keys(body[fresh]), ['user', 'created', 'expires']);
  assert.equal(body[fresh].user, 'dev');
  assert.equal(body[fresh].created, '2026-03-10 12:00:00 +0000');
  await request(app).get('/api/v1/token/nosuchtokennosuchtokennosuchtoke').expect(404, { ok: false });
});

test('check-outs are listed under the token they were made with, not under the user\'s other tokens', async () => {
  const [h1, h2] = await checkOut(a, `${POOL}+${POOL}`);
  clock.advance(1000);
  const [h3] = await checkOut(b, 'el7');
  const shown = await show(a);
  assert.deepEqual(Object.keys(shown), ['user', 'created', 'last', 'expires', 'vms']);
  assert.deepEqual(shown.vms, { running: [h1, h2] });
  assert.equal(shown.last, '2026-03-10 12:00:00 +0000', 'the check-out used it');
  assert.deepEqual(await running(b), [h3]);
  assert.deepEqual(await running(other), [], 'another user\'s token holds nothing');
  assert.equal((await show(other)).vms, undefined);
  assert.equal((await request(app).get('/api/v1/totalrunning')).body.running, 3);
  // An all-or-none check-out that fails adds nothing to the token.
  await request(app).post(`/api/v1/vm/${POOL}+${POOL}`).set(X(a)).expect(503, { ok: false });
  assert.deepEqual(await running(a), [h1, h2]);
});

test('a return takes the host off its token at once; the other token keeps its own', async () => {
  const [h1, h2] = await running(a);
  await request(app).delete(`/api/v1/vm/${h1}`).set(X(a)).expect(200, { ok: true });
  assert.deepEqual(await running(a), [h2]);
  assert.equal((await running(b)).length, 1);
  // Returned by an admin: still off the token it was checked out with.
  await request(app).delete(`/api/v1/vm/${h2}`).set(X(t.admin)).expect(200, { ok: true });
  assert.equal((await show(a)).vms, undefined, 'nothing held: no vms key');
  await installAll();
});

test('a lifetime expiry takes the host off its token with no call', async () => {
  const [h] = await running(b);
  assert.ok(h);
  // b's host was checked out a second after the start; the fake clock runs a timer at its
  // due time, so the manager's look at the expiry runs once the clock reaches it.
  clock.advance(LIFETIME_MS - 1000);
  await m.settle();
  assert.deepEqual(await running(b), [h], 'held until its lifetime has passed');
  clock.advance(1000);
  await m.settle();
  assert.equal(store.get('allocations', `checkout:${h}`), undefined, 'reclaimed by the manager');
  assert.deepEqual(await running(b), []);
  await installAll();
});

test('on-demand hosts are listed under the token that asked for them', async () => {
  await request(app).post('/api/v1/ondemandvm').set(X(other)).send({ centos: '1', request_id: 'od-1' }).expect(201);
  await m.settle();
  const g = await request(app).get('/api/v1/ondemandvm/od-1').expect(200);
  assert.deepEqual(await running(other), g.body.centos.hostname);
  assert.deepEqual(await running(a), []);
});

test('a restart over the same store lists the same check-outs per token', async () => {
  const [h] = await checkOut(a, 'centos');
  const before = { a: await running(a), b: await running(b), other: await running(other) };
  assert.deepEqual(before.a, [h]);
  const lastA = (await show(a)).last;
  await m.stop();
  await app.auth.tokens.stop();
  await store.close();

  store = await openStore({ dir, clock });
  app = createApi({ sot: t.live, store, clock, log: nullLogger, version: 'test', orchestrator: orch as never });
  m = createPoolManager({ sot: t.live, store, orchestrator: orch, clock, log: nullLogger });
  m.start();
  await m.settle();
  assert.deepEqual({ a: await running(a), b: await running(b), other: await running(other) }, before);
  assert.equal((await show(a)).last, lastA, 'the last use was written before the stop');
  // And it still counts after the restart: a return drops it.
  await request(app).delete(`/api/v1/vm/${h}`).set(X(a)).expect(200);
  assert.deepEqual(await running(a), []);
});
