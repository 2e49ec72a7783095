// GET /v1/events through the real API stack: access (a token beyond loopback), filters from the
// query, resume with ?since=, and 400 for a malformed query; events committed to the store reach
// the client in seq order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApi, type CorralApi } from '../../src/api/app.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { closeTcp, listenTcp } from '../../src/lib/tcp.js';
import { testApi, type TestApi } from './support.js';
import { SseClient } from './events-client.js';

let t: TestApi;
let api: CorralApi;
let server: Server;
let base: string;

before(async () => {
  t = await testApi();
  api = createApi({ sot: t.live, store: t.store, clock: systemClock, log: nullLogger, version: 'test', auth: t.app.auth, security: { requireReadToken: true } });
  server = createServer(api);
  await listenTcp(server, '127.0.0.1', 0);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  api.events.close();
  t.app.events.close();
  await closeTcp(server);
  t.cleanup();
});

const commit = (subject: string, type: string) => t.store.transact((tx) => tx.event({ subject, type, data: { n: 1 } }));

test('no token beyond loopback: 401; with one: a text/event-stream of committed events, filtered by host', async () => {
  const denied = await fetch(`${base}/v1/events`);
  assert.equal(denied.status, 401);
  await denied.body?.cancel();
  const c = await SseClient.connect(`${base}/v1/events?host=h2`, { headers: { 'X-AUTH-TOKEN': t.user } });
  try {
    assert.equal(c.status, 200);
    assert.match(String(c.headers['content-type']), /^text\/event-stream/);
    await commit('h1', 'test.one');
    await commit('h2', 'test.two');
    await commit('h2', 'test.three');
    const m = await c.waitFor((e) => e.type === 'test.three');
    const got = c.events.map((e) => e.type);
    assert.deepEqual(got, ['test.two', 'test.three']);
    assert.equal(JSON.parse(m.data).subject, 'h2');
    assert.equal(JSON.parse(m.data).site, 's1');
    assert.ok(Number(c.events[0]!.id) < Number(c.events[1]!.id));
  } finally {
    c.close();
  }
});

test('?since= resumes from the journal; type prefixes filter; a bad since is 400', async () => {
  const from = t.store.lastSeq();
  await commit('h1', 'dhcp.acked');
  await commit('h1', 'ipxe.served');
  await commit('h1', 'dhcp.offered');
  const c = await SseClient.connect(`${base}/v1/events?since=${from}&type=dhcp.*`, { headers: { 'X-AUTH-TOKEN': t.admin } });
  try {
    await c.waitFor((e) => e.type === 'dhcp.offered');
    assert.deepEqual(c.events.map((e) => e.type), ['dhcp.acked', 'dhcp.offered']);
  } finally {
    c.close();
  }
  const bad = await fetch(`${base}/v1/events?since=abc`, { headers: { 'X-AUTH-TOKEN': t.admin } });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).details.field, 'since');
});
