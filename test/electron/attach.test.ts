// Attach or start: a Corral answering /v1/health on the configured address is attached to;
// nothing listening means start one; anything else on that port is a clear failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiBaseUrl, classifyHealth, decideStart, probeHealth } from '../../electron/attach.js';

const LISTEN = { host: '127.0.0.1', port: 8080 };

test('decision table', () => {
  assert.deepEqual(decideStart(LISTEN, { kind: 'corral', version: '0.1.0' }), { kind: 'attach', base: 'http://127.0.0.1:8080', version: '0.1.0' });
  assert.deepEqual(decideStart(LISTEN, { kind: 'none' }), { kind: 'start' });
  const fail = decideStart(LISTEN, { kind: 'other', detail: 'GET /v1/health answered 404' });
  assert.equal(fail.kind, 'fail');
  assert.match((fail as { reason: string }).reason, /http:\/\/127\.0\.0\.1:8080 is taken by something that is not Corral \(GET \/v1\/health answered 404\)/);
  // Port 0: any free port, never an attach (even if something "answers").
  assert.deepEqual(decideStart({ host: '127.0.0.1', port: 0 }, { kind: 'corral', version: 'x' }), { kind: 'start' });
});

test('health answers: only {ok: true, version} with 200 is Corral', () => {
  assert.deepEqual(classifyHealth(200, { ok: true, version: '1.2.3', sot_revision: null }), { kind: 'corral', version: '1.2.3' });
  for (const [status, body] of [[200, { ok: false, version: '1' }], [200, { ok: true }], [401, { ok: true, version: '1' }], [200, undefined], [200, null], [200, 'ok']] as const) {
    assert.equal(classifyHealth(status, body).kind, 'other', JSON.stringify([status, body]));
  }
});

test('wildcard listen addresses are reached over loopback; IPv6 in brackets', () => {
  assert.equal(apiBaseUrl('0.0.0.0', 80), 'http://127.0.0.1:80');
  assert.equal(apiBaseUrl('::', 8080), 'http://[::1]:8080');
  assert.equal(apiBaseUrl('fe80::1', 8080), 'http://[fe80::1]:8080');
  assert.equal(apiBaseUrl('10.0.0.5', 9000), 'http://10.0.0.5:9000');
});

test('probe: refused or timed out is none; non-JSON is other; never throws', async () => {
  assert.deepEqual(await probeHealth('http://x', async () => Promise.reject(new Error('ECONNREFUSED'))), { kind: 'none' });
  assert.deepEqual(await probeHealth('http://x', async () => ({ status: 200, text: async () => '<html>' })), { kind: 'other', detail: 'GET /v1/health answered 200 (not JSON)' });
  assert.deepEqual(await probeHealth('http://x', async () => ({ status: 200, text: async () => '{"ok":true,"version":"9"}' })), { kind: 'corral', version: '9' });
  let asked = '';
  await probeHealth('http://127.0.0.1:1', async (url, init) => {
    asked = url;
    assert.ok(init.signal instanceof AbortSignal, 'bounded by a timeout');
    throw new Error('no');
  });
  assert.equal(asked, 'http://127.0.0.1:1/v1/health');
  // A real refused connection, bounded.
  assert.deepEqual(await probeHealth('http://127.0.0.1:9', fetch, 2000), { kind: 'none' });
});
