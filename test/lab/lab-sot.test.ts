// The SoT `corral lab up` writes: it loads clean, and it brings the `wipe` workflow pools need
// unless the merged SoT has its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLabSot } from '../../src/lab/sot.js';
import type { LabSpec } from '../../src/lab/spec.js';
import { loadSot } from '../../src/sot/load.js';

const spec = (sot?: string): LabSpec => ({
  name: 'corral-t', dir: '/tmp/x', cacheDir: '/tmp/x', bridge: 'corral0', serverIp: '10.77.0.1', api: { host: '127.0.0.1', port: 18080 },
  dhcpMode: 'server', siteDhcp: false, mode: 'on-demand', accel: 'tcg', machines: [], corral: [], privilege: 'root', server: 'corral', serveArgs: [], bmcUser: 'admin',
  ...(sot && { sot }),
});

test('the lab SoT loads clean and has a wipe workflow booting the lab payload', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-labsot-'));
  try {
    writeLabSot(spec(), join(dir, 'sot'), 'pw');
    const res = await loadSot(join(dir, 'sot'));
    assert.deepEqual(res.problems.filter((p) => p.severity === 'error'), []);
    const wipe = res.sot.workflows.find((w) => w.id === 'wipe');
    assert.deepEqual(wipe?.boots, ['corral-lab-wipe']);
    assert.equal(res.sot.boots.find((b) => b.id === 'corral-lab-wipe')?.checkpoints, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a merged SoT with its own wipe workflow keeps it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-labsot-'));
  try {
    mkdirSync(join(dir, 'seed/workflows'), { recursive: true });
    mkdirSync(join(dir, 'seed/boot'), { recursive: true });
    writeFileSync(join(dir, 'seed/workflows/clean.yml'), 'id: wipe # ours\nworkflow:\n  - boot: corral-lab-install\n');
    writeLabSot(spec(join(dir, 'seed')), join(dir, 'sot'), 'pw');
    assert.throws(() => readFileSync(join(dir, 'sot/workflows/wipe.yml')), /ENOENT/);
    const res = await loadSot(join(dir, 'sot'));
    assert.deepEqual(res.problems.filter((p) => p.severity === 'error'), []);
    assert.deepEqual(res.sot.workflows.find((w) => w.id === 'wipe')?.boots, ['corral-lab-install']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
