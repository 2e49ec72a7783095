// The cross-site attack as a real browser makes it: a page on another origin (127.0.0.2) that
// auto-submits a form to the appliance's API, opened in Debian's Chromium. The browser sends
// the request with its Origin; the appliance refuses it (403) before any route runs, and the
// host is untouched. Needs /usr/bin/chromium (scripts/test.sh installs it as root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeTcp, listenTcp } from '../../src/lib/tcp.js';
import { within } from '../fakes/wait.js';
import { testApi } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
// Under CI nothing real may skip: a missing browser fails the test instead.
const skip = existsSync(CHROMIUM) || process.env.CI === 'true' ? undefined : 'needs Debian chromium (apt-get install chromium)';

test('a cross-site form POST from another origin, sent by Chromium, is refused and changes nothing', { skip, timeout: 90_000 }, async () => {
  const t = await testApi();
  const seen: { method: string; path: string; origin: string | undefined; status: number }[] = [];
  let posted!: () => void;
  const arrived = new Promise<void>((r) => (posted = r));
  const api = createServer((req, res) => {
    // Resolved once the answer to the form's POST has been sent (not merely received).
    res.on('finish', () => {
      seen.push({ method: req.method!, path: req.url!, origin: req.headers.origin, status: res.statusCode });
      if (req.method === 'POST') posted();
    });
    t.app(req, res);
  });
  await listenTcp(api, '127.0.0.1', 0);
  const apiPort = (api.address() as AddressInfo).port;
  // The attacker's page: text/plain forms need no preflight and can carry a JSON-looking body.
  const evil = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(
      `<!doctype html><body><form method="POST" enctype="text/plain" action="http://127.0.0.1:${apiPort}/v1/hosts/h1/reclaim">` +
        `<input name='{"workflow":"wipe","x":"' value='"}'></form><script>document.forms[0].submit()</script></body>`,
    );
  });
  await listenTcp(evil, '127.0.0.2', 0);
  const evilUrl = `http://127.0.0.2:${(evil.address() as AddressInfo).port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'corral-chromium-'));
  const before = t.store.get('hosts', 'h1');
  const browser = spawn(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--virtual-time-budget=10000', '--dump-dom', evilUrl],
    // Its own process group: Chromium's helpers (zygote, utility processes) outlive a kill of the
    // main process and keep writing into the profile; the whole group is killed below.
    { stdio: 'ignore', detached: true },
  );
  try {
    await within(arrived, { timeoutMs: 60_000, what: 'the browser to post the form' });
    const post = seen.find((s) => s.method === 'POST');
    assert.ok(post, JSON.stringify(seen));
    assert.equal(post.path, '/v1/hosts/h1/reclaim');
    assert.equal(post.origin, evilUrl.replace(/\/$/, ''), 'the browser said where the request came from');
    assert.equal(post.status, 403);
    assert.deepEqual(t.store.get('hosts', 'h1'), before, 'h1 untouched');
    assert.equal((await t.store.events({ subject: 'h1' })).filter((e) => e.type.startsWith('reclaim')).length, 0);
  } finally {
    const exited = new Promise((r) => (browser.exitCode !== null ? r(null) : browser.once('exit', r)));
    try {
      process.kill(-browser.pid!, 'SIGKILL'); // the group: the browser and its helpers
    } catch {
      browser.kill('SIGKILL'); // the group is gone already
    }
    await exited; // a helper may still be dying for a moment: rm retries below
    await closeTcp(evil);
    await closeTcp(api);
    t.app.events.close();
    t.cleanup();
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
});
