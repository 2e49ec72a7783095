// Users and tokens over the API: vmpooler's /api/v1/token routes (seed 003 shapes and codes),
// token kinds and access levels, expiry, revocation, the failed-login throttle, and reads that
// need a token once the API listens beyond loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { testApi, type TestApi } from './support.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createApi } from '../../src/api/app.js';
import { nullLogger } from '../../src/lib/log.js';

let t: TestApi;
const clock = new FakeClock();

before(async () => {
  t = await testApi({ clock });
  await t.app.auth.users.add('alice', 'user', 'wonderland-42');
  await t.app.auth.users.add('root2', 'admin', 'hunter22-long');
});
after(() => t.cleanup());

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

test('POST /api/v1/token with HTTP Basic makes a vmpooler-shaped token; GET shows it; DELETE revokes', async () => {
  const made = await request(t.app).post('/api/v1/token').set('Authorization', basic('alice', 'wonderland-42')).expect(200);
  assert.equal(made.body.ok, true);
  const tok: string = made.body.token;
  assert.match(tok, /^[a-y][a-z0-9]{31}$/);
  const shown = await request(t.app).get(`/api/v1/token/${tok}`).expect(200);
  assert.equal(shown.body.ok, true);
  assert.equal(shown.body[tok].user, 'alice');
  assert.match(shown.body[tok].created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/);
  // As vmpooler's token hash: no "last" before the first use, no "vms" while nothing is checked out with it.
  assert.equal(shown.body[tok].last, undefined);
  assert.equal(shown.body[tok].vms, undefined);
  // Using it records the last use.
  await request(t.app).get('/v1/me').set('X-AUTH-TOKEN', tok).expect(200, { user: 'alice', role: 'user' });
  assert.match((await request(t.app).get(`/api/v1/token/${tok}`).expect(200)).body[tok].last, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$/);
  // Listing names tokens by prefix only.
  const list = await request(t.app).get('/api/v1/token').set('Authorization', basic('alice', 'wonderland-42')).expect(200);
  assert.ok(list.body[tok.slice(0, 8)], JSON.stringify(list.body));
  assert.ok(!JSON.stringify(list.body).includes(tok));
  // Revoked: unknown everywhere.
  await request(t.app).delete(`/api/v1/token/${tok}`).set('Authorization', basic('alice', 'wonderland-42')).expect(200, { ok: true });
  await request(t.app).get(`/api/v1/token/${tok}`).expect(404, { ok: false });
  const after401 = await request(t.app).get('/v1/me').set('Authorization', `Bearer ${tok}`).expect(401);
  assert.equal(after401.body.code, 'UNAUTHORIZED');
  assert.match(after401.headers['www-authenticate'], /^Bearer/);
  // vmpooler answers 401 for a token that does not exist (its spec's own TODO).
  await request(t.app).delete(`/api/v1/token/${tok}`).set('Authorization', basic('alice', 'wonderland-42')).expect(401, { ok: false });
});

test('token routes: no or wrong credentials are 401 with a Basic challenge; a user with no tokens lists 404', async () => {
  const none = await request(t.app).post('/api/v1/token').expect(401);
  assert.deepEqual(none.body, { ok: false });
  assert.equal(none.headers['www-authenticate'], 'Basic realm="Authentication required"');
  await request(t.app).post('/api/v1/token').set('Authorization', basic('alice', 'nope-nope')).expect(401, { ok: false });
  await request(t.app).post('/api/v1/token').set('Authorization', basic('nobody', 'whatever1')).expect(401, { ok: false });
  await request(t.app).get('/api/v1/token').set('Authorization', basic('root2', 'hunter22-long')).expect(404, { ok: false });
});

test("another user cannot revoke alice's token; an admin can", async () => {
  const tok = (await request(t.app).post('/api/v1/token').set('Authorization', basic('alice', 'wonderland-42')).expect(200)).body.token;
  await t.app.auth.users.add('mallory', 'user', 'mallory-pass');
  await request(t.app).delete(`/api/v1/token/${tok}`).set('Authorization', basic('mallory', 'mallory-pass')).expect(401);
  await request(t.app).get(`/api/v1/token/${tok}`).expect(200);
  await request(t.app).delete(`/api/v1/token/${tok}`).set('Authorization', basic('root2', 'hunter22-long')).expect(200);
});

test('a token gives itself up without a password (log-out); another token cannot revoke it that way', async () => {
  const mine = (await request(t.app).post('/api/v1/token').set('Authorization', basic('alice', 'wonderland-42')).expect(200)).body.token;
  const other = (await request(t.app).post('/api/v1/token').set('Authorization', basic('alice', 'wonderland-42')).expect(200)).body.token;
  await request(t.app).delete(`/api/v1/token/${mine}`).set('X-AUTH-TOKEN', other).expect(401);
  await request(t.app).get(`/api/v1/token/${mine}`).expect(200);
  await request(t.app).delete(`/api/v1/token/${mine}`).set('Authorization', `Bearer ${mine}`).expect(200, { ok: true });
  await request(t.app).get(`/api/v1/token/${mine}`).expect(404);
  await request(t.app).delete(`/api/v1/token/${other}`).set('X-AUTH-TOKEN', other).expect(200);
});

test('access levels: mutations need a token (401), admin routes refuse a user token (403), reads open on loopback', async () => {
  const noTok = await request(t.app).post('/v1/hosts/h1/provision').expect(401);
  assert.equal(noTok.body.code, 'UNAUTHORIZED');
  assert.match(noTok.headers['www-authenticate'], /Bearer realm="corral"/);
  const bad = await request(t.app).post('/v1/hosts/h1/provision').set('X-AUTH-TOKEN', 'a'.repeat(32)).expect(401);
  assert.match(bad.body.message, /not valid/);
  const garbage = await request(t.app).post('/v1/hosts/h1/provision').set('X-AUTH-TOKEN', 'x"; drop').expect(401);
  assert.equal(garbage.body.code, 'UNAUTHORIZED');
  const forbidden = await request(t.app).post('/v1/hosts/h1/provision').set('X-AUTH-TOKEN', t.user).expect(403);
  assert.equal(forbidden.body.code, 'FORBIDDEN');
  await request(t.app).post('/v1/sot/reload').set('Authorization', `Bearer ${t.user}`).expect(403);
  await request(t.app).post('/v1/sot/reload').set('Authorization', `Bearer ${t.admin}`).expect(200);
  await request(t.app).get('/v1/hosts').expect(200);
  await request(t.app).get('/v1/users').set('X-AUTH-TOKEN', t.user).expect(403);
  const users = await request(t.app).get('/v1/users').set('X-AUTH-TOKEN', t.admin).expect(200);
  assert.ok(users.body.some((u: { name: string }) => u.name === 'alice'));
  assert.doesNotMatch(JSON.stringify(users.body), /passwordHash|salt|scrypt/);
});

test('tokens expire', async () => {
  const { token } = await t.app.auth.tokens.create('alice', 'user', { ttlMs: 60_000 });
  await request(t.app).get('/v1/me').set('X-AUTH-TOKEN', token).expect(200);
  clock.advance(60_001);
  const res = await request(t.app).get('/v1/me').set('X-AUTH-TOKEN', token).expect(401);
  assert.match(res.body.message, /expired/);
  await request(t.app).get(`/api/v1/token/${token}`).expect(404);
});

test('failed logins are throttled per source address (429 with Retry-After), and a wait lets the next try in', async () => {
  await t.app.auth.users.add('carol', 'user', 'carol-secret');
  for (let i = 0; i < 10; i++) await request(t.app).post('/api/v1/token').set('Authorization', basic('carol', `wrong-${i}`)).expect(401);
  const limited = await request(t.app).post('/api/v1/token').set('Authorization', basic('carol', 'carol-secret')).expect(429);
  assert.equal(limited.body.ok, false);
  assert.ok(Number(limited.headers['retry-after']) > 0);
  clock.advance(5 * 60_000 + 1);
  await request(t.app).post('/api/v1/token').set('Authorization', basic('carol', 'carol-secret')).expect(200);
});

test('users over the API: add (admin), duplicate 409, weak password 400, remove revokes their tokens', async () => {
  await request(t.app).post('/v1/users').set('X-AUTH-TOKEN', t.admin).send({ name: 'dave', role: 'user', password: 'dave-password' }).expect(201);
  await request(t.app).post('/v1/users').set('X-AUTH-TOKEN', t.admin).send({ name: 'dave', role: 'user', password: 'dave-password' }).expect(409);
  const weak = await request(t.app).post('/v1/users').set('X-AUTH-TOKEN', t.admin).send({ name: 'erin', role: 'user', password: 'short' }).expect(400);
  assert.equal(weak.body.details.field, 'password');
  const tok = (await request(t.app).post('/api/v1/token').set('Authorization', basic('dave', 'dave-password')).expect(200)).body.token;
  await request(t.app).delete('/v1/users/dave').set('X-AUTH-TOKEN', t.admin).expect(204);
  await request(t.app).get('/v1/me').set('X-AUTH-TOKEN', tok).expect(401);
  await request(t.app).delete('/v1/users/dave').set('X-AUTH-TOKEN', t.admin).expect(404);
});

test('a non-loopback listener needs a token for operator reads too', async () => {
  const open = createApi({ sot: t.live, store: t.store, clock, log: nullLogger, version: 'test', auth: t.app.auth, security: { requireReadToken: true } });
  const r = await request(open).get('/v1/hosts').expect(401);
  assert.equal(r.body.code, 'UNAUTHORIZED');
  await request(open).get('/v1/hosts').set('X-AUTH-TOKEN', t.user).expect(200);
  await request(open).get('/v1/health').expect(200);
  await request(open).get('/openapi.json').expect(200);
});
