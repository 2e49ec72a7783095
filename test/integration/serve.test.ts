// `corral serve` as a real process: API answers, the SoT reloads live, a bad reload keeps the
// last good SoT, SIGTERM stops cleanly, and state survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, writeSot } from '../sot/helpers.js';

import { getJson, startServe, stop, waitFor } from './serve-process.js';

test('serve: live reload, bad reload keeps last good, clean stop, restart keeps state', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = writeSot(BASE);
  const data = mkdtempSync(join(tmpdir(), 'corral-data-'));
  let s = await startServe(dir, data);
  try {
    const sites = await getJson(`${s.base}/v1/sites`);
    assert.equal(sites.status, 200);
    assert.equal(sites.body[0].id, 's1');
    const first = await getJson(`${s.base}/v1/sot`);
    assert.equal(first.body.serving, true);

    // Add a host: the watcher reloads and the API shows it.
    writeFileSync(join(dir, 'sites/s1/more.yml'), 'name: h3\ninterfaces:\n  - mac: 52:54:00:00:00:03\n    subnet: net\n    ipv4: 10.1.0.13\nworkflow: wf\n');
    await waitFor('h3 to appear', async () => ((await getJson(`${s.base}/v1/hosts/h3`)).status === 200 ? true : undefined));
    const rev2 = (await getJson(`${s.base}/v1/sot`)).body.revision;
    assert.notEqual(rev2, first.body.revision);

    // Break the SoT: problems are reported, the last good revision keeps serving.
    writeFileSync(join(dir, 'sites/s1/more.yml'), 'name: h3\ninterfaces:\n  - mac: not-a-mac\n');
    const bad = await waitFor('the bad reload', async () => {
      const r = await getJson(`${s.base}/v1/sot`);
      return r.body.last_attempt && r.body.last_attempt.ok === false ? r.body : undefined;
    });
    assert.equal(bad.revision, rev2);
    assert.ok(bad.problems.some((p: any) => p.file === 'sites/s1/more.yml' && p.line === 3 && /not a MAC address/.test(p.message)));
    assert.equal((await getJson(`${s.base}/v1/hosts/h3`)).status, 200);
    assert.match(s.log(), /SoT has problems; still serving the last good revision/);

    assert.equal(await stop(s), 0);
    // Restart on the same data with the SoT still broken: the saved last good SoT is served,
    // and the recorded history is still there.
    s = await startServe(dir, data);
    const after = (await getJson(`${s.base}/v1/sot`)).body;
    assert.equal(after.serving, true);
    assert.equal(after.from_last_good, true);
    assert.equal(after.revision, rev2);
    assert.equal(after.last_attempt.ok, false);
    const events = await getJson(`${s.base}/v1/hosts/h3/events`);
    assert.equal(events.status, 200);
    assert.equal(events.body.filter((e: any) => e.type === 'host.added').length, 1);
  } finally {
    await stop(s);
    cleanup();
    rmSync(data, { recursive: true, force: true });
  }
});

test('serve: an invalid SoT at start still serves the API and reports the problems', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = writeSot({ ...BASE, 'workflows/wf.yml': 'id: wf\nworkflow: [' });
  const data = mkdtempSync(join(tmpdir(), 'corral-data-'));
  const s = await startServe(dir, data);
  try {
    const sot = await getJson(`${s.base}/v1/sot`);
    assert.equal(sot.body.serving, false);
    assert.ok(sot.body.problems.length > 0);
    const hosts = await getJson(`${s.base}/v1/hosts`);
    assert.equal(hosts.status, 503);
    assert.equal(hosts.body.code, 'SOT_NOT_LOADED');
  } finally {
    await stop(s);
    cleanup();
    rmSync(data, { recursive: true, force: true });
  }
});
