// Browser-borne attacks on an API that lives on the LAN: DNS rebinding (a foreign Host) and
// cross-site requests (a foreign Origin, or Sec-Fetch-Site: cross-site) are refused before any
// route runs, even when they carry a valid admin token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { testApi, type TestApi } from './support.js';
import { applianceNames, checkBrowserRequest, hostName } from '../../src/api/auth/guards.js';
import type { IncomingMessage } from 'node:http';

let t: TestApi;
before(async () => {
  t = await testApi();
});
after(() => t.cleanup());

test('a cross-site form POST is refused (403) and changes nothing, even with a token', async () => {
  const before = t.store.get('hosts', 'h1');
  const res = await request(t.app)
    .post('/v1/hosts/h1/reclaim')
    .set('Origin', 'http://evil.example')
    .set('Content-Type', 'application/x-www-form-urlencoded')
    .set('X-AUTH-TOKEN', t.admin)
    .send('workflow=wipe')
    .expect(403);
  assert.equal(res.body.code, 'FORBIDDEN');
  assert.match(res.body.message, /cross-origin/);
  assert.deepEqual(t.store.get('hosts', 'h1'), before);
  await request(t.app).post('/v1/hosts/h1/provision').set('Sec-Fetch-Site', 'cross-site').set('X-AUTH-TOKEN', t.admin).expect(403);
  await request(t.app).post('/v1/sot/reload').set('Origin', 'null').set('X-AUTH-TOKEN', t.admin).expect(403);
});

test('DNS rebinding: a request whose Host is not the appliance is refused, reads included', async () => {
  const res = await request(t.app).get('/v1/hosts').set('Host', 'evil.example:8080').expect(403);
  assert.match(res.body.message, /not a name of this appliance/);
  await request(t.app).get('/v1/health').set('Host', 'attacker.test').expect(403);
  await request(t.app).get('/v1/hosts').set('Host', 'x"; shell').expect(400);
});

test('the same origin and tools without Origin pass', async () => {
  const port = 8080;
  await request(t.app).post('/v1/sot/reload').set('Host', `127.0.0.1:${port}`).set('Origin', `http://127.0.0.1:${port}`).set('X-AUTH-TOKEN', t.admin).expect(200);
  await request(t.app).post('/v1/sot/reload').set('Host', `localhost:${port}`).set('X-AUTH-TOKEN', t.admin).expect(200);
  await request(t.app).get('/v1/hosts').set('Host', '[::1]:8080').set('Origin', 'http://evil.example').expect(200); // a read: the browser keeps the answer from the page (no CORS)
});

test('hostName and the names list', () => {
  assert.equal(hostName('Example.COM:8080'), 'example.com');
  assert.equal(hostName('[::1]:80'), '::1');
  assert.equal(hostName('10.0.0.1'), '10.0.0.1');
  assert.equal(hostName('bad host'), undefined);
  assert.equal(hostName(undefined), undefined);
  const names = applianceNames(['corral.dc1.example', '10.9.9.9:8080']);
  assert.ok(names.has('corral.dc1.example') && names.has('10.9.9.9') && names.has('localhost'));
  const req = (h: Record<string, string>, method = 'POST') => ({ method, headers: h }) as unknown as IncomingMessage;
  assert.equal(checkBrowserRequest(req({ host: 'corral.dc1.example', origin: 'https://corral.dc1.example' }), names), undefined);
  assert.equal(checkBrowserRequest(req({ host: 'corral.dc1.example', origin: 'https://corral.dc1.example.evil' }), names)?.status, 403);
  assert.equal(checkBrowserRequest(req({ host: 'corral.dc1.example', origin: 'ftp://corral.dc1.example' }), names)?.status, 403);
  assert.equal(checkBrowserRequest(req({}), names)?.status, 400);
});
