// The front (src/api/http/registry.ts) answers GETs before express's dispatch: every answer must
// be the one express gives. A conditional GET (If-Modified-Since) always takes the express path,
// so each request is sent both ways and the answers compared byte for byte (Date aside).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApi, type CorralApi } from '../../src/api/app.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { createLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { generateSot } from '../../bench/sot-gen.js';
import { MemoryStore } from '../fakes/memory-store.js';

const HOSTS = 300;
let dir: string;
let live: LiveSot;
let store: MemoryStore;
let app: CorralApi;
let server: Server;
let port: number;
let admin: string;
const logged: string[] = [];
/** Requests express's router saw. */
let viaRouter = 0;

before(async () => {
  process.env.BMC_PASS ??= 'front-test';
  dir = mkdtempSync(join(tmpdir(), 'corral-front-'));
  generateSot(dir, HOSTS, { mode: 'on-demand' });
  live = createLiveSot({ root: dir, clock: systemClock, log: createLogger({ write: () => {} }), pollMs: 0 });
  assert.equal(await live.reload(), true);
  store = new MemoryStore();
  await syncHostRecords(store, live.current()!, 1_700_000_000_000);
  await store.transact((tx) => {
    tx.put('hosts', 'mac-52-54-00-aa-bb-01', { id: 'mac-52-54-00-aa-bb-01', state: 'discovered', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: 1_700_000_000_000, updatedAt: 1_700_000_000_000, discoveredSite: 'site0' });
  });
  app = createApi({ sot: live, store, clock: systemClock, log: createLogger({ write: (line) => logged.push(line) }), version: 'test' });
  admin = (await app.auth.tokens.create('ops', 'admin')).token;
  const router = (app as unknown as { router: { handle: (...a: unknown[]) => unknown } }).router;
  const handle = router.handle.bind(router);
  router.handle = (...a: unknown[]) => {
    viaRouter++;
    return handle(...a);
  };
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  live.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: string[];
  body: string;
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i] !== 'Date') headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks).toString() });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The answer through the front, and through express (a conditional GET skips the front). */
async function bothWays(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const seen = viaRouter;
  const front = await get(path, headers);
  assert.equal(viaRouter, seen, `${path} was not answered by the front`);
  const viaExpress = await get(path, { ...headers, 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' });
  assert.equal(viaRouter, seen + 1, `${path} with If-Modified-Since did not take the express path`);
  assert.deepEqual(front, viaExpress, `${path} ${JSON.stringify(headers)}`);
  return front;
}

test('the front answers exactly as express: hosts, pages, filters, errors, other routes', async () => {
  const paths = [
    '/v1/health',
    '/v1/hosts/s0-h7',
    '/v1/hosts/S0-H7',
    '/v1/Hosts/s0-h7/',
    '/v1/hosts/mac-52-54-00-aa-bb-01',
    '/v1/hosts/nope',
    '/v1/hosts?limit=100',
    `/v1/hosts?limit=100&marker=s0-h${HOSTS - 50}`,
    `/v1/hosts?limit=5&marker=s0-h${HOSTS - 1}`,
    '/v1/hosts?limit=5&marker=mac-52-54-00-aa-bb-01',
    '/v1/hosts?limit=5&marker=nope',
    '/v1/hosts?state=discovered',
    '/v1/hosts?state=inactive&limit=7&marker=s0-h3',
    '/v1/hosts?label=rack=r0&limit=3',
    '/v1/hosts?label=bad',
    '/v1/hosts?limit=0',
    '/v1/hosts?nope=1',
    '/v1/hosts/s0-h7/events',
    '/v1/sites/site0',
    '/v1/sot',
    '/v1/me',
    '/openapi.json',
    '/docs',
  ];
  for (const p of paths) await bothWays(p);
  await bothWays('/v1/hosts/s0-h7', { 'x-auth-token': admin });
  await bothWays('/v1/me', { authorization: `Bearer ${admin}` });
  await bothWays('/v1/users', { 'x-auth-token': admin });
  const refused = await bothWays('/v1/hosts/s0-h7', { 'x-auth-token': 'a'.repeat(32) });
  assert.equal(refused.status, 401);
  assert.ok(refused.headers.includes('WWW-Authenticate: Bearer realm="corral"'));
});

test('the unpaged list (written in 64 KB pieces) is the same document with the same Content-Length', async () => {
  const list = await bothWays('/v1/hosts');
  const hosts = JSON.parse(list.body) as { id: string }[];
  assert.equal(hosts.length, HOSTS + 1);
  assert.ok(list.body.length > 256 * 1024, 'large enough to be written piece by piece');
  assert.ok(list.headers.includes(`Content-Length: ${Buffer.byteLength(list.body)}`));
  const head = await get('/v1/hosts', {}, 'HEAD');
  assert.equal(head.body, '');
  assert.deepEqual(head.headers, list.headers);
});

test('a refused auth is logged once, with the path; a refused Host goes the express way', async () => {
  logged.length = 0;
  await get('/v1/hosts/s0-h1', { 'x-auth-token': 'b'.repeat(32) });
  const lines = logged.filter((l) => l.includes('API auth failed'));
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]!).path, '/v1/hosts/s0-h1');
  const evil = await get('/v1/hosts/s0-h1', { host: 'evil.example' });
  assert.equal(evil.status, 403);
  assert.ok(logged.some((l) => l.includes('request refused')));
});

test('a host view follows its runtime record (views are cached under the record text)', async () => {
  const view = async () => JSON.parse((await get('/v1/hosts/s0-h9')).body) as { state: string; power: string };
  assert.equal((await view()).state, 'inactive');
  await store.transact((tx) => tx.put('hosts', 's0-h9', { ...tx.get('hosts', 's0-h9')!, state: 'active', power: 'on' }));
  assert.deepEqual(await view().then((v) => [v.state, v.power]), ['active', 'on']);
  const page = JSON.parse((await get('/v1/hosts?limit=10&marker=s0-h8')).body) as { hosts: { id: string; state: string }[] };
  assert.equal(page.hosts[0]!.id, 's0-h9');
  assert.equal(page.hosts[0]!.state, 'active');
});
