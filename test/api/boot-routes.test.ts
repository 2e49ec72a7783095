// Previews of what a host boots (secrets masked) and Vaquero's override, over the real lifecycle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createApi, type CorralApi } from '../../src/api/app.js';
import { createLifecycle, type Lifecycle } from '../../src/lifecycle/runner.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { testApi, type TestApi } from './support.js';

let t: TestApi;
let app: CorralApi;
let lifecycle: Lifecycle;

before(async () => {
  t = await testApi();
  lifecycle = createLifecycle({ store: t.store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  app = createApi({ sot: t.live, store: t.store, clock: systemClock, log: nullLogger, version: 'test', auth: t.app.auth, lifecycle, bootUrl: () => 'http://10.1.0.2:8080' });
});
after(() => {
  lifecycle.stop();
  app.events.close();
  t.app.events.close();
  t.cleanup();
});

test('preview: the iPXE script and the unattended file as the host would get them, secrets masked (admin only)', async () => {
  const ipxe = await request(app).get('/v1/hosts/h1/boot/ipxe').set('X-AUTH-TOKEN', t.admin).expect(200);
  assert.match(ipxe.headers['content-type'], /^text\/plain/);
  assert.match(ipxe.text, /^#!ipxe/);
  assert.match(ipxe.text, /http:\/\/10\.1\.0\.2:8080\/files\/vmlinuz/);
  assert.match(ipxe.text, /\/checkpoint\/<callback-secret>\/52:54:00:00:00:01\/b1/);
  const ks = await request(app).get('/v1/hosts/h1/boot/unattended?boot=b1').set('X-AUTH-TOKEN', t.admin).expect(200);
  assert.match(ks.text, /^# h1/);
  assert.match(ks.text, /curl http:\/\/10\.1\.0\.2:8080\/checkpoint\/<callback-secret>\//);
  await request(app).get('/v1/hosts/h1/boot/ipxe').set('X-AUTH-TOKEN', t.user).expect(403);
  await request(app).get('/v1/hosts/h1/boot/ipxe').expect(401);
  await request(app).get('/v1/hosts/h1/boot/pdf').set('X-AUTH-TOKEN', t.admin).expect(400);
  await request(app).get('/v1/hosts/h1/boot/ipxe?boot=nope').set('X-AUTH-TOKEN', t.admin).expect(404);
  await request(app).get('/v1/hosts/zz/boot/ipxe').set('X-AUTH-TOKEN', t.admin).expect(404);
});

test("override: Vaquero's query form restarts a running host at that boot (a new attempt); idle hosts 409", async () => {
  await lifecycle.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
  const before = t.store.get('hosts', 'h1')!;
  const res = await request(app).post('/v1/override?site=s1&host=h1&boot=b1').set('X-AUTH-TOKEN', t.admin).expect(202);
  assert.equal(res.body.lifecycle_state, 'provisioning');
  assert.equal(res.body.stage, 'power');
  const after = t.store.get('hosts', 'h1')!;
  assert.equal(after.bootIndex, 0);
  assert.ok((after.bootAttempt ?? 0) > (before.bootAttempt ?? 0), 'a new attempt: old callbacks are refused');
  const ev = await t.store.events({ subject: 'h1', types: ['boot.override'] });
  assert.equal(ev.length, 1);
  await request(app).post('/v1/override').set('X-AUTH-TOKEN', t.admin).send({ host: 'h1', boot: '0' }).expect(202);
  await request(app).post('/v1/override').set('X-AUTH-TOKEN', t.admin).send({ host: 'h1', boot: 'b9' }).expect(404);
  await request(app).post('/v1/override').set('X-AUTH-TOKEN', t.admin).send({ host: 'h1', boot: 'b1', site: 'elsewhere' }).expect(404);
  const idle = await request(app).post('/v1/override').set('X-AUTH-TOKEN', t.admin).send({ host: 'h2', boot: 'b1' }).expect(409);
  assert.match(idle.body.message, /within a running workflow/);
  const missing = await request(app).post('/v1/override').set('X-AUTH-TOKEN', t.admin).send({ host: 'h1' }).expect(400);
  assert.equal(missing.body.details.field, 'boot');
  await request(app).post('/v1/override?host=h1&boot=b1').set('X-AUTH-TOKEN', t.user).expect(403);
});
