// The desktop core without Electron: started in-process from settings (as `corral serve` would),
// attached to when a Corral already answers on the address, refused when something else does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { openCore, type Core } from '../../electron/core.js';
import { jsonLabel, resolveServe } from '../../src/config/index.js';
import { closeTcp, listenTcp } from '../../src/lib/tcp.js';

const ROOT = new URL('../..', import.meta.url).pathname;
let dir = '';
let started: Core | undefined;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-desktop-core-'));
});
after(async () => {
  await started?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (listen: string, data = join(dir, 'data')) => resolveServe({ sot: join(ROOT, 'examples/lab'), data, listen, 'log-level': 'warn', 'no-watch': true }, { label: jsonLabel });

test('nothing on the address: starts the core in-process, with the admin token of its data folder', { timeout: 60_000 }, async () => {
  started = await openCore(config('127.0.0.1:0'));
  assert.equal(started.mode, 'started');
  assert.match(started.apiBase, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(started.token ?? '', /.{16,}/);
  const health = (await (await fetch(`${started.apiBase}/v1/health`, { signal: AbortSignal.timeout(5000) })).json()) as { ok: boolean };
  assert.equal(health.ok, true);
});

test('a Corral on the address: attaches (and stop leaves it running)', { timeout: 30_000 }, async () => {
  const port = Number(new URL(started!.apiBase).port);
  const attached = await openCore(config(`127.0.0.1:${port}`));
  assert.equal(attached.mode, 'attached');
  assert.equal(attached.apiBase, started!.apiBase);
  assert.equal(attached.token, started!.token, 'same data folder, same token');
  // Another data folder: no token to read, the GUI asks for a login instead.
  assert.equal((await openCore(config(`127.0.0.1:${port}`, join(dir, 'elsewhere')))).token, null);
  await attached.stop();
  assert.equal((await fetch(`${started!.apiBase}/v1/health`, { signal: AbortSignal.timeout(5000) })).status, 200);
});

test('something else on the address: a clear refusal, nothing started', { timeout: 30_000 }, async () => {
  const other: Server = createServer((_req, res) => res.writeHead(404).end('not here'));
  await listenTcp(other, '127.0.0.1', 0);
  const port = (other.address() as AddressInfo).port;
  try {
    await assert.rejects(openCore(config(`127.0.0.1:${port}`)), /is taken by something that is not Corral \(GET \/v1\/health answered 404 \(not JSON\)\)/);
  } finally {
    await closeTcp(other);
  }
});
